"""Partner API of payments and collection (BIL-4, BIL-8, BIL-10).

Money is always a string with 2 decimals (``COERCE_DECIMAL_TO_STRING``), in euros including VAT.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.choices import DocumentKind, DocumentStatus
from billing.models import Invoice
from kernel import api_fields, representation
from kernel.inputs import MAX_TEXT
from payments.models import Allocation, Dispute, DisputeDocument, Payment, PrepaidEntry
from payments.services.disputes import DOCUMENT_MAX_COUNT

MONEY = {"max_digits": 14, "decimal_places": 2}


class AllocationSerializer(representation.ModelSerializer):
    """What a payment settled: an invoice and the amount set against it (negative: the
    reversal of a rejected direct debit)."""

    invoice_number = serializers.CharField(source="invoice.number", read_only=True)

    class Meta:
        model = Allocation
        fields = ["invoice", "invoice_number", "source", "amount", "on"]


class PaymentSerializer(representation.ModelSerializer):
    """BIL-4: money received from one of the partner's customers (transfer, card, cheque,
    SEPA direct debit, prepaid). A rejected direct debit keeps its row, ``status=rejected``."""

    client = serializers.PrimaryKeyRelatedField(read_only=True)
    allocations = AllocationSerializer(many=True, read_only=True)

    class Meta:
        model = Payment
        fields = [
            "id",
            "client",
            "method",
            "amount",
            "received_on",
            "reference",
            "status",
            "allocations",
            "created_at",
        ]


class DisputeDocumentSerializer(representation.ModelSerializer):
    name = serializers.CharField(source="original_name")

    class Meta:
        model = DisputeDocument
        fields = ["id", "name", "size", "uploaded_at"]


class DisputeSerializer(representation.ModelSerializer):
    """BIL-8: part of an invoice contested by the customer. ``open``: under review, out of
    dunning and of direct debits; ``accepted``: a credit note was issued (``credit_note``);
    ``rejected``: due again by ``new_due_date``."""

    client = serializers.PrimaryKeyRelatedField(read_only=True)
    invoice = serializers.PrimaryKeyRelatedField(read_only=True)
    invoice_number = serializers.CharField(source="invoice.number", read_only=True)
    credit_note = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    credit_note_number = serializers.CharField(
        source="credit_note.number", read_only=True, allow_null=True, default=None
    )
    documents = DisputeDocumentSerializer(many=True, read_only=True)

    class Meta:
        model = Dispute
        fields = [
            "id",
            "client",
            "invoice",
            "invoice_number",
            "amount",
            "reason",
            "status",
            "opened_at",
            "decided_at",
            "decision_note",
            "credit_note",
            "credit_note_number",
            "new_due_date",
            "documents",
        ]


class DisputeCreateSerializer(serializers.Serializer):
    """Open a dispute: JSON, or multipart with up to 5 ``documents`` (PDF, PNG, JPEG, 5 MB
    each). Possible while today ≤ the invoice's issue date + 60 days (BIL-8)."""

    invoice = api_fields.IdField(
        queryset=Invoice.objects.none(),
        help_text=_("An issued invoice of one of your customers."),
    )
    amount = api_fields.DecimalField(
        help_text=_("The amount disputed, incl. VAT (≤ the invoice total)."), **MONEY
    )
    reason = serializers.CharField(max_length=MAX_TEXT)
    documents = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        allow_empty=True,
        default=list,
        max_length=DOCUMENT_MAX_COUNT,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        partner = getattr(getattr(request, "auth", None), "partner", None)
        if partner is not None:
            # ACC-3: another partner's invoice is an invalid choice, like one that does not exist.
            self.fields["invoice"].queryset = Invoice.objects.filter(
                client__partner=partner,
                kind=DocumentKind.INVOICE,
                status=DocumentStatus.ISSUED,
            )


class OpenInvoiceSerializer(serializers.Serializer):
    """An invoice with something left to pay (BIL-4)."""

    id = serializers.IntegerField(source="invoice.pk")
    number = serializers.CharField(source="invoice.number")
    issue_date = serializers.DateField(source="invoice.issue_date")
    due_date = serializers.DateField(source="invoice.due_date")
    total_gross = serializers.DecimalField(source="invoice.total_gross", **MONEY)
    amount_due = serializers.DecimalField(
        source="invoice.amount_due",
        help_text=_("The invoice's amount due at issue (after credit and advance payments)."),
        **MONEY,
    )
    settled = serializers.DecimalField(**MONEY)
    open = serializers.DecimalField(
        help_text=_("Left to pay, the disputed part included."), **MONEY
    )
    disputed = serializers.DecimalField(help_text=_("Under review (BIL-8)."), **MONEY)
    undisputed_open = serializers.DecimalField(**MONEY)
    days_late = serializers.SerializerMethodField(
        help_text=_("Days since the due date; 0 while a direct debit is pending (BIL-6).")
    )
    direct_debit_on = serializers.DateField(
        source="debit_pending_on",
        allow_null=True,
        help_text=_(
            "Collection date of the direct debit sent to the bank for it, neither collected nor "
            "rejected yet: the invoice is not late meanwhile (BIL-6). Null without one."
        ),
    )

    @extend_schema_field(OpenApiTypes.INT)
    def get_days_late(self, state) -> int:
        return state.days_late(self.context["today"])


class BalanceSerializer(serializers.Serializer):
    """What a customer owes today (its own invoices: reseller-billed) and its prepaid balance.
    ``due`` is undisputed and left to pay, ``overdue`` the part of it past its due date (an
    invoice whose direct debit is pending is not overdue, BIL-6)."""

    client = serializers.IntegerField()
    today = serializers.DateField()
    due = serializers.DecimalField(**MONEY)
    overdue = serializers.DecimalField(**MONEY)
    disputed = serializers.DecimalField(**MONEY)
    prepaid = serializers.DecimalField(**MONEY)
    open_invoices = OpenInvoiceSerializer(many=True)


class PrepaidEntrySerializer(representation.ModelSerializer):
    """BIL-10: an append-only entry of a customer's prepaid ledger, in euros incl. VAT (credits
    positive, debits negative); ``balance_after`` is the balance once written."""

    client = serializers.IntegerField(source="account.client_id", read_only=True)

    class Meta:
        model = PrepaidEntry
        fields = [
            "id",
            "client",
            "kind",
            "amount",
            "balance_after",
            "bank_fee",
            "description",
            "reference",
            "created_at",
        ]
