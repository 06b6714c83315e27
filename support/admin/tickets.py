"""Back office of tickets: the queue (SLA-1, SLA-3), opening a ticket for a customer, and the
actions — reply, change the status, record the restoration (SLA-4), charge the abusive-ticket
penalty (SLA-11), grant a goodwill credit within the liability cap (SLA-12) — each through its
service."""

from django import forms
from django.contrib import admin
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.admin import AuditedAdminMixin, ReadOnlyInline
from kernel.admin import form_action
from support.admin.liability import (
    GoodwillInline,
    goodwill_action,
    liability_room_text,
    may_issue_credit_notes,
    may_post_charges,
)
from support.choices import OPEN_STATUSES, TicketKind, TicketSource, TicketStatus
from support.models import Ticket, TicketEvent, TicketMessage
from support.services.goodwill import liability_room
from support.services.incidents import ticket_charge_abusive_penalty, ticket_record_restoration
from support.services.replies import ticket_reply
from support.services.ticket_status import ticket_set_status
from support.services.tickets import ticket_open, ticket_times_errors


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
        if data.get("reported_at"):
            # SLA-4: ``ticket_open``'s checks, as form errors (they were a server error).
            errors = ticket_times_errors(
                reported_at=data["reported_at"],
                detected_at=data.get("detected_at")
                if data.get("kind") == TicketKind.FAILURE
                else None,
            )
            for field, message in errors.items():
                self.add_error(field, message)
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
    """SLA-1 / SLA-3 / SLA-4: the queue, nearest SLA deadline first — the intervention deadline,
    else the restoration target; tickets without either (questions, failures of offers whose
    terms state no such clause) last, oldest report first."""

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
    # SLA-1: the tickets reported today, the past 7 days, this month… (Paris days)
    list_filter += [("reported_at", admin.DateFieldListFilter)]
    date_hierarchy = "reported_at"
    search_fields = [
        "number",
        "subject",
        "client__legal_name",
        "client__siren",
        "contract__reference",
    ]
    list_select_related = ["client", "contract__offer"]
    autocomplete_fields = ["client", "contract"]
    inlines = [TicketMessageInline, TicketEventInline, GoodwillInline]
    ordering = [
        Coalesce("intervention_deadline", "restoration_target").asc(nulls_last=True),
        "reported_at",
    ]
    actions = ["reply", "change_status", "record_restoration", "charge_penalty", "goodwill"]
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
        ticket = ticket_open(
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
        if ticket.pk is None or ticket.contract_id is None:
            return "—"
        return liability_room_text(liability_room(ticket.contract, ticket=ticket))

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
            call=lambda t, data: ticket_reply(
                ticket=t, body=data["body"], internal=data["internal"], actor=request.user
            ),
            done=ngettext_lazy("%(count)d answer sent.", "%(count)d answers sent.", "count"),
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
            call=lambda t, data: ticket_set_status(
                ticket=t, status=data["status"], note=data["note"], actor=request.user
            ),
            done=ngettext_lazy("%(count)d ticket updated.", "%(count)d tickets updated.", "count"),
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
            call=lambda t, data: ticket_record_restoration(
                ticket=t, restored_at=data["restored_at"], actor=request.user
            ),
            done=ngettext_lazy(
                "Restoration recorded on %(count)d ticket.",
                "Restoration recorded on %(count)d tickets.",
                "count",
            ),
        )

    @admin.action(
        description=_("Charge the abusive-ticket penalty (SLA-11)…"), permissions=["charge"]
    )
    def charge_penalty(self, request, queryset):
        return form_action(
            self,
            request,
            queryset,
            PenaltyForm,
            title=gettext("Charge the 100.00 € abusive-ticket penalty"),
            intro=gettext(
                "Only when the customer caused the incident, on a voice platform service "
                "(PLATFORM 27: no other contract states it). A pending charge of 100.00 €, "
                "outside the scope of VAT (a penalty is damages), is added to the customer's "
                "next invoice (once per ticket)."
            ),
            call=lambda t, data: ticket_charge_abusive_penalty(
                ticket=t, note=data["note"], actor=request.user
            ),
            done=ngettext_lazy(
                "Penalty charged on %(count)d ticket.",
                "Penalty charged on %(count)d tickets.",
                "count",
            ),
        )

    def has_charge_permission(self, request) -> bool:
        return may_post_charges(request)

    def has_credit_permission(self, request) -> bool:
        return may_issue_credit_notes(request)

    @admin.action(description=_("Grant a goodwill credit (SLA-12)…"), permissions=["credit"])
    def goodwill(self, request, queryset):
        return goodwill_action(self, request, queryset, kind="ticket")
