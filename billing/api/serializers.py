"""Partner API of billing: invoices and credit notes (BIL-1..3, BIL-9, ACC-3) and pending
charges. Read-only: documents are issued by the month-end run and by staff, never through here.

Money is always a string (``COERCE_DECIMAL_TO_STRING``): amounts with 2 decimals, unit prices
with 4. Periods are ``[period_start, period_end)``: ``period_end`` is the first day *after*
the period (the PDF prints the day before).
"""

from decimal import Decimal

from django.db.models import (
    BooleanField,
    Case,
    DecimalField,
    F,
    Func,
    OuterRef,
    Q,
    Subquery,
    Sum,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.choices import BillingMode
from billing.amounts import wholesale
from billing.choices import WHOLESALE_KINDS, ChargeKind, VatCategory
from billing.models import Invoice, InvoiceLine, PendingCharge
from kernel import api_fields, representation, sql_lists
from kernel.money import round_price


class EndClientSerializer(api_fields.Serializer):
    """ACC-3: the end customer a line bills (on a partner's monthly invoice, the partner
    re-invoices this customer)."""

    id = serializers.IntegerField(help_text=_("The customer's id."))
    name = serializers.CharField(source="legal_name", help_text=_("The customer's legal name."))


class BuyerSerializer(api_fields.Serializer):
    """The buyer's identity as printed on the document when it was issued (BIL-3)."""

    name = serializers.CharField(help_text=_("The buyer's legal name."))
    siren = serializers.CharField(
        allow_blank=True, help_text=_("Its SIREN (9 digits); empty if none.")
    )
    siret = serializers.CharField(
        allow_blank=True, help_text=_("Its SIRET (14 digits); empty if none.")
    )
    vat_number = serializers.CharField(
        allow_blank=True, help_text=_("Its intra-EU VAT number, e.g. FR…; empty if none.")
    )
    address_line1 = serializers.CharField(
        allow_blank=True, help_text=_("The first line of its billing address.")
    )
    address_line2 = serializers.CharField(
        allow_blank=True, help_text=_("The second line of its address; empty if none.")
    )
    postal_code = serializers.CharField(allow_blank=True, help_text=_("Its postal code."))
    city = serializers.CharField(allow_blank=True, help_text=_("Its city."))
    country = serializers.CharField(help_text=_("Its country, ISO 3166-1 alpha-2 code, e.g. FR."))


class VatGroupSerializer(api_fields.Serializer):
    """One rate of the VAT breakdown: VAT computed on the taxable total of that rate
    (EN 16931 BR-CO-17)."""

    vat_category = serializers.ChoiceField(
        source="category",
        choices=VatCategory.choices,
        help_text=_("EN 16931 VAT category code."),
    )
    rate = serializers.DecimalField(
        max_digits=5, decimal_places=2, help_text=_("The VAT rate, per cent.")
    )
    taxable = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        help_text=_(
            "The taxable total of that category and rate: the sum of its lines' net amounts "
            "(€ excl. VAT)."
        ),
    )
    vat = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        help_text=_(
            "The VAT of that category and rate, on its taxable total, rounded half up to the "
            "cent (€)."
        ),
    )


class InvoiceLineSerializer(representation.ModelSerializer):
    end_client = EndClientSerializer(
        read_only=True,
        allow_null=True,
        help_text=_("On your own monthly invoice: the customer the line bills; null otherwise."),
    )

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
        extra_kwargs = api_fields.described(
            position=_("Its rank on the document, from 1."),
            kind=_("What the line bills."),
            description=_("The line's text, as printed."),
            contract_reference=_("The reference of the contract it bills; empty if none."),
            site_name=_("The site it bills; empty if none."),
            purchase_order_ref=_("The customer's purchase order reference; empty if none."),
            period_start=_("The first day of the period billed; null for a one-off charge."),
            period_end=_(
                "The day after the period billed (a month billed from the 1st ends on the 1st of "
                "the next month); null for a one-off charge."
            ),
            quantity=_("The quantity billed."),
            unit_price=_("The unit price (€ excl. VAT)."),
            net_amount=_("Quantity × unit price, rounded once to the cent, half up (€ excl. VAT)."),
            vat_category=_("The VAT category (UNTDID 5305: S standard, AE reverse charge, …)."),
            vat_rate=_("The VAT rate, per cent."),
            is_paid=_(
                "true: already paid (prepaid balance, an order paid at once): counted in the "
                "invoice's paid_in_advance."
            ),
        )


