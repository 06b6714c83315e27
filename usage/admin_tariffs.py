"""Back office of tariff changes (CON-6 for call tariffs, HOSTED-A 6, PLATFORM 12.2): the
announcements sent (and a button to send the one waiting now), the customers told, and the
refusals and objections — recorded here from a customer's letter."""

from datetime import timedelta

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext, ngettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.admin import ReadOnlyInline
from kernel.admin import ServiceRowsAdmin
from kernel.clock import paris_today
from kernel.widgets import IsoDateInput
from offers.admin.price_changes import letter_received_on_field
from offers.choices import LIVE_STATUSES
from offers.models import Contract
from usage.models import Tariff, TariffAnnouncement, TariffNotice, TariffRefusal
from usage.services import tariff_changes


class AnnounceForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("tell the customers now"),
        help_text=_(
            "Every customer with a live contract receives one e-mail listing the tariffs "
            "entered since the last announcement that start after today. Otherwise the nightly "
            "job sends it."
        ),
    )


class TariffInline(ReadOnlyInline):
    model = Tariff
    fields = ["name", "prefix", "country", "line_type", "price_class", "rate_per_minute"]
    fields += ["first_increment", "next_increment", "min_duration", "valid_from", "valid_to"]


class RefusalInline(ReadOnlyInline):
    model = TariffRefusal
    fields = ["contract", "objection", "termination", "keeps_day", "withdrawn_at", "created_by"]


@admin.register(TariffAnnouncement)
class TariffAnnouncementAdmin(ServiceRowsAdmin):
    adds_through_service = True
    list_display = ["__str__", "created_at", "increase", "tariffs_count", "customers_count"]
    list_display += ["created_by"]
    list_filter = ["increase"]
    fields = ["first_day", "increase", "increase_from", "tariffs_count", "customers_count"]
    fields += ["created_at"]
    fields += ["created_by"]
    readonly_fields = fields
    inlines = [TariffInline, RefusalInline]

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied

        def announce(data):
            announcement = tariff_changes.tariffs_announce(actor=request.user)
            if announcement is None:
                raise ValidationError(
                    gettext("No tariff entered since the last announcement starts after today.")
                )
            tariffs, customers = announcement.tariffs_count, announcement.customers_count
            message = ngettext(
                "%(tariffs)d tariff announced to %(customers)s.",
                "%(tariffs)d tariffs announced to %(customers)s.",
                tariffs,
            ) % {
                "tariffs": tariffs,
                "customers": ngettext("%(count)d customer", "%(count)d customers", customers)
                % {"count": customers},
            }
            return message, announcement

        waiting = Tariff.objects.filter(
            announcement__isnull=True, valid_from__gt=paris_today()
        ).count()
        return self.service_form(
            request,
            AnnounceForm,
            announce,
            title=gettext("Announce the new tariffs"),
            intro=ngettext_lazy(
                "%(count)d tariff entered is waiting to be announced.",
                "%(count)d tariffs entered are waiting to be announced.",
                "count",
            )
            % {"count": waiting},
        )


@admin.register(TariffNotice)
class TariffNoticeAdmin(ServiceRowsAdmin):
    list_display = ["announcement", "client", "created_at"]
    list_filter = ["announcement"]
    search_fields = ["client__legal_name"]
    list_select_related = ["announcement", "client"]
    fields = ["announcement", "client", "created_at"]
    readonly_fields = fields


class RefusalForm(forms.Form):
    announcement = forms.ModelChoiceField(
        label=_("announcement"), queryset=TariffAnnouncement.objects.none()
    )
    contract = forms.ModelChoiceField(
        label=_("contract"),
        queryset=Contract.objects.none(),
        help_text=_("A HOSTED-A (refusal) or PLATFORM (objection) contract in service."),
    )
    requested_date = forms.DateField(
        label=_("requested termination date"),
        required=False,
        widget=IsoDateInput(),
        help_text=_(
            "Optional. HOSTED-A: the contract ends at the later of this date and 30 days after "
            "today, without fee. PLATFORM: one month after today at the earliest, and not "
            "before the first day of the new tariffs."
        ),
    )

    received_on = letter_received_on_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # increases not yet in force, or in force for less than a month (a letter received in
        # time may be recorded late)
        self.fields["announcement"].queryset = TariffAnnouncement.objects.filter(
            increase=True, increase_from__gt=paris_today() - timedelta(days=31)
        ).order_by("-created_at")
        self.fields["contract"].queryset = Contract.objects.filter(
            status__in=LIVE_STATUSES
        ).select_related("client")


@admin.register(TariffRefusal)
class TariffRefusalAdmin(ServiceRowsAdmin):
    """A customer's written refusal (HOSTED-A 6) or objection (PLATFORM 12.2) of announced
    tariff increases, recorded by staff: its termination without fee is scheduled (CON-4)."""

    adds_through_service = True
    list_display = ["announcement", "contract", "objection", "termination", "keeps_day"]
    list_display += ["withdrawn_at", "created_at"]
    list_filter = ["objection"]
    search_fields = ["contract__reference", "contract__client__legal_name"]
    list_select_related = ["announcement", "contract__offer", "termination"]
    fields = ["announcement", "contract", "objection", "termination", "keeps_day"]
    fields += ["withdrawn_at", "withdrawn_note", "created_by", "api_key", "created_at"]
    readonly_fields = fields

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied

        def refuse(data):
            refusal = tariff_changes.tariff_refuse(
                announcement=data["announcement"],
                contract=data["contract"],
                requested_date=data["requested_date"],
                actor=request.user,
                received_on=data["received_on"],
            )
            message = gettext("Refusal recorded: the contract ends on %(date)s, without fee.") % {
                "date": refusal.termination.effective_date.strftime("%d/%m/%Y")
            }
            return message, refusal

        return self.service_form(
            request,
            RefusalForm,
            refuse,
            title=gettext("Record a refusal of new tariffs"),
            intro=gettext(
                "The customer's written refusal (HOSTED-A 6) ends the contract without "
                "termination fee 30 days later, its calls priced at today's tariffs until then; "
                "an objection (PLATFORM 12.2) ends it one month later at the earliest, and any "
                "call from the first day of the new tariffs withdraws it."
            ),
        )
