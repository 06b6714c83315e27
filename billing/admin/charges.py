"""Back office of pending charges: every charge waiting for (or already on) an invoice, and the
manual ones staff add (invoiced by the next run like any other)."""

import uuid

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.admin import AuditedAdminMixin
from billing.choices import ChargeKind
from billing.models import PendingCharge
from billing.services.charges import charge_post
from billing.services.run_planning import charge_draft_line
from kernel.admin import TypedAmountsMixin, confirm_first
from kernel.money import money, money_number, percent, price_places, round_money

MANUAL_SOURCE = "manual"


class InvoicedFilter(admin.SimpleListFilter):
    title = _("invoiced")
    parameter_name = "invoiced"

    def lookups(self, request, model_admin):
        return [("yes", _("Invoiced")), ("no", _("Pending"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(invoice_line__isnull=False)
        if self.value() == "no":
            return queryset.filter(invoice_line__isnull=True)
        return queryset


class ManualChargeForm(forms.ModelForm):
    """A one-off charge typed by staff (a fee agreed with the customer, a correction upward…):
    invoiced by the next run like any other charge."""

    class Meta:
        model = PendingCharge
        fields = [
            "client",
            "contract",
            "kind",
            "description",
            "period_start",
            "period_end",
            "quantity",
            "unit_price",
            "vat_category",
        ]

    def clean(self):
        cleaned = super().clean()
        client = cleaned.get("client") or (self.instance.client if self.instance.pk else None)
        contract = cleaned.get("contract")
        if contract is not None and client is not None and contract.client_id != client.pk:
            self.add_error("contract", _("This contract is not one of the customer's."))
        if cleaned.get("kind") == ChargeKind.PENALTY:
            # USE-7: a penalty is entered with its evidence, at the contract's amount
            self.add_error(
                "kind",
                _(
                    "A penalty is recorded in Usage › Penalties, with its evidence, at the "
                    "contract's amount."
                ),
            )
        unit_price = cleaned.get("unit_price")
        if unit_price is not None and unit_price < 0:
            self.add_error(
                "unit_price", _("A charge is never negative: issue a credit note instead.")
            )
        quantity = cleaned.get("quantity")
        if quantity is not None and quantity <= 0:
            self.add_error("quantity", _("The quantity must be positive."))
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and end <= start:
            self.add_error("period_end", _("The end (excluded) must come after the start."))
        return cleaned


@admin.register(PendingCharge)
class PendingChargeAdmin(TypedAmountsMixin, AuditedAdminMixin, admin.ModelAdmin):
    """Every charge waiting for (or already on) an invoice. Staff add manual charges here; an
    invoiced charge, or one posted by another app, is read-only (it is what was billed)."""

    form = ManualChargeForm
    quantity_columns = ["quantity"]  # « 1 », « 1,5 »: as the invoice writes it
    list_display = [
        "description",
        "client",
        "kind",
        "source_type",
        "period_start",
        "quantity",
        "unit_price",
        "invoiced",
        "invoice",
        "created_by",
    ]
    list_filter = [InvoicedFilter, "kind", "source_type", "client__partner"]
    search_fields = ["description", "client__legal_name", "client__siren", "source_id"]
    list_select_related = ["client", "invoice_line__invoice", "created_by"]
    autocomplete_fields = ["client", "contract"]
    date_hierarchy = "period_start"
    service_fields = ["source_type", "source_id", "is_paid", "invoice", "created_by", "created_at"]

    def get_fields(self, request, obj=None):
        fields = list(ManualChargeForm.Meta.fields)
        return fields if obj is None else [*fields, *self.service_fields]

    def add_view(self, request, form_url="", extra_context=None):
        """ACC-4, BIL-1: a valid new charge is stated first on a confirmation page (what the
        next invoice will bill, excl. VAT, VAT, incl. VAT, to whom); only the confirmation of
        that page adds it, once (``kernel.admin.confirm_first``)."""
        if request.method == "POST":
            if not self.has_add_permission(request):
                raise PermissionDenied
            form = self.get_form(request)(request.POST)
            if form.is_valid():
                page = confirm_first(
                    self, request, form, self._confirm, title=gettext("Add a manual charge")
                )
                if page is not None:
                    return page
        return super().add_view(request, form_url, extra_context)

    @staticmethod
    def _confirm(data):
        """What the charge will be on the next invoice: quantity × price, net, VAT at the
        rate the run gives it (the buyer's regime, "O" for late charges), gross, and for
        whom — stated before it is added."""
        charge = PendingCharge(
            **{name: data.get(name) for name in ManualChargeForm.Meta.fields},
        )
        charge.vat_category = data.get("vat_category") or ""
        buyer, line = charge_draft_line(charge)
        vat = round_money(line.net * line.vat_rate / 100)
        price = money(line.unit_price, price_places(line.unit_price))
        quantity = money_number(line.charge.quantity, price_places(line.charge.quantity, 0))
        period = date_format(data["period_start"])
        if data.get("period_end"):
            period = f"{period} – {date_format(data['period_end'])}"
        question = gettext("Confirm the charge of %(gross)s incl. VAT?") % {
            "gross": money(line.net + vat)
        }
        return question, [
            (gettext("Customer"), str(data["client"])),
            (gettext("To be issued"), gettext("A line of the next invoice of %(buyer)s: "
                                              "%(description)s") % {
                "buyer": buyer, "description": data["description"]}),
            (gettext("Period"), period),
            (gettext("Quantity × unit price excl. VAT"), f"{quantity} × {price}"),
            (gettext("Amount excl. VAT"), money(line.net)),
            (gettext("VAT"), f"{money(vat)} ({line.vat_category} "
                             f"{percent(floatformat(line.vat_rate, -2))})"),
            (gettext("Amount incl. VAT"), money(line.net + vat)),
        ]  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["client", *self.service_fields]

    @staticmethod
    def _editable(obj) -> bool:
        return obj.source_type == MANUAL_SOURCE and obj.invoice_line_id is None

    def has_change_permission(self, request, obj=None):
        if obj is not None and not self._editable(obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not self._editable(obj):
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        # A bulk delete would skip the audit log and the per-charge guard above.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.display(description=_("invoiced"), boolean=True)
    def invoiced(self, charge):
        return charge.invoice_line_id is not None

    @admin.display(description=_("invoice"))
    def invoice(self, charge):
        if charge.invoice_line_id is None:
            return "—"
        invoice = charge.invoice_line.invoice
        url = reverse("admin:billing_invoice_change", args=[invoice.pk])
        return format_html('<a href="{}">{}</a>', url, invoice.number or invoice.pk)

    def save_model(self, request, obj, form, change):
        """A new charge goes through ``charge_post`` (keyed by a new manual source id,
        audited by the service); a correction of a pending manual charge is audited here."""
        if change:
            return super().save_model(request, obj, form, change)
        data = form.cleaned_data
        charge = charge_post(
            client=data["client"],
            contract=data.get("contract"),
            kind=data["kind"],
            source_type=MANUAL_SOURCE,
            source_id=uuid.uuid4().hex,
            period_start=data["period_start"],
            period_end=data.get("period_end"),
            description=data["description"],
            quantity=data["quantity"],
            unit_price=data["unit_price"],
            vat_category=data.get("vat_category") or "",
            actor=request.user,
        )
        obj.pk = charge.pk
        obj.refresh_from_db()
        return None
