"""Back office of price changes (CON-6): scheduling, notifying and cancelling them, their
history, the contracts told and their answers, the lines repriced; recording a customer's
refusal (HOSTED-A 6) received in writing, or the amendment a PLATFORM customer signed to accept
an increase (7.1.2), and listing the PLATFORM increases whose amendment is not signed."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.admin import ReadOnlyInline
from kernel.admin import ServiceRowsAdmin, run_each
from kernel.widgets import IsoDateInput
from offers.admin.forms import PriceChangeForm
from offers.choices import (
    PriceChangeRefusal,
    PriceChangeResponse,
    PriceChangeStatus,
)
from offers.models import PriceChange, PriceChangeEvent, PriceChangeLine, PriceChangeNotice
from offers.services.price_change_answers import price_change_accept, price_change_refuse
from offers.services.price_changes import (
    price_change_cancel,
    price_change_notify,
    price_change_schedule,
)


class ScheduleForm(PriceChangeForm):
    """A price change to schedule; by default the customers are told at once."""

    refusal_excluded = forms.BooleanField(
        label=_("imposed by an authority"),
        required=False,
        help_text=_(
            "The increase results from a decision of an authority or an event beyond our "
            "control: HOSTED-A customers may not refuse it (HOSTED-A 6)."
        ),
    )
    notify_now = forms.BooleanField(
        label=_("notify the customers now"),
        required=False,
        initial=True,
        help_text=_(
            "Otherwise they are told by the nightly job on the last day the notice allows."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["effective_date"].help_text = _(
            "The first day of a month, at least the notice of the offer's terms away (HOSTED-A: "
            "7 days; offers whose contract is silent: 30 days)."
        )


def letter_received_on_field() -> forms.DateField:
    """CON-6: the day a customer's refusal letter reached us, when staff record it later (price
    changes here, call tariffs in ``usage.admin_tariffs``)."""
    return forms.DateField(
        label=_("letter received on"),
        required=False,
        widget=IsoDateInput(),
        help_text=_(
            "Optional, today by default: the day the customer's letter reached us. A letter "
            "received before the deadline keeps the customer's right, whenever it is recorded."
        ),
    )


class RefusalForm(forms.Form):
    requested_date = forms.DateField(
        label=_("requested termination date"),
        required=False,
        widget=IsoDateInput(),
        help_text=_(
            "Optional. HOSTED-A: the contract ends at the later of this date and 30 days after "
            "today, without fee."
        ),
    )
    received_on = letter_received_on_field()


class AcceptanceForm(forms.Form):
    signed = forms.BooleanField(
        label=_("signed amendment received"),
        required=True,
        help_text=_(
            "The customer's amendment accepting the new price, signed and received before the "
            "effective date (PLATFORM 7.1.2)."
        ),
    )


class AmendmentFilter(admin.SimpleListFilter):
    """PLATFORM 7.1.2: the increases that are an amendment to the contract, signed or not; an
    unsigned one leaves the contract at its old price — staff may then terminate it (17)."""

    title = _("amendment (PLATFORM 7.1.2)")
    parameter_name = "amendment"

    def lookups(self, request, model_admin):
        return [("unsigned", _("not signed")), ("signed", _("signed"))]

    def queryset(self, request, queryset):
        if self.value() not in {"unsigned", "signed"}:
            return queryset
        amendments = queryset.filter(
            contract__terms_snapshot__price_change_refusal=PriceChangeRefusal.OBJECT,
            price_change__new_monthly_price__gt=F("price_change__old_monthly_price"),
        ).exclude(price_change__status=PriceChangeStatus.CANCELLED)
        if self.value() == "signed":
            return amendments.filter(response=PriceChangeResponse.ACCEPTED)
        return amendments.filter(response=PriceChangeResponse.NONE)


class EventInline(ReadOnlyInline):
    model = PriceChangeEvent
    fields = ["created_at", "from_status", "to_status", "actor", "api_key", "note"]
    readonly_fields = fields


class NoticeInline(ReadOnlyInline):
    model = PriceChangeNotice
    fields = ["contract", "notified_at", "response", "responded_at", "termination", "withdrawn_at"]
    readonly_fields = fields


class LineInline(ReadOnlyInline):
    model = PriceChangeLine
    fields = ["line", "old_price", "new_price", "created_at"]
    readonly_fields = fields


@admin.register(PriceChange)
class PriceChangeAdmin(ServiceRowsAdmin):
    """CON-6: price changes and their pipeline (``scheduled → notified → applied |
    cancelled``). "Add" schedules one through ``price_change_schedule`` (and notifies the
    customers at once unless unticked); actions notify or cancel; the nightly job applies a
    notified change on its effective date, once, to the lines at the old catalogue price."""

    list_display = [
        "offer",
        "product",
        "old_monthly_price",
        "new_monthly_price",
        "effective_date",
        "status",
        "notified_contracts",
        "applied_at",
        "created_by",
    ]
    list_filter = ["status", "offer"]
    search_fields = ["offer__name", "offer__code", "product__name", "product__code", "reason"]
    list_select_related = ["offer", "product", "created_by"]
    fields = [
        "offer",
        "product",
        "old_monthly_price",
        "new_monthly_price",
        "effective_date",
        "notice_days",
        "refusal_excluded",
        "status",
        "reason",
        "notified_at",
        "notified_contracts",
        "applied_at",
        "cancelled_at",
        "created_by",
    ]
    readonly_fields = fields
    inlines = [EventInline, NoticeInline, LineInline]
    actions = ["notify", "cancel"]

    adds_through_service = True

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied

        def schedule(data):
            change = price_change_schedule(
                offer=data["offer"],
                product=data["product"],
                new_monthly_price=data["new_monthly_price"],
                effective_date=data["effective_date"],
                reason=data["reason"],
                refusal_excluded=data["refusal_excluded"],
                actor=request.user,
            )
            if not data["notify_now"]:
                return gettext("Price change scheduled; the customers are not told yet."), change
            change = price_change_notify(price_change=change, actor=request.user)
            message = ngettext_lazy(
                "Price change scheduled; %(count)d contract notified.",
                "Price change scheduled; %(count)d contracts notified.",
                "count",
            ) % {"count": change.notified_contracts}
            return message, change

        return self.service_form(
            request,
            ScheduleForm,
            schedule,
            title=gettext("Schedule a price change"),
            intro=gettext(
                "Only contracts at the old catalogue price signed before today are concerned; a "
                "negotiated price is never changed. HOSTED-A customers facing an increase may "
                "refuse it and terminate without fee with 30 days' notice; for PLATFORM "
                "customers an increase is an amendment: it applies only to the contracts whose "
                "customer accepts it before the effective date (7.1.2)."
            ),
        )

    @admin.action(
        description=_("Notify the customers of the selected changes"), permissions=["act"]
    )
    def notify(self, request, queryset):
        run_each(
            self,
            request,
            queryset.order_by("pk"),
            lambda change: price_change_notify(price_change=change, actor=request.user),
            ngettext_lazy(
                "%(count)d price change notified.", "%(count)d price changes notified.", "count"
            ),
        )

    @admin.action(description=_("Cancel the selected price changes"), permissions=["act"])
    def cancel(self, request, queryset):
        run_each(
            self,
            request,
            queryset.order_by("pk"),
            lambda change: price_change_cancel(price_change=change, actor=request.user),
            ngettext_lazy(
                "%(count)d price change cancelled.", "%(count)d price changes cancelled.", "count"
            ),
        )


@admin.register(PriceChangeNotice)
class PriceChangeNoticeAdmin(ServiceRowsAdmin):
    """CON-6: the contracts told about a price change and their answers. A refusal (HOSTED-A
    6) received in writing is recorded by an action: the contract's termination without fee is
    scheduled (CON-4). A PLATFORM increase is an amendment (7.1.2): another action records the
    signed amendment (the new price then applies); the "amendment" filter lists the contracts
    whose amendment is not signed, which keep their old price."""

    list_display = [
        "price_change",
        "contract",
        "notified_at",
        "response",
        "termination",
        "withdrawn_at",
    ]
    list_filter = [AmendmentFilter, "response", "price_change__status", "price_change__offer"]
    search_fields = ["contract__reference", "contract__client__legal_name"]
    list_select_related = ["price_change__product", "contract__offer", "termination"]
    fields = [
        "price_change",
        "contract",
        "notified_at",
        "response",
        "responded_at",
        "responded_by",
        "responded_by_api_key",
        "termination",
        "withdrawn_at",
        "withdrawn_note",
    ]
    readonly_fields = fields
    actions = ["record_refusal", "record_acceptance"]

    @admin.action(
        description=_("Record the customer's refusal or objection (termination without fee)"),
        permissions=["act"],
    )
    def record_refusal(self, request, queryset):
        return self.service_form_action(
            request,
            queryset.select_related("price_change", "contract"),
            RefusalForm,
            lambda notice, data: price_change_refuse(
                price_change=notice.price_change,
                contract=notice.contract,
                requested_date=data["requested_date"],
                actor=request.user,
                received_on=data["received_on"],
            ),
            title=gettext("Record a refusal of a price increase"),
            intro=gettext(
                "The customer's written refusal (HOSTED-A 6) ends the contract without "
                "termination fee; it keeps its old price until then. Contracts without that "
                "right (a PLATFORM increase is an amendment to accept instead, 7.1.2), decreases "
                "and letters received once the change was in force are refused. A letter "
                "received in time but recorded after the change was applied gives the old price "
                "back and credits what was invoiced at the new one."
            ),
            done_message=ngettext_lazy(
                "%(count)d refusal recorded.", "%(count)d refusals recorded.", "count"
            ),
        )

    @admin.action(
        description=_("Record the customer's signed amendment (PLATFORM: the new price applies)"),
        permissions=["act"],
    )
    def record_acceptance(self, request, queryset):
        return self.service_form_action(
            request,
            queryset.select_related("price_change", "contract"),
            AcceptanceForm,
            lambda notice, data: price_change_accept(
                price_change=notice.price_change, contract=notice.contract, actor=request.user
            ),
            title=gettext("Record a signed amendment"),
            intro=gettext(
                "PLATFORM 7.1.2: an increase of a monthly price applies to a contract only if "
                "the customer signs the amendment before the effective date. Recorded here, the "
                "new price applies to the contract on that date. Decreases, other terms and "
                "changes already in force are refused."
            ),
            done_message=ngettext_lazy(
                "%(count)d amendment recorded.", "%(count)d amendments recorded.", "count"
            ),
        )
