"""BIL-6 late-payment interest, as pure functions over plain values.

Interest runs from the day after the due date to the payment date inclusive, so a payment made
N days late (payment date − due date = N) bears N days. Each day bears
``amount left unpaid that day × (ECB rate of the half-year + 10 points) / 100 / 365``; a payment
received on day D still counts D as unpaid (it stops the interest from D + 1). The rate is the
ECB main refinancing rate in force on 1 January for a day of the first half-year and on 1 July
for a day of the second (Code de commerce L441-10), so a delay across 1 July changes rate on
that day. The sum is rounded once, half-up to the cent, when it becomes an invoice line.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

PENALTY_POINTS = Decimal("10")
DAYS_IN_YEAR = Decimal("365")
RECOVERY_INDEMNITY = Decimal("40.00")  # D441-5, per late invoice, outside the scope of VAT


def half_year_start(day: date) -> date:
    return date(day.year, 1 if day.month <= 6 else 7, 1)


@dataclass(frozen=True)
class Tranche:
    """An amount due on a date: the undisputed part of an invoice, or a disputed part that
    became due again (with its new due date) when the dispute was rejected (BIL-8)."""

    amount: Decimal
    due_date: date


def late_interest(
    tranches: list[Tranche],
    payments: list[tuple[date, Decimal]],
    until: date,
    ecb_rate: Callable[[date], Decimal],
) -> Decimal:
    """Interest (unrounded) on ``tranches`` up to ``until`` inclusive, given the ``payments``
    (date, amount) settling them oldest due first; ``ecb_rate(half_year_start)`` gives the ECB
    rate in percent."""
    total = Decimal("0")
    rates: dict[date, Decimal] = {}
    for tranche, settled in _settle(tranches, payments):
        for day, unpaid in _unpaid_days(tranche, settled, until):
            half = half_year_start(day)
            if half not in rates:
                rates[half] = Decimal(ecb_rate(half)) + PENALTY_POINTS
            total += unpaid * rates[half] / 100 / DAYS_IN_YEAR
    return total


def late_days(tranches: list[Tranche], payments: list[tuple[date, Decimal]], until: date) -> int:
    """BIL-6: the most days any tranche stayed (partly) unpaid after its due date, up to
    ``until`` inclusive: 0 when everything was paid by its due date (no interest, no 40 €
    indemnity). Paid in full N days late, it is N (payment date − due date)."""
    return max(
        (len(list(_unpaid_days(t, settled, until))) for t, settled in _settle(tranches, payments)),
        default=0,
    )


def _settle(tranches, payments):
    """The tranches in due order, each with the (date, amount) paid on it (payments settle the
    oldest due first)."""
    ordered = sorted(tranches, key=lambda t: t.due_date)
    paid_on: list[list[tuple[date, Decimal]]] = [[] for _ in ordered]
    index, left = 0, [t.amount for t in ordered]
    for day, amount in sorted(payments):
        amount = Decimal(amount)
        while amount > 0 and index < len(ordered):
            take = min(amount, left[index])
            if take > 0:
                paid_on[index].append((day, take))
                left[index] -= take
                amount -= take
            if left[index] <= 0:
                index += 1
    return list(zip(ordered, paid_on, strict=True))


def _unpaid_days(tranche: Tranche, settled, until: date):
    """Each day after ``tranche``'s due date up to ``until`` with something unpaid on it, and
    that amount (a payment of day D still leaves D unpaid)."""
    day = tranche.due_date + timedelta(days=1)
    while day <= until:
        unpaid = tranche.amount - sum((a for d, a in settled if d < day), Decimal("0"))
        if unpaid <= 0:
            return
        yield day, unpaid
        day += timedelta(days=1)


def days_late(due_date: date, payment_date: date) -> int:
    return max((payment_date - due_date).days, 0)
