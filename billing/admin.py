"""Back office of billing: the month-end runs (BIL-1), issued invoices and credit notes (BIL-2,
BIL-3, BIL-9) and pending charges, manual ones included.

Issued documents are immutable (BIL-2): nothing here adds, changes or deletes one; corrections
are credit notes, issued by an action through ``billing.services``. A run is previewed (nothing
written) and launched on a worker (``billing.tasks.month_end_run``), never run in the request.
"""

import io
import uuid
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.admin import AuditedAdminMixin, ReadOnlyInline
from accounts.models import Partner
from billing import documents, services, tasks
from billing.choices import DocumentKind, DocumentStatus, VatCategory
from billing.models import CreditAllocation, Invoice, InvoiceLine, InvoiceRun, PendingCharge
from kernel.forms import attach_errors
from offers.periods import month_start

ACTION_FORM_TEMPLATE = "admin/action_form.html"
MANUAL_SOURCE = "manual"
ISO_MONTH = "%Y-%m"  # what <input type="month"> sends and expects


def _euros(amount) -> str:
    return f"{number_format(amount, 2, force_grouping=True)} €" if amount is not None else "—"


# --- Runs (BIL-1) ---------------------------------------------------------------------------


class MonthForm(forms.Form):
    month = forms.DateField(
        label=_("month"),
        input_formats=[ISO_MONTH],
        widget=forms.DateInput(format=ISO_MONTH, attrs={"type": "month"}),
        help_text=_("Month M: its invoices are dated M's last day and bill M+1 in advance."),
    )

    def clean_month(self):
        return month_start(self.cleaned_data["month"])


class LaunchForm(MonthForm):
    def clean_month(self):
        """BIL-1: a run bills the month's traffic up to its last day and dates the invoices
        that day: a month that has not ended yet cannot be run (preview it instead)."""
        month = super().clean_month()
        if month >= month_start(timezone.localdate()):
            raise ValidationError(
                _("%(month)s has not ended yet: its run can only be previewed."),
                params={"month": date_format(month, "YEAR_MONTH_FORMAT")},
            )
        return month


