"""SLA-6 / SLA-7 / SLA-8: monthly availability, credit tiers and caps, as pure functions over
plain values (no database).

- Unavailability is always elapsed time (SLA-2): intervals are aware datetimes, merged when they
  overlap (SLA-5: never counted twice) and clipped to the month in Paris time — the month runs
  from midnight Paris on its first day to midnight Paris on the first day of the next, so an
  outage across two months is split at local midnight.
- Minutes in a month = days × 1 440, whatever DST does (SLA-6). The unavailable time is counted
  to the second; the percentage is an exact ``Fraction`` compared with the tiers unrounded, and
  shown as a ``Decimal`` (3 decimals on screen).
- Credit = base × tier %, rounded half-up to the cent once (``kernel.money.round_money``).
"""

import calendar as _calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from kernel.clock import PARIS
from kernel.money import round_money

UTC = ZoneInfo("UTC")
MINUTES_PER_DAY = 1440
HUNDRED = Decimal("100")
ZERO = Decimal("0")

Interval = tuple[datetime, datetime]


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """[midnight Paris on the month's 1st, midnight Paris on the next month's 1st)."""
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return (
        datetime(first.year, first.month, 1, tzinfo=PARIS),
        datetime(following.year, following.month, 1, tzinfo=PARIS),
    )


def minutes_in_month(month: date) -> int:
    """SLA-6: days × 1 440 (a DST change does not change it)."""
    return _calendar.monthrange(month.year, month.month)[1] * MINUTES_PER_DAY


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Overlapping or touching intervals become one (SLA-5); empty ones are dropped."""
    # In UTC: Python subtracts two datetimes of the same zone on the wall clock, which would
    # count a DST night as 23 or 25 hours.
    ordered = sorted(
        (start.astimezone(UTC), end.astimezone(UTC)) for start, end in intervals if end > start
    )
    merged: list[Interval] = []
    for start, end in ordered:
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def subtract(intervals: Iterable[Interval], holes: Iterable[Interval]) -> list[Interval]:
    """The merged intervals less the parts covered by ``holes`` (SLA-5: the periods of an
    excusable event, HOSTED-A 4)."""
    remaining = merge(intervals)
    for hole_start, hole_end in merge(holes):
        kept: list[Interval] = []
        for start, end in remaining:
            if hole_end <= start or end <= hole_start:
                kept.append((start, end))
                continue
            if start < hole_start:
                kept.append((start, hole_start))
            if hole_end < end:
                kept.append((hole_end, end))
        remaining = kept
    return remaining


def clip(intervals: Iterable[Interval], month: date) -> list[Interval]:
    """The merged intervals' parts inside the month (Paris time)."""
    low, high = (bound.astimezone(UTC) for bound in month_bounds(month))
    clipped = []
    for start, end in merge(intervals):
        start, end = max(start, low), min(end, high)
        if end > start:
            clipped.append((start, end))
    return clipped


def unavailable_seconds(intervals: Iterable[Interval], month: date) -> int:
    """Elapsed seconds of unavailability inside the month, overlaps counted once."""
    total = sum((end - start for start, end in clip(intervals, month)), timedelta(0))
    return int(total.total_seconds())


def availability(unavailable: int, month: date) -> Fraction:
    """SLA-6: (minutes in month − unavailable minutes) / minutes in month × 100, exact.
    ``unavailable`` is in seconds."""
    seconds = minutes_in_month(month) * 60
    unavailable = min(max(unavailable, 0), seconds)
    return Fraction(seconds - unavailable, seconds) * 100


def as_decimal(value: Fraction, places: int = 6) -> Decimal:
    """A percentage for storage and display, truncated (never shown above what it is)."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)


@dataclass(frozen=True)
class Tier:
    """A credit tier ``[low, high)`` of availability (``low`` None: no lower bound)."""

    low: Decimal | None
    high: Decimal
    percent: Decimal

    def contains(self, value: Fraction) -> bool:
        above = self.low is None or value >= Fraction(self.low)
        return above and value < Fraction(self.high)


@dataclass(frozen=True)
class SlaTerms:
    target: Decimal
    tiers: tuple[Tier, ...]


D = Decimal
# SLA-7, as data (keys are offers.choices.SlaPolicy values).
SLA_TIERS: dict[str, SlaTerms] = {
    "hosted_w": SlaTerms(
        target=D("99.85"),
        tiers=(
            Tier(D("99.5"), D("99.85"), D("5")),
            Tier(D("97"), D("99.5"), D("10")),
            Tier(None, D("97"), D("20")),
        ),
    ),
    "hosted_a": SlaTerms(
        target=D("99"),
        tiers=(
            Tier(D("98"), D("99"), D("5")),
            Tier(D("97"), D("98"), D("10")),
            Tier(None, D("97"), D("20")),
        ),
    ),
}
CAP_PERCENT = D("20")  # SLA-8
CAP_WINDOW = timedelta(days=30)  # SLA-8


def credit_percent(policy: str, value: Fraction) -> Decimal:
    """SLA-7: the credit % of an availability (0 at or above the target, or without a
    policy)."""
    terms = SLA_TIERS.get(policy)
    if terms is None:
        return ZERO
    for tier in terms.tiers:
        if tier.contains(value):
            return tier.percent
    return ZERO


def credit_amount(base: Decimal, percent: Decimal) -> Decimal:
    """Credit = base × %, rounded half-up to the cent once."""
    return round_money(Decimal(base) * Decimal(percent) / HUNDRED)


def hosted_a_base(fixed_fees: Decimal, usage_fees: Iterable[Decimal]) -> Decimal:
    """SLA-7 / SLA-10 HOSTED-A: the month's fixed fees + the average of the usage fees invoiced
    in each of the 3 previous months (a month without invoice counts 0), unrounded."""
    usage = list(usage_fees)
    if len(usage) != 3:
        raise ValueError("Give the usage fees of exactly 3 months (0 for a month without).")
    return Decimal(fixed_fees) + sum((Decimal(u) for u in usage), ZERO) / 3


def capped_credit(credit: Decimal, base: Decimal, approved_in_window: Decimal) -> Decimal:
    """SLA-8: this credit plus those approved for the contract in the previous 30 days may not
    exceed 20 % of this report's base; the excess is dropped (never negative)."""
    cap = round_money(Decimal(base) * CAP_PERCENT / HUNDRED)
    room = max(cap - Decimal(approved_in_window), ZERO)
    return min(Decimal(credit), room)


@dataclass(frozen=True)
class MonthlyResult:
    """What a monthly report holds, computed from plain values."""

    minutes_in_month: int
    unavailable_seconds: int
    availability: Fraction
    credit_percent: Decimal
    credit: Decimal

    @property
    def unavailable_minutes(self) -> Decimal:
        return (Decimal(self.unavailable_seconds) / 60).quantize(D("0.01"))


def monthly_result(
    *, policy: str, month: date, intervals: Iterable[Interval], base: Decimal
) -> MonthlyResult:
    """SLA-6 + SLA-7 for one contract and month."""
    seconds = unavailable_seconds(intervals, month)
    value = availability(seconds, month)
    percent = credit_percent(policy, value)
    return MonthlyResult(
        minutes_in_month=minutes_in_month(month),
        unavailable_seconds=seconds,
        availability=value,
        credit_percent=percent,
        credit=credit_amount(base, percent) if percent else ZERO,
    )
