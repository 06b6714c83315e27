"""Back office of the month-end runs (BIL-1): their progress and errors, the preview of a month
(computed like the run, nothing written) and the launch of a run on a worker."""

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from billing.choices import DocumentKind
from billing.models import InvoiceRun
from billing.services.numbering import planned_date
from billing.services.parties import parties_for_month
from billing.services.run_planning import run_preview
from billing.tasks import month_end_run
from kernel.admin import ServiceRowsAdmin
from kernel.inputs import validate_year
from offers.periods import month_start, next_month_start

ISO_MONTH = "%Y-%m"  # what <input type="month"> sends and expects


class MonthForm(forms.Form):
    month = forms.DateField(
        label=_("month"),
        input_formats=[ISO_MONTH],
        validators=[validate_year],  # 2000–2100: 9999-12 overflowed the next month
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
class InvoiceRunAdmin(ServiceRowsAdmin):
    """BIL-1: the month-end runs and their progress. A run is launched from "Launch a run"
    (on a worker) and previewed from "Preview a run"; its row is written by the services.
    Never added as a bare row (a run starts by launching one), changed, or deleted (invoices
    point to their run)."""

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

    def has_launch_permission(self, request) -> bool:
        """Launching writes a run: it needs the model's add right (ModelAdmin's check: the
        bare add form stays hidden)."""
        return admin.ModelAdmin.has_add_permission(self, request)

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
        (``run_preview``) and rolled back: nothing is written."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = MonthForm(request.GET if "month" in request.GET else None)
        drafts = None
        if form.is_bound and form.is_valid():
            drafts = run_preview(month=form.cleaned_data["month"])
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
            transaction.on_commit(lambda: month_end_run.delay(month.isoformat(), request.user.pk))
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
                buyer_count=len(parties_for_month(month)),
                # BIL-2: later invoices already numbered → dated the day they are issued
                dated=planned_date(DocumentKind.INVOICE, next_month_start(month) - timedelta(1)),
                existing=InvoiceRun.objects.filter(month=month).first(),
                confirming=True,
            ),
        )
