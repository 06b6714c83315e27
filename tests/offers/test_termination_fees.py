"""Unit tests of offers.termination_fees: CON-4 effective dates and CON-5 fee quotes.

Expected amounts are worked out by hand from the rule text of SPEC CON-5 (arithmetic in the
comments), never by calling the code under test. No database, no Django.
"""

from datetime import date
from decimal import Decimal

import pytest

from offers.periods import CommitmentPeriod
from offers.termination_fees import (
    FeeLine,
    FeeLineLabel,
    FeeRule,
    effective_date,
    effective_date_end_of_month,
    fee_start,
    platform_effective_date,
    quote_termination_fee,
)

# HOSTED-A: service start date 2025-03-01, 36-month initial period (ends 2028-03-01), then
# 1-year renewals; F = monthly fixed fees of the site.
ALLSET = {
    "rule": FeeRule.ALLSET_SLIDING,
    "anchor": date(2025, 3, 1),
    "initial_months": 36,
    "renewal_months": 12,
    "monthly_fees": Decimal("250.00"),
}
# HOSTED-W: order date 2025-04-10, 24-month initial period (ends 2027-04-10), then 12 months.
WITECH = {
    "rule": FeeRule.REMAINING_MONTHS,
    "anchor": date(2025, 4, 10),
    "initial_months": 24,
    "renewal_months": 12,
    "monthly_fees": Decimal("45.50"),
}
# PLATFORM: signature 2025-03-15, 12 months then 12-month renewals; anniversaries on the 15th
# of March.
PLATFORM_TERMS = {"anchor": date(2025, 3, 15), "initial_months": 12, "renewal_months": 12}
PLATFORM = {"rule": FeeRule.COMMITMENT_MAX, **PLATFORM_TERMS}


class TestFeeStart:
    @pytest.mark.parametrize(
        ("effective", "invoiced_through", "expected"),
        [
            # November 2026 already invoiced in advance: first uninvoiced day is 2026-12-01.
            (date(2026, 11, 15), date(2026, 12, 1), date(2026, 12, 1)),
            (date(2026, 11, 15), None, date(2026, 11, 15)),  # nothing invoiced yet
            (date(2026, 11, 15), date(2026, 11, 1), date(2026, 11, 15)),  # invoiced before it
            (date(2026, 12, 1), date(2026, 12, 1), date(2026, 12, 1)),
            (date(2026, 11, 15), date(2027, 2, 1), date(2027, 2, 1)),  # a quarter in advance
        ],
    )
    def test_first_day_on_or_after_effective_date_not_invoiced(
        self, effective, invoiced_through, expected
    ):
        # CON-5: every started month is due and never charged twice.
        assert fee_start(effective, invoiced_through) == expected


class TestEffectiveDate:
    @pytest.mark.parametrize(
        ("notice", "requested", "months", "expected"),
        [
            (date(2026, 1, 10), None, 1, date(2026, 2, 10)),
            (date(2026, 1, 31), None, 1, date(2026, 2, 28)),  # clamped to February's end
            (date(2024, 1, 31), None, 1, date(2024, 2, 29)),  # leap year
            (date(2026, 1, 31), date(2026, 2, 15), 1, date(2026, 2, 28)),  # too early a request
            (date(2026, 1, 31), date(2026, 4, 1), 1, date(2026, 4, 1)),  # later request wins
            (date(2025, 11, 30), None, 3, date(2026, 2, 28)),
        ],
    )
    def test_later_of_requested_date_and_notice_plus_notice_period(
        self, notice, requested, months, expected
    ):
        # CON-4: effective date = max(requested date, notice date + notice period).
        # CON-5: the date fee start and fees are counted from.
        assert effective_date(notice, requested, months) == expected

    @pytest.mark.parametrize(
        ("notice", "requested", "expected"),
        [
            (date(2026, 4, 20), None, date(2026, 5, 1)),
            (date(2026, 4, 1), None, date(2026, 5, 1)),  # April is served to its end
            (date(2026, 4, 30), None, date(2026, 5, 1)),
            (date(2026, 4, 20), date(2026, 4, 25), date(2026, 5, 1)),
            (date(2026, 4, 20), date(2026, 5, 1), date(2026, 5, 1)),
            (date(2026, 4, 20), date(2026, 5, 10), date(2026, 6, 1)),  # started month is due
            (date(2024, 2, 29), None, date(2024, 3, 1)),
            (date(2026, 12, 31), None, date(2027, 1, 1)),
        ],
    )
    def test_sip_unl_effective_at_end_of_month(self, notice, requested, expected):
        # CON-4 / CON-1 SIP-UNL: notice any time, effective end of month (first day of a month).
        # CON-5: `none` rule, so nothing is due beyond that month.
        assert effective_date_end_of_month(notice, requested) == expected


