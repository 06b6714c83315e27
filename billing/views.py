"""Customer portal pages of invoices and credit notes (BIL-1, BIL-2, BIL-3, BIL-9, ACC-3).

Members with the ``billing`` permission only (the admin and billing roles, ACC-2). Every page
reads through ``billing.selectors``, scoped to the signed-in member's customer: another
customer's document answers 404. The pages show the issued document as it was issued (the
stored lines, totals and VAT breakdown), never a recomputation.
"""

import io
from decimal import Decimal

from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.decorators import member_required
from billing import documents, selectors
from billing.choices import DocumentKind, VatCategory
from billing.facturx_xml import line_period, seller_address
from billing.forms import InvoiceFilterForm
from billing.models import Invoice
from billing.signals import PaymentState, payment_states_of

INVOICES_PER_PAGE = 25


BADGES = {
    "credit": "badge off",
    "settled": "badge ok",
    "disputed": "badge off",
    "debit": "badge",
    "overdue": "badge alert",
    "due": "badge",
}


def payment_state(invoice: Invoice, today, known: PaymentState | None = None) -> str:
    """What the badge of a document says: ``credit`` for a credit note (nothing to pay,
    BIL-9), ``settled`` when nothing is due, else what the payments app knows of it (``known``:
    paid since, under dispute, awaiting its direct debit — never late meanwhile, BIL-6) or,
    without it, ``overdue``/``due`` by its due date."""
    if invoice.kind == DocumentKind.CREDIT_NOTE:
        return "credit"
    if invoice.amount_due <= 0:
        return "settled"
    if known is not None:
        return known.status
    if invoice.due_date is not None and invoice.due_date < today:
        return "overdue"
    return "due"


def _decorate(invoices, today) -> None:
    """Each document's badge (``state``, ``badge``) and, awaiting a debit, its ``debit_on``."""
    known = payment_states_of(invoices, today)
    for invoice in invoices:
        invoice.is_credit_note = invoice.kind == DocumentKind.CREDIT_NOTE
        state = known.get(invoice.pk)
        invoice.state = payment_state(invoice, today, state)
        invoice.badge = BADGES[invoice.state]
        invoice.debit_on = state.debit_on if state else None


def vat_label(category: str) -> str:
    """The VAT column says the rate for the standard category, the category's name otherwise
    (reverse charge, exempt, outside the scope of VAT)."""
    return "" if category == VatCategory.STANDARD else VatCategory(category).label


def vat_rows(invoice: Invoice) -> list[dict]:
    """The stored VAT breakdown (VAT per rate on the totals, BR-CO-17) as the page shows it:
    a rate for the standard category, the category's name for the others."""
    rows = []
    for group in invoice.vat_breakdown:
        category = group["category"]
        rows.append(
            {
                "rate": Decimal(group["rate"]),
                "label": vat_label(category),
                "taxable": Decimal(group["taxable"]),
                "vat": Decimal(group["vat"]),
            }
        )
    return rows


def line_rows(invoice: Invoice) -> list:
    """The stored lines with the period's first and last day (BIL-3: the stored end is
    exclusive, the page prints the last day of service) and the VAT column's label."""
    lines = list(invoice.lines.all())
    for line in lines:
        line.first_day, line.last_day = line_period(line)
        line.vat_label = vat_label(line.vat_category)
    return lines


def address_lines(address: dict) -> list[str]:
    """The seller's one-line address of the settings, as printed: street, then postcode and
    city (the same split as the PDF and the Factur-X XML)."""
    town = f"{address['postcode']} {address['city']}".strip()
    return [text for text in (address["line1"], address["line2"], town) if text]


# --- Pages ------------------------------------------------------------------------------------


@member_required("billing")
def invoice_list(request):
    client = request.client
    form = InvoiceFilterForm(request.GET, years=selectors.invoice_years(client=client))
    invoices = selectors.invoice_list(client=client, filters=form.filters())
    page = Paginator(invoices, INVOICES_PER_PAGE).get_page(request.GET.get("page"))
    _decorate(page.object_list, timezone.localdate())
    return render(
        request,
        "billing/invoice_list.html",
        {
            "page": page,
            "form": form,
            "is_filtered": form.is_filtered,
            "billing_partner": selectors.billing_partner(client=client),
        },
    )


@member_required("billing")
def invoice_detail(request, pk):
    invoice = selectors.invoice_get(client=request.client, pk=pk)
    _decorate([invoice], timezone.localdate())
    # BIL-9: the credit notes set against it when it was issued (its "credit notes applied"),
    # and those correcting it afterwards, set against what was left to pay on it
    credit_notes_applied, corrections = [], []
    for allocation in invoice.credit_allocations.all():
        later = allocation.credit_note.corrects_id == invoice.pk
        (corrections if later else credit_notes_applied).append(allocation)
    applied_to = list(invoice.allocations.all())
    refunds = list(invoice.refunds.all())  # BIL-9: a credit note paid back
    credit_used = sum((a.amount for a in [*applied_to, *refunds]), Decimal("0.00"))
    return render(
        request,
        "billing/invoice_detail.html",
        {
            "invoice": invoice,
            "lines": line_rows(invoice),
            "vat_rows": vat_rows(invoice),
            "credit_notes_applied": credit_notes_applied,
            "corrections": corrections,
            "left_after_corrections": invoice.amount_due
            - sum((a.amount for a in corrections), Decimal("0.00")),
            "applied_to": applied_to,
            "refunds": refunds,
            "credit_remaining": invoice.total_gross - credit_used,
            "seller": invoice.seller,
            "seller_lines": address_lines(seller_address(invoice.seller)),
            "buyer": invoice.buyer,
        },
    )


@member_required("billing")
def invoice_pdf(request, pk):
    """BIL-3: the PDF/A-3 with its Factur-X XML, as stored (rendered now if not stored yet)."""
    invoice = selectors.invoice_get(client=request.client, pk=pk)
    return FileResponse(
        io.BytesIO(documents.invoice_pdf_bytes(invoice)),
        as_attachment=True,
        filename=f"{invoice.number}.pdf",
        content_type="application/pdf",
    )
