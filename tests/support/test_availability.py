"""SLA-6 / SLA-7 / SLA-8: availability, credit tiers and caps (pure, no database)."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from support import availability as av

PARIS = ZoneInfo("Europe/Paris")
UTC = ZoneInfo("UTC")
NOV, OCT = date(2026, 11, 1), date(2026, 10, 1)


def paris(*args):
    return datetime(*args, tzinfo=PARIS)


def outage(start, minutes):
    return (start, start + timedelta(minutes=minutes))


def hosted_w(month, intervals, base=Decimal("100.00")):
    return av.monthly_result(policy="hosted_w", month=month, intervals=intervals, base=base)


# SLA-6 — minutes in a month = days × 1 440, DST or not.
def test_minutes_in_month():
    assert av.minutes_in_month(NOV) == 43_200
    assert av.minutes_in_month(OCT) == 44_640  # 25 hours on 25 October, still 31 × 1 440
    assert av.minutes_in_month(date(2028, 2, 1)) == 29 * 1440


# SLA-6 / SLA-7 — HOSTED-W November 2026: 64 non-excusable minutes → 99.8518…% ≥ 99.85: no
# credit; 65 → 99.8495…%: 5 %; 217 → 99.4976…%: 10 %.
@pytest.mark.parametrize(
    "minutes, percent, credit",
    [(64, "0", "0"), (65, "5", "5.00"), (216, "5", "5.00"), (217, "10", "10.00")],
)
def test_hosted_w_november_tiers(minutes, percent, credit):
    result = hosted_w(NOV, [outage(paris(2026, 11, 10, 14), minutes)])
    assert result.minutes_in_month == 43_200
    assert result.unavailable_minutes == Decimal(minutes)
    assert result.credit_percent == Decimal(percent)
    assert result.credit == Decimal(credit)


# SLA-7 — the percentage is compared unrounded: 64.8 minutes is exactly 99.85 % (no credit),
# one second more is below it (5 %), though both show as 99.850.
def test_tier_boundary_is_exact():
    at_target = hosted_w(NOV, [(paris(2026, 11, 3, 10), paris(2026, 11, 3, 11, 4, 48))])
    assert at_target.availability == Fraction(9985, 100)
    assert at_target.credit_percent == 0
    below = hosted_w(NOV, [(paris(2026, 11, 3, 10), paris(2026, 11, 3, 11, 4, 49))])
    assert below.credit_percent == 5
    assert av.as_decimal(below.availability, 3) == Decimal("99.849")


# SLA-7 — < 97 % → 20 %.
def test_lowest_tier():
    # 97 % of November = 1 296 minutes unavailable exactly → [97, 99.5) → 10 %; one more → 20 %.
    assert hosted_w(NOV, [outage(paris(2026, 11, 2), 1296)]).credit_percent == 10
    assert hosted_w(NOV, [outage(paris(2026, 11, 2), 1297)]).credit_percent == 20


# SLA-5 / SLA-6 — two overlapping outages count once; touching ones merge too.
def test_overlapping_outages_count_once():
    a = (paris(2026, 11, 5, 10, 0), paris(2026, 11, 5, 11, 0))
    b = (paris(2026, 11, 5, 10, 30), paris(2026, 11, 5, 11, 5))
    c = (paris(2026, 11, 5, 11, 5), paris(2026, 11, 5, 11, 10))
    assert av.merge([b, a, c]) == [(a[0].astimezone(UTC), c[1].astimezone(UTC))]
    result = hosted_w(NOV, [a, b, c])
    assert result.unavailable_minutes == 70
    assert result.credit_percent == 5  # 70 min: counted twice it would be 100 → still 5 %
    assert hosted_w(NOV, [a, a, a]).unavailable_minutes == 60


# SLA-6 — an outage from 31 October 23:00 to 1 November 01:30 (Paris) is split at Paris
# midnight: 60 minutes in October, 90 in November.
def test_outage_split_at_paris_midnight():
    span = (paris(2026, 10, 31, 23, 0), paris(2026, 11, 1, 1, 30))
    assert av.unavailable_seconds([span], OCT) == 60 * 60
    assert av.unavailable_seconds([span], NOV) == 90 * 60
    # Midnight Paris is 23:00 UTC on 31 October (UTC+1 after the October change).
    assert av.month_bounds(NOV)[0].astimezone(UTC) == datetime(2026, 10, 31, 23, tzinfo=UTC)


# SLA-6 — October 2026 has 25 hours on the 25th: an outage over the whole night of the change
# counts its real elapsed minutes (01:00 → 04:00 wall clock = 4 hours), and the month keeps
# 44 640 minutes.
def test_dst_month_counts_elapsed_minutes():
    night = (paris(2026, 10, 25, 1, 0), paris(2026, 10, 25, 4, 0))
    result = hosted_w(OCT, [night])
    assert result.unavailable_seconds == 4 * 3600
    assert result.minutes_in_month == 44_640
    # The whole month unavailable is 44 700 real minutes; availability stops at 0 %.
    whole = hosted_w(OCT, [(paris(2026, 9, 30), paris(2026, 11, 2))])
    assert whole.unavailable_seconds == 44_700 * 60
    assert whole.availability == 0 and whole.credit_percent == 20


# SLA-6 / SLA-7 — HOSTED-A October 2026: 600 unavailable minutes of 44 640 → 98.655…% → 5 %;
# base = fixed fees 300.00 + average(90.00, 120.00, 150.00) = 420.00 → credit 21.00.
def test_hosted_a_october_example():
    base = av.hosted_a_base(
        Decimal("300.00"), [Decimal("90.00"), Decimal("120.00"), Decimal("150.00")]
    )
    assert base == Decimal("420.00")
    tickets = [outage(paris(2026, 10, 6, 9), 240), outage(paris(2026, 10, 20, 14), 360)]
    result = av.monthly_result(policy="hosted_a", month=OCT, intervals=tickets, base=base)
    assert result.unavailable_minutes == 600
    assert av.as_decimal(result.availability, 3) == Decimal("98.655")
    assert result.credit_percent == 5
    assert result.credit == Decimal("21.00")


# SLA-7 — HOSTED-A tiers, checked by hand: 99 % of October = 446.4 minutes; 2 % = 892.8;
# 3 % = 1 339.2. An average that does not fall on a cent is rounded once, on the credit.
def test_hosted_a_tiers_by_hand():
    def percent(minutes):
        intervals = [outage(paris(2026, 10, 12, 9), minutes)]
        return av.monthly_result(
            policy="hosted_a", month=OCT, intervals=intervals, base=Decimal("1")
        ).credit_percent

    assert [percent(m) for m in (446, 447, 892, 893, 1339, 1340)] == [0, 5, 5, 10, 10, 20]
    base = av.hosted_a_base(Decimal("100.00"), [Decimal("0"), Decimal("0"), Decimal("100.00")])
    assert av.credit_amount(base, Decimal("10")) == Decimal("13.33")  # 133.333… × 10 %
    assert av.credit_amount(Decimal("0.25"), Decimal("10")) == Decimal("0.03")  # half-up


# SLA-7 — no policy, no credit.
def test_no_policy():
    assert av.credit_percent("none", Fraction(50)) == 0


# SLA-8 — the 20 % cap over 30 days: this credit + those approved in the window ≤ 20 % of base.
def test_cap():
    assert av.capped_credit(Decimal("10.00"), Decimal("100"), Decimal("0")) == Decimal("10.00")
    assert av.capped_credit(Decimal("10.00"), Decimal("100"), Decimal("15.00")) == Decimal("5.00")
    assert av.capped_credit(Decimal("10.00"), Decimal("100"), Decimal("25.00")) == 0


# SLA-5 / SLA-6 (HOSTED-A 4) — the periods of an excusable event are taken out of the
# notifications: 9:00 → 19:00 less 8:00 → 10:00 and 12:00 → 13:00 leaves 10:00 → 12:00 and
# 13:00 → 19:00 (8 hours); a hole covering everything leaves nothing.
def test_subtract_excusable_periods():
    spans = [(paris(2026, 10, 6, 9), paris(2026, 10, 6, 19))]
    holes = [outage(paris(2026, 10, 6, 8), 120), outage(paris(2026, 10, 6, 12), 60)]
    left = av.subtract(spans, holes)
    assert left == [
        (paris(2026, 10, 6, 10).astimezone(UTC), paris(2026, 10, 6, 12).astimezone(UTC)),
        (paris(2026, 10, 6, 13).astimezone(UTC), paris(2026, 10, 6, 19).astimezone(UTC)),
    ]
    assert av.unavailable_seconds(left, OCT) == 8 * 3600
    assert av.subtract(spans, [outage(paris(2026, 10, 6, 0), 24 * 60)]) == []