class TestNoneRule:
    def test_trunk_pays_nothing_beyond_the_current_month(self):
        # CON-5 `none` (TRUNK, SIP-UNL): 0.00, no breakdown.
        quote = quote_termination_fee(
            rule="none",
            effective_date=date(2026, 5, 1),
            invoiced_through=date(2026, 5, 1),
            anchor=date(2025, 1, 1),
            initial_months=1,
            renewal_months=1,
            monthly_fees=Decimal("39.00"),
        )
        assert quote.amount == Decimal("0.00")
        assert quote.lines == []
        assert quote.rule == "none"


class TestAllsetSliding:
    def test_initial_period_after_first_year_with_invoiced_month(self):
        # CON-5 allset_sliding, initial period: effective 2026-11-15, November already invoiced
        # → fee start 2026-12-01. First year [2025-03-01, 2026-03-01) is over: 0 month at 100 %.
        # Beyond the first year, 2026-12-01 → 2028-03-01 = Dec 2026 + 12 (2027) + Jan–Feb 2028
        # = 15 months × 50 % × 250.00 = 15 × 125.00 = 1875.00.
        quote = quote_termination_fee(
            **ALLSET, effective_date=date(2026, 11, 15), invoiced_through=date(2026, 12, 1)
        )
        assert quote.fee_start == date(2026, 12, 1)
        assert quote.amount == Decimal("1875.00")
        assert quote.lines == [
            FeeLine(
                FeeLineLabel.BEYOND_FIRST_YEAR,
                15,
                Decimal("50"),
                Decimal("250.00"),
                Decimal("1875.00"),
            )
        ]
        assert quote.period == CommitmentPeriod(date(2025, 3, 1), date(2028, 3, 1), 0)

    def test_initial_period_during_first_year(self):
        # CON-5 allset_sliding: notice 2025-06-01 + 1 month → effective 2025-07-01, June
        # invoiced → fee start 2025-07-01.
        # First year: 2025-07-01 → 2026-03-01 = Jul … Feb = 8 months × 100 % × 250.00 = 2000.00
        # Beyond: 2026-03-01 → 2028-03-01 = 24 months × 50 % × 250.00 = 24 × 125.00 = 3000.00
        # Total 5000.00.
        effective = effective_date(date(2025, 6, 1), None, 1)  # CON-4
        assert effective == date(2025, 7, 1)
        quote = quote_termination_fee(
            **ALLSET, effective_date=effective, invoiced_through=date(2025, 7, 1)
        )
        assert quote.amount == Decimal("5000.00")
        assert [(line.label, line.months, line.rate_percent) for line in quote.lines] == [
            (FeeLineLabel.FIRST_YEAR, 8, Decimal("100")),
            (FeeLineLabel.BEYOND_FIRST_YEAR, 24, Decimal("50")),
        ]

    def test_first_year_month_end_anchor_mid_month_fee_start_rounded_once(self):
        # CON-5 allset_sliding, service start 2025-01-31, 24-month initial period, F with four
        # decimals 99.9975. Effective 2025-06-30, only May invoiced (invoiced_through
        # 2025-06-01) → fee start 2025-06-30.
        # First year ends add_months(2025-01-31, 12) = 2026-01-31; from 2025-06-30: 7 whole
        # months to 2026-01-30, then 1 day → 8 months × 100 % × 99.9975 = 799.98
        # Beyond: 2026-01-31 → 2027-01-31 = 12 months × 50 % × 99.9975 = 12 × 49.99875
        # = 599.985
        # Total 1399.965 → half-up once → 1399.97 (rounding each line first would also give
        # 799.98 + 599.99 = 1399.97; half-even would give 1399.96).
        quote = quote_termination_fee(
            rule="allset_sliding",
            effective_date=date(2025, 6, 30),
            invoiced_through=date(2025, 6, 1),
            anchor=date(2025, 1, 31),
            initial_months=24,
            renewal_months=12,
            monthly_fees=Decimal("99.9975"),
        )
        assert quote.fee_start == date(2025, 6, 30)
        assert [line.months for line in quote.lines] == [8, 12]
        assert quote.lines[1].amount == Decimal("599.985")  # exact, not rounded
        assert quote.amount == Decimal("1399.97")

    def test_renewal_period_three_months_then_half(self):
        # CON-5 allset_sliding, renewal 1 = [2028-03-01, 2029-03-01). Effective 2028-06-01,
        # May invoiced → fee start 2028-06-01.
        # 3 months × 100 % × 250.00 = 750.00
        # beyond: 2028-09-01 → 2029-03-01 = 6 months × 50 % × 250.00 = 750.00
        # Total 1500.00.
        quote = quote_termination_fee(
            **ALLSET, effective_date=date(2028, 6, 1), invoiced_through=date(2028, 6, 1)
        )
        assert quote.period == CommitmentPeriod(date(2028, 3, 1), date(2029, 3, 1), 1)
        assert quote.amount == Decimal("1500.00")
        assert [(line.label, line.months, line.rate_percent) for line in quote.lines] == [
            (FeeLineLabel.RENEWAL_FIRST_MONTHS, 3, Decimal("100")),
            (FeeLineLabel.RENEWAL_BEYOND, 6, Decimal("50")),
        ]

    def test_second_renewal_mid_month_fee_start(self):
        # CON-5 allset_sliding, renewal 2 = [2029-03-01, 2030-03-01). Effective 2029-08-20,
        # July invoiced only → fee start 2029-08-20.
        # 3 months × 100 % × 250.00 = 750.00 (2029-08-20 → 2029-11-20)
        # beyond: 2029-11-20 → 2030-03-01 = 3 whole months (to 2030-02-20) + a part = 4 months
        # × 50 % × 250.00 = 500.00
        # Total 1250.00.
        quote = quote_termination_fee(
            **ALLSET, effective_date=date(2029, 8, 20), invoiced_through=date(2029, 8, 1)
        )
        assert quote.period.index == 2
        assert [line.months for line in quote.lines] == [3, 4]
        assert quote.amount == Decimal("1250.00")

    def test_renewal_three_months_are_due_even_past_the_period_end(self):
        # CON-5 allset_sliding: effective 2029-01-15 (last day of service 2029-01-14, during
        # renewal 1 which ends 2029-03-01), January invoiced → fee start 2029-02-01.
        # Always 3 months: 3 × 100 % × 250.00 = 750.00 (Feb–Apr 2029: the contract would have
        # renewed); beyond: 2029-05-01 is after the period end → 0 month.
        # Total 750.00.
        quote = quote_termination_fee(
            **ALLSET, effective_date=date(2029, 1, 15), invoiced_through=date(2029, 2, 1)
        )
        assert quote.amount == Decimal("750.00")
        assert [line.label for line in quote.lines] == [FeeLineLabel.RENEWAL_FIRST_MONTHS]

    def test_renewal_last_day_still_during_the_period(self):
        # CON-5 allset_sliding: effective 2029-02-28 = last day of service 2029-02-27, still
        # during renewal 1 (ends 2029-03-01); February invoiced → fee start 2029-03-01.
        # 3 × 100 % × 250.00 = 750.00; nothing left beyond. Total 750.00.
        quote = quote_termination_fee(
            **ALLSET, effective_date=date(2029, 2, 28), invoiced_through=date(2029, 3, 1)
        )
        assert quote.amount == Decimal("750.00")

    @pytest.mark.parametrize("invoiced_through", [None, date(2028, 3, 1)])
    def test_effective_exactly_at_initial_period_end_costs_nothing(self, invoiced_through):
        # CON-5: effective 2028-03-01 = end of the initial period [2025-03-01, 2028-03-01):
        # the last day of service (2028-02-29) is in the initial period, nothing of it remains,
        # and the termination is not "during" renewal 1 → 0.00.
        quote = quote_termination_fee(
            **ALLSET, effective_date=date(2028, 3, 1), invoiced_through=invoiced_through
        )
        assert quote.amount == Decimal("0.00")
        assert quote.lines == []
        assert quote.period.is_initial

    def test_effective_exactly_at_renewal_end_costs_nothing(self):
        # CON-5: effective 2029-03-01 = end of renewal 1: not "during" it → no 3-month fee, 0.00.
        quote = quote_termination_fee(
            **ALLSET, effective_date=date(2029, 3, 1), invoiced_through=date(2029, 3, 1)
        )
        assert quote.amount == Decimal("0.00")
        assert quote.period.index == 1

    def test_termination_before_service_start_owes_the_initial_commitment(self):
        # CON-5 allset_sliding: effective 2025-02-20, before the service start (anchor)
        # 2025-03-01: counted as the initial period, from the anchor:
        # first year 12 months × 100 % × 250.00 = 3000.00
        # beyond 24 months × 50 % × 250.00 = 3000.00 → 6000.00.
        quote = quote_termination_fee(
            **ALLSET, effective_date=date(2025, 2, 20), invoiced_through=None
        )
        assert quote.amount == Decimal("6000.00")