@admin.register(InvoiceRun)
class InvoiceRunAdmin(admin.ModelAdmin):
    """BIL-1: the month-end runs and their progress. A run is launched from "Launch a run"
    (on a worker) and previewed from "Preview a run"; its row is written by the services."""

    list_display = ["month_label", "status", "progress", "failed", "error_count", "started_at"]
    list_filter = ["status"]
    date_hierarchy = "month"
    fields = [
        "month_label",
        "status",
        "progress",
        "failed",
        "error_list",
        "invoices",
        "started_at",
        "started_by",
        "finished_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # runs are started by launching one, never as a bare row

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # invoices point to their run

    def has_launch_permission(self, request) -> bool:
        """Launching writes a run: it needs the model's add right."""
        return super().has_add_permission(request)

    # --- display ---

    @admin.display(description=_("month"), ordering="month")
    def month_label(self, run):
        return date_format(run.month, "YEAR_MONTH_FORMAT")

    @admin.display(description=_("progress"))
    def progress(self, run):
        return format_html(
            '<progress value="{}" max="{}"></progress> {} / {}',
            run.done + run.failed,
            max(run.total, 1),
            run.done,
            run.total,
        )

    @admin.display(description=_("errors"))
    def error_count(self, run):
        return len(run.errors)

    @admin.display(description=_("errors"))
    def error_list(self, run):
        if not run.errors:
            return "—"
        return format_html(
            '<ul class="run-errors">{}</ul>',
            format_html_join("", "<li><code>{}</code></li>", ((e,) for e in run.errors)),
        )

    @admin.display(description=_("invoices"))
    def invoices(self, run):
        count = run.invoices.count()
        url = reverse("admin:billing_invoice_changelist") + f"?run__id__exact={run.pk}"
        return format_html('<a href="{}">{}</a>', url, count)

    # --- views ---

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), **self._permissions(request)}
        return super().changelist_view(request, extra_context)

    def _permissions(self, request) -> dict:
        return {"has_launch_permission": self.has_launch_permission(request)}

    def get_urls(self):
        return [
            path(
                "preview/",
                self.admin_site.admin_view(self.preview_view),
                name="billing_invoicerun_preview",
            ),
            path(
                "launch/",
                self.admin_site.admin_view(self.launch_view),
                name="billing_invoicerun_launch",
            ),
            *super().get_urls(),
        ]

    def _context(self, request, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            **self._permissions(request),
            **extra,
        }

    def preview_view(self, request):
        """BIL-1: what the run of a month would invoice, per buyer, computed like the run
        (``services.run_preview``) and rolled back: nothing is written."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = MonthForm(request.GET if "month" in request.GET else None)
        drafts = None
        if form.is_bound and form.is_valid():
            drafts = services.run_preview(month=form.cleaned_data["month"])
        totals = None
        if drafts is not None:
            totals = {
                name: sum((getattr(d, name) for d in drafts), Decimal("0.00"))
                for name in ("total_net", "total_vat", "total_gross")
            }
        return render(
            request,
            "admin/billing/invoicerun/preview.html",
            self._context(
                request,
                title=gettext("Preview a run"),
                form=form,
                drafts=drafts,
                totals=totals,
                month=form.cleaned_data["month"] if drafts is not None else None,
            ),
        )

    def launch_view(self, request):
        """BIL-1: choose the month, confirm, and the run starts on a worker once this request
        commits. Relaunching a month is safe (the run is idempotent): buyers already invoiced
        for it are skipped."""
        if not self.has_launch_permission(request):
            raise PermissionDenied
        form = LaunchForm(request.POST if request.method == "POST" else None)
        if not (form.is_bound and form.is_valid()):
            return render(
                request,
                "admin/billing/invoicerun/launch.html",
                self._context(request, title=gettext("Launch a run"), form=form),
            )
        month = form.cleaned_data["month"]
        if "confirm" in request.POST:
            transaction.on_commit(
                lambda: tasks.month_end_run.delay(month.isoformat(), request.user.pk)
            )
            self.message_user(
                request,
                gettext(
                    "The run of %(month)s is launched: its invoices are issued in the background. "
                    "Follow its progress below."
                )
                % {"month": date_format(month, "YEAR_MONTH_FORMAT")},
                messages.SUCCESS,
            )
            return redirect("admin:billing_invoicerun_changelist")
        return render(
            request,
            "admin/billing/invoicerun/launch.html",
            self._context(
                request,
                title=gettext("Launch the run of %(month)s")
                % {"month": date_format(month, "YEAR_MONTH_FORMAT")},
                form=form,
                month=month,
                buyer_count=len(services.parties_for_month(month)),
                existing=InvoiceRun.objects.filter(month=month).first(),
                confirming=True,
            ),
        )


# --- Invoices and credit notes (BIL-2, BIL-3, BIL-9) ---------------------------------------


class InvoiceLineInline(ReadOnlyInline):
    model = InvoiceLine
    fields = [
        "position",
        "description",
        "end_client",
        "contract_reference",
        "period_start",
        "period_end",
        "quantity",
        "unit_price",
        "vat_rate",
        "net_amount",
    ]
    readonly_fields = fields


class CreditAppliedInline(ReadOnlyInline):
    """BIL-9: the credit notes set against this invoice ("credit notes applied")."""

    model = CreditAllocation
    fk_name = "invoice"
    fields = ["credit_note", "amount", "created_at"]
    readonly_fields = fields
    verbose_name = _("credit note applied")
    verbose_name_plural = _("credit notes applied")


class CreditUsedInline(ReadOnlyInline):
    """BIL-9: the invoices this credit note was set against."""

    model = CreditAllocation
    fk_name = "credit_note"
    fields = ["invoice", "amount", "created_at"]
    readonly_fields = fields
    verbose_name = _("applied to invoice")
    verbose_name_plural = _("applied to invoices")


class IssueMonthFilter(admin.SimpleListFilter):
    title = _("month")
    parameter_name = "issued"

    def lookups(self, request, model_admin):
        months = Invoice.objects.dates("issue_date", "month", order="DESC")
        return [(f"{m:%Y-%m}", date_format(m, "YEAR_MONTH_FORMAT")) for m in months]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        try:
            year, month = (int(part) for part in self.value().split("-"))
        except ValueError:
            return queryset.none()
        return queryset.filter(issue_date__year=year, issue_date__month=month)


class PartnerFilter(admin.SimpleListFilter):
    """ACC-3: a partner's documents — its own monthly invoices and its customers' ones."""

    title = _("partner")
    parameter_name = "partner"

    def lookups(self, request, model_admin):
        return [(str(p.pk), p.name) for p in Partner.objects.order_by("name")]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return queryset.filter(Q(partner_id=self.value()) | Q(client__partner_id=self.value()))


class CreditNoteForm(forms.Form):
    amount = forms.DecimalField(
        label=_("amount excl. VAT (€)"), max_digits=12, decimal_places=2, min_value=Decimal("0.01")
    )
    description = forms.CharField(
        label=_("description"), max_length=255, widget=forms.TextInput(attrs={"size": 80})
    )
    vat_category = forms.ChoiceField(
        label=_("VAT"),
        required=False,
        choices=[
            ("", _("The customer's VAT regime")),
            (VatCategory.OUTSIDE_SCOPE, VatCategory.OUTSIDE_SCOPE.label),
        ],
        help_text=_("Outside the scope of VAT only to credit late-payment interest or indemnity."),
    )
    reason = forms.CharField(
        label=_("reason"),
        max_length=255,
        help_text=_("Printed on the credit note: why the invoice is corrected (BIL-9)."),
        widget=forms.TextInput(attrs={"size": 80}),
    )


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    """Issued invoices and credit notes: read-only (BIL-2). "Issue a credit note" corrects an
    invoice through ``services.credit_note_issue``."""

    list_display = [
        "number",
        "kind",
        "buyer_name",
        "issue_date",
        "due_date",
        "total_gross",
        "credit_applied",
        "amount_due",
        "pdf_link",
    ]
    list_filter = ["kind", "status", IssueMonthFilter, PartnerFilter]
    search_fields = [
        "number",
        "client__legal_name",
        "client__siren",
        "partner__name",
        "partner__legal_name",
        "partner__siren",
    ]
    list_select_related = ["client", "partner"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "number",
                    "kind",
                    "status",
                    "buyer_name",
                    "client",
                    "partner",
                    "run",
                    "month",
                    "issue_date",
                    "due_date",
                    "pdf_link",
                ]
            },
        ),
        (_("Correction"), {"fields": ["corrects", "reason", "created_by"]}),
        (
            _("Totals"),
            {
                "fields": [
                    "vat_table",
                    "total_net",
                    "total_vat",
                    "total_gross",
                    "credit_applied",
                    "paid_in_advance",
                    "amount_due",
                ]
            },
        ),
    ]
    readonly_fields = [name for _title, block in fieldsets for name in block["fields"]]
    actions = ["issue_credit_note"]

    def get_inlines(self, request, obj):
        if obj is not None and obj.kind == DocumentKind.CREDIT_NOTE:
            return [InvoiceLineInline, CreditUsedInline]
        return [InvoiceLineInline, CreditAppliedInline]

    def has_add_permission(self, request):
        return False  # issued by the run or by a credit note, never typed in

    def has_change_permission(self, request, obj=None):
        return False  # BIL-2: an issued document never changes

    def has_delete_permission(self, request, obj=None):
        return False  # BIL-2: nor is it deleted

    def has_credit_permission(self, request) -> bool:
        """A credit note is a new document: issuing one needs the model's add right."""
        return super().has_add_permission(request)

    # --- display ---

    @admin.display(description=_("buyer"))
    def buyer_name(self, invoice):
        return (invoice.buyer or {}).get("name") or invoice.client or invoice.partner

    @admin.display(description=_("PDF"))
    def pdf_link(self, invoice):
        if invoice.pk is None or not invoice.is_issued:
            return "—"
        url = reverse("admin:billing_invoice_pdf", args=[invoice.pk])
        return format_html('<a href="{}">{}</a>', url, f"{invoice.number}.pdf")

    @admin.display(description=_("VAT breakdown"))
    def vat_table(self, invoice):
        if not invoice.vat_breakdown:
            return "—"
        return format_html(
            "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
            gettext("category"),
            gettext("rate (%)"),
            gettext("taxable (€)"),
            gettext("VAT (€)"),
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                ((g["category"], g["rate"], g["taxable"], g["vat"]) for g in invoice.vat_breakdown),
            ),
        )

    # --- views ---

    def get_urls(self):
        return [
            path(
                "<int:pk>/pdf/",
                self.admin_site.admin_view(self.pdf_view),
                name="billing_invoice_pdf",
            ),
            *super().get_urls(),
        ]

    def pdf_view(self, request, pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        invoice = get_object_or_404(
            Invoice.objects.select_related("client__partner", "corrects").filter(
                status=DocumentStatus.ISSUED
            ),
            pk=pk,
        )
        return FileResponse(
            io.BytesIO(documents.invoice_pdf_bytes(invoice)),
            as_attachment=True,
            filename=f"{invoice.number}.pdf",
            content_type="application/pdf",
        )

    # --- actions ---

    @admin.action(description=_("Issue a credit note (BIL-9)…"), permissions=["credit"])
    def issue_credit_note(self, request, queryset):
        invoices = list(queryset.select_related("client")[:2])
        if len(invoices) != 1:
            self.message_user(
                request, gettext("Select one invoice to issue a credit note."), messages.ERROR
            )
            return None
        invoice = invoices[0]
        if invoice.kind != DocumentKind.INVOICE:
            self.message_user(
                request,
                gettext("A credit note corrects an invoice, not another credit note."),
                messages.ERROR,
            )
            return None
        credited = invoice.credit_notes.aggregate(total=Sum("total_net"))["total"] or 0
        creditable = invoice.total_net - credited
        form = CreditNoteForm(
            request.POST if "apply" in request.POST else None,
            initial={
                "description": gettext("Correction of invoice %(number)s")
                % {"number": invoice.number}
            },
        )
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            try:
                note = services.credit_note_issue(
                    corrects=invoice,
                    lines=[
                        services.CreditLine(
                            description=data["description"],
                            amount=data["amount"],
                            vat_category=data["vat_category"],
                        )
                    ],
                    reason=data["reason"],
                    actor=request.user,
                )
            except ValidationError as error:
                attach_errors(form, error)
            else:
                self.message_user(
                    request,
                    gettext("Credit note %(note)s issued, correcting %(invoice)s.")
                    % {"note": note.number, "invoice": invoice.number},
                    messages.SUCCESS,
                )
                return redirect("admin:billing_invoice_change", note.pk)
        return render(
            request,
            ACTION_FORM_TEMPLATE,
            {
                **self.admin_site.each_context(request),
                "title": gettext("Issue a credit note for %(number)s") % {"number": invoice.number},
                "intro": gettext(
                    "The credit note (series A, its own numbering) references invoice "
                    "%(number)s and is set against the buyer's next invoices. At most "
                    "%(creditable)s excl. VAT can still be credited on this invoice."
                )
                % {"number": invoice.number, "creditable": _euros(creditable)},
                "form": form,
                "queryset": [invoice],
                "opts": self.model._meta,
                "action": request.POST.get("action", ""),
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
                "select_across": "0",
            },
        )


# --- Pending charges ------------------------------------------------------------------------


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
class PendingChargeAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Every charge waiting for (or already on) an invoice. Staff add manual charges here; an
    invoiced charge, or one posted by another app, is read-only (it is what was billed)."""

    form = ManualChargeForm
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
        """A new charge goes through ``services.charge_post`` (keyed by a new manual source id,
        audited by the service); a correction of a pending manual charge is audited here."""
        if change:
            return super().save_model(request, obj, form, change)
        data = form.cleaned_data
        charge = services.charge_post(
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
