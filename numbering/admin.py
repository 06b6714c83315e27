"""Back office of numbers (NUM-1..4): ranges imported from the numbering plan's CSV, the pool and
every number with its history, port-out notices, and the port-in queue (due dates, accept with a
date, reject with a reason, complete, or the upstream's status file)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from kernel.admin import (
    OccurredForm,
    ReadOnlyInline,
    ServiceRowsAdmin,
    action_form,
    file_download,
    form_action,
)
from kernel.forms import attach_errors
from kernel.inputs import BoundedDateField
from kernel.money import money_number, round_money
from numbering import services
from numbering.choices import RejectionReason
from numbering.models import (
    NumberEvent,
    NumberRange,
    PhoneNumber,
    PortRequest,
    PortRequestLine,
    PortRequestStep,
)
from numbering.services import porting
from numbering.services.port_out import port_out_notice
from numbering.services.status_file import import_status_file

MAX_UPLOAD = 5 * 1024 * 1024


class UploadForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise ValidationError(_("The file is larger than 5 MB."))
        return upload


@admin.register(NumberRange)
class NumberRangeAdmin(ServiceRowsAdmin):
    adds_through_service = True
    list_display = ["__str__", "number_type", "price_class", "region", "zne", "zne_restricted"]
    list_display += ["territory"]
    list_filter = ["number_type", "region", "zne_restricted"]
    search_fields = ["first", "last", "zne", "territory"]
    readonly_fields = ["first", "last", "number_type", "price_class", "region", "zne"]
    readonly_fields += ["zne_restricted", "operator_code", "territory", "source", "created_at"]

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None)
        if form.is_bound and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                ranges, numbers = services.import_ranges(
                    content=upload.read(), source=upload.name, actor=request.user
                )
            except ValidationError as error:
                attach_errors(form, error)
            else:
                self.message_user(
                    request,
                    gettext("Imported: %(ranges)s and %(numbers)s.")
                    % {
                        "ranges": ngettext("%(count)d range", "%(count)d ranges", ranges)
                        % {"count": ranges},
                        "numbers": ngettext("%(count)d number", "%(count)d numbers", numbers)
                        % {"count": numbers},
                    },
                    messages.SUCCESS,
                )
                return redirect(self.admin_url("changelist"))
        return action_form(
            self,
            request,
            (),
            form=form,
            title=gettext("Import number ranges"),
            intro=gettext(
                "A CSV file in the layout of ARCEP's numbering plan (MAJNUM): columns "
                "Tranche_Debut and Tranche_Fin (10 digits), Mnémo, Territoire, and ours: ZNE "
                "(required for geographic numbers) and Restriction_ZNE (oui/non; by default "
                "non in mainland France, oui overseas). The whole file is checked first: "
                "nothing is imported if a line is refused."
            ),
        )


class EventInline(ReadOnlyInline):
    model = NumberEvent
    fields = ["at", "from_state", "to_state", "client", "note", "actor", "api_key"]


class PortOutForm(forms.Form):
    porting_date = BoundedDateField(label=_("porting date"))
    operator = forms.CharField(label=_("new operator"), max_length=100, required=False)


@admin.register(PhoneNumber)
class PhoneNumberAdmin(ServiceRowsAdmin):
    list_display = [
        "display",
        "number_type",
        "price_class",
        "zne",
        "state",
        "client",
        "contract",
        "quarantine_until",
    ]
    list_filter = ["state", "number_type", "price_class", "region", "zne_restricted"]
    search_fields = ["e164", "client__legal_name", "contract__reference", "zne"]
    list_select_related = ["client", "contract__offer"]
    readonly_fields = ["e164", "display", "number_type", "price_class", "region", "zne"]
    readonly_fields += ["zne_restricted", "state", "client", "site", "contract"]
    readonly_fields += ["sip_account", "trunk"]
    readonly_fields += ["assigned_at", "quarantine_until", "ported_out_on", "number_range"]
    inlines = [EventInline]
    actions = ["port_out"]

    @admin.display(description=_("number"), ordering="e164")
    def display(self, number):
        return number.display

    @admin.action(description=_("Record a port-out notice…"), permissions=["act"])
    def port_out(self, request, queryset):
        return form_action(
            self,
            request,
            queryset,
            PortOutForm,
            title=gettext("Port-out notice"),
            intro=gettext(
                "The number leaves on the porting date. When it is the last number of its "
                "contract, the contract ends that day, with its termination fees (CON-5)."
            ),
            call=lambda n, data: port_out_notice(
                number=n.e164,
                porting_date=data["porting_date"],
                operator=data["operator"],
                actor=request.user,
            ),
            done=ngettext_lazy(
                "%(count)d port-out notice recorded.",
                "%(count)d port-out notices recorded.",
                "count",
            ),
        )


class LineInline(ReadOnlyInline):
    model = PortRequestLine
    fields = ["e164", "rio", "number"]


class StepInline(ReadOnlyInline):
    model = PortRequestStep
    fields = ["at", "status", "reason", "note", "actor", "api_key"]


class AcceptForm(forms.Form):
    scheduled_date = BoundedDateField(label=_("scheduled porting date"))


class RejectForm(forms.Form):
    reason = forms.ChoiceField(label=_("reason"), choices=RejectionReason.choices)
    note = forms.CharField(label=_("note for the customer"), max_length=500, required=False)


@admin.register(PortRequest)
class PortRequestAdmin(ServiceRowsAdmin):
    list_display = ["reference", "client", "status", "desired_date", "scheduled_date"]
    list_display += ["rejection_reason", "created_at"]
    list_filter = ["status", "rejection_reason"]
    search_fields = ["reference", "client__legal_name", "client__siren", "lines__e164"]
    search_fields += ["holder_name"]
    list_select_related = ["client"]
    date_hierarchy = "desired_date"
    ordering = ["desired_date", "pk"]
    readonly_fields = ["reference", "client", "status", "holder_name", "holder_siret"]
    exclude = ["mandate"]  # its /media/ link: the download (mandate_link) instead
    readonly_fields += ["current_operator", "desired_date", "scheduled_date", "mandate_link"]
    readonly_fields += ["contract", "sip_account", "trunk", "site", "rejection_reason"]
    readonly_fields += ["rejection_note", "created_by", "api_key", "created_at"]
    inlines = [LineInline, StepInline]
    actions = ["accept", "reject", "complete"]
    change_list_template = "admin/numbering/portrequest/change_list.html"

    def get_urls(self):
        return [
            path(
                "status-file/",
                self.admin_site.admin_view(self.status_file_view),
                name="numbering_portrequest_status_file",
            ),
            path(
                "<int:pk>/mandate/",
                self.admin_site.admin_view(self.mandate_view),
                name="numbering_portrequest_mandate",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("signed mandate"))
    def mandate_link(self, port):
        if not port.mandate:
            return "—"
        url = reverse("admin:numbering_portrequest_mandate", args=[port.pk])
        return format_html('<a href="{}">{}</a>', url, f"{port.reference}-mandat.pdf")

    def mandate_view(self, request, pk):
        """The signed mandate (a PDF, checked at upload) as a download."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        port = get_object_or_404(PortRequest, pk=pk)
        return file_download(
            port.mandate,
            filename=f"{port.reference}-mandat.pdf",
            content_type="application/pdf",
        )

    def status_file_view(self, request):
        if not self.has_act_permission(request):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None)
        report = None
        if form.is_bound and form.is_valid():
            try:
                report = import_status_file(
                    content=form.cleaned_data["file"].read(), actor=request.user
                )
            except ValidationError as error:
                attach_errors(form, error)
            else:
                self.message_user(
                    request,
                    ngettext_lazy("%(count)d request moved.", "%(count)d requests moved.", "count")
                    % {"count": report.moved},
                    messages.WARNING if report.refused else messages.SUCCESS,
                )
                if report.refused:
                    self.message_user(
                        request,
                        ngettext(
                            "%(count)d line refused: see its reason below, fix it and send "
                            "the file again (the lines applied are skipped).",
                            "%(count)d lines refused: see their reasons below, fix them and "
                            "send the file again (the lines applied are skipped).",
                            len(report.refused),
                        )
                        % {"count": len(report.refused)},
                        messages.ERROR,
                    )
                form = UploadForm()
        return action_form(
            self,
            request,
            (),
            form=form,
            title=gettext("Import the upstream's status file"),
            intro=gettext(
                "A CSV file (;): reference;status;date;reason;note — status accepted (date = "
                "the porting date), rejected (reason from the list: rio_mismatch, "
                "holder_mismatch, line_inactive, not_portable, date_unavailable, "
                "mandate_invalid) or completed (date = the day the numbers arrived, empty: "
                "today). Each line is applied in its order; a refused line is named with its "
                "reason, the others are imported."
            ),
            template="admin/numbering/portrequest/status_file.html",
            report=report,
        )

    @admin.action(description=_("Accept with a porting date…"), permissions=["act"])
    def accept(self, request, queryset):
        return form_action(
            self,
            request,
            queryset,
            AcceptForm,
            title=gettext("Accept port-in requests"),
            intro=gettext("The customer is told the scheduled date."),
            call=lambda r, data: porting.port_request_accept(
                request=r, scheduled_date=data["scheduled_date"], actor=request.user
            ),
            done=ngettext_lazy(
                "%(count)d request accepted.", "%(count)d requests accepted.", "count"
            ),
        )

    @admin.action(description=_("Reject with a reason…"), permissions=["act"])
    def reject(self, request, queryset):
        return form_action(
            self,
            request,
            queryset,
            RejectForm,
            title=gettext("Reject port-in requests"),
            intro=gettext("The customer fixes what the reason names and relaunches."),
            call=lambda r, data: porting.port_request_reject(
                request=r, reason=data["reason"], note=data["note"], actor=request.user
            ),
            done=ngettext_lazy(
                "%(count)d request rejected.", "%(count)d requests rejected.", "count"
            ),
        )

    def _fee_previews(self, request, queryset):
        """NUM-3: before money moves, the porting fees each completion charges, on the page
        that asks for the day (not again once it is given)."""
        if "apply" in request.POST:
            return []
        previews = []
        for port in queryset.order_by("pk")[:20]:
            count, unit = porting.port_fee_quote(port)
            previews.append(
                gettext(
                    "%(request)s: porting fee of %(total)s € excl. VAT (%(count)d × %(fee)s €) "
                    "on the customer's next invoice."
                )
                % {
                    "request": port,
                    "total": money_number(round_money(unit * count)),
                    "count": count,
                    "fee": money_number(unit),
                }
                if unit
                else gettext("%(request)s: no porting fee.") % {"request": port}
            )
        return previews

    @admin.action(description=_("Complete (numbers arrived)"), permissions=["act"])
    def complete(self, request, queryset):
        # NUM-3 / NUM-2: the day the numbers arrived, as the status file gives it: they are ours
        # from that day, and their first billed month follows it.
        return form_action(
            self,
            request,
            queryset,
            OccurredForm,
            title=gettext("Complete port-in requests"),
            intro=" ".join(
                [
                    gettext(
                        "The numbers are assigned from the day they arrived; their first billed "
                        "month follows it."
                    ),
                    *self._fee_previews(request, queryset),
                ]
            ),
            call=lambda r, data: porting.port_request_complete(
                request=r, actor=request.user, on=data["occurred_on"]
            ),
            done=ngettext_lazy(
                "%(count)d request completed: its numbers are assigned.",
                "%(count)d requests completed: their numbers are assigned.",
                "count",
            ),
        )
