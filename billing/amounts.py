"""Money arithmetic of invoices, as pure functions (SPEC, Money; EN 16931 BR-CO-17)."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from kernel.money import ZERO, round_money, round_price


def line_net(quantity: Decimal, unit_price: Decimal) -> Decimal:
    """A line's net amount, rounded once, when the line is made."""
    return round_money(Decimal(quantity) * Decimal(unit_price))


def prorata(monthly: Decimal, days: int, days_in_period: int) -> Decimal:
    """TRK-3 / SPEC Time: a monthly price for ``days`` of a ``days_in_period`` period, kept to
    4 decimals (the line rounds the total once)."""
    return round_price(Decimal(monthly) * days / days_in_period)


def wholesale(unit_price: Decimal, discount_percent: Decimal) -> Decimal:
    """ACC-3: the partner's price after its wholesale discount, 4 decimals."""
    return round_price(Decimal(unit_price) * (100 - Decimal(discount_percent)) / 100)


@dataclass(frozen=True)
class VatGroup:
    category: str
    rate: Decimal
    taxable: Decimal
    vat: Decimal


def vat_breakdown(lines: list[tuple[str, Decimal, Decimal]]) -> list[VatGroup]:
    """VAT per (category, rate) on the sum of the lines' net amounts, rounded once per group
    (BR-CO-17) — never line by line. ``lines`` are (category, rate, net amount)."""
    groups: dict[tuple[str, Decimal], Decimal] = defaultdict(Decimal)
    for category, rate, net in lines:
        groups[(category, Decimal(rate))] += Decimal(net)
    return [
        VatGroup(category, rate, round_money(taxable), round_money(taxable * rate / 100))
        for (category, rate), taxable in sorted(
            groups.items(), key=lambda kv: (kv[0][0], -kv[0][1])
        )
    ]


def totals(groups: list[VatGroup]) -> tuple[Decimal, Decimal, Decimal]:
    net = sum((g.taxable for g in groups), ZERO)
    vat = sum((g.vat for g in groups), ZERO)
    return net, vat, net + vat


def paid_in_advance(lines: list[tuple[str, Decimal, Decimal, bool]]) -> Decimal:
    """BIL-10 + BR-CO-17: the part of an invoice's total incl. VAT already paid (prepaid
    balance, an order paid at once). ``lines`` are (category, rate, net amount, is paid).

    The paid lines' VAT is computed the way the invoice computes its own: per (category, rate)
    on the paid lines' net total, rounded once per group — never line by line. So a fully
    prepaid invoice owes exactly 0.00 (two paid lines of 5.03: 10.06 + VAT 2.01 = 12.07 paid,
    not 2 × 6.04 = 12.08), and a partly prepaid one never shows more paid than its total."""
    paid = [(category, rate, net) for category, rate, net, is_paid in lines if is_paid]
    return totals(vat_breakdown(paid))[2]


def commitment_gap(minimum: Decimal, billed: Decimal) -> Decimal:
    """BIL-5: what a month of service owes up to the full monthly commitment (never pro rata,
    PLATFORM 24.4.4), given what its subscriptions and consumption billed (their line amounts);
    zero when the month is covered."""
    return max(round_money(Decimal(minimum) - Decimal(billed)), ZERO)