ZERO = Decimal("0.00")
MONEY_COLUMN = DecimalField(max_digits=14, decimal_places=2)


def settled_since_issue(prefix: str = ""):
    """BIL-4: what settled the invoice at the ORM path ``prefix`` since its issue — its
    ``settlements``, the payments app's allocations (payments, their reversals, credit notes set
    against it), read by the reverse relation's name, never imported; 0.00 when none."""
    settled = (
        Invoice.objects.filter(pk=OuterRef(f"{prefix}pk"))
        .values("pk")
        .annotate(total=Sum("settlements__amount"))
        .values("total")
    )
    return Coalesce(Subquery(settled, output_field=MONEY_COLUMN), Value(ZERO))


def left_to_pay_sql(ctx, prefix: str):
    """BIL-4: ``left_to_pay`` in SQL — ``amount_due`` less what settled it since its issue,
    never below 0."""
    left = Greatest(
        F(f"{prefix}amount_due") - settled_since_issue(prefix),
        Value(ZERO),
        output_field=MONEY_COLUMN,
    )
    return Cast(Cast(left, MONEY_COLUMN), TextField())


class InvoiceSerializer(representation.ModelSerializer):
    """An issued invoice (``kind=invoice``, UNTDID 380) or credit note (``credit_note``, 381).

    The buyer is ``client`` (a customer of the partner, reseller-billed) or ``partner`` (the
    partner itself, partner-billed: its monthly invoice, every line carrying its
    ``end_client``). ``amount_due`` = ``total_gross`` − ``credit_applied`` − ``paid_in_advance``,
    as printed on the invoice; ``left_to_pay`` is what is still owed today, once the payments and
    credit notes received since its issue are set against it (BIL-4). A credit note's are 0.
    """

    client = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text=_("The buyer's id when it is one of your customers; null on your own invoice."),
    )
    partner = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text=_(
            "Your id when you are the buyer (partner-billed: your monthly invoice, each line "
            "naming its end customer); null otherwise."
        ),
    )
    buyer = BuyerSerializer(read_only=True, help_text=_("The buyer as printed, fixed at issue."))
    corrects = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text=_("The invoice a credit note corrects.")
    )
    corrects_number = serializers.CharField(
        source="corrects.number",
        read_only=True,
        allow_null=True,
        default=None,
        help_text=_("The number of the invoice a credit note corrects."),
    )
    vat_breakdown = VatGroupSerializer(
        many=True, read_only=True, help_text=_("Per VAT category and rate: base and VAT.")
    )
    lines = InvoiceLineSerializer(many=True, read_only=True, help_text=_("Its lines, in order."))
    pdf_url = serializers.SerializerMethodField(
        help_text=_("The PDF/A-3 with its Factur-X XML embedded (BIL-3).")
    )
    facturx_url = serializers.SerializerMethodField(help_text=_("The Factur-X XML alone."))
    left_to_pay = serializers.SerializerMethodField(
        help_text=_(
            "What is still owed today (€ incl. VAT): amount_due less the payments (net of "
            "rejected direct debits) and the credit notes set against it since its issue, the "
            "part under dispute included; 0 once settled, and on a credit note (BIL-4)."
        )
    )

    sql_fields = {  # kernel.sql_lists: the methods below, in SQL
        "left_to_pay": left_to_pay_sql,
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
            "left_to_pay",
            "vat_breakdown",
            "lines",
            "pdf_url",
            "facturx_url",
            "created_at",
        ]
        extra_kwargs = api_fields.described(
            id=_("The document's id."),
            number=_(
                "Its number, in one unbroken sequence per series and year: F2026-000123 "
                "for an invoice, A2026-000045 for a credit note."
            ),
            kind=_("invoice (UNTDID 380) or credit_note (381)."),
            status=_("issued: the API lists issued documents only; they never change."),
            month=_("The month billed by the run that issued it (its first day); null otherwise."),
            issue_date=_("The day it was issued."),
            due_date=_("The day payment is due: 30 days after issue (BIL-4)."),
            reason=_("Why the credit note was issued; empty on an invoice."),
            total_net=_("Total excl. VAT (€)."),
            total_vat=_("Total VAT (€), per VAT category and rate on their totals."),
            total_gross=_("Total incl. VAT (€)."),
            credit_applied=_("The buyer's credit notes set against it at issue, oldest first (€)."),
            paid_in_advance=_(
                "The part already paid, VAT included (€): lines paid from the prepaid balance or "
                "with an order (BIL-10)."
            ),
            amount_due=_("total_gross − credit_applied − paid_in_advance (€); 0 on a credit note."),
            created_at=_("When it was written."),
        )

    @extend_schema_field(serializers.DecimalField(max_digits=12, decimal_places=2))
    def get_left_to_pay(self, invoice) -> str:
        """BIL-4: as ``left_to_pay_sql``, from the view's ``settled`` annotation."""
        settled = getattr(invoice, "settled", None)
        if settled is None:
            settled = Invoice.objects.filter(pk=invoice.pk).values_list(
                settled_since_issue(), flat=True
            )[0]
        return str(max(invoice.amount_due - settled, ZERO).quantize(ZERO))

    @extend_schema_field(OpenApiTypes.URI)
    def get_pdf_url(self, invoice) -> str:
        return representation.object_url(self, "api:invoice-pdf", invoice.pk)

    @extend_schema_field(OpenApiTypes.URI)
    def get_facturx_url(self, invoice) -> str:
        return representation.object_url(self, "api:invoice-facturx", invoice.pk)


