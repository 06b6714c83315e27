"""USE-1..3, TRK-6, CON-7 and late records through the real import and the SQL rating engine,
each case checked against the Python reference too (``assert_matches_reference``).

Seeded grid (migration 0004): France fixed 0.0120 €/min 1/1; France mobile 0.0450 1/1; shared
cost (081/082/084) 0.0900 60/60 min 60; universal access 0.0600 30/6 min 30; premium (089)
0.8000 60/60 min 60 (blocked by default, TRK-6); Morocco fixed 0.1500 60/60."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine

from billing.models import Invoice
from numbering.models import PhoneNumber
from telephony.models import DestinationGroup
from telephony.services import destination_unblock
from tests.telephony.factories import customer
from tests.usage.core_helpers import (
    account,
    assert_matches_reference,
    at,
    calls,
    platform,
    row,
    run_import,
    seconds,
)
from usage.models import CallRecord

pytestmark = pytest.mark.django_db
NOV = date(2026, 11, 1)


def fixed(n: int) -> str:
    return f"+3314{n:07d}"  # Paris fixed numbers, all in the 41 destinations (France Fixe)


def one(called, **filters):
    return CallRecord.objects.get(called=called, **filters)


# USE-3: a month of a SIP-UNL account. 100 distinct French fixed numbers called 60 s each,
# one per minute from 09:00; the first is called again for 75 minutes; a French mobile, an
# on-net number, an unanswered call and a Moroccan fixed number (not in the 41) as well.
def test_use3_hundredth_number_and_75_minute_call_and_on_net():
    sip = account("sip-unl")
    PhoneNumber.objects.create(  # a number we assigned to another customer: on-net
        e164="+33199990000", number_type="geographic", state="assigned", client=customer()
    )
    rows = [row(sip, fixed(n), start=at(2, 9) + seconds(60 * n), duration=60) for n in range(100)]
    rows += [
        # on-net, before the 100th number: free and takes no slot
        row(sip, "+33199990000", start=at(1, 8), duration=120),
        # unanswered to a new fixed number before them all: no slot, no cost
        row(sip, fixed(500), start=at(1, 7), answered=False, duration=0),
        # the first number again, 75 min: 60 min included, 15 min = 900 s per second
        row(sip, fixed(0), start=at(3, 9), duration=75 * 60),
        # French mobile, 61 s per second: 61 × 0.0450 / 60 = 0.04575 → 0.0458
        row(sip, "0612345678", start=at(3, 10), duration=61),
        # Morocco fixed (not in the 41), 30 s per second: 30 × 0.1500 / 60 = 0.0750
        row(sip, "+212522123456", start=at(3, 11), duration=30),
        # a 101st number after the 99: per second, 10 s × 0.0120 / 60 = 0.0020
        row(sip, fixed(100), start=at(4, 9), duration=10),
        # November: the list starts again, the 100th number is included
        row(sip, fixed(99), start=at(2, 9, month=NOV), duration=60),
    ]
    batch = run_import(rows)
    assert (batch.status, batch.imported, batch.rejected) == ("done", 107, 0)

    first = calls(called=fixed(0), billing_month=date(2026, 10, 1))
    assert [(c.slot, c.included, c.cost) for c in first] == [
        (1, True, Decimal("0")),
        # 75 min: 3600 s included, 900 s × 0.0120 / 60 = 0.1800
        (1, True, Decimal("0.1800")),
    ]
    assert (first[1].included_seconds, first[1].billed_seconds) == (3600, 900)
    assert one(fixed(98)).slot == 99 and one(fixed(98)).cost == 0
    # the 100th distinct number: per second, 60 × 0.0120 / 60 = 0.0120
    hundredth = one(fixed(99), billing_month=date(2026, 10, 1))
    assert (hundredth.slot, hundredth.included, hundredth.cost) == (100, False, Decimal("0.0120"))
    assert one(fixed(100)).cost == Decimal("0.0020")
    on_net = one("+33199990000")
    assert (on_net.on_net, on_net.slot, on_net.cost, on_net.list_cost) == (True, None, 0, 0)
    unanswered = one(fixed(500))
    assert (unanswered.slot, unanswered.cost) == (None, 0)
    assert one("+33612345678").cost == Decimal("0.0458")
    assert one("+212522123456").cost == Decimal("0.0750")
    november = one(fixed(99), billing_month=NOV)
    assert (november.slot, november.included, november.cost) == (1, True, 0)
    # month total: 0.18 + 0.012 + 0.002 + 0.0458 + 0.075 = 0.3148
    october = CallRecord.objects.filter(billing_month=date(2026, 10, 1))
    assert sum(c.cost for c in october) == Decimal("0.3148")
    assert_matches_reference()


# USE-3: simultaneous calls to included numbers each get their own 60 minutes; 09 counts as
# fixed (slot taken, included); a late-arriving earlier call takes its slot in call-start order.
def test_use3_simultaneous_calls_and_late_earlier_record():
    sip = account("sip-unl")
    run_import(
        [
            row(sip, fixed(1), start=at(5, 9), duration=3700),  # 100 s beyond → 0.0200
            row(sip, fixed(2), start=at(5, 9), duration=3700),  # same: 0.0200
            row(sip, "0912345678", start=at(5, 10), duration=600),  # 09 counted as fixed
        ]
    )
    assert [c.cost for c in calls(called__in=[fixed(1), fixed(2)])] == [Decimal("0.0200")] * 2
    assert one("+33912345678").slot == 3 and one("+33912345678").included
    run_import([row(sip, fixed(3), start=at(1, 9), duration=30)])  # earlier, arrives later
    assert one(fixed(3)).slot == 1
    assert sorted(c.slot for c in calls(called__in=[fixed(1), fixed(2)])) == [2, 3]
    assert one("+33912345678").slot == 4
    assert_matches_reference()


# USE-1 / TRK-6: premium-rate (089) is blocked by default: flagged, never billed — also once
# the customer unblocks the group after the call (the block in force when it started refused
# it: its month re-rated leaves it blocked, 0); a call after the unblocking costs 60 s (60/60,
# min 60) × 0.80 / 60 = 0.80. Emergency numbers are free and never blocked, even under a
# blocked group.
def test_use1_trk6_blocked_destination_and_emergency():
    sip = account("sip-unl")
    run_import(
        [
            row(sip, "0899123456", duration=30),
            row(sip, "15", duration=300),
            row(sip, "112", duration=300),
        ]
    )
    premium = one("+33899123456")
    assert (premium.blocked, premium.cost, premium.price_class) == (True, 0, "premium")
    for number in ("15", "112"):
        call = one(number)
        assert (call.line_type, call.blocked, call.cost) == ("emergency", False, 0)
    with time_machine.travel(datetime(2026, 10, 10, tzinfo=UTC), tick=False):
        destination_unblock(owner=sip, group=DestinationGroup.objects.get(code="premium-rate"))
    from usage.services.rating import rerate_month

    rerate_month(date(2026, 10, 1))
    premium.refresh_from_db()
    assert (premium.blocked, premium.cost) == (True, 0)
    run_import([row(sip, "0899123457", start=datetime(2026, 10, 12, 9, tzinfo=UTC), duration=30)])
    assert (one("+33899123457").blocked, one("+33899123457").cost) == (False, Decimal("0.8000"))
    assert_matches_reference()


# USE-2 on a platform contract (no plan): the tariff's own increments. Shared cost (084; 081 and
# 082 are in the premium-rate group, blocked by default), 61 s at 60/60 → 120 s × 0.09 / 60 =
# 0.1800, 1 s → the 60 s minimum = 0.0900; French fixed 61 s at 1/1 → 61 × 0.012 / 60 = 0.0122;
# inbound calls are free.
def test_use2_platform_uses_tariff_increments():
    sip = platform()
    run_import(
        [
            row(sip, "0840123456", duration=61),
            row(sip, "0840123457", duration=1),  # min 60: 60 × 0.09 / 60 = 0.0900
            row(sip, "0123456789", duration=61),
            row(sip, "0123456780", duration=600, call_type="inbound"),
        ]
    )
    assert one("+33840123456").cost == Decimal("0.1800")
    assert one("+33840123457").cost == Decimal("0.0900")
    assert one("+33123456789").cost == Decimal("0.0122")
    assert one("+33123456780").cost == 0
    assert_matches_reference()


# CON-7: traffic of a contract on trial (ordered, not in service: PLATFORM 6.2) is rated and
# shown (cost computed), flagged trial.
def test_con7_trial_traffic_flagged():
    sip = contract = platform(ordered=True)
    contract.is_trial, contract.trial_ends_on = True, date(2026, 10, 15)
    contract.save(update_fields=["is_trial", "trial_ends_on"])
    run_import(
        [
            row(sip, "0612345678", start=at(14), duration=60),
            row(sip, "0612345679", start=at(16), duration=60),
        ]
    )
    # 60 × 0.045 / 60 = 0.0450 both; only the first is in the trial period
    assert [(c.trial, c.cost) for c in calls()] == [
        (True, Decimal("0.0450")),
        (False, Decimal("0.0450")),
    ]
    assert_matches_reference()


# Late records: a call arriving after its month's regular invoice was issued is rated in its
# own month and flagged late; calls rated before the invoice stay not late on a re-rating.
def test_late_record_flagged():
    sip = platform()
    run_import([row(sip, "0612345678", start=at(3), duration=60)])
    Invoice.objects.create(
        series="F",
        client=sip.client,
        month=date(2026, 10, 1),
        status="issued",
        number="F2026-000001",
        kind="invoice",
        purpose="regular",
    )
    run_import([row(sip, "0612345679", start=at(4), duration=60)])
    assert [(c.called, c.late) for c in calls()] == [
        ("+33612345678", False),
        ("+33612345679", True),
    ]
    assert_matches_reference()


# A trunk's calls are rated at the tariff (no plan), blocked groups read from the trunk.
def test_trunk_calls_rated_at_tariff():
    from tests.telephony.factories import customer, make_trunk
    from tests.usage.core_helpers import seed

    seed()
    trunk = make_trunk(customer())
    run_import([row(trunk.username, "0612345678", duration=120), row(trunk.username, "0899000000")])
    assert one("+33612345678").cost == Decimal("0.0900")  # 120 × 0.045 / 60
    assert one("+33899000000").blocked
    assert_matches_reference()
