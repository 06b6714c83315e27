"""Partner API of billing: invoices and credit notes (BIL-1..3, BIL-9, ACC-3) and pending
charges. Read-only: documents are issued by the month-end run and by staff, never through here.

Money is always a string (``COERCE_DECIMAL_TO_STRING``): amounts with 2 decimals, unit prices
with 4. Periods are ``[period_start, period_end)``: ``period_end`` is the first day *after*
the period (the PDF prints the day before).
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.choices import ChargeKind, VatCategory
from billing.models import Invoice, InvoiceLine, PendingCharge
from kernel import representation, sql_lists


class EndClientSerializer(serializers.Serializer):
    """ACC-3: the end customer a line bills (on a partner's monthly invoice, the partner
    re-invoices this customer)."""

    id = serializers.IntegerField()
    name = serializers.CharField(source="legal_name")


class BuyerSerializer(serializers.Serializer):
    """The buyer's identity as printed on the document when it was issued (BIL-3)."""

    name = serializers.CharField()
    siren = serializers.CharField(allow_blank=True)
    siret = serializers.CharField(allow_blank=True)
    vat_number = serializers.CharField(allow_blank=True)
    address_line1 = serializers.CharField(allow_blank=True)
    address_line2 = serializers.CharField(allow_blank=True)
    postal_code = serializers.CharField(allow_blank=True)
    city = serializers.CharField(allow_blank=True)
    country = serializers.CharField()


class VatGroupSerializer(serializers.Serializer):
    """One rate of the VAT breakdown: VAT computed on the taxable total of that rate
    (EN 16931 BR-CO-17)."""

    vat_category = serializers.ChoiceField(
        source="category",
        choices=VatCategory.choices,
        help_text=_("EN 16931 VAT category code."),
    )
    rate = serializers.DecimalField(max_digits=5, decimal_places=2)
    taxable = serializers.DecimalField(max_digits=14, decimal_places=2)
    vat = serializers.DecimalField(max_digits=14, decimal_places=2)


class InvoiceLineSerializer(representation.ModelSerializer):
    end_client = EndClientSerializer(read_only=True, allow_null=True)

    class Meta:
        model = InvoiceLine
        fields = [
            "position",
            "kind",
            "description",
            "end_client",
            "contract_reference",
            "site_name",
            "purchase_order_ref",
            "period_start",
            "period_end",
            "quantity",
            "unit_price",
            "net_amount",
            "vat_category",
            "vat_rate",
            "is_paid",
        ]


class InvoiceSerializer(representation.ModelSerializer):
    """An issued invoice (``kind=invoice``, UNTDID 380) or credit note (``credit_note``, 381).

    The buyer is ``client`` (a customer of the partner, reseller-billed) or ``partner`` (the
    partner itself, partner-billed: its monthly invoice, every line carrying its
    ``end_client``). ``amount_due`` = ``total_gross`` − ``credit_applied`` − ``paid_in_advance``;
    a credit note's is always 0.
    """

    client = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    partner = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    buyer = BuyerSerializer(read_only=True)
    corrects = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text=_("The invoice a credit note corrects.")
    )
    corrects_number = serializers.CharField(
        source="corrects.number", read_only=True, allow_null=True, default=None
    )
    vat_breakdown = VatGroupSerializer(many=True, read_only=True)
    lines = InvoiceLineSerializer(many=True, read_only=True)
    pdf_url = serializers.SerializerMethodField()
    facturx_url = serializers.SerializerMethodField()

    sql_fields = {  # kernel.sql_lists: the methods below, in SQL
        "pdf_url": lambda ctx, p: ctx.url("api:invoice-pdf", f"{p}pk"),
        "facturx_url": lambda ctx, p: ctx.url("api:invoice-facturx", f"{p}pk"),
    }

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "kind",
            "status",
            "client",
            "partner",
            "buyer",
            "month",
            "issue_date",
            "due_date",
            "corrects",
            "corrects_number",
            "reason",
            "total_net",
            "total_vat",
            "total_gross",
            "credit_applied",
            "paid_in_advance",
            "amount_due",
            "vat_breakdown",
            "lines",
            "pdf_url",
            "facturx_url",
            "created_at",
        ]

    @extend_schema_field(OpenApiTypes.URI)
    def get_pdf_url(self, invoice) -> str:
        return representation.object_url(self, "api:invoice-pdf", invoice.pk)

    @extend_schema_field(OpenApiTypes.URI)
    def get_facturx_url(self, invoice) -> str:
        return representation.object_url(self, "api:invoice-facturx", invoice.pk)


class PendingChargeSerializer(representation.ModelSerializer):
    """A charge posted for one of the partner's customers, invoiced by the next month-end run
    (or already: ``invoiced``, with the document). ``unit_price`` is the retail price; a
    partner-billed partner's invoice applies its wholesale price to subscriptions and setup
    fees (ACC-3)."""

    client = serializers.PrimaryKeyRelatedField(read_only=True)
    contract = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    # The same values as an invoice line's kind, with plain labels: one choice set in two
    # components under one name is a schema warning; distinct labels make two enums.
    kind = serializers.ChoiceField(
        choices=[(value, value) for value in ChargeKind.values], read_only=True
    )
    invoiced = serializers.SerializerMethodField()
    invoice = serializers.IntegerField(
        source="invoice_line.invoice_id", read_only=True, allow_null=True, default=None
    )
    invoice_number = serializers.CharField(
        source="invoice_line.invoice.number", read_only=True, allow_null=True, default=None
    )

    sql_fields = {  # kernel.sql_lists: ``get_invoiced`` in SQL
        "invoiced": lambda ctx, p: sql_lists.boolean(Q(**{f"{p}invoice_line__isnull": False})),
    }

    class Meta:
        model = PendingCharge
        fields = [
            "id",
            "client",
            "contract",
            "kind",
            "source_type",
            "source_id",
            "description",
            "period_start",
            "period_end",
            "quantity",
            "unit_price",
            "vat_category",
            "is_paid",
            "invoiced",
            "invoice",
            "invoice_number",
            "created_at",
        ]

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_invoiced(self, charge) -> bool:
        return charge.invoice_line_id is not None
