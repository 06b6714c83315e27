"""Credit notes (BIL-9): issued in their own series, referencing the invoice they correct, and
set against the buyer's invoices — by the next run, or by staff against an invoice already
issued.

A credit note mirrors what it credits: each of its lines has the VAT category and rate of the
line it credits, never a rate that was not charged (``CreditLine``), and names that invoice line
(``InvoiceLine.credited_line``). Correcting an invoice, it never credits more than what is left
uncredited on each line it credits, nor more than the invoice charged, in total and in each VAT
group.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, Q, Sum, When
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import Client, Partner
from billing import amounts, signals
from billing.choices import (
    SERIES,
    VAT_BY_REGIME,
    ChargeKind,
    DocumentKind,
    DocumentStatus,
    VatCategory,
)
from billing.events import announce_issued
from billing.models import CreditAllocation, CreditRefund, Invoice, InvoiceLine
from billing.services.credit_vat import GroupLeft, capped_groups, split_incl_vat
from billing.services.credited_lines import (
    Row,
    VatKey,
    check_within_lines,
    lines_left_to_credit,
    named_line,
    spread_rows,
    vat_key,
)
from billing.services.numbering import allocate_numbers, chronological_date
from billing.services.parties import client_identity, partner_identity, party_key, seller_identity
from billing.services.refunds import refund_checked
from kernel.money import ZERO, money_number, round_money
from offers.models import Contract
from offers.periods import next_month_start


@dataclass
class CreditLine:
    """A line to credit (BIL-9). ``amount`` is positive, € excl. VAT — or incl. VAT with
    ``includes_vat``, which needs the corrected invoice: the amount is then spread over that
    invoice's VAT groups (``split_incl_vat``), one credit line per group.

    Its VAT is the category and rate of the line it credits:

    - correcting an invoice: the invoice's VAT group of ``vat_category`` (and ``vat_rate``, when
      given); with neither, the invoice's one group subject to VAT — or its only group, "O" on
      a late-charges invoice (BIL-6);
    - without an invoice (SLA credits, goodwill credits): the rate last charged for the credited
      service — the customer's most recent issued invoice line of ``contract`` covering
      ``service_date`` (when given) — or, none covering it, billing it from a later day of
      that month (a first month pro rata) —, else of ``contract``, else of the customer; a customer
      never invoiced yet gets its VAT regime's rate. "O" is taken as asked (late charges).

    The invoice line it credits (BIL-9): ``invoice_line`` when the caller knows it (a month of a
    subscription, a penalty, a consumption line) — its VAT is then that line's, and the credit
    never exceeds what is left uncredited on it (``lines_left_to_credit``); correcting an invoice
    without naming a line (a dispute, a staff correction), the amount goes to the lines of its
    VAT group (``credited_lines.spread``: the line whose left is exactly the amount, else the
    lines with the most left first), one credit line per invoice line; an SLA or goodwill credit
    names the line that billed the credited service on ``service_date`` — compensation has its
    own caps (SLA-8, SLA-12), the line does not cap it, but what it gives counts against it.
    """

    description: str
    amount: Decimal
    vat_category: str = ""
    vat_rate: Decimal | None = None
    contract: Contract | None = None
    service_date: date | None = None
    includes_vat: bool = False
    invoice_line: InvoiceLine | None = None


def _credited(invoice: Invoice, amount: str = "taxable") -> dict[VatKey, Decimal]:
    """Net (``amount="vat"``: VAT) already credited on ``invoice`` per VAT group, by its issued
    credit notes."""
    credited: dict[VatKey, Decimal] = defaultdict(Decimal)
    breakdowns = invoice.credit_notes.filter(status=DocumentStatus.ISSUED).values_list(
        "vat_breakdown", flat=True
    )
    for breakdown in breakdowns:
        for group in breakdown:
            credited[vat_key(group["category"], group["rate"])] += Decimal(group[amount])
    return credited


def _lefts(invoice: Invoice) -> dict[VatKey, GroupLeft]:
    """What is left to credit in each VAT group of ``invoice``, net and VAT (``credit_vat``)."""
    net, vat = _credited(invoice), _credited(invoice, "vat")
    lefts = {}
    for g in invoice.vat_breakdown:
        key = vat_key(g["category"], g["rate"])
        left = Decimal(g["taxable"]) - net[key]
        lefts[key] = GroupLeft(*key, net=left, vat=Decimal(g["vat"]) - vat[key], group_net=left)
    return lefts


def _invoice_vat(line: CreditLine, invoice: Invoice) -> VatKey:
    """The VAT group of ``invoice`` that ``line`` credits."""
    groups = [vat_key(g["category"], g["rate"]) for g in invoice.vat_breakdown]
    if line.vat_category:
        found = [g for g in groups if g[0] == line.vat_category]
    else:
        found = [g for g in groups if g[0] != VatCategory.OUTSIDE_SCOPE] or groups
    if line.vat_rate is not None:
        found = [g for g in found if g[1] == vat_key("", line.vat_rate)[1]]
    if len(found) == 1:
        return found[0]
    if not found:
        message = _(
            "Invoice %(number)s charged no VAT at this category and rate: a credit note credits "
            "only what was charged."
        )
    else:
        message = _("Invoice %(number)s has several VAT rates: name the rate of the line credited.")
    raise ValidationError({"lines": message % {"number": invoice.number}})


def credit_line_vat(
    line: CreditLine, *, corrects: Invoice | None = None, client: Client | None = None
) -> VatKey:
    """The VAT category and rate ``credit_note_issue`` gives ``line`` (what a staff member's
    confirmation states before the credit note is issued): the invoice line it names, else the
    group of the invoice it corrects (``_invoice_vat``), else the rate last charged for the
    service to ``client`` (``_service_vat``) — refused as the issue refuses it."""
    if line.invoice_line is not None:
        return vat_key(line.invoice_line.vat_category, line.invoice_line.vat_rate)
    if corrects is not None:
        return _invoice_vat(line, corrects)
    partner = client.partner if party_key(client)[0] == "partner" else None
    return _service_vat(line, client, None if partner else client, partner)[0]


def _service_vat(
    line: CreditLine, client: Client, buyer_client: Client | None, partner: Partner | None
) -> tuple[VatKey, InvoiceLine | None]:
    """The VAT of the service ``line`` credits when no invoice is corrected (SLA and goodwill
    credits): the rate last charged for it (see ``CreditLine``); and, when the line names the
    service and its day, the invoice line that billed that day — its subscription first — (the
    credit note refers to its invoice and names the line, BIL-9), else ``None``."""
    if line.vat_category == VatCategory.OUTSIDE_SCOPE:
        return vat_key(VatCategory.OUTSIDE_SCOPE, 0), None
    charged = InvoiceLine.objects.filter(
        invoice__kind=DocumentKind.INVOICE,
        invoice__status=DocumentStatus.ISSUED,
        end_client=client,
    ).exclude(vat_category=VatCategory.OUTSIDE_SCOPE)
    if partner is not None:
        charged = charged.filter(invoice__partner=partner)
    else:
        charged = charged.filter(invoice__client=buyer_client)
    if line.vat_category:
        charged = charged.filter(vat_category=line.vat_category)
    if line.vat_rate is not None:
        charged = charged.filter(vat_rate=line.vat_rate)
    searches = []  # (lines, whether a line found bills the credited day)
    if line.contract is not None:
        of_contract = charged.filter(contract_reference=line.contract.reference)
        if line.service_date is not None:
            day = line.service_date
            searches.append(
                (
                    of_contract.filter(period_start__lte=day).filter(
                        Q(period_end__gt=day) | Q(period_end__isnull=True, period_start=day)
                    ),
                    True,
                )
            )
            # A first month billed pro rata from a later day (an SLA credit names the month by
            # its 1st): the line that billed the service from then on in that month.
            searches.append(
                (
                    of_contract.filter(
                        period_start__gt=day, period_start__lt=next_month_start(day)
                    ),
                    True,
                )
            )
        searches.append((of_contract, False))
    searches.append((charged, False))
    for lines, bills_the_day in searches:
        found = (
            lines.order_by("-invoice__issue_date", "-invoice__sequence", "-position")
            .values_list("vat_category", "vat_rate", "invoice_id")
            .first()
        )
        if found:
            billed = None
            if bills_the_day:
                billed = (
                    lines.filter(invoice_id=found[2], vat_category=found[0], vat_rate=found[1])
                    .select_related("invoice", "end_client")
                    .annotate(
                        subscription=Case(
                            When(kind__in=[ChargeKind.SUBSCRIPTION, ChargeKind.PRORATA], then=0),
                            default=1,
                        )
                    )
                    .order_by("subscription", "-net_amount", "position")
                    .first()
                )
            return vat_key(found[0], found[1]), billed
    if line.vat_category or line.vat_rate is not None:
        raise ValidationError(
            {"lines": _("This customer was never invoiced at this VAT category and rate.")}
        )
    buyer = buyer_client or partner  # the partner's own regime on a partner's credit note
    return vat_key(*VAT_BY_REGIME[buyer.vat_regime]), None


def _check_within_invoice(invoice: Invoice, rows: list[Row]) -> None:
    """BIL-9: the credit notes of an invoice never exceed it, in total nor in a VAT group."""
    credited = _credited(invoice)
    new_total = sum((row.net for row in rows), ZERO)
    if sum(credited.values(), ZERO) + new_total > invoice.total_net:
        raise ValidationError({"lines": _("Credit notes cannot exceed the invoice they correct.")})
    charged = {
        vat_key(g["category"], g["rate"]): Decimal(g["taxable"]) for g in invoice.vat_breakdown
    }
    new: dict[VatKey, Decimal] = defaultdict(Decimal)
    for row in rows:
        new[(row.category, row.rate)] += row.net
    for key, net in new.items():
        left = charged.get(key, ZERO) - credited[key]
        if net > left:
            raise ValidationError(
                {
                    "lines": _(
                        "Credit notes cannot exceed what invoice %(number)s charged at this VAT "
                        "rate (%(rate)s%%): %(left)s € excl. VAT left."
                    )
                    % {
                        "number": invoice.number,
                        "rate": key[1],
                        "left": money_number(max(left, ZERO)),
                    }
                }
            )


def _rows(lines, *, corrects, client, buyer_client, partner, billed_by=None) -> list[Row]:
    """Each credit line with its VAT mirroring what it credits (``Row``): the line it names,
    the corrected invoice's VAT group (spread over the group's lines afterwards, ``spread_rows``)
    or the line that billed the service; the invoices that billed the services credited without
    a corrected invoice go in ``billed_by`` (a set)."""
    billed_by = set() if billed_by is None else billed_by
    rows: list[Row] = []
    line_left: dict[VatKey, Decimal] = defaultdict(Decimal)  # per VAT group of ``corrects``
    if corrects is not None:
        invoice_lines = list(corrects.lines.all())
        left = lines_left_to_credit(invoice_lines)
        for billed in invoice_lines:
            line_left[vat_key(billed.vat_category, billed.vat_rate)] += left[billed.pk]
    for line in lines:
        if line.invoice_line is not None and not line.includes_vat:
            billed = named_line(line, corrects, buyer_client, partner)
            if corrects is None:
                billed_by.add(billed.invoice_id)
            category, rate = vat_key(billed.vat_category, billed.vat_rate)
            rows.append(
                Row(line, category, rate, round_money(Decimal(line.amount)), billed, capped=True)
            )
            continue
        if line.includes_vat:
            if corrects is None:
                raise ValidationError(
                    {
                        "lines": _(
                            "An amount including VAT is spread over the invoice it corrects: "
                            "name the invoice."
                        )
                    }
                )
            lefts = _lefts(corrects)
            taken: dict[VatKey, Decimal] = defaultdict(Decimal)
            for row in rows:
                taken[(row.category, row.rate)] += row.net
            groups = []
            for g in corrects.vat_breakdown:
                key = vat_key(g["category"], g["rate"])
                group = lefts[key]
                # BIL-9: what is left in the group, and on its lines; its VAT as the group's
                # left once the rows above are taken from it
                group_net = group.group_net - taken[key]
                vat = group.vat - (group.vat_of(taken[key]) if taken[key] else ZERO)
                left = min(group_net, line_left[key] - taken[key])
                groups.append(GroupLeft(g["category"], Decimal(g["rate"]), left, vat, group_net))
            for category, rate, net in split_incl_vat(round_money(line.amount), groups):
                rows.append(Row(line, category, vat_key(category, rate)[1], net))
            continue
        if corrects is not None:
            category, rate = _invoice_vat(line, corrects)
            rows.append(Row(line, category, rate, round_money(Decimal(line.amount))))
            continue
        (category, rate), billed = _service_vat(line, client, buyer_client, partner)
        if billed is not None:
            billed_by.add(billed.invoice_id)
        rows.append(Row(line, category, rate, round_money(Decimal(line.amount)), billed))
    return rows


def credit_note_totals(*, lines: list[CreditLine], corrects: Invoice | None = None, client=None):
    """What ``credit_note_issue`` would issue, nothing written: its VAT groups and its totals
    excl. VAT, VAT, incl. VAT (refused as the issue refuses it) — what a staff member's
    confirmation states first."""
    partner = None
    if corrects is not None:
        client, partner = corrects.client, corrects.partner
    elif client is not None and party_key(client)[0] == "partner":
        partner = client.partner
    buyer = None if partner is not None else client
    rows = _rows(lines, corrects=corrects, client=client, buyer_client=buyer, partner=partner)
    if corrects is not None:
        _check_within_invoice(corrects, rows)
        rows = spread_rows(rows, corrects)
    groups = amounts.vat_breakdown([(row.category, row.rate, row.net) for row in rows])
    if corrects is not None:
        groups = capped_groups(groups, _lefts(corrects))
    return groups, *amounts.totals(groups)


@transaction.atomic
def credit_note_issue(
    *,
    lines: list[CreditLine],
    reason: str,
    client: Client | None = None,
    corrects: Invoice | None = None,
    issue_date: date | None = None,
    actor=None,
) -> Invoice:
    """A credit note (type 381, its own series), referencing the invoice it corrects when there
    is one; it is set against the buyer's next invoices, never as negative invoice lines. Each
    line carries the VAT category and rate of what it credits and names the invoice line it
    credits (``CreditLine``); the credit notes of an invoice are issued one at a time (its row
    locked) and never exceed what is left on each line they credit, nor the invoice, in total
    and per VAT group. Nothing is written when a check fails."""
    # Positive once rounded to the cent: 0.004 would be a credit note of 0.00.
    if not lines or any(round_money(Decimal(line.amount)) <= 0 for line in lines):
        raise ValidationError({"lines": _("A credit note has positive amounts.")})
    if any(not (line.description or "").strip() for line in lines):
        # EN 16931 BR-25: every line of the e-invoice names what it bills (BT-153).
        raise ValidationError({"lines": _("Each line of a credit note says what it credits.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason of the credit note.")})
    # Printed on the document: the columns' lengths, checked here rather than refused by the
    # database (a 500).
    longest = Invoice._meta.get_field("reason").max_length
    if len(reason) > longest:
        raise ValidationError(
            {
                "reason": _("The reason of a credit note has at most %(n)s characters.")
                % {"n": longest}
            }
        )
    longest = InvoiceLine._meta.get_field("description").max_length
    if any(len(line.description) > longest for line in lines):
        raise ValidationError(
            {
                "lines": _("A credit note line's description has at most %(n)s characters.")
                % {"n": longest}
            }
        )
    partner = None
    if corrects is not None:
        corrects = Invoice.objects.select_for_update().get(pk=corrects.pk)
        if corrects.kind != DocumentKind.INVOICE or not corrects.is_issued:
            raise ValidationError({"corrects": _("A credit note corrects an issued invoice.")})
        client, partner = corrects.client, corrects.partner
    elif client is not None and party_key(client)[0] == "partner":
        # ACC-3: a partner-billed customer's credit goes to the partner, who was invoiced.
        partner = client.partner
    if client is None and partner is None:
        raise ValidationError({"client": _("A credit note needs a customer.")})
    end_client = client
    buyer_client = None if partner is not None else client
    issue_date = issue_date or timezone.localdate()
    billed_by: set[int] = set()
    rows = _rows(
        lines,
        corrects=corrects,
        client=client,
        buyer_client=buyer_client,
        partner=partner,
        billed_by=billed_by,
    )
    if corrects is not None:
        _check_within_invoice(corrects, rows)
        rows = spread_rows(rows, corrects)
    check_within_lines([row for row in rows if row.capped])
    groups = amounts.vat_breakdown([(row.category, row.rate, row.net) for row in rows])
    if corrects is not None:
        groups = capped_groups(groups, _lefts(corrects))
    # ACC-3: each line names its end customer — the one of the invoice line it credits on a
    # partner's invoice (the partner credits that customer in turn), else the customer credited.
    end_clients = [
        row.credited.end_client
        if row.credited is not None and row.credited.end_client_id
        else end_client
        for row in rows
    ]
    net, vat, gross = amounts.totals(groups)
    # BIL-2 (CGI art. 242 nonies A): the series is chronological — dated under the counter's
    # lock, never before a credit note numbered while this one was computed (one committed
    # just after midnight takes the next day).
    issue_date = chronological_date(DocumentKind.CREDIT_NOTE, issue_date)
    [(sequence, number)] = allocate_numbers(DocumentKind.CREDIT_NOTE, issue_date.year, 1)
    note = Invoice.objects.create(
        kind=DocumentKind.CREDIT_NOTE,
        status=DocumentStatus.ISSUED,
        series=SERIES[DocumentKind.CREDIT_NOTE],
        year=issue_date.year,
        sequence=sequence,
        number=number,
        client=buyer_client,
        partner=partner,
        issue_date=issue_date,
        corrects=corrects,
        reason=reason,
        seller=seller_identity(),
        buyer=(
            client_identity(buyer_client)
            if buyer_client
            else partner_identity(partner, end_clients)
        ),
        vat_breakdown=[
            {
                "category": g.category,
                "rate": str(g.rate),
                "taxable": str(g.taxable),
                "vat": str(g.vat),
            }
            for g in groups
        ],
        total_net=net,
        total_vat=vat,
        total_gross=gross,
        amount_due=Decimal("0"),
        created_by=actor,
    )
    InvoiceLine.objects.bulk_create(
        [
            InvoiceLine(
                invoice=note,
                position=i,
                end_client=line_client,
                kind=ChargeKind.OTHER,
                description=row.description or row.line.description,
                quantity=Decimal(1),
                unit_price=row.net,
                net_amount=row.net,
                vat_category=row.category,
                vat_rate=row.rate,
                credited_line=row.credited,
            )
            for i, (row, line_client) in enumerate(zip(rows, end_clients, strict=True), start=1)
        ]
    )
    if billed_by:
        # BIL-9 (CGI art. 242 nonies A): a credit for a service refers to the invoice that
        # billed it (EN 16931 BT-25), as a correction refers to the invoice it corrects.
        note.preceding_invoices.set(sorted(billed_by))
    audit_record(
        action="credit_note.issue",
        instance=note,
        actor=actor,
        client=client,
        partner=partner,
        after={
            "number": number,
            "total_gross": gross,
            "reason": reason,
            "corrects": corrects.number if corrects else None,
        },
    )
    announce_issued([note])
    signals.document_issued.send(sender=Invoice, invoice_id=note.pk, invoice=note)
    return note


def credit_remaining(note: Invoice) -> Decimal:
    """What is left of a credit note to set against invoices (its gross, less allocations and
    refunds)."""
    used = note.allocations.aggregate(total=Sum("amount"))["total"] or Decimal("0")
    refunded = note.refunds.aggregate(total=Sum("amount"))["total"] or Decimal("0")
    return note.total_gross - used - refunded


@transaction.atomic
def credit_note_refund(
    *, credit_note: Invoice, amount, refunded_on: date, reference: str, actor=None
) -> CreditRefund:
    """BIL-9: a credit note's amount is set against the buyer's next invoices "or refunded":
    staff record the transfer that pays back part or all of what is left of it (a customer who
    leaves with credit left, say). What is refunded is never set against an invoice afterwards.
    Nothing is written when a check fails. The run sets credit notes against invoices under
    its buyers' row locks: the buyer's row is locked first here too, so a refund and a run never
    both use the same credit."""
    buyer = Client if credit_note.client_id else Partner
    buyer.objects.select_for_update().filter(
        pk=credit_note.client_id or credit_note.partner_id
    ).first()
    credit_note = Invoice.objects.select_for_update().get(pk=credit_note.pk)
    if credit_note.kind != DocumentKind.CREDIT_NOTE or not credit_note.is_issued:
        raise ValidationError(_("Only an issued credit note is refunded."))
    left = credit_remaining(credit_note)
    amount, reference = refund_checked(
        amount=amount,
        left=left,
        too_much=_("Only %(left)s € incl. VAT is left on this credit note.")
        % {"left": money_number(left)},
        refunded_on=refunded_on,
        earliest=credit_note.issue_date,
        too_early=_("A refund cannot be dated before the credit note."),
        reference=reference,
        refunds=credit_note.refunds,
        twice=_(
            "This refund is already recorded: same credit note, amount, date and transfer "
            "reference. Record it once."
        ),
    )
    refund = CreditRefund.objects.create(
        credit_note=credit_note,
        amount=amount,
        refunded_on=refunded_on,
        reference=reference,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    audit_record(
        action="credit_note.refund",
        instance=credit_note,
        actor=actor,
        after={
            "number": credit_note.number,
            "amount": amount,
            "refunded_on": refunded_on,
            "reference": refund.reference,
            "left": left - amount,
        },
    )
    return refund


@transaction.atomic
def credit_note_apply(*, credit_note: Invoice, invoice: Invoice, amount) -> CreditAllocation:
    """BIL-9: set part of a credit note against an invoice already issued (an accepted dispute
    of that invoice), so that the next run does not set it against another invoice too."""
    credit_note = Invoice.objects.select_for_update().get(pk=credit_note.pk)
    amount = Decimal(amount)
    if credit_note.kind != DocumentKind.CREDIT_NOTE or invoice.kind != DocumentKind.INVOICE:
        raise ValidationError(_("A credit note is set against an invoice."))
    if (credit_note.client_id, credit_note.partner_id) != (invoice.client_id, invoice.partner_id):
        raise ValidationError(_("The credit note and the invoice have different buyers."))
    if amount <= 0 or amount > credit_remaining(credit_note):
        raise ValidationError(_("This amount is not left on the credit note."))
    return CreditAllocation.objects.create(credit_note=credit_note, invoice=invoice, amount=amount)
