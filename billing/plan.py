"""What a contract line owes for the months of a run (BIL-1), as pure functions.

The run of month M (executed just after midnight at the end of M) bills month T = M+1 in
advance, as the contract will stand on T's first day, and every earlier month of service that
no earlier run billed: the first month of a line whose billing started during M (pro rata by
days), and the months of a line whose service start was back-dated before its activation (the
runs of those months could not see it). Which months an earlier run billed is known from the
charges themselves (keyed by the line and the period start), never assumed.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from billing.amounts import prorata
from offers.periods import add_months, days_in_month, month_start, next_month_start
from offers.price_steps import price_on


@dataclass(frozen=True)
class LineFacts:
    """What the plan needs to know about a contract line (plain values)."""

    started_on: date | None
    ended_on: date | None
    monthly_price: Decimal
    order_date: date
    free_order_month: bool  # HOSTED-W 9: the order month is free
    ends_on: date | None  # effective date of a termination (first day without service)
    # CON-6: this line's own price changes, sorted by date: (effective date, price before,
    # price after, applied). Applied ones are its history; the others are notified changes
    # that will apply to it on their date (``offers.services.price_steps_by_line``).
    price_steps: tuple[tuple[date, Decimal, Decimal, bool], ...] = ()

    def price_for(self, month: date) -> Decimal:
        """CON-6: the line's monthly price on the first day of ``month``: the price the line
        has (``monthly_price``, after any change applied to it), except for a month before a
        change applied to it (the price it had then) or from the date of a notified change that
        will apply to it (the run bills the next month in advance, before the nightly job
        applies the change). Never re-derived from the product's price changes."""
        return price_on(self.price_steps, self.monthly_price, month)


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


def months_due(
    facts: LineFacts, run_month: date, first_run_month: date | None = None
) -> list[MonthCharge]:
    """Subscription months a line may owe in the run of ``run_month`` (M): every month of
    service from its first billable day up to M+1 (in advance). The caller drops the months
    already charged (a charge is keyed by the line and its period start), so each month is
    billed exactly once, by the first run that sees the line: normally M+1 by the run of M, but
    a service start back-dated before the activation (started 28 November, activated
    2 December, after the November run) is caught up by the next run — 28–30 November pro rata,
    December and January (BIL-1).

    ``first_run_month`` (G) is the month of the portal's first run: the months before it were
    billed before the portal, and so was G itself for a line already in service on G's first day
    (billed in advance by the previous system). Without G the first run would re-bill every
    line's whole history.

    In service on a day = started, not ended, and before the termination's effective date.
    Every started month is due in full (CON-5), so only the *first* month can be partial.
    """
    start = first_billable_day(facts)
    if start is None:
        return []
    stop = min(d for d in (facts.ended_on, facts.ends_on, date.max) if d is not None)
    charges = []
    month = month_start(start)
    if first_run_month is not None and start < first_run_month:
        month = max(month, next_month_start(first_run_month))  # billed before the portal
    while month <= add_months(run_month, 1) and month < stop:
        end = next_month_start(month)
        period_start = max(start, month)
        days = (end - period_start).days
        full = days == days_in_month(month)
        monthly = facts.price_for(month)
        price = monthly if full else prorata(monthly, days, days_in_month(month))
        charges.append(MonthCharge(month, period_start, end, price, not full))
        month = end
    return charges


def serves_in(month: date, service_start: date | None, service_end: date | None) -> bool:
    """BIL-5: whether a contract has at least one day of service in ``month`` (service from
    ``service_start`` up to ``service_end``, its termination's effective date, exclusive)."""
    if service_start is None or service_start >= next_month_start(month):
        return False
    return service_end is None or service_end > month


def counted_in_fee(month: date, fee_start: date | None) -> bool:
    """BIL-5 + CON-5: whether a termination fee counted from ``fee_start`` covers (part of)
    ``month`` — such a month owes no commitment top-up, it is never charged twice."""
    return fee_start is not None and fee_start < next_month_start(month)
