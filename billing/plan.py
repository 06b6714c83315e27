"""What a contract line owes for the months of a run (BIL-1), as pure functions.

The run of month M (executed just after midnight at the end of M) bills month T = M+1 in
advance, as the contract will stand on T's first day, and month M for lines whose billing
started during M (the first month, pro rata by days; the previous run could not see them).
Earlier months are never billed by a run: they belong to earlier runs.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from billing.amounts import prorata
from offers.periods import add_months, days_in_month, month_start, next_month_start


@dataclass(frozen=True)
class LineFacts:
    """What the plan needs to know about a contract line (plain values)."""

    started_on: date | None
    ended_on: date | None
    monthly_price: Decimal
    order_date: date
    free_order_month: bool  # HOSTED-W 9: the order month is free
    ends_on: date | None  # effective date of a termination (first day without service)
    # CON-6: scheduled prices (effective first day of a month, new monthly price), sorted.
    price_changes: tuple[tuple[date, Decimal], ...] = ()

    def price_for(self, month: date) -> Decimal:
        """The monthly price in force on the first day of ``month`` (CON-6)."""
        price = Decimal(self.monthly_price)
        for effective, new_price in self.price_changes:
            if effective <= month:
                price = Decimal(new_price)
        return price


@dataclass(frozen=True)
class MonthCharge:
    month: date  # first day of the month billed
    period_start: date
    period_end: date  # exclusive
    unit_price: Decimal  # 4 decimals; pro rata when the month is partial
    is_prorata: bool


def first_billable_day(facts: LineFacts) -> date | None:
    if facts.started_on is None:
        return None
    if facts.free_order_month:
        # HOSTED-W 9: billed from the month after the order, a full month.
        return max(next_month_start(facts.order_date), month_start(facts.started_on))
    return facts.started_on


def months_due(facts: LineFacts, run_month: date) -> list[MonthCharge]:
    """Subscription months a line owes in the run of ``run_month`` (M): M only when the line's
    billing started during M (its first month, pro rata when partial — the previous run could
    not see it), and M+1 in advance; each only while the line is in service.

    In service on a day = started, not ended, and before the termination's effective date.
    Every started month is due in full (CON-5), so only the *first* month can be partial.
    """
    start = first_billable_day(facts)
    if start is None:
        return []
    stop = min(d for d in (facts.ended_on, facts.ends_on, date.max) if d is not None)
    charges = []
    for month in (run_month, add_months(run_month, 1)):
        end = next_month_start(month)
        if start >= end or stop <= month:
            continue
        if month == run_month and start < run_month:
            continue  # billed in advance by the previous run
        period_start = max(start, month)
        days = (end - period_start).days
        full = days == days_in_month(month)
        monthly = facts.price_for(month)
        price = monthly if full else prorata(monthly, days, days_in_month(month))
        charges.append(MonthCharge(month, period_start, end, price, not full))
    return charges


def commitment_share(
    minimum: Decimal, month: date, service_start: date | None, service_end: date | None
) -> Decimal:
    """BIL-5: the month's minimum commitment, pro rata by days for a partial first or last
    month (our choice: a commitment is per month of service)."""
    end = next_month_start(month)
    first = max(month, service_start) if service_start else month
    last = min(end, service_end) if service_end else end
    if last <= first:
        return Decimal("0")
    days = (last - first).days
    if days == days_in_month(month):
        return Decimal(minimum)
    return prorata(minimum, days, days_in_month(month))
