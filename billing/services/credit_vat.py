"""The VAT of a credit note that corrects an invoice (BIL-9): rounded once per VAT group, as on
any document, but never more than the VAT left to credit in the corrected invoice's group, and
exactly that VAT when the credit note completes the group. An invoice of 10.06 € + 2.01 € VAT
= 12.07 € credited by two notes of 5.03 €: the first carries 1.01 € of VAT, the second the 1.00 €
left — 12.07 € credited in all, not 12.08 € (EN 16931 BR-CO-17 allows a group's VAT to differ
from its rounded rate by up to one unit).

``split_incl_vat`` spreads an amount incl. VAT over an invoice's groups under the same rule."""

from dataclasses import dataclass, replace
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from billing.amounts import VatGroup
from kernel.money import CENT, ZERO, money_number, round_money


@dataclass(frozen=True)
class GroupLeft:
    """What is left to credit in one VAT group of the corrected invoice: ``net`` is what this
    credit may take, ``group_net`` and ``vat`` what is left of the group (``vat`` None: no cap,
    ``group_net`` None: ``net``)."""

    category: str
    rate: Decimal
    net: Decimal
    vat: Decimal | None = None
    group_net: Decimal | None = None

    def vat_of(self, net: Decimal) -> Decimal:
        vat = round_money(net * self.rate / 100)
        if self.vat is None:
            return vat
        if net == (self.net if self.group_net is None else self.group_net):
            return self.vat
        return min(vat, self.vat)

    def gross(self, net: Decimal) -> Decimal:
        return net + self.vat_of(net)

    def net_at_most(self, gross: Decimal) -> Decimal:
        """The largest net amount whose total incl. VAT is at most ``gross``."""
        net = max(round_money(gross / (1 + self.rate / 100)), ZERO)
        while net > 0 and self.gross(net) > gross:
            net -= CENT
        while self.gross(net + CENT) <= gross:
            net += CENT
        return net


def capped_groups(groups: list[VatGroup], lefts: dict) -> list[VatGroup]:
    """BIL-9: each group of a credit note with its VAT at most what is left in the corrected
    invoice's group, and all of it when the note completes the group. ``lefts`` maps a VAT key
    (category, rate) to its ``GroupLeft``."""
    capped = []
    for group in groups:
        left = lefts.get((group.category, group.rate))
        capped.append(group if left is None else replace(group, vat=left.vat_of(group.taxable)))
    return capped


def split_incl_vat(amount: Decimal, groups: list) -> list[tuple]:
    """BIL-8 / BIL-9: spread ``amount`` incl. VAT over an invoice's VAT groups — ``groups`` are
    ``GroupLeft`` or (category, rate, net left to credit), in the invoice's breakdown order — so
    that the credit note totals exactly ``amount`` incl. VAT. Returns (category, rate, net) per
    group credited.

    Each group takes its share of ``amount`` in proportion to what is left to credit in it,
    incl. VAT (rounded half-up to the cent); the largest group (the first on a tie) takes what
    the others leave, so the shares add up to ``amount``. Each share is turned into the net
    amount whose VAT, rounded once per group as on any document, gives it back. A rate can make
    a total unreachable (at 20 %, one cent in six: 0.02 → 0.02, 0.03 → 0.04): the cent missing
    goes to the largest group, or another, that reaches it exactly; failing that, the credit is
    the smallest total above ``amount`` (one cent in the customer's favour), never above what is
    left to credit."""
    amount = Decimal(amount)
    lefts = [
        g if isinstance(g, GroupLeft) else GroupLeft(g[0], Decimal(g[1]), g[2]) for g in groups
    ]
    lefts = [replace(g, net=Decimal(g.net)) for g in lefts if Decimal(g.net) > 0]
    gross_left = [g.gross(g.net) for g in lefts]
    total = sum(gross_left, ZERO)
    if amount <= 0 or amount > total:
        raise ValidationError(
            {
                "lines": _("Only %(left)s € incl. VAT is left to credit on this invoice.")
                % {"left": money_number(total)}
            }
        )
    largest = max(range(len(lefts)), key=lambda i: (gross_left[i], -i))
    shares = [round_money(amount * g / total) for g in gross_left]
    shares[largest] = amount - sum(s for i, s in enumerate(shares) if i != largest)
    nets = [min(g.net_at_most(share), g.net) for share, g in zip(shares, lefts, strict=True)]
    order = [largest, *(i for i in range(len(lefts)) if i != largest)]
    for exact in (True, False):
        short = amount - sum(g.gross(n) for n, g in zip(nets, lefts, strict=True))
        if short <= 0:
            break
        for i in order:
            group = lefts[i]
            wanted = group.gross(nets[i]) + short
            net = group.net_at_most(wanted)
            if not exact and group.gross(net) < wanted:
                net += CENT
            if net <= group.net and (group.gross(net) == wanted or not exact):
                nets[i] = net
                break
    return [(g.category, g.rate, net) for g, net in zip(lefts, nets, strict=True) if net > 0]
