"""Partner API of trunks and SIP accounts: quotes, orders with Idempotency-Key, payment,
decreases (TRK-3, TRK-4), credentials (ACC-7), destinations (TRK-6), isolation (ACC-3)."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from accounts.models import AuditLog, IdempotencyRecord
from billing.models import PendingCharge
from telephony import credentials, selectors
from telephony.models import ChannelDecrease, ChannelOrder, DestinationSetting, SipAccount
from tests.telephony.factories import make_sip_account, make_trunk, top_up

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
NOV = date(2026, 11, 1)


@pytest.fixture(autouse=True)
def _on_21_november():
    with time_machine.travel(datetime(2026, 11, 21, 10, tzinfo=PARIS), tick=False):
        yield


@pytest.fixture
def trunk(tenant):
    return make_trunk(tenant.client, channels=8, start=date(2026, 10, 1), renew_to=NOV)


@pytest.fixture
def sip(tenant):
    return make_sip_account(tenant.client)[0]


def test_trunk_list_and_detail(api, trunk, django_assert_max_num_queries):
    make_trunk(trunk.contract.client, channels=12, start=date(2026, 10, 1))
    with django_assert_max_num_queries(6):
        body = api.get(reverse("api:trunk-list")).json()
    assert body["count"] == 2
    row = api.get(reverse("api:trunk-detail", args=[trunk.pk])).json()
    assert row["channels"] == 8
    assert row["packs"] == [{"channels": 4, "count": 2, "monthly_price": "17.0000"}]
    assert row["monthly_price"] == "34.0000"
    assert row["contract"] == trunk.contract.reference
    assert "secret" not in row and "secret_encrypted" not in row


# TRK-3 — the live quote, by GET (query) or POST (body); bad input names the field.
def test_trk3_channel_quote(api, trunk):
    url = reverse("api:trunk-channel-quote", args=[trunk.pk])
    body = api.get(url, {"add": 4}).json()
    assert body["packs_added"] == [{"channels": 4, "count": 1, "monthly_price": "17.0000"}]
    assert (body["prorata_days"], body["period_days"]) == (10, 30)
    assert (body["prorata_price"], body["prorata_net"], body["prorata_gross"]) == (
        "5.6667",
        "5.67",
        "6.80",
    )
    assert (body["current_monthly_price"], body["next_monthly_price"]) == ("34.0000", "49.0000")
    assert api.post(url, {"total": 12}, format="json").json()["channels_requested"] == 4
    bad = api.get(url, {"add": 0})
    assert bad.status_code == 400 and "add" in bad.json()["error"]["fields"]
    both = api.post(url, {"add": 1, "total": 9}, format="json")
    assert both.status_code == 400 and "add" in both.json()["error"]["fields"]
    over = api.get(url, {"add": 193})
    assert over.status_code == 400 and "add" in over.json()["error"]["fields"]


# TRK-3 — Idempotency-Key: a retried POST returns the first response and creates one order;
# the same key for another body is refused (422).
def test_trk3_order_idempotency_key(api, trunk):
    url = reverse("api:channel-order-list")
    headers = {"HTTP_IDEMPOTENCY_KEY": "5f1c2a10-order-1"}
    first = api.post(url, {"trunk": trunk.pk, "add": 4}, format="json", **headers)
    again = api.post(url, {"trunk": trunk.pk, "add": 4}, format="json", **headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert ChannelOrder.objects.count() == 1
    assert first.json()["status"] == "awaiting_payment"
    reused = api.post(url, {"trunk": trunk.pk, "add": 5}, format="json", **headers)
    assert reused.status_code == 422
    assert reused.json()["error"]["code"] == "idempotency_key_reused"
    assert ChannelOrder.objects.count() == 1
    # without a key, or with another key, a new order
    assert api.post(url, {"trunk": trunk.pk, "add": 4}, format="json").status_code == 201
    assert ChannelOrder.objects.count() == 2
    assert IdempotencyRecord.objects.count() == 1


# TRK-3 — a POST retried without its trailing slash (or with it) is the same request: the same
# Idempotency-Key replays the first answer, one order.
def test_trk3_idempotency_key_with_or_without_slash(api, trunk):
    url = reverse("api:channel-order-list")
    headers = {"HTTP_IDEMPOTENCY_KEY": "5f1c2a10-order-2"}
    first = api.post(url.rstrip("/"), {"trunk": trunk.pk, "add": 4}, format="json", **headers)
    again = api.post(url, {"trunk": trunk.pk, "add": 4}, format="json", **headers)
    assert first.status_code == again.status_code == 201, again.json()
    assert again["Idempotent-Replayed"] == "true" and first.json() == again.json()
    assert ChannelOrder.objects.count() == 1


# TRK-3 — paying from the prepaid balance activates at once; paying twice is a 409; a short
# balance is a 409 that writes nothing; cancelling a paid order is a 409.
def test_trk3_pay_and_cancel(api, trunk):
    order_id = api.post(
        reverse("api:channel-order-list"), {"trunk": trunk.pk, "add": 4}, format="json"
    ).json()["id"]
    pay = reverse("api:channel-order-pay", args=[order_id])
    short = api.post(pay, {"method": "prepaid"}, format="json")
    assert short.status_code == 409
    assert short.json()["error"]["code"] == "insufficient_balance"
    assert selectors.trunk_capacity(trunk, date(2026, 11, 21)) == 8
    top_up(trunk.contract.client)
    assert api.post(pay, {"method": "cash"}, format="json").status_code == 400
    paid = api.post(pay, {"method": "prepaid"}, format="json")
    assert paid.status_code == 200, paid.json()
    assert (paid.json()["status"], paid.json()["amount_gross"]) == ("active", "6.80")
    assert selectors.trunk_capacity(trunk, date(2026, 11, 21)) == 12
    again = api.post(pay, {"method": "prepaid"}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_transition"
    cancel = api.post(reverse("api:channel-order-cancel", args=[order_id]))
    assert cancel.status_code == 409
    other = api.post(
        reverse("api:channel-order-list"), {"trunk": trunk.pk, "add": 1}, format="json"
    ).json()["id"]
    cancelled = api.post(reverse("api:channel-order-cancel", args=[other]))
    assert cancelled.json()["status"] == "cancelled"
    assert PendingCharge.objects.filter(source_type="channel_order").count() == 1


# TRK-3 — a partner pays with the amount its customer was shown: a quote of 30 November
# (4 channels on a 4-pack at 17.00 € HT: 1 day of 30, 0.57 € HT, 0.68 € TTC) paid after midnight
# would take the whole of December (17.00 € HT, 20.40 € TTC): 400 on expected_amount naming
# today's amount, nothing debited, the order still awaiting payment; with 20.40 it is paid.
def test_trk3_pay_with_the_amount_shown(api, trunk):
    top_up(trunk.contract.client)
    with time_machine.travel(datetime(2026, 11, 30, 23, 59, tzinfo=ZoneInfo("Europe/Paris"))):
        quote = api.post(
            reverse("api:channel-order-list"), {"trunk": trunk.pk, "add": 4}, format="json"
        ).json()
    assert quote["amount_gross"] == "0.68"
    pay = reverse("api:channel-order-pay", args=[quote["id"]])
    with time_machine.travel(datetime(2026, 12, 1, 0, 1, tzinfo=ZoneInfo("Europe/Paris"))):
        changed = api.post(pay, {"method": "prepaid", "expected_amount": "0.68"}, format="json")
        assert changed.status_code == 400
        assert "20,40" in str(changed.json()) or "20.40" in str(changed.json())
        assert ChannelOrder.objects.get(pk=quote["id"]).status == "awaiting_payment"
        paid = api.post(pay, {"method": "prepaid", "expected_amount": "20.40"}, format="json")
    assert paid.status_code == 200, paid.json()
    assert paid.json()["amount_gross"] == "20.40"


# TRK-4 — a decrease through the API, pending until the next renewal date, then cancelled.
def test_trk4_decrease(api, trunk):
    url = reverse("api:channel-decrease-list")
    created = api.post(url, {"trunk": trunk.pk, "new_total": 5}, format="json")
    assert created.status_code == 201
    body = created.json()
    assert (body["status"], body["channels_after"], body["effective_on"]) == (
        "pending",
        5,
        "2026-12-01",
    )
    assert (
        api.get(reverse("api:trunk-detail", args=[trunk.pk])).json()["pending_decrease"][
            "channels_after"
        ]
        == 5
    )
    second = api.post(url, {"trunk": trunk.pk, "channels_to_remove": 1}, format="json")
    assert second.status_code == 409 and second.json()["error"]["code"] == "decrease_pending"
    floor = api.post(url, {"trunk": trunk.pk, "new_total": 0}, format="json")
    assert floor.status_code in (400, 409)
    cancel = api.post(reverse("api:channel-decrease-cancel", args=[body["id"]]))
    assert cancel.json()["status"] == "cancelled"
    zero = api.post(url, {"trunk": trunk.pk, "new_total": 0}, format="json")
    assert zero.status_code == 400
    assert zero.json()["error"]["fields"]["new_total"] == ["Un trunk conserve au moins un canal."]


# ACC-7 — the new secret is returned once, by the reset; never by a read.
def test_acc7_reset_credentials(api, sip):
    url = reverse("api:sip-account-reset-credentials", args=[sip.pk])
    body = api.post(url, {}, format="json").json()
    sip.refresh_from_db()
    assert credentials.decrypt(sip.secret_encrypted) == body["secret"]
    assert body["status"] == "active"
    detail = api.get(reverse("api:sip-account-detail", args=[sip.pk])).json()
    assert body["secret"] not in str(detail)
    compromised = api.post(url, {"compromised": True}, format="json").json()
    assert compromised["status"] == "disabled" and compromised["secret"] != body["secret"]


# TRK-6 — destinations of a SIP account: premium and high-risk blocked; unblocking is audited.
def test_trk6_destinations(api, sip, django_assert_max_num_queries):
    url = reverse("api:sip-account-destinations", args=[sip.pk])
    with django_assert_max_num_queries(6):
        rows = api.get(url).json()
    assert {r["group"] for r in rows if r["blocked"]} == {"premium-rate", "high-risk"}
    unblock = reverse("api:sip-account-unblock-destination", args=[sip.pk])
    rows = api.post(unblock, {"group": "premium-rate"}, format="json").json()
    assert {r["group"] for r in rows if r["blocked"]} == {"high-risk"}
    log = AuditLog.objects.get(action="destination.unblock")
    assert log.actor_api_key is not None and log.after == {
        "group": "premium-rate",
        "blocked": False,
    }
    bad = api.post(unblock, {"group": "nowhere"}, format="json")
    assert bad.status_code == 400 and "group" in bad.json()["error"]["fields"]


def test_sip_account_list_query_count(api, tenant, django_assert_max_num_queries):
    for _ in range(4):
        make_sip_account(tenant.client)
    with django_assert_max_num_queries(5):
        body = api.get(reverse("api:sip-account-list")).json()
    assert body["count"] == 4


def test_channel_order_list_query_count(api, trunk, django_assert_max_num_queries):
    for _ in range(3):
        api.post(reverse("api:channel-order-list"), {"trunk": trunk.pk, "add": 1}, format="json")
    with django_assert_max_num_queries(5):
        assert api.get(reverse("api:channel-order-list")).json()["count"] == 3


# ACC-3 / TRK-6 — another partner's trunk, order, decrease or SIP account is a 404 on every
# route (a 400 on ``trunk`` when named in a body), and nothing is written.
def test_other_partner_404_on_every_route(api, other_tenant):
    theirs = make_trunk(other_tenant.client, channels=8, start=date(2026, 10, 1), renew_to=NOV)
    from telephony import services

    order = services.channel_order_create(trunk=theirs, add=1)
    decrease = services.channel_decrease_request(trunk=theirs, channels_to_remove=1)
    account = make_sip_account(other_tenant.client)[0]
    settings_before = list(DestinationSetting.objects.values_list("pk", "blocked"))
    secrets_before = list(SipAccount.objects.values_list("secret_encrypted", flat=True))
    calls = [
        ("get", "api:trunk-detail", theirs.pk, None),
        ("get", "api:trunk-channel-quote", theirs.pk, None),
        ("post", "api:trunk-channel-quote", theirs.pk, {"add": 1}),
        ("post", "api:trunk-reset-credentials", theirs.pk, {}),
        ("get", "api:trunk-destinations", theirs.pk, None),
        ("post", "api:trunk-block-destination", theirs.pk, {"group": "fr-mobile"}),
        ("post", "api:trunk-unblock-destination", theirs.pk, {"group": "premium-rate"}),
        ("get", "api:channel-order-detail", order.pk, None),
        ("post", "api:channel-order-pay", order.pk, {"method": "prepaid"}),
        ("post", "api:channel-order-cancel", order.pk, None),
        ("get", "api:channel-decrease-detail", decrease.pk, None),
        ("post", "api:channel-decrease-cancel", decrease.pk, None),
        ("get", "api:sip-account-detail", account.pk, None),
        ("post", "api:sip-account-reset-credentials", account.pk, {"compromised": True}),
        ("get", "api:sip-account-destinations", account.pk, None),
        ("post", "api:sip-account-block-destination", account.pk, {"group": "fr-mobile"}),
        ("post", "api:sip-account-unblock-destination", account.pk, {"group": "high-risk"}),
    ]
    for method, route, pk, data in calls:
        response = getattr(api, method)(reverse(route, args=[pk]), data, format="json")
        assert response.status_code == 404, (route, response.status_code)
    # Their trunk named in a body is a field error, like an id that does not exist
    # (tests/api/test_bounds.py).
    for route, data in [
        ("api:channel-order-list", {"trunk": theirs.pk, "add": 1}),
        ("api:channel-decrease-list", {"trunk": theirs.pk, "new_total": 2}),
    ]:
        response = api.post(reverse(route), data, format="json")
        assert response.status_code == 400 and "trunk" in response.json()["error"]["fields"]
    assert ChannelOrder.objects.get().status == "awaiting_payment"
    assert ChannelDecrease.objects.get().status == "pending"
    assert list(DestinationSetting.objects.values_list("pk", "blocked")) == settings_before
    assert list(SipAccount.objects.values_list("secret_encrypted", flat=True)) == secrets_before
    assert selectors.trunk_capacity(theirs, date(2026, 11, 21)) == 8


def test_read_only_key_cannot_order(read_only_api, trunk):
    response = read_only_api.post(
        reverse("api:channel-order-list"), {"trunk": trunk.pk, "add": 1}, format="json"
    )
    assert response.status_code == 403
    assert not ChannelOrder.objects.exists()
    assert Decimal("0") == sum(
        PendingCharge.objects.values_list("unit_price", flat=True), Decimal("0")
    )
