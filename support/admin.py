"""Back office of support: the ticket queue (SLA-1, SLA-3), outages and their announcements
(SLA-5), availability reports and credit decisions (SLA-8, SLA-10), the abusive-ticket penalty
(SLA-11) and the liability cap (SLA-12).

Statuses, times and amounts are never fields here: they change only through
``support.services``, called by the actions below (each with its confirmation page).
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.admin import AuditedAdminMixin, ReadOnlyInline
from kernel.admin import form_action, run_each
from offers.periods import next_month_start
from support import selectors, services
from support.choices import OPEN_STATUSES, ExcuseReason, TicketKind, TicketSource, TicketStatus
from support.models import (
    Attachment,
    AvailabilityReport,
    Outage,
    OutageAnnouncement,
    Ticket,
    TicketEvent,
    TicketMessage,
)


def _liability_cap(contract, day) -> str:
    """SLA-12, for display."""
    if contract is None:
        return "—"
    cap = selectors.liability_cap(contract=contract, day=day)
    return gettext("%(cap)s € HT (subscriptions invoiced for the 3 months before %(day)s)") % {
        "cap": cap,
        "day": date_format(day),
    }


# --- Tickets --------------------------------------------------------------------------------


class TicketMessageInline(ReadOnlyInline):
    """Messages are written by the "Reply" action (the service), never edited here."""

    model = TicketMessage
    fields = ["created_at", "from_staff", "internal", "author", "api_key", "body", "files"]
    readonly_fields = fields

    @admin.display(description=_("files"))
    def files(self, message):
        names = [a.original_name for a in message.attachments.all()]
        return ", ".join(names) or "—"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("author", "api_key")
            .prefetch_related("attachments")
        )


class TicketEventInline(ReadOnlyInline):
    model = TicketEvent
    fields = ["created_at", "from_status", "to_status", "note", "actor", "api_key"]
    readonly_fields = fields


class OverdueFilter(admin.SimpleListFilter):
    """SLA-3: incidents whose intervention deadline passed before work started."""

    title = _("intervention")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue")), ("no", _("On time or no deadline"))]

    def queryset(self, request, queryset):
        overdue = {
            "intervention_deadline__lt": timezone.now(),
            "intervention_started_at__isnull": True,
        }
        if self.value() == "yes":
            return queryset.filter(**overdue)
        if self.value() == "no":
            return queryset.exclude(**overdue)
        return queryset


class OpenFilter(admin.SimpleListFilter):
    title = _("open")
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("yes", _("Open")), ("no", _("Resolved or closed"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(status__in=OPEN_STATUSES)
        if self.value() == "no":
            return queryset.exclude(status__in=OPEN_STATUSES)
        return queryset


class TicketOpenForm(forms.ModelForm):
    """Staff open a ticket for a customer (by phone, e-mail…): ``ticket_open`` does the rest."""

    body = forms.CharField(label=_("message"), widget=forms.Textarea)

    class Meta:
        model = Ticket
        fields = ["client", "contract", "kind", "subject", "reported_at", "detected_at"]

    def clean(self):
        data = super().clean()
        client, contract = data.get("client"), data.get("contract")
        if contract is not None and client is not None and contract.client_id != client.pk:
            self.add_error("contract", _("This contract belongs to another customer."))
        if data.get("kind") == TicketKind.FAILURE and contract is None:
            self.add_error("contract", _("Choose the service that fails."))
        if data.get("reported_at") and data["reported_at"] > timezone.now():
            self.add_error("reported_at", _("A ticket cannot be reported in the future."))
        return data


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("message"), widget=forms.Textarea)
    internal = forms.BooleanField(
        label=_("internal note"), required=False, help_text=_("Seen by staff only.")
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("new status"), choices=TicketStatus.choices)
    note = forms.CharField(
        label=_("note to the customer"), max_length=300, required=False, widget=forms.Textarea
    )


class RestorationForm(forms.Form):
    restored_at = forms.DateTimeField(
        label=_("service restored at"), help_text=_("Paris time, e.g. 2026-11-16 14:30.")
    )


class PenaltyForm(forms.Form):
    note = forms.CharField(
        label=_("why the customer caused the incident"), max_length=300, widget=forms.Textarea
    )


@admin.register(Ticket)
class TicketAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """SLA-1 / SLA-3: the queue, nearest intervention deadline first."""

    list_display = [
        "number",
        "client",
        "kind",
        "status",
        "contract",
        "reported_at",
        "intervention_deadline",
        "intervention_ok",
        "restoration_target",
        "restoration_ok",
    ]
    list_filter = ["status", "kind", OpenFilter, OverdueFilter, "source", "client__partner"]
    search_fields = ["number", "subject", "client__legal_name", "contract__reference"]
    list_select_related = ["client", "contract"]
    autocomplete_fields = ["client", "contract"]
    inlines = [TicketMessageInline, TicketEventInline]
    ordering = [F("intervention_deadline").asc(nulls_last=True), "reported_at"]
    actions = ["reply", "change_status", "record_restoration", "charge_penalty"]
    readonly_fields = [
        "number",
        "client",
        "contract",
        "kind",
        "subject",
        "status",
        "source",
        "opened_by",
        "opened_by_api_key",
        "reported_at",
        "detected_at",
        "acknowledged_at",
        "intervention_started_at",
        "first_response_at",
        "intervention_deadline",
        "intervention_ok",
        "restoration_target",
        "restored_at",
        "restoration_ok",
        "resolved_at",
        "closed_at",
        "customer_caused",
        "liability_cap",
    ]
    fieldsets = [
        (None, {"fields": ["number", "client", "contract", "kind", "subject", "status"]}),
        (_("Origin"), {"fields": ["source", "opened_by", "opened_by_api_key"]}),
        (
            _("Deadlines (SLA-3, SLA-4)"),
            {
                "fields": [
                    "reported_at",
                    "detected_at",
                    "intervention_deadline",
                    "intervention_started_at",
                    "intervention_ok",
                    "acknowledged_at",
                    "first_response_at",
                    "restoration_target",
                    "restored_at",
                    "restoration_ok",
                    "resolved_at",
                    "closed_at",
                ]
            },
        ),
        (_("Compensation"), {"fields": ["customer_caused", "liability_cap"]}),
    ]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = TicketOpenForm
        return super().get_form(request, obj, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [
                (
                    None,
                    {
                        "fields": [
                            "client",
                            "contract",
                            "kind",
                            "subject",
                            "body",
                            "reported_at",
                            "detected_at",
                        ]
                    },
                )
            ]
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            return  # nothing is edited on a ticket's page: the actions call the services
        data = form.cleaned_data
        ticket = services.ticket_open(
            client=data["client"],
            contract=data.get("contract"),
            kind=data["kind"],
            subject=data["subject"],
            body=data["body"],
            reported_at=data.get("reported_at"),
            detected_at=data.get("detected_at"),
            source=TicketSource.STAFF,
            actor=request.user,
        )
        obj.pk = ticket.pk
        obj.number = ticket.number

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("intervention met"), boolean=True)
    def intervention_ok(self, ticket):
        return ticket.intervention_met

    @admin.display(description=_("restoration met"), boolean=True)
    def restoration_ok(self, ticket):
        return ticket.restoration_met

    @admin.display(description=_("liability cap (SLA-12)"))
    def liability_cap(self, ticket):
        if ticket.pk is None:
            return "—"
        return _liability_cap(ticket.contract, timezone.localtime(ticket.reported_at).date())

    # --- actions: every one calls a service ---

    @admin.action(description=_("Reply…"), permissions=["change"])
    def reply(self, request, queryset):
        return form_action(
            self,
            request,
            queryset,
            ReplyForm,
            title=gettext("Reply to tickets"),
            intro=gettext(
                "The customer is e-mailed the answer (not an internal note). Answering a new "
                "ticket acknowledges it."
            ),
            call=lambda t, data: services.ticket_reply(
                ticket=t, body=data["body"], internal=data["internal"], actor=request.user
            ),
            done=gettext("%(count)d answer(s) sent."),
        )

    @admin.action(description=_("Change the status…"), permissions=["change"])
    def change_status(self, request, queryset):
        return form_action(
            self,
            request,
            queryset,
            StatusForm,
            title=gettext("Change the status of tickets"),
            intro=gettext("The customer is e-mailed the new status."),
            call=lambda t, data: services.ticket_set_status(
                ticket=t, status=data["status"], note=data["note"], actor=request.user
            ),
            done=gettext("%(count)d ticket(s) updated."),
        )

    @admin.action(description=_("Record the restoration (SLA-4)…"), permissions=["change"])
    def record_restoration(self, request, queryset):
        return form_action(
            self,
            request,
            queryset,
            RestorationForm,
            title=gettext("Record when the service came back"),
            intro=gettext(
                "For HOSTED-A, the unavailability counted in the month's availability ends then."
            ),
            call=lambda t, data: services.ticket_record_restoration(
                ticket=t, restored_at=data["restored_at"], actor=request.user
            ),
            done=gettext("Restoration recorded on %(count)d ticket(s)."),
        )

    @admin.action(
        description=_("Charge the abusive-ticket penalty (SLA-11)…"), permissions=["change"]
    )
    def charge_penalty(self, request, queryset):
        return form_action(
            self,
            request,
            queryset,
            PenaltyForm,
            title=gettext("Charge the 100.00 € abusive-ticket penalty"),
            intro=gettext(
                "Only when the customer caused the incident. A pending charge of 100.00 € HT, "
                "taxable, is added to the customer's next invoice (once per ticket)."
            ),
            call=lambda t, data: services.ticket_charge_abusive_penalty(
                ticket=t, note=data["note"], actor=request.user
            ),
            done=gettext("Penalty charged on %(count)d ticket(s)."),
        )


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    """Files of ticket messages, read-only (staff download them from here)."""

    list_display = ["original_name", "message", "content_type", "size", "created_at"]
    search_fields = ["original_name", "message__ticket__number"]
    readonly_fields = ["message", "file", "original_name", "content_type", "size", "created_at"]
    list_select_related = ["message__ticket"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Outages --------------------------------------------------------------------------------


class AnnouncementInline(ReadOnlyInline):
    model = OutageAnnouncement
    fields = ["sent_at", "recipients", "sent_by", "message"]
    readonly_fields = fields


class OngoingFilter(admin.SimpleListFilter):
    title = _("ongoing")
    parameter_name = "ongoing"

    def lookups(self, request, model_admin):
        return [("yes", _("Ongoing")), ("no", _("Ended"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(ended_at__isnull=self.value() == "yes")
        return queryset


class OutageForm(forms.ModelForm):
    """SLA-5: the checks of ``services.outage_check`` (7 business days for a planned
    maintenance…) shown as form errors before anything is written."""

    class Meta:
        model = Outage
        fields = [
            "title",
            "description",
            "internal_note",
            "started_at",
            "ended_at",
            "excusable",
            "excuse_reason",
            "scope",
            "offer",
            "contracts",
        ]

    def clean(self):
        data = super().clean()
        if self.instance.pk is None and data.get("started_at"):
            try:
                services.outage_check(
                    started_at=data["started_at"],
                    ended_at=data.get("ended_at"),
                    excusable=data.get("excusable", False),
                    excuse_reason=data.get("excuse_reason", ""),
                    scope=data.get("scope"),
                    offer=data.get("offer"),
                    contracts=data.get("contracts") or [],
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    self.add_error(field if field in self.fields else None, errors)
        return data


class EndOutageForm(forms.Form):
    ended_at = forms.DateTimeField(label=_("ended at"), help_text=_("Paris time."))


class ExcuseForm(forms.Form):
    excusable = forms.BooleanField(label=_("excusable"), required=False)
    excuse_reason = forms.ChoiceField(
        label=_("excuse"), choices=[("", "—"), *ExcuseReason.choices], required=False
    )


class AnnounceForm(forms.Form):
    message = forms.CharField(label=_("message"), widget=forms.Textarea, required=False)


@admin.register(Outage)
class OutageAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = [
        "title",
        "started_at",
        "ended_at",
        "excusable",
        "excuse_reason",
        "scope",
        "offer",
        "announced",
    ]
    list_filter = [OngoingFilter, "excusable", "excuse_reason", "scope", "offer"]
    search_fields = [
        "title",
        "description",
        "contracts__reference",
        "contracts__client__legal_name",
    ]
    list_select_related = ["offer"]
    autocomplete_fields = ["contracts"]
    form = OutageForm
    inlines = [AnnouncementInline]
    actions = ["end_outage", "set_excuse", "announce"]
    date_hierarchy = "started_at"
    change_readonly = [
        "started_at",
        "ended_at",
        "excusable",
        "excuse_reason",
        "scope",
        "offer",
        "contracts",
        "created_by",
    ]

    def get_readonly_fields(self, request, obj=None):
        # Times, excuse and scope change through the actions (the services check them).
        return self.change_readonly if obj is not None else []

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)  # title and texts, audited
            return
        data = form.cleaned_data
        outage = services.outage_record(
            title=data["title"],
            description=data.get("description", ""),
            internal_note=data.get("internal_note", ""),
            started_at=data["started_at"],
            ended_at=data.get("ended_at"),
            excusable=data.get("excusable", False),
            excuse_reason=data.get("excuse_reason", ""),
            scope=data["scope"],
            offer=data.get("offer"),
            contracts=data.get("contracts") or [],
            actor=request.user,
        )
        obj.pk = outage.pk

    def save_related(self, request, form, formsets, change):
        if change:
            super().save_related(request, form, formsets, change)
        # On creation the service has set the contracts already.

    def has_delete_permission(self, request, obj=None):
        return False  # availability reports were computed from it

    @admin.display(description=_("announced"), boolean=True)
    def announced(self, outage):
        return outage.announcements.exists()

    @admin.action(description=_("End the outage…"), permissions=["change"])
    def end_outage(self, request, queryset):
        return form_action(
            self,
            request,
            queryset,
            EndOutageForm,
            title=gettext("End outages"),
            intro=gettext("The unavailability counted stops at this time."),
            call=lambda o, data: services.outage_update(
                outage=o, ended_at=data["ended_at"], actor=request.user
            ),
            done=gettext("%(count)d outage(s) ended."),
        )

    @admin.action(description=_("Change the excuse (SLA-5)…"), permissions=["change"])
    def set_excuse(self, request, queryset):
        return form_action(
            self,
            request,
            queryset,
            ExcuseForm,
            title=gettext("Change whether outages are excusable"),
            intro=gettext(
                "Excusable outages never count in the availability. A planned maintenance must "
                "have been announced at least 7 business days before it started."
            ),
            call=lambda o, data: services.outage_update(
                outage=o,
                excusable=data["excusable"],
                excuse_reason=data["excuse_reason"],
                actor=request.user,
            ),
            done=gettext("%(count)d outage(s) updated."),
        )

    @admin.action(description=_("Announce to the affected customers…"), permissions=["change"])
    def announce(self, request, queryset):
        return form_action(
            self,
            request,
            queryset,
            AnnounceForm,
            title=gettext("Announce outages"),
            intro=gettext(
                "The administrators and technical contacts of every affected customer are "
                "e-mailed; the announcement is kept with its date."
            ),
            call=lambda o, data: services.outage_announce(
                outage=o, message=data["message"], actor=request.user
            ),
            done=gettext("%(count)d outage(s) announced."),
        )


# --- Availability reports -------------------------------------------------------------------


class RefuseForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=500, widget=forms.Textarea)


class ApproveForm(forms.Form):
    """No input: the confirmation page shows what is approved."""


@admin.register(AvailabilityReport)
class AvailabilityReportAdmin(admin.ModelAdmin):
    """SLA-6..10: the monthly reports; staff approve or refuse the credits requested."""

    list_display = [
        "contract",
        "customer",
        "month",
        "availability_display",
        "credit_percent",
        "base",
        "credit_amount",
        "applicable",
        "status",
        "approved_amount",
        "credit_note",
    ]
    list_filter = ["status", "policy", "applicable", "month"]
    search_fields = ["contract__reference", "contract__client__legal_name"]
    list_select_related = ["contract__client", "credit_note"]
    date_hierarchy = "month"
    actions = ["approve", "refuse", "recompute"]
    readonly_fields = [
        "contract",
        "customer",
        "month",
        "policy",
        "minutes_in_month",
        "unavailable_minutes",
        "availability_display",
        "credit_percent",
        "base",
        "base_detail",
        "credit_amount",
        "applicable",
        "not_applicable_reason",
        "status",
        "computed_at",
        "requested_at",
        "requested_by",
        "requested_by_api_key",
        "decided_at",
        "decided_by",
        "refusal_reason",
        "approved_amount",
        "credit_note",
        "liability_cap",
    ]
    fieldsets = [
        (None, {"fields": ["contract", "customer", "month", "policy", "status"]}),
        (
            _("Availability (SLA-6)"),
            {
                "fields": [
                    "minutes_in_month",
                    "unavailable_minutes",
                    "availability_display",
                    "computed_at",
                ]
            },
        ),
        (
            _("Credit (SLA-7, SLA-9)"),
            {
                "fields": [
                    "credit_percent",
                    "base",
                    "base_detail",
                    "credit_amount",
                    "applicable",
                    "not_applicable_reason",
                ]
            },
        ),
        (
            _("Request and decision (SLA-8, SLA-10)"),
            {
                "fields": [
                    "requested_at",
                    "requested_by",
                    "requested_by_api_key",
                    "decided_at",
                    "decided_by",
                    "refusal_reason",
                    "approved_amount",
                    "credit_note",
                    "liability_cap",
                ]
            },
        ),
    ]

    def has_add_permission(self, request):
        return False  # computed by the monthly job

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("customer"))
    def customer(self, report):
        return report.contract.client

    @admin.display(description=_("availability %"), ordering="availability")
    def availability_display(self, report):
        return f"{report.availability_display}"

    @admin.display(description=_("liability cap (SLA-12)"))
    def liability_cap(self, report):
        return _liability_cap(report.contract, next_month_start(report.month))

    @admin.action(description=_("Approve the credits (SLA-8 cap applied)…"), permissions=["change"])
    def approve(self, request, queryset):
        return form_action(
            self,
            request,
            queryset,
            ApproveForm,
            title=gettext("Approve credits"),
            intro=gettext(
                "Each credit is capped so that the credits approved for the contract over 30 "
                "days stay within 20 % of the base; the approved amount becomes a credit note "
                "deducted from the customer's next invoice."
            ),
            call=lambda r, data: services.credit_approve(report=r, actor=request.user),
            done=gettext("%(count)d credit(s) approved."),
        )

    @admin.action(description=_("Refuse the credits…"), permissions=["change"])
    def refuse(self, request, queryset):
        return form_action(
            self,
            request,
            queryset,
            RefuseForm,
            title=gettext("Refuse credits"),
            intro=gettext("The customer is told the reason."),
            call=lambda r, data: services.credit_refuse(
                report=r, reason=data["reason"], actor=request.user
            ),
            done=gettext("%(count)d credit(s) refused."),
        )

    @admin.action(description=_("Recompute (reports not yet requested)"), permissions=["change"])
    def recompute(self, request, queryset):
        run_each(
            self,
            request,
            queryset.select_related("contract__site"),
            lambda r: services.availability_report_compute(contract=r.contract, month=r.month),
            gettext("%(count)d report(s) recomputed."),
        )
