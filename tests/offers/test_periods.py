"""Unit tests of offers.periods, the calendar helper (no database, no Django)."""

from datetime import date, timedelta

import pytest

from offers.periods import (
    CommitmentPeriod,
    Period,
    add_months,
    commitment_period_at,
    days_in_month,
    month_period,
    month_start,
    months_or_part,
    next_month_start,
    pro_rata_days,
)


class TestAddMonths:
    @pytest.mark.parametrize(
        ("start", "months", "expected"),
        [
            (date(2025, 12, 15), 1, date(2026, 1, 15)),  # year wrap, day kept
            (date(2026, 1, 15), -1, date(2025, 12, 15)),  # backwards across a year
            (date(2026, 1, 15), -13, date(2024, 12, 15)),
            (date(2026, 5, 31), 0, date(2026, 5, 31)),
            (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap February
            (date(2025, 1, 31), 1, date(2025, 2, 28)),  # common February
            (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap 2028
            (date(2025, 1, 30), 1, date(2025, 2, 28)),
            (date(2025, 1, 29), 1, date(2025, 2, 28)),
            (date(2024, 1, 29), 1, date(2024, 2, 29)),
            (date(2025, 3, 31), 1, date(2025, 4, 30)),  # 30-day month
            (date(2025, 11, 30), 3, date(2026, 2, 28)),
            (date(2024, 3, 31), -1, date(2024, 2, 29)),
            (date(2024, 2, 29), 12, date(2025, 2, 28)),  # leap day → common year
            (date(2024, 2, 29), 48, date(2028, 2, 29)),  # … and back to a leap day
            (date(2025, 3, 1), 36, date(2028, 3, 1)),
        ],
    )
    def test_clamps_to_month_end_and_keeps_day_when_possible(self, start, months, expected):
        assert add_months(start, months) == expected

    @pytest.mark.parametrize("anchor_day", [28, 29, 30, 31])
    def test_anchor_day_comes_back_over_many_months(self, anchor_day):
        # CON-2: the k-th date of a series is add_months(anchor, k): the anchor's day comes back
        # after every short month (e.g. 31 → Feb 29 → Mar 31), from 2023 through the 2024 and
        # 2028 leap years.
        anchor = date(2023, 1, anchor_day)
        for k in range(0, 72):
            result = add_months(anchor, k)
            expected_day = min(anchor_day, days_in_month(result))
            assert (result.year * 12 + result.month) == (2023 * 12 + 1 + k)
            assert result.day == expected_day, (anchor, k, result)

    def test_chaining_drifts_which_is_why_series_use_the_anchor(self):
        # CON-2: the anchor problem. Chained additions lose the 31st for ever after February.
        anchor = date(2024, 1, 31)
        chained = anchor
        for _ in range(3):
            chained = add_months(chained, 1)
        assert chained == date(2024, 4, 29)  # 01-31 → 02-29 → 03-29 → 04-29
        assert add_months(anchor, 3) == date(2024, 4, 30)
        assert add_months(anchor, 2) == date(2024, 3, 31)


class TestMonthHelpers:
    @pytest.mark.parametrize(
        ("day", "expected"),
        [
            (date(2024, 2, 10), 29),
            (date(2025, 2, 10), 28),
            (date(2028, 2, 1), 29),
            (date(2100, 2, 1), 28),  # divisible by 100, not by 400: not a leap year
            (date(2000, 2, 1), 29),  # divisible by 400: leap year
            (date(2025, 4, 30), 30),
            (date(2025, 12, 31), 31),
        ],
    )
    def test_days_in_month(self, day, expected):
        assert days_in_month(day) == expected

    def test_month_start_and_next_month_start(self):
        assert month_start(date(2026, 11, 15)) == date(2026, 11, 1)
        assert month_start(date(2026, 11, 1)) == date(2026, 11, 1)
        assert next_month_start(date(2026, 11, 30)) == date(2026, 12, 1)
        assert next_month_start(date(2026, 12, 31)) == date(2027, 1, 1)
        assert next_month_start(date(2024, 1, 31)) == date(2024, 2, 1)
        assert next_month_start(date(2024, 2, 29)) == date(2024, 3, 1)

    def test_month_period_is_the_calendar_month(self):
        february = month_period(date(2024, 2, 14))
        assert february == Period(date(2024, 2, 1), date(2024, 3, 1))
        assert february.days == 29
        assert month_period(date(2025, 2, 28)).days == 28

    def test_pro_rata_days(self):
        # 2024-02-10 (included) → 2024-03-01 (excluded) = 29 - 9 = 20 days.
        assert pro_rata_days(date(2024, 2, 10), date(2024, 3, 1)) == 20
        assert pro_rata_days(date(2024, 3, 1), date(2024, 2, 10)) == 0


class TestPeriod:
    def test_start_included_end_excluded(self):
        period = Period(date(2026, 3, 1), date(2026, 4, 1))
        assert period.contains(date(2026, 3, 1))
        assert period.contains(date(2026, 3, 31))
        assert not period.contains(date(2026, 4, 1))
        assert not period.contains(date(2026, 2, 28))
        assert period.days == 31

    def test_empty_period_contains_nothing(self):
        period = Period(date(2026, 3, 1), date(2026, 3, 1))
        assert period.days == 0
        assert not period.contains(date(2026, 3, 1))

    def test_end_before_start_is_refused(self):
        with pytest.raises(ValueError):
            Period(date(2026, 3, 2), date(2026, 3, 1))


class TestMonthsOrPart:
    @pytest.mark.parametrize(
        ("start", "end", "expected"),
        [
            # Dec 2026 … Feb 2028 = 13 + 2 whole months
            (date(2026, 12, 1), date(2028, 3, 1), 15),
            # 1 whole month to 2026-12-15, then a part (12-15 → 01-01)
            (date(2026, 11, 15), date(2027, 1, 1), 2),
            (date(2026, 11, 15), date(2026, 12, 15), 1),
            (date(2026, 11, 15), date(2026, 12, 16), 2),
            (date(2026, 11, 15), date(2026, 11, 16), 1),  # a single day is a part
            (date(2026, 11, 15), date(2026, 11, 15), 0),  # empty
            (date(2026, 11, 15), date(2026, 11, 1), 0),  # end before start
            (date(2025, 3, 1), date(2028, 3, 1), 36),
            (date(2026, 1, 31), date(2026, 2, 28), 1),  # clamped: 01-31 + 1 = 02-28
            (date(2026, 1, 31), date(2026, 3, 1), 2),  # 1 whole to 02-28, 1 day part
            (date(2024, 2, 29), date(2025, 2, 28), 12),
            (date(2024, 2, 29), date(2025, 3, 1), 13),  # 12 whole to 2025-02-28, then 1 day
            (date(2025, 2, 28), date(2026, 1, 31), 12),  # 11 whole to 2026-01-28 + 3 days
        ],
    )
    def test_whole_months_then_a_part(self, start, end, expected):
        assert months_or_part(start, end) == expected

    def test_counts_from_the_start_not_chained(self):
        # CON-2 anchor rule: from 01-31, the 2nd month ends 03-31 (add_months(start, 2)), not
        # 03-28 (chained 01-31 → 02-28 → 03-28), so 01-31 → 03-31 is exactly 2 months.
        assert months_or_part(date(2026, 1, 31), date(2026, 3, 31)) == 2
        assert months_or_part(date(2024, 1, 31), date(2024, 12, 31)) == 11


class TestCommitmentPeriodAt:
    def test_initial_then_renewals_from_the_anchor(self):
        # CON-2: HOSTED-A style, 36-month initial period then 12-month renewals, anchored on
        # the service start date 2025-03-01.
        anchor = date(2025, 3, 1)

        def at(on):
            return commitment_period_at(anchor, 36, 12, on)

        assert at(date(2025, 3, 1)) == CommitmentPeriod(date(2025, 3, 1), date(2028, 3, 1), 0)
        assert at(date(2028, 2, 29)) == CommitmentPeriod(date(2025, 3, 1), date(2028, 3, 1), 0)
        assert at(date(2028, 2, 29)).is_initial
        assert at(date(2028, 3, 1)) == CommitmentPeriod(date(2028, 3, 1), date(2029, 3, 1), 1)
        assert not at(date(2028, 3, 1)).is_initial
        assert at(date(2029, 2, 28)).index == 1
        assert at(date(2029, 3, 1)) == CommitmentPeriod(date(2029, 3, 1), date(2030, 3, 1), 2)
        assert at(date(2031, 2, 28)) == CommitmentPeriod(date(2030, 3, 1), date(2031, 3, 1), 3)
        assert at(date(2045, 7, 14)) == CommitmentPeriod(date(2045, 3, 1), date(2046, 3, 1), 18)

    def test_leap_day_anchor(self):
        # CON-2: signature on 2024-02-29, 12 + 12 months: anniversaries 2025-02-28,
        # 2026-02-28, 2027-02-28 and again 2028-02-29 (computed from the anchor, not chained).
        anchor = date(2024, 2, 29)

        def at(on):
            return commitment_period_at(anchor, 12, 12, on)

        assert at(date(2025, 2, 27)) == CommitmentPeriod(anchor, date(2025, 2, 28), 0)
        assert at(date(2025, 2, 28)) == CommitmentPeriod(date(2025, 2, 28), date(2026, 2, 28), 1)
        assert at(date(2028, 2, 28)) == CommitmentPeriod(date(2027, 2, 28), date(2028, 2, 29), 3)
        assert at(date(2028, 2, 29)) == CommitmentPeriod(date(2028, 2, 29), date(2029, 2, 28), 4)

    def test_month_end_anchor_with_monthly_renewals(self):
        # CON-2: anchor on the 31st, 1-month periods: the periods come back to the 31st.
        anchor = date(2024, 1, 31)

        def at(on):
            return commitment_period_at(anchor, 1, 1, on)

        assert at(date(2024, 2, 28)) == CommitmentPeriod(anchor, date(2024, 2, 29), 0)
        assert at(date(2024, 2, 29)) == CommitmentPeriod(date(2024, 2, 29), date(2024, 3, 31), 1)
        assert at(date(2024, 3, 30)).index == 1
        assert at(date(2024, 3, 31)) == CommitmentPeriod(date(2024, 3, 31), date(2024, 4, 30), 2)
        # anchor + 13 months = 2025-02-28, anchor + 14 months = 2025-03-31
        assert at(date(2025, 2, 28)) == CommitmentPeriod(date(2025, 2, 28), date(2025, 3, 31), 13)

    @pytest.mark.parametrize(
        ("anchor", "initial", "renewal"),
        [
            (date(2024, 1, 31), 12, 12),
            (date(2024, 2, 29), 24, 12),
            (date(2023, 8, 30), 1, 1),
            (date(2025, 5, 31), 36, 12),
            (date(2025, 3, 15), 12, 6),
        ],
    )
    def test_every_day_falls_in_exactly_one_consecutive_period(self, anchor, initial, renewal):
        # CON-2: walking every day for 8 years, periods tile the calendar without gap or overlap
        # and each period k starts at add_months(anchor, initial + (k - 1) * renewal).
        previous = None
        day = anchor
        while day < date(anchor.year + 8, 1, 1):
            period = commitment_period_at(anchor, initial, renewal, day)
            assert period.contains(day)
            expected_start = (
                anchor
                if period.index == 0
                else add_months(anchor, initial + (period.index - 1) * renewal)
            )
            assert period.start == expected_start
            assert period.end == add_months(anchor, initial + period.index * renewal)
            if previous is not None and previous != period:
                assert period.index == previous.index + 1
                assert period.start == previous.end
            previous = period
            day += timedelta(days=1)

    def test_before_the_anchor_is_refused(self):
        with pytest.raises(ValueError):
            commitment_period_at(date(2025, 3, 1), 12, 12, date(2025, 2, 28))

    def test_non_positive_durations_are_refused(self):
        with pytest.raises(ValueError):
            commitment_period_at(date(2025, 3, 1), 0, 12, date(2025, 3, 1))
        with pytest.raises(ValueError):
            commitment_period_at(date(2025, 3, 1), 12, 0, date(2026, 3, 1))