PRICE_COLUMN = DecimalField(max_digits=12, decimal_places=4)


def partner_unit_price_sql(ctx, prefix: str):
    """ACC-3: ``partner_unit_price`` in SQL, from the view's ``partner``, ``reseller_billed``
    and ``discount`` parameters (``PendingChargeViewSet.sql_list_params``)."""
    p = prefix
    price = Cast(F(f"{p}unit_price"), TextField())
    discount = ctx.param("discount", PRICE_COLUMN)
    wholesale = Func(
        F(f"{p}unit_price") * (Value(Decimal(100)) - discount) / Value(Decimal(100)),
        Value(4),
        function="ROUND",
        output_field=PRICE_COLUMN,
    )
    on_partner_invoice = Q(**{f"{p}invoice_line__invoice__partner_id": ctx.param("partner")})
    return Case(
        When(
            Q(**{f"{p}invoice_line__isnull": False}) & on_partner_invoice,
            then=Cast(F(f"{p}invoice_line__unit_price"), TextField()),
        ),
        When(Q(**{f"{p}invoice_line__isnull": False}), then=Value(None)),
        When(Q(**{f"{p}partner__isnull": False}), then=price),
        When(ctx.param("reseller_billed", BooleanField()), then=Value(None)),
        When(Q(**{f"{p}kind__in": WHOLESALE_KINDS}), then=Cast(wholesale, TextField())),
        default=price,
        output_field=TextField(),
    )


