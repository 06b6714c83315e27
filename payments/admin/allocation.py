"""Back office of the payments received (BIL-4): "Add" records a transfer, card payment or
cheque, which settles the payer's open invoices."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.admin import ReadOnlyInline
from accounts.models import Partner
from kernel.admin import ServiceRowsAdmin
from kernel.inputs import typed_amount_field
from kernel.money import money as euros
from kernel.money import round_money
from kernel.widgets import IsoDateInput
from payments.admin.display import customers
from payments.choices import RECORDED_METHODS, PaymentMethod
from payments.models import Allocation, Payment, PaymentRefund
from payments.services.allocation import (
    partner_collects,
    partner_collects_message,
    payment_allocation_preview,
    payment_record,
    payment_refund,
    payment_unallocated,
)


class AllocationInline(ReadOnlyInline):
    model = Allocation
    fk_name = "payment"
    fields = ["invoice", "source", "amount", "on"]
    readonly_fields = fields
    verbose_name = _("settled invoice")
    verbose_name_plural = _("settled invoices")


class RefundInline(ReadOnlyInline):
    model = PaymentRefund
    fields = ["amount", "refunded_on", "reference", "created_by", "created_at"]
    readonly_fields = fields
    verbose_name = _("refund")
    verbose_name_plural = _("refunds")


class PaymentRefundForm(forms.Form):
    amount = typed_amount_field(_("amount (€)"))
    refunded_on = forms.DateField(label=_("refunded on"), widget=IsoDateInput())
    reference = forms.CharField(
        label=_("transfer reference"), max_length=100, widget=forms.TextInput(attrs={"size": 40})
    )


class PaymentForm(forms.Form):
    client = forms.ModelChoiceField(label=_("customer"), queryset=customers(), required=False)
    partner = forms.ModelChoiceField(
        label=_("partner"),
        queryset=Partner.objects.order_by("name"),
        required=False,
        help_text=_("A partner-billed partner paying its monthly invoice (ACC-3)."),
    )
    method = forms.ChoiceField(
        label=_("method"),
        choices=[(m.value, m.label) for m in PaymentMethod if m in RECORDED_METHODS],
    )
    amount = typed_amount_field(_("amount (€)"), max_digits=14)
    received_on = forms.DateField(label=_("received on"), widget=IsoDateInput())
    reference = forms.CharField(label=_("bank reference"), max_length=80, required=False)

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("client")) == bool(cleaned.get("partner")):
            raise ValidationError(_("Choose who paid: a customer or a partner."))
        return cleaned


@admin.register(Payment)
class PaymentAdmin(ServiceRowsAdmin):
    """BIL-4: money received. "Add" records a transfer, card payment or cheque
    (``services.payment_record``): it settles the payer's open invoices, oldest due first."""

    adds_through_service = True

    list_display = [
        "received_on",
        "payer",
        "method",
        "amount",
        "reference",
        "status",
        "recorded_by",
    ]
    list_filter = ["method", "status", ("received_on", admin.DateFieldListFilter)]
    search_fields = [
        "reference",
        "client__legal_name",
        "client__siren",
        "partner__name",
        "partner__legal_name",
        # a transfer names the invoice it pays
        "allocations__invoice__number",
    ]
    list_select_related = ["client", "partner", "recorded_by"]
    date_hierarchy = "received_on"
    fields = [
        "client",
        "partner",
        "method",
        "amount",
        "received_on",
        "reference",
        "status",
        "unallocated",
        "source_type",
        "source_id",
        "recorded_by",
        "created_at",
    ]
    readonly_fields = fields
    inlines = [AllocationInline, RefundInline]
    actions = ["refund_on_account"]

    @admin.display(description=_("payer"))
    def payer(self, payment):
        return payment.client or payment.partner

    @admin.display(description=_("left on account"))
    def unallocated(self, payment):
        return euros(payment_unallocated(payment))

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied

        def call(data):
            payment = payment_record(
                client=data["client"],
                partner=data["partner"],
                method=data["method"],
                amount=data["amount"],
                received_on=data["received_on"],
                reference=data["reference"],
                actor=request.user,
            )
            return gettext("Payment of %(amount)s recorded.") % {
                "amount": euros(payment.amount)
            }, payment

        def confirm(data):
            """BIL-4: the money received, from whom, and what it will settle — each open
            invoice, oldest due first, and what stays on account —, stated before it is
            recorded (incl. VAT: the invoices' VAT is on the invoices)."""
            payer = data["client"] or data["partner"]
            if data["client"] is not None and partner_collects(data["client"]):
                raise ValidationError({"client": partner_collects_message(data["client"])})
            amount = round_money(data["amount"])
            settled, left = payment_allocation_preview(
                amount=amount, client=data["client"], partner=data["partner"]
            )
            question = gettext("Confirm the payment of %(amount)s received from %(payer)s?")
            facts = [
                (gettext("Payer"), str(payer)),
                (gettext("Method"), PaymentMethod(data["method"]).label),
                (gettext("Amount received"), euros(amount)),
                (gettext("Received on"), date_format(data["received_on"])),
                (gettext("Bank reference"), data["reference"] or "—"),
            ]
            for invoice, take, open_amount in settled:
                facts.append((gettext("Settles"), gettext("%(number)s: %(take)s of %(open)s "
                                                          "open") % {
                    "number": invoice.number, "take": euros(take), "open": euros(open_amount)
                }))  # fmt: skip
            facts.append((gettext("Left on account"), euros(left)))
            return question % {"amount": euros(amount), "payer": payer}, facts

        return self.service_form(
            request,
            PaymentForm,
            call,
            confirm=confirm,
            title=gettext("Record a payment"),
            intro=gettext(
                "The payment settles the payer's open invoices, oldest due first; what is left "
                "stays on account. Direct debits come from batches, prepaid top-ups from the "
                "prepaid ledger."
            ),
        )

    @admin.action(description=_("Refund what is left on account (BIL-4)…"), permissions=["act"])
    def refund_on_account(self, request, queryset):
        payments = list(queryset[:2])
        if len(payments) != 1:
            self.message_user(request, gettext("Select one payment to refund."), messages.ERROR)
            return None
        payment = payments[0]
        left = payment_unallocated(payment)
        form = PaymentRefundForm(
            request.POST if "apply" in request.POST else None, initial={"amount": left}
        )

        def refund(data):
            payment_refund(
                payment=payment,
                amount=data["amount"],
                refunded_on=data["refunded_on"],
                reference=data["reference"],
                actor=request.user,
            )
            return gettext("Refund of %(amount)s recorded.") % {
                "amount": euros(data["amount"])
            }, payment

        return self.service_submit(
            request,
            form,
            refund,
            title=gettext("Refund a payment"),
            intro=gettext(
                "Record the transfer that pays the payer back. %(left)s of this payment is left "
                "on account; what is refunded is no longer set against the next invoices."
            )
            % {"left": euros(left)},
            queryset=[payment],
        )
