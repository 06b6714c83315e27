"""Back office of outages (SLA-5): recording one (with the 7-business-day rule for a planned
maintenance), ending it, changing its excuse and announcing it, granting a goodwill credit to
an affected service within the liability cap (SLA-12) — each through its service."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.admin import AuditedAdminMixin, ReadOnlyInline
from kernel.admin import form_action
from kernel.forms import attach_errors
from offers.models import Contract
from support.admin.liability import GoodwillInline, goodwill_action, may_issue_credit_notes
from support.choices import ExcuseReason
from support.models import Outage, OutageAnnouncement
from support.selectors import outages_affecting
from support.services.outages import outage_announce, outage_check, outage_record, outage_update


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
    """SLA-5: the checks of ``services.outage_check`` (7 working days for a planned
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
                outage_check(
                    started_at=data["started_at"],
                    ended_at=data.get("ended_at"),
                    excusable=data.get("excusable", False),
                    excuse_reason=data.get("excuse_reason", ""),
                    scope=data.get("scope"),
                    offer=data.get("offer"),
                    contracts=data.get("contracts") or [],
                )
            except ValidationError as error:
                attach_errors(self, error)
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
        "contracts__client__siren",
    ]
    list_select_related = ["offer"]
    autocomplete_fields = ["contracts"]
    form = OutageForm
    inlines = [AnnouncementInline, GoodwillInline]
    actions = ["end_outage", "set_excuse", "announce", "goodwill"]
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
        outage = outage_record(
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

    def get_search_results(self, request, queryset, search_term):
        """SLA-5: a customer's SIREN finds the outages listing its contracts and those of every
        contract of one of its offers (as its own outages page shows them), not another's."""
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        siren = "".join(search_term.split())
        if len(siren) == 9 and siren.isdigit():
            of_its_offers = outages_affecting(Contract.objects.filter(client__siren=siren))
            found = queryset.filter(
                Q(pk__in=found.values("pk")) | Q(pk__in=of_its_offers.values("pk"))
            )
            may_have_duplicates = False
        return found, may_have_duplicates

    def get_queryset(self, request):
        # the list's "announced" column read in the same query (not one query a row)
        sent = OutageAnnouncement.objects.filter(outage=OuterRef("pk"))
        return super().get_queryset(request).annotate(was_announced=Exists(sent))

    @admin.display(description=_("announced"), boolean=True)
    def announced(self, outage):
        if hasattr(outage, "was_announced"):
            return outage.was_announced
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
            call=lambda o, data: outage_update(
                outage=o, ended_at=data["ended_at"], actor=request.user
            ),
            done=ngettext_lazy("%(count)d outage ended.", "%(count)d outages ended.", "count"),
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
                "have been announced at least 7 working days (Monday to Saturday, public "
                "holidays excluded) before it started."
            ),
            call=lambda o, data: outage_update(
                outage=o,
                excusable=data["excusable"],
                excuse_reason=data["excuse_reason"],
                actor=request.user,
            ),
            done=ngettext_lazy("%(count)d outage updated.", "%(count)d outages updated.", "count"),
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
            call=lambda o, data: outage_announce(
                outage=o, message=data["message"], actor=request.user
            ),
            done=ngettext_lazy(
                "%(count)d outage announced.", "%(count)d outages announced.", "count"
            ),
        )

    def has_credit_permission(self, request) -> bool:
        return may_issue_credit_notes(request)

    @admin.action(description=_("Grant a goodwill credit (SLA-12)…"), permissions=["credit"])
    def goodwill(self, request, queryset):
        return goodwill_action(self, request, queryset, kind="outage")