class TestRemainingMonths:
    def test_initial_period(self):
        # CON-5 remaining_months (HOSTED-W 8.1): notice 2026-01-10 + 1 month → effective
        # 2026-02-10 (CON-4); February invoiced in advance → fee start 2026-03-01.
        # Initial period ends 2027-04-10: 2026-03-01 → 2027-04-01 = 13 whole months, then
        # 04-01 → 04-10 is a part → 14 months × 45.50 = 637.00.
        effective = effective_date(date(2026, 1, 10), None, 1)  # CON-4
        assert effective == date(2026, 2, 10)
        quote = quote_termination_fee(
            **WITECH, effective_date=effective, invoiced_through=date(2026, 3, 1)
        )
        assert quote.period.is_initial
        assert quote.amount == Decimal("637.00")
        assert quote.lines == [
            FeeLine(
                FeeLineLabel.REMAINING_MONTHS,
                14,
                Decimal("100"),
                Decimal("45.50"),
                Decimal("637.00"),
            )
        ]

    def test_renewal_period_until_the_anniversary(self):
        # CON-5 remaining_months: renewal 1 = [2027-04-10, 2028-04-10). Effective 2027-09-30,
        # September invoiced → fee start 2027-10-01. 2027-10-01 → 2028-04-01 = 6 whole months,
        # then a part to 04-10 → 7 months × 45.50 = 318.50.
        quote = quote_termination_fee(
            **WITECH, effective_date=date(2027, 9, 30), invoiced_through=date(2027, 10, 1)
        )
        assert quote.period == CommitmentPeriod(date(2027, 4, 10), date(2028, 4, 10), 1)
        assert quote.amount == Decimal("318.50")

    def test_last_part_month_rounded_half_up(self):
        # CON-5 remaining_months: F = 3 users × 4.1150 = 12.3450. Effective 2028-03-20 in
        # renewal 1 (ends 2028-04-10), March invoiced → fee start 2028-04-01; 04-01 → 04-10 is
        # a part → 1 month × 12.3450 = 12.345 → half-up 12.35 (half-even would give 12.34).
        quote = quote_termination_fee(
            **{**WITECH, "monthly_fees": Decimal("12.3450")},
            effective_date=date(2028, 3, 20),
            invoiced_through=date(2028, 4, 1),
        )
        assert quote.amount == Decimal("12.35")

    def test_effective_at_initial_end_costs_nothing(self):
        # CON-5: effective 2027-04-10 = end of the initial period → not during renewal 1: 0.00.
        quote = quote_termination_fee(
            **WITECH, effective_date=date(2027, 4, 10), invoiced_through=None
        )
        assert quote.amount == Decimal("0.00")

    def test_month_end_anchor_in_february(self):
        # CON-5 remaining_months: order date 2024-01-31, 12 + 12 months → initial ends
        # 2025-01-31, renewal 1 = [2025-01-31, 2026-01-31). Effective 2025-02-28, nothing
        # invoiced → fee start 2025-02-28: 11 whole months to 2026-01-28, then 3 days
        # → 12 months × 30.00 = 360.00.
        terms = {
            "rule": "remaining_months",
            "anchor": date(2024, 1, 31),
            "initial_months": 12,
            "renewal_months": 12,
            "monthly_fees": Decimal("30.00"),
        }
        quote = quote_termination_fee(
            **terms, effective_date=date(2025, 2, 28), invoiced_through=None
        )
        assert quote.period == CommitmentPeriod(date(2025, 1, 31), date(2026, 1, 31), 1)
        assert quote.amount == Decimal("360.00")
        # CON-5: effective 2025-01-31 = end of the initial period → 0.00.
        at_end = quote_termination_fee(
            **terms, effective_date=date(2025, 1, 31), invoiced_through=None
        )
        assert at_end.amount == Decimal("0.00")


