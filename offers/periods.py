"""The project's one calendar helper: month arithmetic and commitment periods.

Pure functions over ``datetime.date`` (calendar days in Europe/Paris, as SPEC "Time"): no Django,
no database. Every period is half-open, ``[start, end)``: it includes its start day and excludes
its end day, so the end of a period is the first day of the next one.

CON-2: commitment periods (initial, then renewals) are computed from the contract's **anchor**
(PLATFORM: signature date; HOSTED-A: service start date; HOSTED-W and rentals: order date), never
typed by hand and never derived from the previous period's end.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta


def days_in_month(d: date) -> int:
    """Number of days of the calendar month containing ``d`` (28 to 31)."""
    return calendar.monthrange(d.year, d.month)[1]


def add_months(d: date, n: int) -> date:
    """``d`` plus ``n`` calendar months (``n`` may be negative), clamped to the month end.

    The day of month is kept when the target month has it, otherwise the target month's last day
    is used: 2024-01-31 + 1 → 2024-02-29, 2025-01-31 + 1 → 2025-02-28, 2024-02-29 + 12 →
    2025-02-28.

    Clamping loses information, so this function must always be applied to the **anchor**:
    the k-th date of a series is ``add_months(anchor, k)``, never ``add_months(previous, 1)``.
    Chaining drifts for ever after the first short month (2024-01-31 → 02-29 → 03-29 → 04-29…)
    while the anchor-based series comes back to the 31st (2024-03-31, 2024-05-31…). Likewise
    add_months(add_months(d, a), b) is not add_months(d, a + b) in general.
    """
    month_index = d.year * 12 + (d.month - 1) + n
    year, month0 = divmod(month_index, 12)
    month = month0 + 1
    day = min(d.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def month_start(d: date) -> date:
    """First day of the calendar month containing ``d``."""
    return d.replace(day=1)


def next_month_start(d: date) -> date:
    """First day of the calendar month after the one containing ``d``."""
    return add_months(month_start(d), 1)


def months_between(start: date, end: date) -> int:
    """Difference of calendar month numbers (ignores days): 2026-11-30 → 2026-12-01 is 1."""
    return (end.year - start.year) * 12 + (end.month - start.month)


@dataclass(frozen=True)
class Period:
    """A half-open span of days ``[start, end)``: ``start`` included, ``end`` excluded."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"period end {self.end} is before its start {self.start}")

    def contains(self, d: date) -> bool:
        """True for ``start <= d < end`` (the end day belongs to the next period)."""
        return self.start <= d < self.end

    @property
    def days(self) -> int:
        """Number of days in the period (end excluded)."""
        return (self.end - self.start).days


def month_period(d: date) -> Period:
    """The billing period (a calendar month, SPEC "Time") containing ``d``."""
    return Period(month_start(d), next_month_start(d))


@dataclass(frozen=True)
class CommitmentPeriod(Period):
    """One commitment period of a contract: ``index`` 0 is the initial period, k ≥ 1 the k-th
    renewal."""

    index: int

    @property
    def is_initial(self) -> bool:
        return self.index == 0


def _commitment_start(anchor: date, initial_months: int, renewal_months: int, index: int) -> date:
    if index == 0:
        return anchor
    # CON-2: from the anchor, never from the previous period's end (see add_months).
    return add_months(anchor, initial_months + (index - 1) * renewal_months)


def commitment_period_at(
    anchor: date, initial_months: int, renewal_months: int, on: date
) -> CommitmentPeriod:
    """The commitment period containing the day ``on``.

    Period 0 (initial) is ``[anchor, anchor + initial_months)``; renewal k ≥ 1 starts at
    ``add_months(anchor, initial_months + (k - 1) * renewal_months)`` and ends where renewal
    k + 1 starts. A day equal to a period's end belongs to the next period (half-open periods).

    Raises ``ValueError`` if ``on`` is before the anchor (no period contains it) or if the
    durations are not positive.
    """
    if initial_months < 1 or renewal_months < 1:
        raise ValueError("initial_months and renewal_months must be at least 1")
    if on < anchor:
        raise ValueError(f"{on} is before the contract anchor {anchor}")
    initial_end = add_months(anchor, initial_months)
    if on < initial_end:
        return CommitmentPeriod(anchor, initial_end, 0)

    def start_of(k: int) -> date:
        return _commitment_start(anchor, initial_months, renewal_months, k)

    # Estimate from month numbers, then correct by at most a step either way (clamped days).
    index = max(1, (months_between(anchor, on) - initial_months) // renewal_months + 1)
    while index > 1 and start_of(index) > on:
        index -= 1
    while start_of(index + 1) <= on:
        index += 1
    return CommitmentPeriod(start_of(index), start_of(index + 1), index)


def months_or_part(start: date, end: date) -> int:
    """Months "or part of a month" from ``start`` (included) to ``end`` (excluded).

    Whole months are counted from ``start`` (``add_months(start, k)``, computed from ``start``
    and not chained), and any remaining fraction counts as one more month; 0 if
    ``end <= start``. 2026-12-01 → 2028-03-01 is 15; 2026-11-15 → 2027-01-01 is 2 (one whole
    month to 2026-12-15, then a part); 2026-01-31 → 2026-03-31 is 2.
    """
    if end <= start:
        return 0
    whole = months_between(start, end)
    # add_months(start, whole) lands in end's month and may overshoot end by a few days; one
    # month less is then certainly before end.
    if add_months(start, whole) > end:
        whole -= 1
    return whole if add_months(start, whole) == end else whole + 1


def pro_rata_days(start: date, end_exclusive: date) -> int:
    """Days from ``start`` (included) to ``end_exclusive`` (excluded); 0 if empty."""
    return max(0, (end_exclusive - start).days)


def day_before(d: date) -> date:
    """The last day of a period that ends (exclusive) at ``d``."""
    return d - timedelta(days=1)
