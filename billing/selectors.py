"""Reads of billing that depend on who asks: every one starts from the customer.

Only issued documents are ever shown: a draft has no number yet and is not an invoice (BIL-2).
A customer of a partner-billed partner is not invoiced by the reseller at all (its partner is,
ACC-3): these reads simply find nothing for it, and the pages say why.
"""

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from accounts.choices import BillingMode
from accounts.models import Client, Partner
from billing.choices import DocumentStatus
from billing.models import CreditAllocation, CreditRefund, Invoice, InvoiceLine


@dataclass(frozen=True)
class InvoiceFilters:
    """What the invoice list can be narrowed to; ``None`` / ``False`` means "all"."""

    kind: str | None = None
    year: int | None = None
    due_only: bool = False


# BIL-4: an invoice with something left to pay — what it asked for (``amount_due``), unless the
# payments received since settled it (its collection case, in the payments app above billing:
# read by the reverse relation's name, never imported). The portal's list and the API filter.
OWING = Q(amount_due__gt=0) & ~Q(collection__settled_on__isnull=False)


def _issued(*, client: Client) -> QuerySet[Invoice]:
    return Invoice.objects.filter(client=client, status=DocumentStatus.ISSUED)


def invoice_list(*, client: Client, filters: InvoiceFilters | None = None) -> QuerySet[Invoice]:
    """The customer's issued invoices and credit notes, newest first, with the invoice a credit
    note corrects (one query for the rows, whatever their number)."""
    filters = filters or InvoiceFilters()
    queryset = _issued(client=client).select_related("corrects")
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.year:
        queryset = queryset.filter(issue_date__year=filters.year)
    if filters.due_only:
        queryset = queryset.filter(OWING)
    return queryset.order_by("-issue_date", "-year", "-sequence", "-pk")


def invoice_years(*, client: Client) -> list[int]:
    """The years the customer has documents in, newest first (the list's year filter)."""
    return [day.year for day in _issued(client=client).dates("issue_date", "year", order="DESC")]


def invoice_get(*, client: Client, pk: int) -> Invoice:
    """One issued document of the customer with its lines (in order), the credit notes applied
    to it (``credit_allocations``) and, for a credit note, where it was applied
    (``allocations``) and what was refunded of it (``refunds``). Another customer's document
    does not exist for this customer: Http404."""
    queryset = (
        _issued(client=client)
        .select_related("corrects", "client__partner")
        .prefetch_related(
            Prefetch("lines", queryset=InvoiceLine.objects.order_by("position")),
            Prefetch(
                "credit_allocations",
                queryset=CreditAllocation.objects.select_related("credit_note").order_by(
                    "created_at", "pk"
                ),
            ),
            Prefetch(
                "allocations",
                queryset=CreditAllocation.objects.select_related("invoice").order_by(
                    "created_at", "pk"
                ),
            ),
            Prefetch("refunds", queryset=CreditRefund.objects.order_by("created_at", "pk")),
        )
    )
    try:
        return queryset.get(pk=pk)
    except Invoice.DoesNotExist as error:
        raise Http404("No such invoice.") from error


def billing_partner(*, client: Client) -> Partner | None:
    """ACC-3: the partner invoiced for this customer's services (partner-billed mode), or None
    when the reseller invoices the customer itself."""
    partner = client.partner if client.partner_id else None
    if partner is not None and partner.billing_mode == BillingMode.PARTNER_BILLED:
        return partner
    return None