class PendingChargeSerializer(representation.ModelSerializer):
    """A charge posted for one of the partner's customers (``client``), or for the partner
    itself (``partner``: the late-payment interest and 40 € recovery indemnity of its own
    monthly invoice, partner-billed, BIL-6), invoiced by the next month-end run (or already:
    ``invoiced``, with the document). ``unit_price`` is the retail price; a partner-billed
    partner's invoice applies its wholesale price to every sale (ACC-3): ``partner_unit_price``
    says what the calling partner is billed."""

    client = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text=_("The customer's id when it bills one of your customers; null on your own."),
    )
    partner = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text=_(
            "Your id when the charge is yours (partner-billed: the late-payment interest and the "
            "40 € recovery indemnity of your own late invoice, billed on your next late-charges "
            "invoice, BIL-6); null on a customer's charge."
        ),
    )
    contract = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text=_("The id of the contract it bills; null if none."),
    )
    # The same values as an invoice line's kind, with plain labels: one choice set in two
    # components under one name is a schema warning; distinct labels make two enums.
    kind = serializers.ChoiceField(
        choices=[(value, value) for value in ChargeKind.values],
        read_only=True,
        help_text=_("What it bills: the kinds of an invoice line."),
    )
    invoiced = serializers.SerializerMethodField(
        help_text=_(
            "true: already on an invoice (invoice, invoice_number); false: waiting for the next "
            "month-end run (BIL-1)."
        )
    )
    invoice = serializers.IntegerField(
        source="invoice_line.invoice_id",
        read_only=True,
        allow_null=True,
        default=None,
        help_text=_("The id of the invoice that carries it; null while it is pending."),
    )
    invoice_number = serializers.CharField(
        source="invoice_line.invoice.number",
        read_only=True,
        allow_null=True,
        default=None,
        help_text=_("That invoice's number; null while it is pending."),
    )
    partner_unit_price = serializers.SerializerMethodField(
        help_text=_(
            "What you are billed per unit (€ excl. VAT, 4 decimals): partner-billed, your "
            "wholesale price of a customer's sale (unit_price less your discount; interest, "
            "indemnities and reject fees as they are) and your own charges as they are — once "
            "invoiced, the price of your invoice's line; null when you are not the buyer "
            "(reseller-billed: your customer is invoiced at unit_price)."
        )
    )

    sql_fields = {  # kernel.sql_lists: the methods below in SQL
        "invoiced": lambda ctx, p: sql_lists.boolean(Q(**{f"{p}invoice_line__isnull": False})),
        "partner_unit_price": partner_unit_price_sql,
    }

    class Meta:
        model = PendingCharge
        fields = [
            "id",
            "client",
            "partner",
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
            "partner_unit_price",
            "created_at",
        ]
        extra_kwargs = api_fields.described(
            id=_("The charge's id."),
            source_type=_(
                "What it comes from, e.g. contract_line (a subscription), contract_setup, "
                "termination, usage (calls), channel_order, equipment_sale, manual; with "
                "source_id and period_start, it is never charged twice (BIL-1)."
            ),
            source_id=_("The id of that source, as text (for contract_line, the line's id)."),
            description=_("The text its invoice line will print."),
            period_start=_("The first day of the period it bills, or the day of a one-off charge."),
            quantity=_("The quantity (4 decimals)."),
            unit_price=_(
                "The retail unit price (€ excl. VAT, 4 decimals); a partner-billed partner's "
                "invoice applies its wholesale price to sales (ACC-3): partner_unit_price."
            ),
            is_paid=_(
                "true: already paid (prepaid balance, an order paid at once): counted in the "
                "invoice's paid_in_advance."
            ),
            created_at=_("When it was written."),
        )

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_invoiced(self, charge) -> bool:
        return charge.invoice_line_id is not None

    @extend_schema_field(serializers.DecimalField(max_digits=12, decimal_places=4, allow_null=True))
    def get_partner_unit_price(self, charge) -> str | None:
        """ACC-3: as ``partner_unit_price_sql``, for the calling partner."""
        partner = self.context["view"].partner
        line = charge.invoice_line
        if line is not None:
            on_partner_invoice = line.invoice.partner_id == partner.pk
            return f"{round_price(line.unit_price)}" if on_partner_invoice else None
        if charge.partner_id is not None:
            return f"{round_price(charge.unit_price)}"
        if partner.billing_mode != BillingMode.PARTNER_BILLED:
            return None
        price = charge.unit_price
        if charge.kind in WHOLESALE_KINDS:
            price = wholesale(price, partner.wholesale_discount_percent)
        return f"{round_price(price)}"
