"""Independent check (events and money surfaces of usage): the usage webhook events
(``usage.threshold_reached``, ``usage.block_lifted``, ``usage.breach_recorded``) — payload, sent
once, only to the owning partner's endpoints, amounts as strings of Decimal — and the
consumption summary (API, page) against what the month-end run invoices for the same calls.

Seeded grid (migration 0004): France fixed 0.0120 €/min 1/1, France mobile 0.0450 €/min 1/1."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from billing import services as billing
from billing.models import Invoice, InvoicePurpose
from kernel.models import OutboxEvent
from tests.factories import PartnerFactory, sign_in_staff
from tests.telephony.factories import customer
from tests.usage import core_helpers as core
from tests.usage.money_helpers import OCT, at, call
from usage.models import ConsumptionAlert
from usage.services import alerts
from usage.services.post_rating import after_rating
from usage.services.rollup import rollup_refresh
from webhooks.models import Delivery, WebhookEndpoint
from webhooks.services import delivery as deliveries

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_pdf_no_broker(settings, tmp_path, monkeypatch):
    settings.BILLING_RENDER_PDF = False
    settings.MEDIA_ROOT = str(tmp_path / "media")
    # the fan-out is run by hand below (deliveries.fan_out), not through the broker
    from webhooks import tasks

    monkeypatch.setattr(tasks.fan_out, "delay", lambda *a, **k: None)
    monkeypatch.setattr(tasks.deliver, "delay", lambda *a, **k: None)


def platform(client, start=date(2026, 9, 1)):
    return core.platform(client, start=start)


def endpoint(partner, url, types=()):
    return WebhookEndpoint.objects.create(partner=partner, url=url, event_types=list(types))


def body_of(event, hook) -> dict:
    body, headers = deliveries.signed_request(event, hook)
    assert headers["webhook-id"] == event.pk
    return json.loads(body, parse_float=lambda text: pytest.fail(f"a float in the body: {text}"))


# --- usage.threshold_reached -------------------------------------------------------------------


# Consumption alerts (docs/rules.md "Consumption alerts"; SPEC §9 webhooks) through the real
# import, on 20/10/2026 (the month is current). Threshold 1.00 € without the block. One file: a
# French mobile call of 1 200 s = 20 min × 0.0450 = 0.9000 € → 90 %: the 50 and 80 % levels are
# recorded at once, only the highest (80 %) is announced. The same file sent again (the same
# call ids) changes nothing: no third alert, no second event. The event belongs to the
# customer's partner: its endpoint subscribed to every type and the one subscribed to
# ``usage.threshold_reached`` get a delivery; its endpoint subscribed to something else and the
# other partner's endpoint get none. The body is {"type", "timestamp", "data"}; the amounts are
# strings ("0.90", "1.00"), never JSON numbers.
def test_threshold_event_once_to_the_owning_partner_with_amounts_as_strings(imported):
    owner, rival = PartnerFactory(), PartnerFactory()
    hook_all = endpoint(owner, "https://hooks.owner.example/all")
    hook_usage = endpoint(owner, "https://hooks.owner.example/u", ["usage.threshold_reached"])
    endpoint(owner, "https://hooks.owner.example/inv", ["invoice.issued"])
    endpoint(rival, "https://hooks.rival.example/all")
    client = customer(partner=owner)
    contract = platform(client)
    alerts.threshold_set(client=client, amount=Decimal("1.00"), block_outgoing=False)
    rows = [core.row(contract, "0612340001", start=core.at(20, 8), duration=1200, call_id="m1")]
    with time_machine.travel(datetime(2026, 10, 20, 12, tzinfo=UTC), tick=False):
        imported(rows)
        imported(rows, filename="again.csv")
    assert sorted(ConsumptionAlert.objects.values_list("level", flat=True)) == [50, 80]
    [event] = OutboxEvent.objects.filter(type="usage.threshold_reached")
    assert event.partner_id == owner.pk
    assert event.data == {
        "customer": client.pk,
        "month": "2026-10",
        "level": 80,
        "consumption": "0.90",
        "threshold": "1.00",
        "outgoing_blocked": False,
    }
    pending = deliveries.fan_out(event.pk)
    assert sorted(Delivery.objects.values_list("endpoint_id", flat=True)) == sorted(
        [hook_all.pk, hook_usage.pk]
    )
    assert deliveries.fan_out(event.pk) == pending  # a second fan-out creates nothing more
    assert Delivery.objects.count() == 2
    body = body_of(event, hook_all)
    assert (body["type"], body["data"]["consumption"], body["data"]["threshold"]) == (
        "usage.threshold_reached",
        "0.90",
        "1.00",
    )


# Consumption alerts, the rating task delivered twice (acks_late: a worker killed after the work
# but before the ack): threshold 10.00 € with the block, on 20/10/2026. Calls of October:
# mobile 3.0000 + fixed 2.1234 + mobile 4.8766 = 10.0000 € → 100 % (all three levels recorded at
# once, one event: 100 %, outgoing blocked, consumption "10.00"). ``after_rating`` run twice for
# the same pass, then a third time: still one event. A customer of no partner, in the same
# state: alerts recorded, no event (there is nobody to deliver it to).
@time_machine.travel(datetime(2026, 10, 20, 12, tzinfo=UTC), tick=False)
def test_threshold_event_once_when_the_task_is_delivered_twice(django_capture_on_commit_callbacks):
    partner = PartnerFactory()
    owned, direct = customer(partner=partner), customer()
    for client in (owned, direct):
        contract = platform(client)
        alerts.threshold_set(client=client, amount=Decimal("10.00"), block_outgoing=True)
        call(client, contract=contract, cost="3.0000", line_type="mobile", started_at=at(19))
        call(client, contract=contract, cost="2.1234", started_at=at(19, 11))
        call(client, contract=contract, cost="4.8766", line_type="mobile", started_at=at(19, 12))
        with django_capture_on_commit_callbacks(execute=True):
            after_rating(batch_id=7, keys=[(client.pk, OCT)])
            after_rating(batch_id=7, keys=[(client.pk, OCT)])
        after_rating(batch_id=8, keys=[(client.pk, OCT)])
    for client in (owned, direct):
        levels = ConsumptionAlert.objects.filter(client=client).values_list("level", flat=True)
        assert sorted(levels) == [50, 80, 100]
    [event] = OutboxEvent.objects.filter(type="usage.threshold_reached")
    assert event.partner_id == partner.pk
    assert event.data == {
        "customer": owned.pk,
        "month": "2026-10",
        "level": 100,
        "consumption": "10.00",
        "threshold": "10.00",
        "outgoing_blocked": True,
    }


# --- usage.breach_recorded ---------------------------------------------------------------------


# --- usage.block_lifted ------------------------------------------------------------------------


def _blocked_in_october(partner):
    """A customer of ``partner`` whose outgoing calls were blocked on 20/10/2026 at 12:00 UTC:
    threshold 10.00 € with the block, October's calls 3.0000 + 7.0000 = 10.0000 € → 100 %."""
    client = customer(partner=partner)
    contract = platform(client)
    with time_machine.travel(datetime(2026, 10, 20, 12, tzinfo=UTC), tick=False):
        alerts.threshold_set(client=client, amount=Decimal("10.00"), block_outgoing=True)
        call(client, contract=contract, cost="3.0000", line_type="mobile", started_at=at(19))
        call(client, contract=contract, cost="7.0000", line_type="mobile", started_at=at(19, 11))
        after_rating(batch_id=1, keys=[(client.pk, OCT)])
    assert alerts.outgoing_blocked(client.pk, today=date(2026, 10, 20))
    return client


