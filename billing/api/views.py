"""Partner API of billing (BIL-1..3, BIL-9, ACC-3): the invoices and credit notes a partner may
read, with their lines, PDF and Factur-X XML, and the pending charges of its customers and
its own (BIL-6).

Read-only: documents are issued by the month-end run and by staff (``billing.services``); an
issued document never changes (BIL-2).
"""

from django.db.models import Prefetch, Q
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import renderers
from rest_framework.decorators import action

from accounts.api.viewsets import LookupBeforeRefusingMixin, PartnerReadOnlyViewSet
from accounts.choices import BillingMode
from accounts.models import Client
from billing import documents
from billing.api.filtersets import InvoiceFilterSet, PendingChargeFilterSet
from billing.api.serializers import (
    InvoiceSerializer,
    PendingChargeSerializer,
    settled_since_issue,
)
from billing.choices import DocumentStatus
from billing.facturx_xml import build_cii_xml
from billing.models import Invoice, InvoiceLine, PendingCharge


class _DocumentRenderer(renderers.BaseRenderer):
    """A document endpoint answers the file itself; its errors (401, 404…) are still the API's
    JSON envelope, whatever the client asked for."""

    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return renderers.JSONRenderer().render(data)


class PdfRenderer(_DocumentRenderer):
    media_type = "application/pdf"
    format = "pdf"


class XmlRenderer(_DocumentRenderer):
    media_type = "application/xml"
    format = "xml"


def _attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    return HttpResponse(
        content,
        content_type=content_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


class InvoiceViewSet(LookupBeforeRefusingMixin, PartnerReadOnlyViewSet):
    """BIL-1..3, BIL-9: the issued invoices and credit notes the partner may read, with lines.

    Drafts are never shown (a document exists once numbered, BIL-2).
    """

    queryset = (
        Invoice.objects.filter(status=DocumentStatus.ISSUED)
        .select_related("corrects")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=InvoiceLine.objects.select_related("end_client").order_by("position"),
            )
        )
        # BIL-4: what settled it since its issue, for ``left_to_pay`` (a subquery, no query
        # more; the lists' SQL writes the field with the same subquery).
        .annotate(settled=settled_since_issue())
    )
    serializer_class = InvoiceSerializer
    filterset_class = InvoiceFilterSet
    ordering_fields = ["issue_date", "number", "total_gross", "amount_due", "due_date"]
    ordering = ["-issue_date", "-id"]

    def scope(self, queryset, partner):
        """ACC-3: an invoice has one of two buyers, so the partner's scope is an OR that a
        single ``partner_lookup`` cannot say: the documents of its customers (reseller-billed:
        ``client__partner``) and its own monthly invoices (partner-billed: ``partner``).
        Another partner's document is not in it, so it answers 404."""
        # ``client__in`` a subquery, not ``client__partner``: the OR of a joined column made
        # every document of the table an outer join before the count and the sort.
        clients = Client.objects.filter(partner=partner).values("pk")
        return queryset.filter(Q(client__in=clients) | Q(partner=partner))

    @extend_schema(
        summary="The invoice's PDF (BIL-3)",
        description="The PDF/A-3 with the embedded Factur-X XML (EN 16931), as sent to the "
        "buyer. Errors are JSON.",
        responses={
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY, description=_("The PDF file.")
            )
        },
    )
    @action(detail=True, methods=["get"], renderer_classes=[PdfRenderer])
    def pdf(self, request, pk=None):
        invoice = self.get_object()
        return _attachment(
            documents.invoice_pdf_bytes(invoice), "application/pdf", f"{invoice.number}.pdf"
        )

    @extend_schema(
        summary="The invoice's Factur-X XML (BIL-3)",
        description="The structured half of the e-invoice: a CII CrossIndustryInvoice of the "
        "Factur-X EN 16931 profile (type 380, credit notes 381), the one embedded in the PDF.",
        responses={
            (200, "application/xml"): OpenApiResponse(
                OpenApiTypes.BINARY, description=_("The XML document.")
            )
        },
    )
    @action(detail=True, methods=["get"], renderer_classes=[XmlRenderer])
    def facturx(self, request, pk=None):
        invoice = self.get_object()
        return _attachment(build_cii_xml(invoice), "application/xml", f"{invoice.number}.xml")


class PendingChargeViewSet(LookupBeforeRefusingMixin, PartnerReadOnlyViewSet):
    """BIL-1: the charges posted for the partner's customers (subscriptions, consumption,
    one-off fees…) and the partner's own (BIL-6: the late charges of its own monthly invoices,
    partner-billed), pending or already invoiced."""

    queryset = PendingCharge.objects.select_related("invoice_line__invoice")
    serializer_class = PendingChargeSerializer
    filterset_class = PendingChargeFilterSet
    ordering_fields = ["period_start", "created_at", "unit_price"]
    ordering = ["-period_start", "-id"]

    def scope(self, queryset, partner):
        """ACC-3, BIL-6: a charge has one of two buyers, as an invoice (``InvoiceViewSet``): one
        of the partner's customers, or the partner itself — so that it sees what its next
        late-charges invoice will bill before it is issued. Another partner's answers 404."""
        clients = Client.objects.filter(partner=partner).values("pk")
        return queryset.filter(Q(client__in=clients) | Q(partner=partner))

    def sql_list_params(self) -> dict:
        """``partner_unit_price`` depends on the partner's billing mode and discount (ACC-3)."""
        return {
            **super().sql_list_params(),
            "reseller_billed": self.partner.billing_mode != BillingMode.PARTNER_BILLED,
            "discount": self.partner.wholesale_discount_percent,
        }
