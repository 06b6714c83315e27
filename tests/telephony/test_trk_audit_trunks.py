"""Audit of TRK-3 (orders' expiry), TRK-5 and the OPT options: cases no other test shows."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from telephony import selectors, services, tasks
from telephony.choices import OrderStatus
from tests.telephony.factories import customer, make_trunk, top_up

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
NOV = date(2026, 11, 1)


# TRK-3 — « expired when still unpaid 7 days after it was quoted ». Quoted on Tuesday 10
# November 2026 at 15:00 (Paris): the order page says « Valable jusqu'au 17/11/2026 » and the
# billing team's queue gives it until the end of 17 November. The payment of 17 November at
# 10:00 was refused (« This order has expired ») and the job of 17 November 00:40 expired it,
# 6 days 9 h 40 min after the quote. The 7 days run from the day after the quote (art. 641 CPC:
# the day of the act does not count) to the end of 17 November: payable all that day, expired
# by the job of 18 November 00:40. +1 channel paid on 17/11: 5.00 × 14/30 = 2.3333 → 2.33 HT.
def test_trk3_order_payable_until_the_end_of_its_last_valid_day():
    trunk = make_trunk(customer(), channels=8, start=date(2026, 10, 1), renew_to=NOV)
    top_up(trunk.contract.client, "50.00")
    with time_machine.travel(datetime(2026, 11, 10, 15, tzinfo=PARIS), tick=False):
        order = services.channel_order_create(trunk=trunk, add=1)
    assert order.expires_on == date(2026, 11, 17)
    with time_machine.travel(datetime(2026, 11, 17, 0, 40, tzinfo=PARIS), tick=False):
        assert tasks.expire_channel_orders.apply().get() == 0
    with time_machine.travel(datetime(2026, 11, 17, 10, tzinfo=PARIS), tick=False):
        order = services.channel_order_pay(order=order, method="prepaid")
    assert order.status == OrderStatus.ACTIVE
    assert str(order.prorata_price) == "2.3333"
    assert selectors.trunk_capacity(trunk, date(2026, 11, 17)) == 9


# TRK-3 — the same order left unpaid: the job of 18 November 00:40 expires it (once), and a
# payment on 18 November is refused with « order_expired ».
def test_trk3_order_expires_the_day_after_its_last_valid_day():
    trunk = make_trunk(customer(), channels=8, start=date(2026, 10, 1), renew_to=NOV)
    top_up(trunk.contract.client, "50.00")
    with time_machine.travel(datetime(2026, 11, 10, 15, tzinfo=PARIS), tick=False):
        order = services.channel_order_create(trunk=trunk, add=1)
    assert not services.channel_order_expire(order_id=order.pk, today=date(2026, 11, 17))
    with pytest.raises(services.InvalidTransition) as error:
        services.channel_order_pay(order=order, method="prepaid", today=date(2026, 11, 18))
    assert error.value.code == "order_expired"
    with time_machine.travel(datetime(2026, 11, 18, 0, 40, tzinfo=PARIS), tick=False):
        assert tasks.expire_channel_orders.apply().get() == 1
        assert tasks.expire_channel_orders.apply().get() == 0
    order.refresh_from_db()
    assert order.status == OrderStatus.EXPIRED


# TRK-3 / BIL-1 — a trunk offer whose staff-made terms commit for 12 months from the signature
# (anchor « signature », 12 + 12 months): signed and started 1 October 2026, period until
# 1 October 2027. Billing periods stay calendar months (SPEC, Time). +4 channels paid on
# 21 November: the order pays 17.00 × 10/30 = 5.6667 → 5.67 HT for November; from December the
# 4-pack is billed by the month-end runs like the other packs. Its contract line started on the
# period's end (1 October 2027): December to September, 10 × 17.00 = 170.00 € HT, were never
# billed. November's run bills December's 12 channels re-optimised on 1 December (TRK-5, on a
# committed trunk too): one 10-pack 39.00 + 2 × 5.00 = 49.00 € HT (not 34.00, nor the 3 × 17.00 =
# 51.00 of the packs held before the re-optimisation).
def test_trk3_added_packs_billed_from_the_next_month_on_a_yearly_trunk_contract():
    from billing import services as billing
    from billing.models import Invoice
    from offers import services as offers
    from tests.offers.factories import make_contract
    from tests.telephony.factories import seed_catalogue

    seed_catalogue()
    client = customer()
    start = date(2026, 10, 1)
    contract = make_contract(client, "trunk", quantity=8, signature=start, status="ordered")
    contract.terms_snapshot.update(anchor="signature", initial_months=12, renewal_months=12)
    contract.save(update_fields=["terms_snapshot"])
    trunk, _secret = services.trunk_create(contract=contract, today=start)
    offers.contract_activate(contract=contract, service_start_date=start)
    contract.refresh_from_db()
    assert contract.current_period_end == date(2027, 10, 1)
    top_up(client, "50.00")
    order = services.channel_order_create(trunk=trunk, add=4, today=date(2026, 11, 21))
    order = services.channel_order_pay(order=order, method="prepaid", today=date(2026, 11, 21))
    assert str(order.prorata_price) == "5.6667"
    billing.run_month_sync(month=date(2026, 11, 1))
    invoice = Invoice.objects.get(client=client, month=date(2026, 11, 1))
    december = [line for line in invoice.lines.all() if line.period_start == date(2026, 12, 1)]
    assert sum(line.net_amount for line in december) == Decimal("49.00")


# TRK-4 — a decrease 8 → 5 confirmed on 21 November 2026 takes effect on 1 December (the next
# renewal date): the trunk has its 8 channels up to 30 November included. The message read
# « votre trunk conserve ses 8 canaux jusqu'au 01/12/2026, puis en comptera 5 »: in French
# « jusqu'au 01/12 » includes 1 December, the day it already has 5. It names the last day with 8
# channels and the first with 5.
def test_trk4_decrease_message_names_the_last_day_with_the_channels(client):
    from django.urls import reverse

    from accounts.choices import Role
    from tests.factories import MembershipFactory

    trunk = make_trunk(customer(), channels=8, start=date(2026, 10, 1), renew_to=NOV)
    member = MembershipFactory(client=trunk.contract.client, role=Role.ADMIN)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    client.force_login(member.user)
    with time_machine.travel(datetime(2026, 11, 21, 10, tzinfo=PARIS), tick=False):
        response = client.post(
            reverse("telephony:trunk_change", args=[trunk.pk]),
            {"total": "5", "action": "confirm"},
            follow=True,
        )
    page = response.content.decode().replace("\xa0", " ").replace("&#x27;", "'")
    assert (
        "Diminution enregistrée : votre trunk conserve ses 8 canaux jusqu'au 30 novembre 2026 "
        "inclus, puis en comptera 5 à partir du 1er décembre 2026." in page
    ), page[page.find("Diminution") - 10 : page.find("Diminution") + 200]


# TRK-1 (TRUNK 2: « le nombre maximal de canaux est limité ») — a partner orders a SIP trunk
# contract of 250 channels through the API: it was accepted (201, ordered) although a trunk holds
# at most 200 channels, and the activation by our staff then failed (« A trunk holds at most 200
# channels »), leaving an ordered contract nobody could activate. It is a field error
# on ``quantity`` (400) and nothing is written; 200 channels are accepted.
def test_trk1_trunk_contract_beyond_the_cap_refused_at_creation(api, tenant):
    from django.urls import reverse

    from offers.models import Contract
    from tests.telephony.factories import seed_catalogue

    seed_catalogue()
    order = {
        "client": tenant.client.pk,
        "site": tenant.site.pk,
        "offer": "trunk",
        "quantity": 250,
        "signature_date": "2026-11-02",
        "order_date": "2026-11-02",
    }
    response = api.post(
        reverse("api:contract-list"), order, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["fields"]["quantity"] == ["A trunk holds at most 200 channels."]
    assert not Contract.objects.filter(client=tenant.client).exists()
    response = api.post(reverse("api:contract-list"), {**order, "quantity": 200}, format="json")
    assert response.status_code == 201, response.json()