# Consumption alerts (docs/rules.md): the platform that blocked the calls on
# ``usage.threshold_reached`` (outgoing_blocked: true) is told when the block ends. Raised to
# 20.00 € on 22/10/2026 at 08:30 UTC: the block is lifted then, one ``usage.block_lifted`` to the
# owning partner — reason ``threshold_changed``, the times in UTC as the API writes them, the
# threshold that blocked as a string. Raised again (25.00 €): nothing more is lifted, no second
# event. A block switched off (the box unticked, same amount) is a lift too.
def test_block_lifted_event_when_the_threshold_is_raised_or_the_block_switched_off():
    owner, rival = PartnerFactory(), PartnerFactory()
    endpoint(rival, "https://hooks.rival.example/all")
    raised, unticked = _blocked_in_october(owner), _blocked_in_october(owner)
    with time_machine.travel(datetime(2026, 10, 22, 8, 30, tzinfo=UTC), tick=False):
        alerts.threshold_set(client=raised, amount=Decimal("20.00"), block_outgoing=True)
        alerts.threshold_set(client=raised, amount=Decimal("25.00"), block_outgoing=True)
        alerts.threshold_set(client=unticked, amount=Decimal("10.00"), block_outgoing=False)
    events = OutboxEvent.objects.filter(type="usage.block_lifted")
    assert sorted(((e.partner_id, e.data) for e in events), key=lambda e: e[1]["customer"]) == [
        (
            owner.pk,
            {
                "customer": client.pk,
                "month": "2026-10",
                "threshold": "10.00",
                "blocked_at": "2026-10-20T12:00:00Z",
                "lifted_at": "2026-10-22T08:30:00Z",
                "reason": "threshold_changed",
            },
        )
        for client in (raised, unticked)
    ]
    assert not alerts.outgoing_blocked(raised.pk, today=date(2026, 10, 22))
    assert not alerts.outgoing_blocked(unticked.pk, today=date(2026, 10, 22))


