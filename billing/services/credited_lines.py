"""BIL-9: credit notes credit invoice lines. Each line of a credit note names the invoice line it
credits (``InvoiceLine.credited_line``), and the credits of an invoice line never exceed what it
billed: what is left on each line, the lines a credit naming none goes to, and the checks
``credit_notes.credit_note_issue`` makes with them."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils.translation import gettext as _

from billing.choices import DocumentKind, DocumentStatus
from billing.models import Invoice, InvoiceLine
from kernel.money import CENT, ZERO, money_number

VatKey = tuple[str, Decimal]  # (category, rate)


@dataclass
class Row:
    """A line of the credit note being issued: what it credits, at which VAT, for how much."""

    line: object  # the ``credit_notes.CreditLine`` asked for
    category: str
    rate: Decimal
    net: Decimal
    credited: InvoiceLine | None = None
    capped: bool = False  # never beyond what is left on ``credited`` (not compensation)
    description: str = ""


def vat_key(category: str, rate) -> VatKey:
    return category, Decimal(rate).quantize(CENT)


def lines_left_to_credit(lines) -> dict[int, Decimal]:
    """BIL-9: what is left to credit on each invoice line of ``lines`` (by id): what it billed,
    less the lines of the issued credit notes that credit it — never below zero (an SLA credit
    larger than the month it names leaves nothing)."""
    lines = list(lines)
    credited = dict(
        InvoiceLine.objects.filter(
            credited_line__in=[line.pk for line in lines],
            invoice__kind=DocumentKind.CREDIT_NOTE,
            invoice__status=DocumentStatus.ISSUED,
        )
        .values("credited_line")
        .annotate(total=Sum("net_amount"))
        .values_list("credited_line", "total")
    )
    return {line.pk: max(line.net_amount - credited.get(line.pk, ZERO), ZERO) for line in lines}


def line_left_to_credit(line: InvoiceLine) -> Decimal:
    """BIL-9: what is left to credit on one invoice line (``lines_left_to_credit``)."""
    return lines_left_to_credit([line])[line.pk]


def spread(net: Decimal, lines: list[InvoiceLine], left: dict[int, Decimal]) -> list[tuple]:
    """BIL-9: the invoice lines that ``net`` (€ excl. VAT, one VAT group of an invoice, no line
    named: a dispute, a staff correction) credits, among that group's ``lines`` (``left``: what
    is left to credit on each, by id). A line whose left is exactly ``net`` takes it (the whole
    indemnity disputed); else the lines with the most left take it first (the first on a tie),
    each up to what is left on it — so a credit names as few lines as it can. Returns (line,
    net) per line credited, in the invoice's order."""
    lines = [line for line in lines if left[line.pk] > 0]
    total = sum((left[line.pk] for line in lines), ZERO)
    if net > total:
        raise ValidationError(
            {
                "lines": _("Only %(left)s € excl. VAT is left to credit at this VAT rate.")
                % {"left": money_number(total)}
            }
        )
    exact = [line for line in lines if left[line.pk] == net]
    if exact:
        return [(exact[0], net)]
    parts = {}
    for line in sorted(lines, key=lambda line: (-left[line.pk], line.position)):
        if net <= 0:
            break
        parts[line.pk] = min(net, left[line.pk])
        net -= parts[line.pk]
    return [(line, parts[line.pk]) for line in lines if line.pk in parts]


def check_within_lines(rows: list[Row]) -> None:
    """BIL-9: the credits of an invoice line never exceed what it billed — what is left on it
    (``lines_left_to_credit``), read under the lines' row locks. Compensation (an SLA or
    goodwill credit, correcting no invoice) is not capped by the line it names."""
    credited = {row.credited.pk: row.credited for row in rows if row.credited is not None}
    if not credited:
        return
    list(InvoiceLine.objects.select_for_update().filter(pk__in=credited).values_list("pk"))
    left = lines_left_to_credit(credited.values())
    new: dict[int, Decimal] = defaultdict(Decimal)
    for row in rows:
        if row.credited is not None:
            new[row.credited.pk] += row.net
    for pk, net in new.items():
        if net > left[pk]:
            billed = credited[pk]
            raise ValidationError(
                {
                    "lines": _(
                        "Credit notes cannot exceed what line %(position)s of invoice "
                        "%(number)s billed: %(left)s € excl. VAT left to credit on it."
                    )
                    % {
                        "position": billed.position,
                        "number": billed.invoice.number,
                        "left": money_number(left[pk]),
                    }
                }
            )


def named_line(line, corrects, buyer_client, partner) -> InvoiceLine:
    """The invoice line ``line`` names (``CreditLine.invoice_line``), checked: a line of an
    issued invoice — of the corrected invoice, or of the buyer's — whose VAT the credit takes."""
    billed = InvoiceLine.objects.select_related("invoice", "end_client").get(
        pk=line.invoice_line.pk
    )
    invoice = billed.invoice
    if (
        invoice.kind != DocumentKind.INVOICE
        or not invoice.is_issued
        or (corrects is not None and invoice.pk != corrects.pk)
        or (
            corrects is None
            and (invoice.client_id, invoice.partner_id)
            != (buyer_client.pk if buyer_client else None, partner.pk if partner else None)
        )
    ):
        raise ValidationError(
            {"lines": _("A credit note credits a line of the issued invoice it corrects.")}
        )
    if (line.vat_category and line.vat_category != billed.vat_category) or (
        line.vat_rate is not None and vat_key("", line.vat_rate) != vat_key("", billed.vat_rate)
    ):
        raise ValidationError(
            {"lines": _("A credit note line has the VAT category and rate of the line it credits.")}
        )
    return billed


def spread_rows(rows: list[Row], corrects: Invoice) -> list[Row]:
    """BIL-9: each row correcting ``corrects`` without naming its line is spread over the lines
    of its VAT group (``spread``), after the rows that name theirs; a row spread over several
    lines says which one each part credits."""
    lines = list(corrects.lines.select_related("invoice", "end_client").order_by("position"))
    left = lines_left_to_credit(lines)
    for row in rows:
        if row.credited is not None:
            left[row.credited.pk] -= row.net
    out = []
    for row in rows:
        if row.credited is not None:
            out.append(row)
            continue
        group = [
            line
            for line in lines
            if vat_key(line.vat_category, line.vat_rate) == (row.category, row.rate)
        ]
        parts = spread(row.net, group, left)
        for billed, net in parts:
            left[billed.pk] -= net
            description = row.line.description
            if len(parts) > 1:
                description = f"{description} — {billed.description}"[:255]
            out.append(Row(row.line, row.category, row.rate, net, billed, True, description))
    return out
