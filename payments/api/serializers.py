"""Partner API of payments and collection (BIL-4, BIL-8, BIL-10).

Money is always a string with 2 decimals (``COERCE_DECIMAL_TO_STRING``), in euros including VAT.
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.choices import DocumentKind, DocumentStatus
from billing.models import Invoice
from kernel import api_fields, representation
from kernel.inputs import MAX_TEXT
from kernel.languages import display_name_sql
from payments.models import (
    Allocation,
    Dispute,
    DisputeDocument,
    Payment,
    PaymentRefund,
    PrepaidEntry,
)
from payments.services.disputes import DOCUMENT_MAX_COUNT

MONEY = {"max_digits": 14, "decimal_places": 2}


class AllocationSerializer(representation.ModelSerializer):
    """What a payment settled: an invoice and the amount set against it (negative: the
    reversal of a rejected direct debit)."""

    invoice_number = serializers.CharField(
        source="invoice.number", read_only=True, help_text=_("The invoice's number.")
    )

    class Meta:
        model = Allocation
        fields = ["invoice", "invoice_number", "source", "amount", "on"]
        extra_kwargs = api_fields.described(
            invoice=_("The invoice's id."),
            source=_(
                "payment: part of the payment set against the invoice; reversal: that part taken "
                "back (negative) when the bank rejected the direct debit, and on the debited "
                "invoice what had been refunded of its money on account, owed again from the "
                "reject (BIL-4); credit_note: a credit note set against the invoice after its "
                "issue (an accepted dispute, BIL-8)."
            ),
            amount=_("The amount set against the invoice (€ incl. VAT); negative for a reversal."),
            on=_(
                "The day it took effect (Paris date): the day the payment was received, or the "
                "day of the reject for a reversal."
            ),
        )


class PaymentRefundSerializer(representation.ModelSerializer):
    """BIL-4: a transfer paying back money the payment left on account (paid beyond the
    invoices it settled)."""

    class Meta:
        model = PaymentRefund
        fields = ["amount", "refunded_on", "reference"]
        extra_kwargs = api_fields.described(
            amount=_("The amount paid back to the payer (€ incl. VAT), always positive."),
            refunded_on=_("The day of the refund transfer (Paris date)."),
            reference=_("The refund transfer's reference, as staff recorded it."),
        )


class PaymentSerializer(representation.ModelSerializer):
    """BIL-4: money received from one of the partner's customers (transfer, card, cheque,
    SEPA direct debit, prepaid), or from the partner itself for its own monthly invoices
    (partner-billed, ``partner``). A rejected direct debit keeps its row, ``status=rejected``."""

    client = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text=_("The paying customer's id; null when you paid your own invoices."),
    )
    partner = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text=_(
            "Your id when you paid your own monthly invoices (partner-billed); null for a "
            "customer's payment."
        ),
    )
    allocations = AllocationSerializer(
        many=True,
        read_only=True,
        help_text=_(
            "The invoices it settled and, once rejected, the reversal of each, in date order; "
            "empty for a channel order paid in advance (TRK-3)."
        ),
    )
    refunds = PaymentRefundSerializer(
        many=True,
        read_only=True,
        help_text=_(
            "What was paid back of the money it left on account (BIL-4), in the order recorded; "
            "never set against an invoice. Empty when nothing was refunded."
        ),
    )

    class Meta:
        model = Payment
        fields = [
            "id",
            "client",
            "partner",
            "method",
            "amount",
            "received_on",
            "reference",
            "status",
            "allocations",
            "refunds",
            "created_at",
        ]
        extra_kwargs = api_fields.described(
            id=_("The payment's id."),
            method=_(
                "How it was paid (BIL-4): transfer, card or cheque, recorded by staff; "
                "direct_debit, collected by a SEPA batch."
            ),
            amount=_("The amount received (€ incl. VAT), always positive."),
            received_on=_(
                "The day the money was received (Paris date); for a direct debit, the batch's "
                "collection date."
            ),
            reference=_(
                "The bank reference: a direct debit's SEPA end-to-end id, or what staff recorded; "
                "may be empty."
            ),
            status=_(
                "received; rejected: a direct debit the bank rejected — its allocations are "
                "reversed and the invoices are due again, late from their due date (BIL-4, BIL-6)."
            ),
            created_at=_("When it was recorded, with its UTC offset."),
        )


class DisputeDocumentSerializer(representation.ModelSerializer):
    name = serializers.CharField(
        source="original_name", help_text=_("The file's name, as it was sent.")
    )

    class Meta:
        model = DisputeDocument
        fields = ["id", "name", "size", "uploaded_at"]
        extra_kwargs = api_fields.described(
            id=_("The document's id."),
            size=_("Its size in bytes."),
            uploaded_at=_("When it was sent, with its UTC offset."),
        )


class DisputeSerializer(representation.ModelSerializer):
    """BIL-8: part of an invoice contested by its buyer — one of the partner's customers
    (``client``), or the partner itself on its own monthly invoice (``partner``, partner-billed,
    PLATFORM 12.6). ``open``: under review, out of dunning and of direct debits; ``accepted``:
    a credit note was issued (``credit_note``); ``rejected``: due again by ``new_due_date``."""

    client = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text=_(
            "The customer's id when it disputes its own invoice; null on a dispute of your "
            "own monthly invoice."
        ),
    )
    partner = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text=_(
            "Your id when you dispute your own monthly invoice (partner-billed); null on a "
            "customer's dispute."
        ),
    )
    invoice = serializers.PrimaryKeyRelatedField(read_only=True, help_text=_("The invoice's id."))
    invoice_number = serializers.CharField(
        source="invoice.number", read_only=True, help_text=_("The invoice's number.")
    )
    credit_note = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text=_("The id of the credit note issued for it (BIL-9); null if none."),
    )
    credit_note_number = serializers.CharField(
        source="credit_note.number",
        read_only=True,
        allow_null=True,
        default=None,
        help_text=_("That credit note's number; null if none."),
    )
    documents = DisputeDocumentSerializer(
        many=True, read_only=True, help_text=_("The supporting documents sent with it.")
    )

    class Meta:
        model = Dispute
        fields = [
            "id",
            "client",
            "partner",
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
        extra_kwargs = api_fields.described(
            id=_("The dispute's id."),
            amount=_("The amount disputed, incl. VAT (≤ the invoice total)."),
            reason=_("What is disputed, and why."),
            status=_(
                "open → accepted or rejected (BIL-8). open: under review, out of dunning and of "
                "direct debits; accepted: a credit note was issued; rejected: due again by "
                "new_due_date."
            ),
            opened_at=_("When it was opened, with its UTC offset."),
            decided_at=_("When staff decided, with its UTC offset; null while it is open."),
            decision_note=_(
                "Staff's explanation of the decision (always given on a rejection); empty while "
                "it is open."
            ),
            new_due_date=_(
                "Once rejected: the day the disputed amount is due again (by default 30 days "
                "after the decision); null otherwise."
            ),
        )


class DisputeCreateSerializer(api_fields.Serializer):
    """Open a dispute: JSON, or multipart with up to 5 ``documents`` (PDF, PNG, JPEG, 5 MB
    each). Possible while today ≤ the invoice's issue date + 60 days (BIL-8)."""

    invoice = api_fields.IdField(
        queryset=Invoice.objects.none(),
        help_text=_(
            "An issued invoice of one of your customers, or your own monthly invoice "
            "(partner-billed)."
        ),
    )
    amount = api_fields.DecimalField(
        help_text=_("The amount disputed, incl. VAT (≤ the invoice total)."), **MONEY
    )
    reason = serializers.CharField(max_length=MAX_TEXT, help_text=_("What is disputed, and why."))
    documents = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        allow_empty=True,
        default=list,
        max_length=DOCUMENT_MAX_COUNT,
        help_text=_(
            "Supporting documents (multipart only): up to 5 PDF, PNG or JPEG files of 5 MB at "
            "most each."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        partner = getattr(getattr(request, "auth", None), "partner", None)
        if partner is not None:
            # ACC-3: its customers' invoices and its own monthly invoices (partner-billed,
            # PLATFORM 12.6); another partner's invoice, or a customer's of another partner, is
            # an invalid choice, like one that does not exist.
            self.fields["invoice"].queryset = Invoice.objects.filter(
                Q(client__partner=partner) | Q(partner=partner),
                kind=DocumentKind.INVOICE,
                status=DocumentStatus.ISSUED,
            )


class OpenInvoiceSerializer(api_fields.Serializer):
    """An invoice with something left to pay (BIL-4)."""

    id = serializers.IntegerField(source="invoice.pk", help_text=_("The invoice's id."))
    number = serializers.CharField(source="invoice.number", help_text=_("The invoice's number."))
    issue_date = serializers.DateField(
        source="invoice.issue_date", help_text=_("The day it was issued.")
    )
    due_date = serializers.DateField(
        source="invoice.due_date",
        help_text=_("The day payment is due: 30 days after issue (BIL-4)."),
    )
    total_gross = serializers.DecimalField(
        source="invoice.total_gross", help_text=_("Total incl. VAT (€)."), **MONEY
    )
    amount_due = serializers.DecimalField(
        source="invoice.amount_due",
        help_text=_("The invoice's amount due at issue (after credit and advance payments)."),
        **MONEY,
    )
    settled = serializers.DecimalField(
        help_text=_(
            "What settled it so far (€ incl. VAT): payments net of rejected ones, and credit "
            "notes set against it after issue."
        ),
        **MONEY,
    )
    open = serializers.DecimalField(
        help_text=_("Left to pay, the disputed part included."), **MONEY
    )
    disputed = serializers.DecimalField(help_text=_("Under review (BIL-8)."), **MONEY)
    undisputed_open = serializers.DecimalField(
        help_text=_("open − disputed: left to pay and not under review (€ incl. VAT)."), **MONEY
    )
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
    direct_debit_again_from = serializers.DateField(
        source="represent_from",
        allow_null=True,
        help_text=_(
            "Its last direct debit was rejected: the first day it may be collected again, under "
            "a mandate still in force (the reject e-mail is its pre-notification, 14 days "
            "before: SEPA Core). Null otherwise."
        ),
    )

    @extend_schema_field(OpenApiTypes.INT)
    def get_days_late(self, state) -> int:
        return state.days_late(self.context["today"])


class BalanceSerializer(api_fields.Serializer):
    """What a customer owes today (its own invoices: reseller-billed) and its prepaid balance.
    ``due`` is undisputed and left to pay, ``overdue`` the part of it past its due date (an
    invoice whose direct debit is pending is not overdue, BIL-6)."""

    client = serializers.IntegerField(help_text=_("The customer's id."))
    today = serializers.DateField(help_text=_("The day the amounts stand on (Paris date)."))
    due = serializers.DecimalField(
        help_text=_(
            "Left to pay on its invoices, disputed parts excluded (€ incl. VAT): the sum of their "
            "undisputed_open."
        ),
        **MONEY,
    )
    overdue = serializers.DecimalField(
        help_text=_(
            "The part of due past its due date (€ incl. VAT); an invoice whose direct debit is "
            "pending is not overdue (BIL-6)."
        ),
        **MONEY,
    )
    disputed = serializers.DecimalField(help_text=_("Under review (BIL-8)."), **MONEY)
    prepaid = serializers.DecimalField(
        help_text=_("Its prepaid balance (€ incl. VAT): the sum of its ledger's entries (BIL-10)."),
        **MONEY,
    )
    credit = serializers.DecimalField(
        help_text=_(
            "In its favour, not set against an invoice yet (€ incl. VAT): what its payments "
            "brought beyond the invoices they settled, and what is left of its credit notes "
            "(neither set against an invoice nor refunded); both go to its next invoices "
            "(BIL-4, BIL-9). Not part of due."
        ),
        **MONEY,
    )
    open_invoices = OpenInvoiceSerializer(
        many=True, help_text=_("Its invoices with something left to pay, oldest due first.")
    )


class PrepaidEntrySerializer(representation.ModelSerializer):
    """BIL-10: an append-only entry of a customer's prepaid ledger, in euros incl. VAT (credits
    positive, debits negative); ``balance_after`` is the balance once written."""

    client = serializers.IntegerField(
        source="account.client_id", read_only=True, help_text=_("The customer's id.")
    )
    # BIL-10: the line's words in the request's language (French without Accept-Language)
    description = serializers.CharField(
        source="display_description",
        read_only=True,
        help_text=_("What it is for, as the customer reads it, in the request's language."),
    )
    # kernel.sql_lists: ``display_description`` in SQL (its English twin when there is one)
    sql_fields = {"description": lambda ctx, p: display_name_sql(ctx, p, "description")}

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
        extra_kwargs = api_fields.described(
            id=_("The entry's id."),
            kind=_(
                "topup: money received; debit: an order or rated consumption paid, VAT "
                "included; reservation, then release: part of the balance held, then given back; "
                "refund: paid back to the customer; rounding: the cents the ledger took beyond "
                "an invoice's VAT per rate, given back (BIL-10)."
            ),
            amount=_(
                "The amount (€ incl. VAT): positive adds to the balance, negative takes from it."
            ),
            balance_after=_(
                "The balance once it was written (€ incl. VAT); below 0 only together with the "
                "suspension of the customer's services (CON-8)."
            ),
            bank_fee=_(
                "On a top-up, the bank's fee, already deducted from amount (€); 0 otherwise."
            ),
            reference=_("The bank reference of a top-up or a refund; empty otherwise."),
            created_at=_("When it was recorded, with its UTC offset."),
        )
