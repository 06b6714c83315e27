"""Termination effective dates (CON-4) and termination fee quotes (CON-5), as pure functions.

Plain values only (``date``, ``Decimal``, ints, dataclasses): no Django, no database. Services
read a contract's terms, call these functions, and show or bill the resulting ``FeeQuote``.

Conventions shared by every function here (SPEC "Time", CON-4, CON-5):

- The **effective date** is the first day without service; the last day of service is the day
  before it. A requested date has the same meaning.
- The commitment period a termination is "during" is the period containing the **last day of
  service** (``effective_date - 1 day``). So a termination effective exactly at a period's end
  (= the first day of the next period) belongs to the ending period, has nothing left of it to
  pay, and never falls "during" the next period (which the contract never entered): no fee.
- Fees are counted from the **fee start** (first day on or after the effective date not already
  invoiced): every rule's "from the effective date" reads "from the fee start" (CON-5).
- "Months or part of a month" = ``periods.months_or_part`` (whole months counted from the day
  the count starts, a remaining fraction counts as one more month).
- Money is ``Decimal``; the quote's amount is rounded half-up to the cent once, at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from kernel.money import round_money
from offers.periods import (
    CommitmentPeriod,
    add_months,
    commitment_period_at,
    day_before,
    month_start,
    months_or_part,
    next_month_start,
)

FULL_RATE = Decimal("100")
HALF_RATE = Decimal("50")
DEFAULT_MINIMUM_COMMITMENT = Decimal("200.00")  # PLATFORM 24.4.1, € HT per month
# HOSTED-A 5: in a renewal period, 100 % of the fees "for a period of three (3) months".
ALLSET_RENEWAL_FULL_MONTHS = 3
# PLATFORM 8.2 (non-renewal notice before the anniversary) and 17.1 (convenience notice).
PLATFORM_NOTICE_MONTHS = 3


class FeeRule(StrEnum):
    """Termination-fee rules of CON-5 (the values stored in an offer's terms)."""

    NONE = "none"
    REMAINING_MONTHS = "remaining_months"
    ALLSET_SLIDING = "allset_sliding"
    COMMITMENT_MAX = "commitment_max"


class FeeLineLabel(StrEnum):
    """Stable keys of the breakdown lines, for the UI to translate."""

    REMAINING_MONTHS = "remaining_months"
    FIRST_YEAR = "allset_sliding.initial_first_year"
    BEYOND_FIRST_YEAR = "allset_sliding.initial_beyond_first_year"
    RENEWAL_FIRST_MONTHS = "allset_sliding.renewal_first_3_months"
    RENEWAL_BEYOND = "allset_sliding.renewal_beyond_3_months"
    SUBSCRIPTIONS = "commitment_max.subscriptions"
    MINIMUM_COMMITMENT = "commitment_max.minimum_commitment"


@dataclass(frozen=True)
class FeeLine:
    """One line of a fee breakdown: ``months × rate_percent % × monthly_base = amount``.

    ``amount`` is exact (not rounded): only the quote's total is rounded (SPEC "Money").
    """

    label: str
    months: int
    rate_percent: Decimal
    monthly_base: Decimal
    amount: Decimal


@dataclass(frozen=True)
class FeeQuote:
    """A termination fee (CON-5): total ``amount`` (rounded half-up to the cent once) and its
    breakdown ``lines`` (empty when nothing is due). ``period`` is the commitment period the
    termination falls in (None for the rule ``none``)."""

    rule: str
    effective_date: date
    fee_start: date
    amount: Decimal
    lines: list[FeeLine] = field(default_factory=list)
    period: CommitmentPeriod | None = None


def fee_start(effective_date: date, invoiced_through: date | None) -> date:
    """CON-5: the first day on or after ``effective_date`` that has not already been invoiced.

    ``invoiced_through`` is the exclusive end of what has been invoiced (a contract billed
    monthly in advance whose November 2026 is invoiced has ``invoiced_through = 2026-12-01``);
    None when nothing has been invoiced. A month invoiced in advance is due in full and never
    refunded, and it is never charged twice.
    """
    if invoiced_through is None or invoiced_through <= effective_date:
        return effective_date
    return invoiced_through


def effective_date(notice_date: date, requested_date: date | None, notice_months: int) -> date:
    """CON-4: the later of the requested date and notice date + notice period (calendar months,
    clamped to the month end: a 1-month notice given on 2026-01-31 runs to 2026-02-28)."""
    earliest = add_months(notice_date, notice_months)
    if requested_date is None or requested_date < earliest:
        return earliest
    return requested_date


def effective_date_end_of_month(notice_date: date, requested_date: date | None) -> date:
    """CON-1 SIP-UNL: notice at any time, effective at the end of a month.

    The effective date (first day without service) is the first day of a month: the month
    after the notice's month at the earliest (the month in which notice is given is served to
    its end), and not before the requested date (a requested date that is not a 1st is moved to
    the next 1st, since every started month is due).
    """
    candidate = next_month_start(notice_date)
    if requested_date is not None and requested_date > candidate:
        if requested_date == month_start(requested_date):
            candidate = requested_date
        else:
            candidate = next_month_start(requested_date)
    return candidate


class PlatformEnding(StrEnum):
    """How a PLATFORM contract ends (CON-4): at an anniversary after a notice of non-renewal
    (8.2, no fee), or on any other date by a termination for convenience (17.1, CON-5 fee)."""

    NON_RENEWAL = "non_renewal"
    CONVENIENCE = "convenience"


def is_anniversary(d: date, anchor: date, initial_months: int, renewal_months: int) -> bool:
    """True if ``d`` is an anniversary: the end of a commitment period counted from the anchor
    (the first day of the next period). The anchor itself is not one."""
    if d <= anchor:
        return False
    return commitment_period_at(anchor, initial_months, renewal_months, d).start == d


def first_anniversary_from(d: date, anchor: date, initial_months: int, renewal_months: int) -> date:
    """The first anniversary on or after ``d`` (the end of the initial period if ``d`` is on
    or before the anchor)."""
    if d <= anchor:
        return add_months(anchor, initial_months)
    period = commitment_period_at(anchor, initial_months, renewal_months, d)
    return d if period.start == d else period.end


def platform_effective_date(
    notice_date: date,
    requested_date: date | None,
    anchor: date,
    initial_months: int,
    renewal_months: int,
) -> tuple[date, bool]:
    """CON-4 for PLATFORM: ``(effective_date, fee_applies)``.

    The effective date is the later of the requested date and notice date + 3 months (17.1,
    calendar months clamped to the month end, as every notice here): a requested date is never
    moved to an anniversary, only pushed back to the end of the notice.

    - If that date is an anniversary, the notice came at least 3 months before it (the date is
      never earlier than notice + 3 months): a non-renewal (8.2), no fee (``fee_applies``
      False).
    - Any other date is a termination for convenience "outside the anniversary dates" (17.1):
      CON-5 applies to the period in which it falls (``fee_applies`` True).

    With no requested date, this is the earliest date (notice + 3 months); the choice offered
    next to it is ``platform_options``.
    """
    effective = effective_date(notice_date, requested_date, PLATFORM_NOTICE_MONTHS)
    return effective, not is_anniversary(effective, anchor, initial_months, renewal_months)


def platform_options(
    notice_date: date, anchor: date, initial_months: int, renewal_months: int
) -> list[tuple[date, bool]]:
    """CON-4 for PLATFORM, no requested date: the dates the customer chooses between, as
    ``(effective_date, fee_applies)``, earliest first.

    - the earliest date, notice + 3 months: a termination for convenience with its fee, unless
      it is itself an anniversary;
    - the first anniversary at least 3 months after the notice (on or after notice + 3
      months): a non-renewal without fee (8.2).

    When the earliest date is an anniversary (notice given exactly 3 months before it) both are
    the same day: one option, without fee.
    """
    earliest, fee_applies = platform_effective_date(
        notice_date, None, anchor, initial_months, renewal_months
    )
    if not fee_applies:
        return [(earliest, False)]
    anniversary = first_anniversary_from(earliest, anchor, initial_months, renewal_months)
    return [(earliest, True), (anniversary, False)]


def _termination_period(
    effective: date, anchor: date, initial_months: int, renewal_months: int
) -> CommitmentPeriod:
    """The commitment period the termination falls in: the one containing the last day of
    service. A termination effective on or before the anchor (service never started) falls in
    the initial period: the commitment was made when the contract was signed."""
    last_day_of_service = day_before(effective)
    if last_day_of_service < anchor:
        return commitment_period_at(anchor, initial_months, renewal_months, anchor)
    return commitment_period_at(anchor, initial_months, renewal_months, last_day_of_service)


def _line(label: str, months: int, rate_percent: Decimal, monthly_base: Decimal) -> FeeLine:
    amount = Decimal(months) * monthly_base * rate_percent / FULL_RATE
    return FeeLine(label, months, rate_percent, monthly_base, amount)


def _remaining_months_lines(
    start: date, period: CommitmentPeriod, monthly_fees: Decimal
) -> list[FeeLine]:
    """HOSTED-W 8.1: every remaining month (or part) of the current period at the monthly
    fees, initial period and renewal alike.

    The months are calendar months (HOSTED-W 2: « mois » means « mois calendaire »; 8.1: « tout
    mois entamé est dû »): a fee start in the middle of a month — nothing was invoiced, the
    contract was never activated — counts that month as one, as its monthly billing would have
    (fee start 2026-04-12, period end 2027-03-10: April → March, 12 months; not 11 counted from
    the 12th). A fee start on a 1st, the usual case, counts the same either way."""
    months = months_or_part(max(month_start(start), period.start), period.end)
    return [_line(FeeLineLabel.REMAINING_MONTHS, months, FULL_RATE, monthly_fees)]


def _allset_sliding_lines(
    start: date, period: CommitmentPeriod, anchor: date, monthly_fees: Decimal
) -> list[FeeLine]:
    """HOSTED-A 5.

    Initial period: months (or part) left in its first year × 100 % × F + months (or part)
    left in the initial period beyond its first year × 50 % × F. Each segment is counted from
    its own start: the later of the fee start and the segment's first day (a month straddling
    the first anniversary is thus counted in each segment, as the clause counts each
    "remaining" separately).

    Renewal period: 100 % × F × 3 months from the fee start, always 3 — even past the period
    end, "the fees that would have been due had the termination not occurred" (the contract
    would have renewed) — + months (or part) left in the renewal period from fee start + 3
    months (add_months) × 50 % × F. The 3 months are due whenever the termination takes effect
    during the renewal period, even if its last month was already invoiced (fee start = period
    end): had the termination not occurred, the contract would have renewed.
    """
    if period.is_initial:
        first_year_end = min(add_months(anchor, 12), period.end)
        return [
            _line(
                FeeLineLabel.FIRST_YEAR,
                months_or_part(start, first_year_end),
                FULL_RATE,
                monthly_fees,
            ),
            _line(
                FeeLineLabel.BEYOND_FIRST_YEAR,
                months_or_part(max(start, first_year_end), period.end),
                HALF_RATE,
                monthly_fees,
            ),
        ]
    full_rate_end = add_months(start, ALLSET_RENEWAL_FULL_MONTHS)
    return [
        _line(
            FeeLineLabel.RENEWAL_FIRST_MONTHS, ALLSET_RENEWAL_FULL_MONTHS, FULL_RATE, monthly_fees
        ),
        _line(
            FeeLineLabel.RENEWAL_BEYOND,
            months_or_part(full_rate_end, period.end),
            HALF_RATE,
            monthly_fees,
        ),
    ]


def _commitment_max_lines(
    start: date,
    period: CommitmentPeriod,
    monthly_fees: Decimal,
    minimum_commitment: Decimal,
) -> list[FeeLine]:
    """PLATFORM 24.4.5 + 17.6: each remaining month (or part) until the end of the contract
    period (the current commitment period) at the higher of the monthly subscriptions and the
    monthly minimum billing commitment (24.4.1). Equal amounts are shown as subscriptions."""
    months = months_or_part(start, period.end)
    if monthly_fees >= minimum_commitment:
        return [_line(FeeLineLabel.SUBSCRIPTIONS, months, FULL_RATE, monthly_fees)]
    return [_line(FeeLineLabel.MINIMUM_COMMITMENT, months, FULL_RATE, minimum_commitment)]


def _require_decimal(name: str, value: object) -> None:
    if not isinstance(value, Decimal):
        raise TypeError(f"{name} must be a Decimal (money is never a float), got {value!r}")


def quote_termination_fee(
    *,
    rule: str,
    effective_date: date,
    invoiced_through: date | None,
    anchor: date,
    initial_months: int,
    renewal_months: int,
    monthly_fees: Decimal,
    minimum_commitment: Decimal = DEFAULT_MINIMUM_COMMITMENT,
) -> FeeQuote:
    """CON-5: the termination fee of a contract terminated at ``effective_date``.

    ``monthly_fees`` is F: the contract's monthly fees (HOSTED-W), monthly fixed fees of the
    site (HOSTED-A) or monthly subscriptions (PLATFORM). ``anchor``, ``initial_months`` and
    ``renewal_months`` define the commitment periods (CON-2). The termination falls in the
    period containing its last day of service (see the module docstring); months are counted
    from the fee start (or from that period's start if later), to that period's end. A
    termination effective exactly at a period's end therefore costs nothing, under every rule.

    Raises ``ValueError`` for an unknown rule and ``TypeError`` for non-Decimal money.
    """
    fee_rule = FeeRule(rule)
    _require_decimal("monthly_fees", monthly_fees)
    _require_decimal("minimum_commitment", minimum_commitment)
    start = fee_start(effective_date, invoiced_through)
    if fee_rule is FeeRule.NONE:
        # TRUNK, SIP-UNL: nothing beyond the current month, which regular billing charges.
        return FeeQuote(
            rule=fee_rule.value,
            effective_date=effective_date,
            fee_start=start,
            amount=round_money(Decimal(0)),
        )

    period = _termination_period(effective_date, anchor, initial_months, renewal_months)
    lines: list[FeeLine] = []
    if effective_date < period.end:  # a termination at the period's end is not "during" it
        count_from = max(start, period.start)
        if fee_rule is FeeRule.REMAINING_MONTHS:
            lines = _remaining_months_lines(count_from, period, monthly_fees)
        elif fee_rule is FeeRule.ALLSET_SLIDING:
            lines = _allset_sliding_lines(count_from, period, anchor, monthly_fees)
        else:
            lines = _commitment_max_lines(count_from, period, monthly_fees, minimum_commitment)
    lines = [line for line in lines if line.months > 0]
    total = sum((line.amount for line in lines), Decimal(0))
    return FeeQuote(
        rule=fee_rule.value,
        effective_date=effective_date,
        fee_start=start,
        amount=round_money(total),
        lines=lines,
        period=period,
    )
