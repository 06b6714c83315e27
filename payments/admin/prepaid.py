"""Back office of the prepaid ledger (BIL-10): top-ups received and refunds of a balance."""

from decimal import Decimal

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import path
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kernel.admin import ServiceRowsAdmin
from kernel.inputs import typed_amount_field
from kernel.money import ZERO, round_money
from kernel.money import money as euros
from kernel.widgets import IsoDateInput
from payments.admin.display import customers
from payments.models import PrepaidEntry
from payments.selectors import prepaid_balance
from payments.services.prepaid import prepaid_refund, prepaid_topup_record


class TopUpForm(forms.Form):
    client = forms.ModelChoiceField(label=_("customer"), queryset=customers())
    amount_received = typed_amount_field(_("amount received (€)"), max_digits=14)
    bank_fee = typed_amount_field(
        _("bank fee (€)"),
        max_digits=14,
        min_value=Decimal("0"),
        initial=Decimal("0.00"),
        required=False,
    )
    received_on = forms.DateField(label=_("received on"), widget=IsoDateInput())
    reference = forms.CharField(label=_("bank reference"), max_length=80)


class RefundForm(forms.Form):
    client = forms.ModelChoiceField(label=_("customer"), queryset=customers())
    amount = typed_amount_field(_("amount (€)"), max_digits=14)
    reference = forms.CharField(label=_("bank reference"), max_length=80)


@admin.register(PrepaidEntry)
class PrepaidEntryAdmin(ServiceRowsAdmin):
    """BIL-10: the append-only prepaid ledger. "Add" records a top-up received (net of the bank
    fee); "Refund a balance" pays part of a balance back."""

    adds_through_service = True

    list_display = [
        "created_at",
        "client",
        "kind",
        "amount",
        "balance_after",
        "bank_fee",
        "description",
        "reference",
    ]
    list_filter = ["kind", "overdraft"]
    search_fields = ["account__client__legal_name", "account__client__siren", "reference"]
    list_select_related = ["account__client"]
    fields = [
        "client",
        "kind",
        "amount",
        "balance_after",
        "bank_fee",
        "description",
        "reference",
        "source_type",
        "source_id",
        "overdraft",
        "created_by",
        "created_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("customer"), ordering="account__client__legal_name")
    def client(self, entry):
        return entry.account.client

    def get_urls(self):
        return [
            path(
                "refund/",
                self.admin_site.admin_view(self.refund_view),
                name="payments_prepaidentry_refund",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied

        def call(data):
            entry = prepaid_topup_record(
                client=data["client"],
                amount_received=data["amount_received"],
                received_on=data["received_on"],
                reference=data["reference"],
                bank_fee=data["bank_fee"] or Decimal("0"),
                actor=request.user,
            )
            return gettext("Top-up of %(amount)s credited; balance %(balance)s.") % {
                "amount": euros(entry.amount),
                "balance": euros(entry.balance_after),
            }, entry

        def confirm(data):
            """BIL-10: the money received, the bank's fee, what is credited and the balance
            after, for whom, stated before it is credited (as the refund's: no VAT on it)."""
            received, fee = round_money(data["amount_received"]), data["bank_fee"] or ZERO
            fee = round_money(fee)
            if received - fee <= 0:  # refused by the service too: not confirmed
                raise ValidationError(
                    {"amount_received": gettext("The amount must exceed the bank fee.")}
                )
            balance = prepaid_balance(data["client"])
            return gettext("Confirm the top-up of %(amount)s to the prepaid balance?") % {
                "amount": euros(received - fee)
            }, [
                (gettext("Customer"), str(data["client"])),
                (gettext("Amount received"), euros(received)),
                (gettext("Bank fee"), euros(fee)),
                (gettext("Credited (no VAT: money received, not invoiced)"), euros(received - fee)),
                (gettext("Prepaid balance"), euros(balance)),
                (gettext("Balance after the top-up"), euros(balance + received - fee)),
                (gettext("Transfer"), f"{data['reference']} — {date_format(data['received_on'])}"),
            ]

        return self.service_form(
            request,
            TopUpForm,
            call,
            title=gettext("Record a prepaid top-up"),
            intro=gettext("A top-up counts once received, net of the bank's fee."),
            confirm=confirm,
        )

    def refund_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied

        def call(data):
            entry = prepaid_refund(
                client=data["client"],
                amount=data["amount"],
                reference=data["reference"],
                actor=request.user,
            )
            return gettext("Refund of %(amount)s recorded; balance %(balance)s.") % {
                "amount": euros(-entry.amount),
                "balance": euros(entry.balance_after),
            }, entry

        def confirm(data):
            """BIL-10: the transfer paid back from the balance, to whom, and the balance left,
            stated before it is recorded. A prepaid balance is money received, not invoiced:
            no VAT is refunded apart from it."""
            balance = prepaid_balance(data["client"])
            amount = round_money(data["amount"])
            if amount > balance:  # refused by the service too: not confirmed
                raise ValidationError(
                    {
                        "amount": gettext("At most the balance, %(balance)s, can be refunded.")
                        % {"balance": euros(balance)}
                    }
                )
            return gettext("Confirm the refund of %(amount)s from the prepaid balance?") % {
                "amount": euros(amount)
            }, [
                (gettext("Customer"), str(data["client"])),
                (gettext("Prepaid balance"), euros(balance)),
                (gettext("Refunded (no VAT: money received, not invoiced)"), euros(amount)),
                (gettext("Balance after the refund"), euros(balance - amount)),
                (gettext("Transfer reference"), data["reference"]),
            ]

        return self.service_form(
            request,
            RefundForm,
            call,
            title=gettext("Refund a prepaid balance"),
            intro=gettext("Never more than the customer's balance."),
            confirm=confirm,
        )
