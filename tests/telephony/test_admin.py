"""Back office of trunks and SIP accounts: pages answer, actions go through the services
(TRK-1, TRK-3, ACC-7, CON-8, TRK-6)."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.models import AuditLog, User
from billing.models import PendingCharge
from payments.models import Payment
from telephony import selectors, services
from telephony.choices import OrderStatus, SipStatus
from telephony.models import (
    ChannelDecrease,
    ChannelOrder,
    DestinationGroup,
    Pack,
    PackTable,
    SipAccount,
    Trunk,
)
from tests.conftest import admin_confirmation
from tests.factories import PASSWORD
from tests.offers.factories import make_contract
from tests.offers.test_admin import _staff_with_mfa
from tests.telephony.factories import customer, make_sip_account, make_trunk

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
NOV = date(2026, 11, 1)


@pytest.fixture(autouse=True)
def _on_21_november():
    with time_machine.travel(datetime(2026, 11, 21, 10, tzinfo=PARIS), tick=False):
        yield


@pytest.fixture
def staff(client):
    return _staff_with_mfa(client)


@pytest.fixture
def trunk():
    return make_trunk(customer(), channels=8, start=date(2026, 10, 1), renew_to=NOV)


def _action(client, model, action, objects, **data):
    return client.post(
        reverse(f"admin:telephony_{model}_changelist"),
        {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in objects], **data},
    )


def test_pages_answer(client, staff, trunk):
    account, _secret = make_sip_account(trunk.contract.client)
    order = services.channel_order_create(trunk=trunk, add=1)
    decrease = services.channel_decrease_request(trunk=trunk, channels_to_remove=1)
    table = PackTable.objects.get()
    for model, obj in [
        ("packtable", table),
        ("trunk", trunk),
        ("channelorder", order),
        ("channeldecrease", decrease),
        ("sipaccount", account),
        ("destinationgroup", DestinationGroup.objects.first()),
    ]:
        assert client.get(reverse(f"admin:telephony_{model}_changelist")).status_code == 200
        assert (
            client.get(reverse(f"admin:telephony_{model}_changelist"), {"q": "x"}).status_code
            == 200
        )
        page = client.get(reverse(f"admin:telephony_{model}_change", args=[obj.pk]))
        assert page.status_code == 200, model
    assert client.get(reverse("admin:telephony_trunk_add")).status_code == 200
    assert client.get(reverse("admin:telephony_sipaccount_add")).status_code == 200


# TRK-3 — staff record a transfer for an order through the intermediate form: the payment is
# recorded, the order paid and active, the pro-rata charge shown paid.
def test_record_payment_action(client, staff, trunk):
    order = services.channel_order_create(trunk=trunk, add=4)
    form = _action(client, "channelorder", "record_payment", [order])
    assert form.status_code == 200 and order.reference in form.content.decode()
    done = _action(
        client,
        "channelorder",
        "record_payment",
        [order],
        apply="1",
        method="transfer",
        received_on="2026-11-21",
        reference="VIR-2026-77",
        amount="",
    )
    assert done.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.ACTIVE
    payment = Payment.objects.get(source_type="channel_order", source_id=str(order.pk))
    assert (payment.amount, payment.reference) == (Decimal("6.80"), "VIR-2026-77")
    assert PendingCharge.objects.get(source_type="channel_order").is_paid
    assert selectors.trunk_capacity(trunk, date(2026, 11, 21)) == 12


# TRK-1 + CON-6 — staff edit the pack table, but not an existing pack's price: a posted price
# is ignored (it changes only through a scheduled price change, with its notice); the rest of
# the row is saved (the 30-channel pack withdrawn from sale).
def test_pack_table_editable_but_not_prices(client, staff):
    table = PackTable.objects.get()
    packs = list(table.packs.order_by("channels"))
    data = {"offer": table.offer_id, "max_channels": "200"}
    data.update(
        {
            "packs-TOTAL_FORMS": str(len(packs)),
            "packs-INITIAL_FORMS": str(len(packs)),
            "packs-MIN_NUM_FORMS": "0",
            "packs-MAX_NUM_FORMS": "1000",
        }
    )
    for i, pack in enumerate(packs):
        data.update(
            {
                f"packs-{i}-id": str(pack.pk),
                f"packs-{i}-table": str(table.pk),
                f"packs-{i}-channels": str(pack.channels),
                f"packs-{i}-monthly_price": "16.5000"
                if pack.channels == 4
                else str(pack.monthly_price),
                f"packs-{i}-product": str(pack.product_id),
            }
        )
        if pack.channels != 30:
            data[f"packs-{i}-is_active"] = "on"
    response = client.post(reverse("admin:telephony_packtable_change", args=[table.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Pack.objects.get(channels=4).monthly_price == Decimal("17.0000")  # unchanged
    assert not Pack.objects.get(channels=30).is_active


# Trunk set-up from the back office, through ``trunk_create`` (secret shown once).
def test_trunk_add(client, staff):
    contract = make_contract(
        customer(), "trunk", quantity=9, signature=date(2026, 10, 1), status="ordered"
    )
    response = client.post(
        reverse("admin:telephony_trunk_add"), {"contract": contract.pk}, follow=True
    )
    assert response.status_code == 200
    trunk = Trunk.objects.get(contract=contract)
    assert "affiché une seule fois" in response.content.decode()
    assert {p.channels: c for p, c in selectors.packs_held(trunk, date(2026, 11, 21)).items()} == {
        10: 1
    }


# ACC-7 / CON-8 — declare compromised, suspend with a reason (intermediate form), lift.
def test_sip_account_actions(client, staff):
    account, _secret = make_sip_account(customer())
    response = _action(client, "sipaccount", "declare_compromised", [account])
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.status == SipStatus.DISABLED
    _action(client, "sipaccount", "enable_credentials", [account])
    form = _action(client, "sipaccount", "suspend", [account])
    assert form.status_code == 200
    # CON-8: the reason is followed by a confirmation (what stops, for whom); nothing before it
    page = _action(client, "sipaccount", "suspend", [account], apply="1", reason="fraud", note="x")
    page = page.content.decode()
    account.refresh_from_db()
    assert account.status == SipStatus.ACTIVE
    assert "Suspendre le service de 1 compte SIP\xa0?" in page and account.username in page
    client.post(reverse("admin:telephony_sipaccount_changelist"), admin_confirmation(page))
    account.refresh_from_db()
    assert account.status == SipStatus.SUSPENDED
    _action(client, "sipaccount", "lift_suspension", [account])
    account.refresh_from_db()
    assert account.status == SipStatus.ACTIVE
    assert AuditLog.objects.filter(action="sip_account.suspend", actor=staff).exists()


# ACC-7 — the new secret's message does not start with the username: the back office
# capitalises a message's first letter, and staff read "Sip9623859487" for sip9623859487.
@pytest.mark.parametrize("action", ["reset_credentials", "declare_compromised"])
def test_new_secret_message_keeps_the_username(client, staff, action):
    account, _secret = make_sip_account(customer())
    page = client.post(
        reverse("admin:telephony_sipaccount_changelist"),
        {"action": action, ACTION_CHECKBOX_NAME: [account.pk]},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    html = page.content.decode()
    assert f"Nouveau secret de {account.username}\u00a0: " in html
    assert "affiché une seule fois" in html
    assert account.username.capitalize() not in html


def test_sip_account_add(client, staff):
    contract = make_contract(
        customer(), "sip-unl", signature=date(2026, 10, 1), service_start=date(2026, 10, 1)
    )
    response = client.post(
        reverse("admin:telephony_sipaccount_add"),
        {"contract": contract.pk, "label": "Standard", "mobility": "on"},
        follow=True,
    )
    assert response.status_code == 200
    account = SipAccount.objects.get(contract=contract)
    assert account.mobility and "affiché une seule fois" in response.content.decode()
    assert {g.code for g in selectors.blocked_groups(account)} == {"premium-rate", "high-risk"}


def test_decrease_and_order_cancel_actions(client, staff, trunk):
    order = services.channel_order_create(trunk=trunk, add=1)
    decrease = services.channel_decrease_request(trunk=trunk, channels_to_remove=1)
    _action(client, "channelorder", "cancel", [order])
    _action(client, "channeldecrease", "cancel", [decrease])
    assert ChannelOrder.objects.get().status == "cancelled"
    assert ChannelDecrease.objects.get().status == "cancelled"


# TRK-3 / TRK-4 — orders and decreases are written by the services only (``ServiceRowsAdmin``):
# their actions need the model's change right; a member of staff who may only view them sees
# the rows read-only and is offered no action.
def test_order_and_decrease_actions_need_the_change_right(client, trunk):
    order = services.channel_order_create(trunk=trunk, add=1)
    decrease = services.channel_decrease_request(trunk=trunk, channels_to_remove=1)
    viewer = User.objects.create_user(
        email="viewer@reseller.example", password=PASSWORD, is_staff=True
    )
    viewer.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_channelorder", "view_channeldecrease"])
    )
    Authenticator.objects.create(user=viewer, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(viewer)
    for model, obj in [("channelorder", order), ("channeldecrease", decrease)]:
        page = client.get(reverse(f"admin:telephony_{model}_changelist"))
        assert page.status_code == 200 and 'value="cancel"' not in page.content.decode()
        assert (
            client.get(reverse(f"admin:telephony_{model}_change", args=[obj.pk])).status_code == 200
        )
    _action(client, "channelorder", "cancel", [order])
    _action(client, "channeldecrease", "cancel", [decrease])
    assert ChannelOrder.objects.get().status == OrderStatus.AWAITING_PAYMENT
    assert ChannelDecrease.objects.get().status == "pending"


# TRK-1 + CON-6, ACC-4 — an existing pack's size and product are what the trunks holding it
# have: a trunk holding one 4-channel pack (17.00 € HT) had 5 channels at the same price once
# staff typed 5 on the pack table's row (no notice, no price change, no audit entry). Now the
# size and product of an existing pack are read-only (a posted value ignored) and what the
# inline changes — the 30-channel pack withdrawn from sale — is audited with before/after.
def test_pack_size_not_edited_in_place_and_pack_changes_audited(client, staff):
    trunk = make_trunk(customer(), channels=4, start=date(2026, 11, 1))
    table = PackTable.objects.get()
    packs = list(table.packs.order_by("channels"))
    data = {"offer": table.offer_id, "max_channels": str(table.max_channels)}
    data.update(
        {
            "packs-TOTAL_FORMS": str(len(packs)),
            "packs-INITIAL_FORMS": str(len(packs)),
            "packs-MIN_NUM_FORMS": "0",
            "packs-MAX_NUM_FORMS": "1000",
        }
    )
    for i, pack in enumerate(packs):
        data.update(
            {
                f"packs-{i}-id": str(pack.pk),
                f"packs-{i}-table": str(table.pk),
                f"packs-{i}-channels": "5" if pack.channels == 4 else str(pack.channels),
                f"packs-{i}-monthly_price": str(pack.monthly_price),
                f"packs-{i}-product": str(pack.product_id),
            }
        )
        if pack.channels != 30:
            data[f"packs-{i}-is_active"] = "on"
    response = client.post(reverse("admin:telephony_packtable_change", args=[table.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Pack.objects.get(pk=next(p.pk for p in packs if p.channels == 4)).channels == 4
    assert selectors.trunk_capacity(trunk, date(2026, 11, 21)) == 4
    thirty = Pack.objects.get(table=table, channels=30)
    assert not thirty.is_active
    entry = AuditLog.objects.get(action="pack.update")
    assert entry.actor == staff
    assert (entry.before, entry.after) == (
        {"pack": thirty.pk, "is_active": True},
        {"pack": thirty.pk, "is_active": False},
    )


# TRK-6 — a trunk's and a SIP account's destination groups, under their back-office page in
# French, read « France — fixes: allowed », « Numéros surtaxés: blocked » (each row's name, in
# English): now « France — fixes : autorisé », « Numéros surtaxés : bloqué ».
def test_destination_rows_read_in_french(client, staff, trunk):
    from telephony.services.destinations import destinations_init

    if not trunk.destinations.exists():
        destinations_init(trunk)
    account, _secret = make_sip_account(trunk.contract.client)
    assert trunk.destinations.filter(blocked=True).exists()
    assert trunk.destinations.filter(blocked=False).exists()
    for model, obj in [("trunk", trunk), ("sipaccount", account)]:
        page = client.get(
            reverse(f"admin:telephony_{model}_change", args=[obj.pk]), HTTP_ACCEPT_LANGUAGE="fr"
        ).content.decode()
        assert ": allowed" not in page and ": blocked" not in page, model
        assert "\u00a0: autorisé" in page and "\u00a0: bloqué" in page, model
