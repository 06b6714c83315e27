"""Back office of call records (ucore): CDR imports (upload a file, watch its progress, read its
report of rejected rows), the tariff grid (USE-2), the destinations each plan includes (USE-3,
USE-4) and the rated calls (read-only). Breaches and the money side: ``usage/admin_money.py``."""

import csv
import io

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MinValueValidator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.formats import date_format, number_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.admin import AuditedAdminMixin
from accounts.audit import audit_record
from kernel.admin import MonthListFilter, ServiceRowsAdmin, TypedAmountsMixin, action_form
from kernel.clock import paris_today
from usage.choices import ImportSource
from usage.models import CallRecord, ImportBatch, IncludedDestination, Tariff
from usage.services import import_errors, imports, tariff_changes
from usage.views import spreadsheet_cell

MAX_UPLOAD = 200 * 1024 * 1024


class CdrUploadForm(forms.Form):
    file = forms.FileField(label=_("CDR file (CSV)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise ValidationError(_("The file is larger than 200 MB."))
        if not upload.name.lower().endswith((".csv", ".txt")):
            raise ValidationError(_("Send a CSV file (.csv)."))
        return upload


@admin.register(ImportBatch)
class ImportBatchAdmin(ServiceRowsAdmin):
    adds_through_service = True
    list_display = ["__str__", "source", "status", "progress_display", "rows_read", "imported"]
    list_display += ["duplicates", "rejected", "created_at", "finished_at"]
    list_filter = ["status", "source"]
    search_fields = ["filename", "sha256"]
    readonly_fields = ["filename", "source", "status", "progress_display", "total_lines"]
    readonly_fields += ["rows_read", "imported", "duplicates", "rejected", "rated", "error_display"]
    readonly_fields += ["sha256", "size", "created_at", "started_at", "finished_at"]
    readonly_fields += ["created_by", "api_key", "partner", "report"]
    fields = readonly_fields
    REPORT_ROWS = 1000

    @admin.display(description=_("error"))
    def error_display(self, batch):
        """Why the import failed, in the page's language whatever the worker stored (ACC-3)."""
        return import_errors.error_in_language(batch.error) or "—"

    @admin.display(description=_("progress"))
    def progress_display(self, batch):
        return gettext("%(percent)s%% — line %(line)s of %(total)s") % {
            "percent": batch.progress,
            "line": batch.lines_done,
            "total": batch.total_lines,
        }

    @admin.display(description=_("rejected rows"))
    def report(self, batch):
        """The first rejected rows with their line numbers (the API gives the same report)."""
        rows = batch.rejections.order_by("line")[: self.REPORT_ROWS]
        if not rows:
            return "—"
        more = ""
        if batch.rejected > self.REPORT_ROWS:  # the rest: every refused row, in a CSV file
            more = format_html(
                '<p>{} <a href="{}" download>{}</a></p>',
                gettext("The first %(shown)s of %(count)s refused rows.")
                % {
                    "shown": number_format(self.REPORT_ROWS, force_grouping=True),
                    "count": number_format(batch.rejected, force_grouping=True),
                },
                reverse("admin:usage_importbatch_rejections", args=[batch.pk]),
                gettext("All of them (CSV)"),
            )
        return format_html(
            "{}<table><tr><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
            more,
            gettext("Line"),
            gettext("Reason"),
            gettext("Row"),
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
                ((r.line, r.reason, r.raw[:200]) for r in rows),
            ),
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/rejections.csv",
                self.admin_site.admin_view(self.rejections_view),
                name="usage_importbatch_rejections",
            ),
            *super().get_urls(),
        ]

    def rejections_view(self, request, pk):
        """Every refused row of an import (line, reason, the row as sent), as CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        batch = get_object_or_404(ImportBatch, pk=pk)
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";")
        writer.writerow([gettext("Line"), gettext("Reason"), gettext("Row")])
        for line, reason, raw in (
            batch.rejections.order_by("line")
            .values_list("line", "reason", "raw")
            .iterator(chunk_size=5000)
        ):
            writer.writerow([line, reason, spreadsheet_cell(raw)])
        response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="rejets-{batch.pk}.csv"'
        return response

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = CdrUploadForm(request.POST or None, request.FILES or None)
        if form.is_bound and form.is_valid():
            upload = form.cleaned_data["file"]
            with transaction.atomic():
                batch = imports.import_create(
                    source=ImportSource.UPLOAD,
                    filename=upload.name,
                    content=upload,  # by chunks: up to 200 MB, never read whole
                    created_by=request.user,
                )
            self.message_user(
                request,
                gettext("Import of %(name)s queued: its progress and report are below.")
                % {"name": upload.name},
                messages.SUCCESS,
            )
            return redirect(self.admin_url("change", batch.pk))
        return action_form(
            self,
            request,
            (),
            form=form,
            title=gettext("Import call records"),
            intro=gettext(
                "A CSV file from the carrier (docs/cdr-format.md): call_id, account, "
                "start_time (UTC, ISO 8601), answered (yes/no), duration (seconds), caller, "
                "called, call_type (outbound, inbound, forwarded), device_id. A call already "
                "imported (same call id and start time) is skipped; a bad row is reported "
                "with its line number and never stops the others."
            ),
        )


class TariffForm(forms.ModelForm):
    """USE-2: "the tariff in force on the day the call started" — one. Two tariffs of the same
    destination (the same prefix, or without one the same country, line type and price class)
    from the same day left the rating to pick either, call by call."""

    class Meta:
        model = Tariff
        fields = ["name", "name_en", "prefix", "country", "line_type", "price_class"]
        fields += ["rate_per_minute"]
        fields += ["first_increment", "next_increment", "min_duration", "valid_from", "valid_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("first_increment", "next_increment"):  # tariff_increments_ge_1
            self.fields[name].validators.append(MinValueValidator(1))
            self.fields[name].widget.attrs["min"] = 1

    def clean(self):
        data = super().clean()
        # the table's checks, in words (else "the constraint tariff_… is violated")
        rate = data.get("rate_per_minute")
        if rate is not None and rate < 0:
            self.add_error("rate_per_minute", _("A price cannot be negative."))
        if not data.get("prefix") and not data.get("country"):
            self.add_error(
                "prefix", _("Give a prefix, or a country with its line type and price class.")
            )
        valid_to = data.get("valid_to")
        if valid_to and data.get("valid_from") and valid_to <= data["valid_from"]:
            self.add_error("valid_to", _("The end (excluded) must come after the start."))
        if data.get("valid_from") is None:
            return data
        same = Tariff.objects.filter(prefix=data.get("prefix") or "", valid_from=data["valid_from"])
        if not data.get("prefix"):
            same = same.filter(
                country=data.get("country") or "",
                line_type=data.get("line_type") or "",
                price_class=data.get("price_class") or "",
            )
        if same.exclude(pk=self.instance.pk).exists():
            self.add_error(
                "valid_from",
                _(
                    "Another tariff of this destination starts that day: change its price, or "
                    "start this one another day."
                ),
            )
        # CON-6 (HOSTED-A 6, PLATFORM 12.2): customers are told before a price changes
        for field, message in tariff_changes.change_errors(data, self.instance).items():
            if field not in self.errors:
                self.add_error(field, message)
        return data


class AuditedDataAdmin(TypedAmountsMixin, AuditedAdminMixin, admin.ModelAdmin):
    """ACC-4: prices and the plans' destinations are terms: every change made here, and every
    deletion — one by one or by the list's action (``AuditedAdminMixin``) — is in the audit
    log with its values."""


@admin.register(Tariff)
class TariffAdmin(AuditedDataAdmin):
    form = TariffForm
    list_display = ["name", "prefix", "country", "line_type", "price_class", "rate_per_minute"]
    list_display += ["first_increment", "next_increment", "min_duration", "valid_from", "valid_to"]
    list_display += ["announcement"]
    list_filter = ["line_type", "price_class", "country"]
    search_fields = ["name", "prefix", "country"]
    readonly_fields = ["announcement"]

    def get_actions(self, request):
        """No « delete selected »: a tariff is deleted from its own page, where
        ``tariff_changes.delete_error`` keeps the prices in force and those told."""
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request, obj=None):
        if obj is not None and tariff_changes.delete_error(obj):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        # a told tariff whose price is changed (within what the form allows) is told again
        if change and set(form.changed_data) & {*tariff_changes.PRICING_FIELDS, "valid_to"}:
            obj.announcement = None
        super().save_model(request, obj, form, change)


@admin.register(IncludedDestination)
class IncludedDestinationAdmin(AuditedDataAdmin):
    """USE-3/USE-4, CON-6: the list keeps its history. A destination added here is included
    from today; one deleted here is taken off the list from today (``valid_to``), never erased:
    the past months rated again and the contracts signed before keep it. Its destination is not
    changed in place (take it off and add the new one)."""

    list_display = ["name", "terms", "country", "line_type", "valid_from", "valid_to"]
    list_filter = ["terms", "line_type", ("valid_to", admin.EmptyFieldListFilter)]
    search_fields = ["name", "country"]
    readonly_fields = ["valid_from", "valid_to"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        return [*self.readonly_fields, "terms", "country", "line_type"]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.valid_to is not None:
            return False  # taken off the list: history
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.valid_to is not None:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.valid_from = paris_today()
        super().save_model(request, obj, form, change)

    def _end(self, request, obj):
        before = {"valid_to": None}
        obj.valid_to = paris_today()
        obj.save(update_fields=["valid_to"])
        audit_record(
            action="includeddestination.end",
            instance=obj,
            actor=request.user,
            before=before,
            after={"name": obj.name, "terms": obj.terms_id, "valid_to": obj.valid_to},
        )

    def delete_model(self, request, obj):
        """Taken off the list from today, kept as history."""
        with transaction.atomic():
            self._end(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset.filter(valid_to__isnull=True):
                self._end(request, obj)

    # Deleting is taking off the list, kept as history: the pages say so, not Django's
    # « supprimer » (the past months and the contracts signed before keep the destination).
    delete_confirmation_template = "admin/usage/includeddestination/delete_confirmation.html"

    def delete_view(self, request, object_id, extra_context=None):
        context = {
            "title": gettext("Take off the list"),
            "off_from": date_format(paris_today(), "SHORT_DATE_FORMAT"),
            **(extra_context or {}),
        }
        return super().delete_view(request, object_id, extra_context=context)

    def response_delete(self, request, obj_display, obj_id):
        self.message_user(
            request,
            gettext("“%(name)s” is taken off the list of included destinations from %(date)s.")
            % {"name": obj_display, "date": date_format(paris_today(), "SHORT_DATE_FORMAT")},
            messages.SUCCESS,
        )
        return redirect("admin:usage_includeddestination_changelist")

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            function, name, _description = actions["delete_selected"]
            actions[name] = (function, name, gettext("Take the selected destinations off the list"))
        return actions


@admin.register(CallRecord)
class CallRecordAdmin(ServiceRowsAdmin):
    list_display = ["started_at", "account_ref", "called", "call_type", "answered", "duration"]
    list_display += ["line_type", "plan", "slot", "included", "cost", "blocked", "trial", "late"]
    list_filter = [("billing_month", MonthListFilter), "plan", "line_type", "blocked", "trial"]
    # a call priced by no tariff in force (a gap in the grid's dates) cost nothing: staff find
    # them under "Par tarif — Vide"
    list_filter += ["late", "breach", ("tariff", admin.EmptyFieldListFilter)]
    search_fields = ["=call_id", "=account_ref", "=called"]
    show_full_result_count = False
    list_per_page = 50
    readonly_fields = [f.name for f in CallRecord._meta.fields]