# Consumption alerts: the block lasts until the month ends. The daily job of 1 November 2026
# (00:01 Paris = 31/10 23:01 UTC) lifts October's block at the instant October ended —
# 1 November 00:00 Paris, "2026-10-31T23:00:00Z" (CET, UTC+1) — and tells the owner
# (``month_ended``). Run again: nothing more. A block of the current month (November), and an
# October block already lifted by a raised threshold, are left as they are.
def test_block_of_an_ended_month_lifted_once_by_the_daily_job(client):
    owner = PartnerFactory()
    ended, raised = _blocked_in_october(owner), _blocked_in_october(owner)
    with time_machine.travel(datetime(2026, 10, 25, 9, tzinfo=UTC), tick=False):
        alerts.threshold_set(client=raised, amount=Decimal("50.00"), block_outgoing=True)
    november = customer(partner=owner)
    contract = platform(november)
    with time_machine.travel(datetime(2026, 11, 3, 9, tzinfo=UTC), tick=False):
        alerts.threshold_set(client=november, amount=Decimal("1.00"), block_outgoing=True)
        call(
            november, contract=contract, cost="1.0000", started_at=datetime(2026, 11, 2, tzinfo=UTC)
        )
        after_rating(batch_id=2, keys=[(november.pk, date(2026, 11, 1))])
    with time_machine.travel(datetime(2026, 10, 31, 23, 1, tzinfo=UTC), tick=False):
        assert alerts.blocks_expire() == 1
        assert alerts.blocks_expire() == 0
    [event] = OutboxEvent.objects.filter(type="usage.block_lifted", data__reason="month_ended")
    assert event.partner_id == owner.pk
    assert event.data == {
        "customer": ended.pk,
        "month": "2026-10",
        "threshold": "10.00",
        "blocked_at": "2026-10-20T12:00:00Z",
        "lifted_at": "2026-10-31T23:00:00Z",
        "reason": "month_ended",
    }
    lifted = ConsumptionAlert.objects.get(client=ended, level=100)
    assert lifted.lifted_at == datetime(2026, 10, 31, 23, tzinfo=UTC)
    assert ConsumptionAlert.objects.get(client=november, level=100).lifted_at is None
    assert OutboxEvent.objects.filter(type="usage.block_lifted").count() == 2  # + raised's own
    # the back office says when it was blocked and lifted, in Paris time
    sign_in_staff(client)
    page = client.get(reverse("admin:usage_consumptionalert_change", args=[lifted.pk]))
    text = " ".join(page.content.decode().split())
    assert "20 octobre 2026 14:00" in text  # blocked at 12:00 UTC = 14:00 CEST
    assert "1er novembre 2026 00:00" in text  # lifted when October ended
    listing = client.get(reverse("admin:usage_consumptionalert_changelist"))
    assert "blocage levé le" in listing.content.decode().lower()


