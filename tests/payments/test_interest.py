"""BIL-6 late-payment interest, pure (no database)."""

from datetime import date
from decimal import Decimal

from kernel.money import round_money
from payments.interest import Tranche, days_late, half_year_start, late_interest

RATES = {date(2026, 1, 1): Decimal("2.40"), date(2026, 7, 1): Decimal("2.15")}


def rate(half):
    return RATES[half]


# BIL-6 — the issue's case: 1 200.00 € due 2026-10-30, paid 2026-11-29 (30 days), ECB 2.15 %
# + 10 points: 1200 × 12.15 % × 30 / 365 = 11.9835… → 11.98.
def test_bil6_issue_case():
    due = date(2026, 10, 30)
    amount = late_interest(
        [Tranche(Decimal("1200.00"), due)],
        [(date(2026, 11, 29), Decimal("1200.00"))],
        date(2026, 11, 29),
        rate,
    )
    assert days_late(due, date(2026, 11, 29)) == 30
    assert round_money(amount) == Decimal("11.98")


# BIL-6 — a partial payment splits the interest by the amounts left unpaid over each stretch:
# 1 000.00 due 2026-03-31 (H1: 2.40 + 10 = 12.40 %), 600.00 paid 2026-04-10 (10 days on 1 000),
# the 400.00 left paid 2026-04-30 (20 more days on 400):
# 1000 × 12.4 % × 10/365 + 400 × 12.4 % × 20/365 = 3.3973 + 2.7178 = 6.1151 → 6.12.
def test_bil6_partial_payment_stretches():
    amount = late_interest(
        [Tranche(Decimal("1000.00"), date(2026, 3, 31))],
        [(date(2026, 4, 10), Decimal("600.00")), (date(2026, 4, 30), Decimal("400.00"))],
        date(2026, 4, 30),
        rate,
    )
    assert round_money(amount) == Decimal("6.12")


# BIL-6 — L441-10: days of the second half-year take the rate in force on 1 July. 500.00 due
# 2026-06-20, paid 2026-07-10: 10 days at 12.40 % (21–30 June) + 10 days at 12.15 % (1–10 July)
# = 500 × (0.124 × 10 + 0.1215 × 10) / 365 = 3.3630… → 3.36.
def test_bil6_rate_changes_on_1_july():
    amount = late_interest(
        [Tranche(Decimal("500.00"), date(2026, 6, 20))],
        [(date(2026, 7, 10), Decimal("500.00"))],
        date(2026, 7, 10),
        rate,
    )
    assert round_money(amount) == Decimal("3.36")
    assert half_year_start(date(2026, 6, 30)) == date(2026, 1, 1)
    assert half_year_start(date(2026, 7, 1)) == date(2026, 7, 1)


# BIL-6 — paid on the due date or before: no interest; one day late: one day.
def test_bil6_on_time_and_one_day():
    due = date(2026, 10, 30)
    on_time = late_interest([Tranche(Decimal("100"), due)], [(due, Decimal("100"))], due, rate)
    assert on_time == 0
    one = late_interest(
        [Tranche(Decimal("365.00"), due)],
        [(date(2026, 10, 31), Decimal("365"))],
        date(2026, 10, 31),
        rate,
    )
    assert one == Decimal("365.00") * Decimal("12.15") / 100 / 365  # 0.1215 €, unrounded


# BIL-8 + BIL-6 — a disputed part rejected later runs from its new due date: 800.00 due
# 2026-10-30 paid 2026-11-09 (10 days) and 200.00 due again 2026-12-15 paid 2026-12-25
# (10 days): (800 + 200) × 12.15 % × 10/365 = 3.3288 → 3.33.
def test_bil6_rejected_dispute_runs_from_new_due_date():
    amount = late_interest(
        [
            Tranche(Decimal("800.00"), date(2026, 10, 30)),
            Tranche(Decimal("200.00"), date(2026, 12, 15)),
        ],
        [(date(2026, 11, 9), Decimal("800.00")), (date(2026, 12, 25), Decimal("200.00"))],
        date(2026, 12, 25),
        rate,
    )
    assert round_money(amount) == Decimal("3.33")