class TestPlatformEffectiveDate:
    @pytest.mark.parametrize(
        ("notice", "requested", "expected"),
        [
            # no requested date: the earliest date, 2025-11-20 + 3 months = 2026-02-20, is not an
            # anniversary → convenience, fee (the anniversary is offered next to it, see
            # TestPlatformOptions).
            (date(2025, 11, 20), None, (date(2026, 2, 20), True)),
            # the anniversary 2026-03-15 requested, notice ≥ 3 months before it: no fee.
            (date(2025, 11, 20), date(2026, 3, 15), (date(2026, 3, 15), False)),
            # exactly 3 months: 2025-12-15 + 3 = 2026-03-15 = anniversary → still in time.
            (date(2025, 12, 15), None, (date(2026, 3, 15), False)),
            # an earlier requested date is pushed to notice + 3 months (2026-02-20), never to
            # the anniversary: convenience, fee.
            (date(2025, 11, 20), date(2026, 1, 1), (date(2026, 2, 20), True)),
            # a requested date before the anniversary but after the notice: kept, fee.
            (date(2025, 11, 20), date(2026, 3, 1), (date(2026, 3, 1), True)),
            # a requested date that is a later anniversary: non-renewal there, no fee.
            (date(2025, 11, 20), date(2027, 3, 15), (date(2027, 3, 15), False)),
            # one day late: 2025-12-16 + 3 = 2026-03-16 > 2026-03-15 → convenience, fee.
            (date(2025, 12, 16), None, (date(2026, 3, 16), True)),
            # less than 3 months: 2026-01-10 + 3 = 2026-04-10, in renewal 1 → fee.
            (date(2026, 1, 10), None, (date(2026, 4, 10), True)),
            # a requested date after the anniversary, not an anniversary → convenience, fee.
            (date(2025, 11, 20), date(2026, 6, 1), (date(2026, 6, 1), True)),
        ],
    )
    def test_non_renewal_or_convenience(self, notice, requested, expected):
        # CON-4 (PLATFORM 8.2 / 17.1); CON-5 applies only when fee_applies is True.
        assert platform_effective_date(notice, requested, **PLATFORM_TERMS) == expected

    @pytest.mark.parametrize(
        ("notice", "expected"),
        [
            # 2026-02-28 + 3 months = 2026-05-28, three days before the anniversary 2026-05-31:
            # not an anniversary → convenience, fee.
            (date(2026, 2, 28), (date(2026, 5, 28), True)),
            # 2026-03-01 + 3 months = 2026-06-01 > 2026-05-31 → effective 2026-06-01, fee.
            (date(2026, 3, 1), (date(2026, 6, 1), True)),
        ],
    )
    def test_month_end_anniversary(self, notice, expected):
        # CON-4: signature 2025-05-31, anniversary 2026-05-31; CON-5 only if fee_applies.
        assert platform_effective_date(notice, None, date(2025, 5, 31), 12, 12) == expected

    @pytest.mark.parametrize(
        ("notice", "expected"),
        [
            (date(2024, 11, 28), (date(2025, 2, 28), False)),  # + 3 = 2025-02-28
            (date(2024, 11, 30), (date(2025, 2, 28), False)),  # + 3 clamps to 2025-02-28
            (date(2024, 12, 1), (date(2025, 3, 1), True)),  # + 3 = 2025-03-01 > 02-28
        ],
    )
    def test_leap_day_signature(self, notice, expected):
        # CON-4: signature 2024-02-29 → first anniversary add_months(2024-02-29, 12) =
        # 2025-02-28; CON-5 only if fee_applies.
        assert platform_effective_date(notice, None, date(2024, 2, 29), 12, 12) == expected


