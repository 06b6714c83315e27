"""Credit notes (BIL-9): issued in their own series, referencing the invoice they correct, and
set against the buyer's invoices — by the next run, or by staff against an invoice already
issued."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import Client
from billing import amounts, signals
from billing.choices import (
    SERIES,
    VAT_BY_REGIME,
    ChargeKind,
    DocumentKind,
    DocumentStatus,
    VatCategory,
)
from billing.models import CreditAllocation, Invoice, InvoiceLine
from billing.services.numbering import allocate_numbers
from billing.services.parties import client_identity, partner_identity, party_key, seller_identity
from kernel.money import round_money


@dataclass
class CreditLine:
    description: str
    amount: Decimal  # net, € HT, positive
    vat_category: str = ""


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
    is one; it is set against the buyer's next invoices, never as negative invoice lines."""
    if not lines or any(Decimal(line.amount) <= 0 for line in lines):
        raise ValidationError({"lines": _("A credit note has positive amounts.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason of the credit note.")})
    partner = None
    if corrects is not None:
        client, partner = corrects.client, corrects.partner
        credited = corrects.credit_notes.aggregate(total=Sum("total_net"))["total"] or 0
        if credited + sum(Decimal(line.amount) for line in lines) > corrects.total_net:
            raise ValidationError(
                {"lines": _("Credit notes cannot exceed the invoice they correct.")}
            )
    elif client is not None and party_key(client)[0] == "partner":
        # ACC-3: a partner-billed customer's credit goes to the partner, who was invoiced.
        partner = client.partner
    if client is None and partner is None:
        raise ValidationError({"client": _("A credit note needs a customer.")})
    end_client = client
    buyer_client = None if partner is not None else client
    issue_date = issue_date or timezone.localdate()
    regime = buyer_client.vat_regime if buyer_client else "standard"
    rows = []
    for line in lines:
        if line.vat_category == VatCategory.OUTSIDE_SCOPE:
            category, rate = VatCategory.OUTSIDE_SCOPE, Decimal("0.00")
        else:
            category, rate = VAT_BY_REGIME[regime]
        rows.append((line, category, rate, round_money(Decimal(line.amount))))
    groups = amounts.vat_breakdown([(c, r, net) for _line, c, r, net in rows])
    net, vat, gross = amounts.totals(groups)
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
        buyer=client_identity(buyer_client) if buyer_client else partner_identity(partner),
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
                end_client=end_client,
                kind=ChargeKind.OTHER,
                description=line.description,
                quantity=Decimal(1),
                unit_price=amount,
                net_amount=amount,
                vat_category=category,
                vat_rate=rate,
            )
            for i, (line, category, rate, amount) in enumerate(rows, start=1)
        ]
    )
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
    signals.document_issued.send(sender=Invoice, invoice_id=note.pk)
    return note


def credit_remaining(note: Invoice) -> Decimal:
    """What is left of a credit note to set against invoices (its gross, less allocations)."""
    used = note.allocations.aggregate(total=Sum("amount"))["total"] or Decimal("0")
    return note.total_gross - used


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