# USE-4 (HOSTED-W 6.1 « 150 numéros différents » — docs/rules.md: "partners receive
# usage.breach_recorded"): a breach found by a first file (151 distinct national numbers in
# October, one every 2 minutes: never two at once) is announced once, to the owning partner
# only; the same file imported again (same call ids) and a second file of the month announce
# nothing more. The other partner's endpoint gets no delivery.
def test_breach_event_once_and_only_to_the_owner(imported):
    owner, rival = PartnerFactory(), PartnerFactory()
    mine = endpoint(owner, "https://hooks.owner.example/all")
    endpoint(rival, "https://hooks.rival.example/all")
    sip = core.account("hosted-w", partner=owner)
    rows = [
        core.row(sip, f"01{i:08d}", start=core.at(5, 6 + 2 * i // 60, 2 * i % 60), call_id=f"b{i}")
        for i in range(151)
    ]
    imported(rows)
    imported(rows, filename="again.csv")
    imported([core.row(sip, "0199999999", start=core.at(20), call_id="late")], filename="2.csv")
    [event] = OutboxEvent.objects.filter(type="usage.breach_recorded")
    assert (event.partner_id, event.data) == (
        owner.pk,
        {
            "customer": sip.contract.client_id,
            "sip_account": sip.pk,
            "month": "2026-10",
            "reasons": ["distinct_numbers"],
        },
    )
    deliveries.fan_out(event.pk)
    assert list(Delivery.objects.values_list("endpoint_id", flat=True)) == [mine.pk]


# --- the month's amounts: summary API, page, invoice -------------------------------------------


def two_contracts_four_lines(client):
    """October 2026: two PLATFORM contracts, each with one French fixed and one French mobile
    call of 0.0150 € — four invoice lines (contract × class)."""
    first, second = platform(client), platform(client)
    for n, contract in enumerate((first, second)):
        call(client, contract=contract, cost="0.0150", started_at=at(6, 9 + n))
        call(client, contract=contract, cost="0.0150", line_type="mobile", started_at=at(6, 11 + n))
    rollup_refresh([(client.pk, OCT)])
    return first, second


# BIL-3 / USE-2 (SPEC Money: "a line total is rounded half-up to the cent once, when the invoice
# line is made"; docs/rules.md "Consumption on the invoice": one line per (contract, month,
# destination class), rounded once): four lines of 0.0150 → 0.02 each = 0.08 € on October's
# invoice (rounding the month's sum once would give 0.0600 → 0.06). The run issued twice posts
# nothing more.
def test_invoice_rounds_each_contract_class_line_once(tenant):
    client = tenant.client
    two_contracts_four_lines(client)
    billing.run_month_sync(month=OCT)
    billing.run_month_sync(month=OCT)
    # the tenant's partner is billed (white label): its invoice carries the customer's lines
    invoice = Invoice.objects.get(month=OCT, purpose=InvoicePurpose.REGULAR)
    lines = invoice.lines.filter(kind="consumption")
    assert sorted(line.net_amount for line in lines) == [Decimal("0.02")] * 4
    assert sum(line.net_amount for line in lines) == Decimal("0.08")


# The consumption summary (API) and page of the same October (docs/rules.md "Surfaces": totals
# by destination class and per account; the summary's schema: "€ HT, rounded per line"): each
# of its lines is its calls' sum rounded once — by destination: fixed 0.0150 + 0.0150 = 0.0300
# → 0.03, mobile 0.03 —, and the month 0.0600 → 0.06. The invoice of the same calls bills 0.08
# (four contract × class lines): see the report — the surfaces and the invoice disagree by
# 0.02 €; this test states what the surfaces show, per line, and that they agree with each
# other (API total = page total = dashboard's month_total).
@time_machine.travel(datetime(2026, 11, 5, 12, tzinfo=UTC), tick=False)
def test_summary_and_page_round_each_of_their_lines_once(api, as_role, tenant):
    from usage import selectors

    client = tenant.client
    two_contracts_four_lines(client)
    body = api.get(reverse("api:call-summary"), {"customer": client.pk, "month": "2026-10"})
    assert body.status_code == 200, body.json()
    body = body.json()
    assert body["total"]["amount"] == "0.06" and body["total"]["calls"] == 4
    assert sorted(line["amount"] for line in body["by_destination"]) == ["0.03", "0.03"]
    assert [day["amount"] for day in body["by_day"]] == ["0.06"]
    from accounts.choices import Role

    page = as_role(Role.READ_ONLY).get(reverse("usage:consumption"), {"month": "2026-10"})
    assert 'data-testid="month-total">0,06\u00a0€' in page.content.decode()
    assert selectors.month_total(client=client, month=OCT) == (Decimal("0.06"), 4)