class TestCommitmentMax:
    def test_notice_in_time_ends_at_anniversary_without_fee(self):
        # CON-4 + CON-5: notice 2025-11-20 ≥ 3 months before 2026-03-15, the anniversary
        # requested → effective 2026-03-15, no fee; quoting it anyway gives 0.00 (a period end).
        effective, fee_applies = platform_effective_date(
            date(2025, 11, 20), date(2026, 3, 15), **PLATFORM_TERMS
        )
        assert (effective, fee_applies) == (date(2026, 3, 15), False)
        quote = quote_termination_fee(
            **PLATFORM,
            effective_date=effective,
            invoiced_through=date(2026, 4, 1),
            monthly_fees=Decimal("150.00"),
        )
        assert quote.amount == Decimal("0.00")

    @pytest.mark.parametrize(
        ("subscriptions", "label", "base", "expected"),
        [
            # 11 months × max(150.00, 200.00) = 11 × 200.00 = 2200.00
            ("150.00", FeeLineLabel.MINIMUM_COMMITMENT, "200.00", "2200.00"),
            # 11 months × max(275.50, 200.00) = 11 × 275.50 = 3030.50
            ("275.50", FeeLineLabel.SUBSCRIPTIONS, "275.50", "3030.50"),
            # equal: 11 × 200.00 = 2200.00
            ("200.00", FeeLineLabel.SUBSCRIPTIONS, "200.00", "2200.00"),
        ],
    )
    def test_late_notice_convenience_fee_in_renewal_period(
        self, subscriptions, label, base, expected
    ):
        # CON-4: notice 2026-01-10 < 3 months before the anniversary 2026-03-15 → convenience
        # termination effective 2026-01-10 + 3 months = 2026-04-10, in renewal 1
        # [2026-03-15, 2027-03-15).
        # CON-5 commitment_max: April invoiced in advance (invoiced_through 2026-05-01) → fee
        # start 2026-05-01; 2026-05-01 → 2027-03-01 = 10 whole months + a part to 03-15 = 11.
        effective, fee_applies = platform_effective_date(date(2026, 1, 10), None, **PLATFORM_TERMS)
        assert (effective, fee_applies) == (date(2026, 4, 10), True)
        quote = quote_termination_fee(
            **PLATFORM,
            effective_date=effective,
            invoiced_through=date(2026, 5, 1),
            monthly_fees=Decimal(subscriptions),
        )
        assert quote.period == CommitmentPeriod(date(2026, 3, 15), date(2027, 3, 15), 1)
        assert quote.fee_start == date(2026, 5, 1)
        assert quote.amount == Decimal(expected)
        assert [(line.label, line.months, line.monthly_base) for line in quote.lines] == [
            (label, 11, Decimal(base))
        ]

    def test_one_day_late_notice(self):
        # CON-4: notice 2025-12-16 → effective 2026-03-16 (one day into renewal 1).
        # CON-5 commitment_max: March invoiced in advance → fee start 2026-04-01;
        # 2026-04-01 → 2027-03-15 = 11 whole months (to 2027-03-01) + a part = 12
        # × max(150.00, 200.00) = 12 × 200.00 = 2400.00.
        effective, fee_applies = platform_effective_date(date(2025, 12, 16), None, **PLATFORM_TERMS)
        assert fee_applies
        quote = quote_termination_fee(
            **PLATFORM,
            effective_date=effective,
            invoiced_through=date(2026, 4, 1),
            monthly_fees=Decimal("150.00"),
        )
        assert quote.amount == Decimal("2400.00")

    def test_initial_period_quote(self):
        # CON-5 commitment_max in the initial period [2025-03-15, 2026-03-15) (e.g. a port-out,
        # NUM-4): effective 2025-09-20, September invoiced → fee start 2025-10-01;
        # 2025-10-01 → 2026-03-01 = 5 whole months + a part to 03-15 = 6
        # × max(199.99, 200.00) = 6 × 200.00 = 1200.00.
        quote = quote_termination_fee(
            **PLATFORM,
            effective_date=date(2025, 9, 20),
            invoiced_through=date(2025, 10, 1),
            monthly_fees=Decimal("199.99"),
        )
        assert quote.period.is_initial
        assert quote.amount == Decimal("1200.00")

    def test_custom_minimum_commitment(self):
        # CON-5 commitment_max with a negotiated minimum of 500.00 (PLATFORM 24.4.3): same
        # dates as above → 6 months × max(199.99, 500.00) = 3000.00.
        quote = quote_termination_fee(
            **PLATFORM,
            effective_date=date(2025, 9, 20),
            invoiced_through=date(2025, 10, 1),
            monthly_fees=Decimal("199.99"),
            minimum_commitment=Decimal("500.00"),
        )
        assert quote.amount == Decimal("3000.00")

    def test_leap_day_signature_late_notice(self):
        # CON-4: signature 2024-02-29, anniversary 2025-02-28; notice 2024-12-01 + 3 months =
        # 2025-03-01 > anniversary → effective 2025-03-01, in renewal 1 [2025-02-28,
        # 2026-02-28).
        # CON-5 commitment_max: March invoiced in advance on 2025-02-28 → fee start 2025-04-01;
        # 2025-04-01 → 2026-02-01 = 10 whole months + a part to 02-28 = 11
        # × max(450.00, 200.00) = 11 × 450.00 = 4950.00.
        terms = {"anchor": date(2024, 2, 29), "initial_months": 12, "renewal_months": 12}
        effective, fee_applies = platform_effective_date(date(2024, 12, 1), None, **terms)
        assert (effective, fee_applies) == (date(2025, 3, 1), True)
        quote = quote_termination_fee(
            rule="commitment_max",
            **terms,
            effective_date=effective,
            invoiced_through=date(2025, 4, 1),
            monthly_fees=Decimal("450.00"),
        )
        assert quote.period == CommitmentPeriod(date(2025, 2, 28), date(2026, 2, 28), 1)
        assert quote.amount == Decimal("4950.00")


class TestValidation:
    def test_unknown_rule_is_refused(self):
        # CON-5: only the four rules exist.
        with pytest.raises(ValueError):
            quote_termination_fee(
                **{**ALLSET, "rule": "whatever"},
                effective_date=date(2026, 1, 1),
                invoiced_through=None,
            )

    def test_float_money_is_refused(self):
        # CON-5 / SPEC "Money": Decimal only, never float.
        with pytest.raises(TypeError):
            quote_termination_fee(
                **{**ALLSET, "monthly_fees": 250.0},
                effective_date=date(2026, 1, 1),
                invoiced_through=None,
            )
