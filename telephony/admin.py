"""Back office of trunks and SIP accounts: pack tables (TRK-1), trunks and their ledger, channel
orders and their payment (TRK-3), decreases (TRK-4), SIP accounts (ACC-7, CON-8), destination
groups (TRK-6). Every change goes through ``telephony.services`` (or the audited admin mixin
for the catalogue rows: pack tables and destination groups)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.admin import AuditedAdminMixin, ReadOnlyInline
from accounts.audit import audit_record, changed, snapshot
from kernel.admin import (
    ServiceRowsAdmin,
    TypedAmountsMixin,
    confirmed_form_action,
    run_each,
)
from kernel.forms import attach_errors, error_text
from kernel.inputs import typed_amount_field
from kernel.money import money
from kernel.widgets import IsoDateInput
from offers.admin import SuspendForm  # CON-8: the same reasons as contracts
from offers.admin.forms import suspension_facts
from offers.choices import Preset
from offers.models import Contract
from offers.services import paris_today
from telephony import selectors
from telephony.choices import OPEN_ORDER_STATUSES
from telephony.models import (
    ChannelDecrease,
    ChannelOrder,
    DestinationGroup,
    DestinationGroupChange,
    DestinationSetting,
    Pack,
    PackLedgerEntry,
    PackTable,
    SipAccount,
    SipDevice,
    Trunk,
)
from telephony.services.channel_decreases import channel_decrease_cancel
from telephony.services.channel_orders import channel_order_cancel, channel_order_record_payment
from telephony.services.destinations import destination_group_save
from telephony.services.pack_lines import describe, held_lines, monthly
from telephony.services.pack_prices import pack_price_change_schedule
from telephony.services.sip_accounts import (
    SIP_PRESETS,
    sip_account_create,
    sip_account_lift_suspension,
    sip_account_suspend,
    sip_account_update,
)
from telephony.services.sip_credentials import (
    sip_credentials_declare_compromised,
    sip_credentials_enable,
    sip_credentials_reset,
)
from telephony.services.trunks import trunk_create

# --- TRK-1 pack tables ------------------------------------------------------------------------


class PackForm(forms.ModelForm):
    """CON-6: an existing pack's price is never edited in place (the trunks holding it would be
    repriced without notice when their packs change): it changes through "Schedule a price
    change" on the channel packs list. A new pack's first price is set here. TRK-1: nor are its
    size and product — the trunks holding it have its channels (``trunk_capacity``) and its
    product on their lines; another size is another pack."""

    class Meta:
        model = Pack
        fields = ["channels", "monthly_price", "product", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["monthly_price"].disabled = True
            self.fields["monthly_price"].help_text = _(
                "Changed only by a scheduled price change (CON-6)."
            )
            for name in ("channels", "product"):
                self.fields[name].disabled = True


class PackInline(TypedAmountsMixin, admin.TabularInline):
    model = Pack
    form = PackForm
    extra = 0
    fields = ["channels", "monthly_price", "product", "is_active"]


PACK_FIELDS = ["channels", "monthly_price", "product_id", "is_active"]


@admin.register(PackTable)
class PackTableAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["offer", "max_channels"]
    inlines = [PackInline]
    search_fields = ["offer__name", "offer__code"]

    def save_formset(self, request, form, formset, change):
        """A pack added, withdrawn from sale or deleted changes what is sold: each one is
        audited with before/after (ACC-4), as the table itself."""
        table = form.instance
        before = {pack.pk: snapshot(pack, PACK_FIELDS) for pack in table.packs.all()}
        super().save_formset(request, form, formset, change)
        after = {pack.pk: snapshot(pack, PACK_FIELDS) for pack in table.packs.all()}
        for pk in before.keys() | after.keys():
            if pk not in after:
                old, new, verb = before[pk], {}, "delete"
            elif pk not in before:
                old, new, verb = {}, after[pk], "create"
            else:
                (old, new), verb = changed(before[pk], after[pk]), "update"
            if old or new:
                audit_record(
                    action=f"pack.{verb}",
                    instance=table,
                    actor=request.user,
                    before={"pack": pk, **old},
                    after={"pack": pk, **new},
                )


class PackPriceChangeForm(forms.Form):
    new_monthly_price = typed_amount_field(
        _("new monthly price (€ excl. VAT)"), decimal_places=4, min_value=0
    )
    effective_date = forms.DateField(
        label=_("effective date"),
        widget=IsoDateInput(),
        help_text=_("The first day of a month, at least the notice of the offer's terms away."),
    )
    reason = forms.CharField(label=_("reason"), max_length=255, required=False)
    notify_now = forms.BooleanField(
        label=_("notify the customers now"), required=False, initial=True
    )


@admin.register(Pack)
class PackAdmin(ServiceRowsAdmin):
    """TRK-1 + CON-6: the channel packs and their prices. A price changes only through the
    price change pipeline: scheduled with the notice of the offer's terms, notified, applied on
    its effective date to the trunks holding the pack at the old price (and to the table)."""

    list_display = ["table", "channels", "monthly_price", "product", "is_active"]
    list_filter = ["table", "is_active"]
    list_select_related = ["table__offer", "product"]
    fields = ["table", "channels", "monthly_price", "product", "is_active"]
    readonly_fields = fields
    actions = ["schedule_price_change"]

    @admin.action(description=_("Schedule a price change (CON-6)"), permissions=["act"])
    def schedule_price_change(self, request, queryset):
        return self.service_form_action(
            request,
            queryset,
            PackPriceChangeForm,
            lambda pack, data: pack_price_change_schedule(
                pack=pack,
                new_monthly_price=data["new_monthly_price"],
                effective_date=data["effective_date"],
                reason=data["reason"],
                notify_now=data["notify_now"],
                actor=request.user,
            ),
            title=gettext("Schedule a pack price change"),
            intro=gettext(
                "The trunks holding the pack at its current price are told and repriced on the "
                "effective date; the pack table takes the new price that day."
            ),
            done_message=ngettext_lazy(
                "%(count)d pack price change scheduled.",
                "%(count)d pack price changes scheduled.",
                "count",
            ),
        )


# --- Trunks -----------------------------------------------------------------------------------


class LedgerInline(ReadOnlyInline):
    model = PackLedgerEntry
    fields = ["effective_on", "pack", "count", "cause", "order", "decrease", "created_at"]
    readonly_fields = fields


class DecreaseInline(ReadOnlyInline):
    model = ChannelDecrease
    fields = ["status", "channels_before", "channels_to_remove", "effective_on", "created_at"]
    readonly_fields = fields


class TrunkDestinationInline(ReadOnlyInline):
    model = DestinationSetting
    fk_name = "trunk"
    fields = ["group", "blocked", "updated_at"]
    readonly_fields = fields


class TrunkCreateForm(forms.Form):
    """A trunk is set up on a TRUNK contract that has none (``trunk_create``)."""

    contract = forms.ModelChoiceField(label=_("contract"), queryset=Contract.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contract"].queryset = Contract.objects.filter(
            terms_snapshot__preset=Preset.TRUNK, trunk__isnull=True
        ).exclude(status="terminated")


def _show_secret(modeladmin, request, account, secret):
    modeladmin.message_user(
        request,
        # The username is not the message's first word: the back office capitalises the first
        # letter of a message, and a username is case-sensitive (sip… read as Sip…).
        gettext("New secret of %(user)s: %(secret)s — shown this once, note it now.")
        % {"user": account.username, "secret": secret},
        messages.WARNING,
    )


class CredentialActionsMixin:
    """ACC-7 actions shared by trunks and SIP accounts; each needs the model's change right
    (``has_act_permission``): a member of staff who may only view the accounts runs none."""

    def _new_secrets(self, request, queryset, service):
        """A new secret for each selected account, shown once; a refusal (its contract is
        terminated, CON-4/CON-5) is said for that account and the others still get theirs."""
        for account in queryset:
            try:
                account, secret = service(account=account, actor=request.user)
            except ValidationError as error:
                self.message_user(
                    request,
                    gettext("Refused for %(user)s: %(error)s")
                    % {"user": account.username, "error": error_text(error)},
                    messages.ERROR,
                )
            else:
                _show_secret(self, request, account, secret)

    @admin.action(description=_("Declare the credentials compromised (ACC-7)"), permissions=["act"])
    def declare_compromised(self, request, queryset):
        self._new_secrets(request, queryset, sip_credentials_declare_compromised)

    @admin.action(description=_("Issue a new secret"), permissions=["act"])
    def reset_credentials(self, request, queryset):
        self._new_secrets(request, queryset, sip_credentials_reset)

    @admin.action(description=_("Re-enable the credentials"), permissions=["act"])
    def enable_credentials(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda a: sip_credentials_enable(account=a, actor=request.user),
            ngettext_lazy(
                "%(count)d account re-enabled.", "%(count)d accounts re-enabled.", "count"
            ),
        )


@admin.register(Trunk)
class TrunkAdmin(CredentialActionsMixin, ServiceRowsAdmin):
    """TRK-1: trunks with their ledger, decreases and destinations. "Add" sets a trunk up on a
    TRUNK contract (``trunk_create``); its secret is shown once."""

    adds_through_service = True

    list_display = ["username", "contract", "client_name", "status", "channels", "created_at"]
    list_filter = ["status"]
    search_fields = ["username", "contract__reference", "contract__client__legal_name"]
    list_select_related = ["contract__client", "contract__offer"]
    readonly_fields = [
        "username",
        "contract",
        "status",
        "channels",
        "packs_today",
        "monthly_price_today",
        "next_renewal",
        "secret_issued_at",
        "disabled_at",
    ]
    inlines = [LedgerInline, DecreaseInline, TrunkDestinationInline]
    actions = ["declare_compromised", "reset_credentials", "enable_credentials"]

    @admin.display(description=_("customer"))
    def client_name(self, trunk):
        return trunk.contract.client

    @admin.display(description=_("channels"))
    def channels(self, trunk):
        return selectors.trunk_capacity(trunk, paris_today())

    # TRK-1 / CON-3: what the customer's page and the partner API tell of the trunk today (its
    # packs, their monthly price at the pack table's prices, the next renewal), not only the
    # ledger the staff had to add up.
    @admin.display(description=_("packs held today"))
    def packs_today(self, trunk):
        return describe(held_lines(selectors.packs_held(trunk, paris_today())))

    @admin.display(description=_("monthly price (€ excl. VAT)"))
    def monthly_price_today(self, trunk):
        return money(monthly(held_lines(selectors.packs_held(trunk, paris_today()))))

    @admin.display(description=_("next renewal"))
    def next_renewal(self, trunk):
        renewal = selectors.trunk_next_renewal(trunk.contract)
        return date_format(renewal) if renewal is not None else "—"

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = TrunkCreateForm(request.POST if request.method == "POST" else None)
        if form.is_bound and form.is_valid():
            try:
                trunk, secret = trunk_create(
                    contract=form.cleaned_data["contract"], actor=request.user
                )
            except ValidationError as error:
                attach_errors(form, error)
            else:
                _show_secret(self, request, trunk, secret)
                return redirect(self.admin_url("change", trunk.pk))
        return self.service_page(request, form, title=gettext("Add %s") % self.opts.verbose_name)


# --- TRK-3 orders, TRK-4 decreases -------------------------------------------------------------


class RecordPaymentForm(forms.Form):
    method = forms.ChoiceField(
        label=_("method"), choices=[("transfer", _("Bank transfer")), ("card", _("Card"))]
    )
    received_on = forms.DateField(label=_("received on"), initial=paris_today)
    reference = forms.CharField(label=_("reference"), max_length=80)
    amount = typed_amount_field(
        _("amount received (€ incl. VAT)"),
        min_value=None,
        required=False,
        help_text=_("Empty: the pro-rata due if activated today, VAT included."),
    )


@admin.register(ChannelOrder)
class ChannelOrderAdmin(ServiceRowsAdmin):
    list_display = [
        "reference",
        "trunk",
        "status",
        "channels_requested",
        "prorata_price",
        "amount_gross",
        "payment_method",
        "expires_on",
        "created_at",
    ]
    list_filter = ["status", "payment_method"]
    search_fields = ["reference", "trunk__username", "trunk__contract__client__legal_name"]
    list_select_related = ["trunk__contract"]
    actions = ["record_payment", "cancel"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    @admin.action(description=_("Record a payment and activate (TRK-3)…"), permissions=["act"])
    def record_payment(self, request, queryset):
        return self.service_form_action(
            request,
            queryset.filter(status__in=OPEN_ORDER_STATUSES),
            RecordPaymentForm,
            lambda order, data: channel_order_record_payment(
                order=order,
                method=data["method"],
                received_on=data["received_on"],
                reference=data["reference"],
                amount=data["amount"],
                actor=request.user,
            ),
            title=gettext("Record the payment of channel orders"),
            intro=gettext(
                "A card or transfer payment received for each order: the order is paid and its "
                "channels are active at once; the pro-rata appears as paid on the next invoice."
            ),
            done_message=ngettext_lazy(
                "%(count)d order paid; its channels are active.",
                "%(count)d orders paid; their channels are active.",
                "count",
            ),
        )

    @admin.action(description=_("Cancel"), permissions=["act"])
    def cancel(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda order: channel_order_cancel(order=order, actor=request.user),
            ngettext_lazy("%(count)d order cancelled.", "%(count)d orders cancelled.", "count"),
        )


@admin.register(ChannelDecrease)
class ChannelDecreaseAdmin(ServiceRowsAdmin):
    list_display = ["trunk", "status", "channels_before", "channels_to_remove", "effective_on"]
    list_filter = ["status"]
    search_fields = ["trunk__username", "trunk__contract__reference"]
    list_select_related = ["trunk__contract"]
    actions = ["cancel"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    @admin.action(description=_("Cancel"), permissions=["act"])
    def cancel(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda d: channel_decrease_cancel(decrease=d, actor=request.user),
            ngettext_lazy(
                "%(count)d decrease cancelled.", "%(count)d decreases cancelled.", "count"
            ),
        )


# --- SIP accounts -----------------------------------------------------------------------------


class DeviceInline(ReadOnlyInline):
    model = SipDevice
    fields = ["device_id", "user_agent", "supplied_by_reseller", "last_seen_at"]
    readonly_fields = fields


class SipDestinationInline(ReadOnlyInline):
    model = DestinationSetting
    fk_name = "sip_account"
    fields = ["group", "blocked", "updated_at"]
    readonly_fields = fields


class SipAccountCreateForm(forms.ModelForm):
    class Meta:
        model = SipAccount
        fields = ["contract", "label", "mobility"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contract"].queryset = Contract.objects.filter(
            terms_snapshot__preset__in=[p.value for p in SIP_PRESETS],
            offer__telephone_service=True,  # not an equipment rental
        ).exclude(status="terminated")


@admin.register(SipAccount)
class SipAccountAdmin(CredentialActionsMixin, admin.ModelAdmin):
    list_display = ["username", "label", "contract", "status", "mobility", "created_at"]
    list_filter = ["status", "mobility"]
    search_fields = ["username", "label", "contract__reference", "contract__client__legal_name"]
    list_select_related = ["contract__offer"]
    readonly_fields = ["username", "contract", "status", "secret_issued_at", "disabled_at"]
    fields = ["username", "contract", "label", "mobility", "status", "secret_issued_at"]
    inlines = [DeviceInline, SipDestinationInline]
    actions = [
        "declare_compromised",
        "reset_credentials",
        "enable_credentials",
        "suspend",
        "lift_suspension",
    ]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = SipAccountCreateForm
            kwargs["fields"] = ["contract", "label", "mobility"]
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        return ["contract", "label", "mobility"] if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_inlines(self, request, obj):
        return [] if obj is None else self.inlines

    def has_delete_permission(self, request, obj=None):
        return False

    def has_act_permission(self, request) -> bool:
        return self.has_change_permission(request)

    def save_model(self, request, obj, form, change):
        if change:
            sip_account_update(
                account=obj, label=obj.label, mobility=obj.mobility, actor=request.user
            )
            return
        account, secret = sip_account_create(
            contract=obj.contract, label=obj.label, mobility=obj.mobility, actor=request.user
        )
        obj.pk = account.pk
        obj.refresh_from_db()
        _show_secret(self, request, account, secret)

    @admin.action(description=_("Suspend (CON-8)…"), permissions=["act"])
    def suspend(self, request, queryset):
        """CON-8: the reason, then a confirmation of what stops for whom (each customer, its
        SIP account) and why; only its confirmation suspends, once."""
        accounts = list(queryset.select_related("contract__client").order_by("pk"))
        question = ngettext(
            "Suspend the service of %(count)d SIP account?",
            "Suspend the service of %(count)d SIP accounts?",
            len(accounts),
        ) % {"count": len(accounts)}
        return confirmed_form_action(
            self,
            request,
            accounts,
            SuspendForm,
            confirm=lambda data: suspension_facts(
                question,
                [(a.contract.client, f"{a.username} ({a.contract.reference})") for a in accounts],
                data,
            ),
            title=gettext("Suspend SIP accounts"),
            intro=gettext(
                "The customer is notified. A suspended account keeps being billed (CON-8)."
            ),
            call=lambda a, data: sip_account_suspend(
                account=a,
                reason=data["reason"],
                note=data["note"],
                actor=request.user,
            ),
            done=ngettext_lazy(
                "%(count)d SIP account suspended; the customer is notified.",
                "%(count)d SIP accounts suspended; the customers are notified.",
                "count",
            ),
        )

    @admin.action(description=_("Lift the suspension"), permissions=["act"])
    def lift_suspension(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda a: sip_account_lift_suspension(account=a, actor=request.user),
            ngettext_lazy("%(count)d suspension lifted.", "%(count)d suspensions lifted.", "count"),
        )


# --- TRK-6 destination groups -------------------------------------------------------------------


class DestinationGroupChangeInline(ReadOnlyInline):
    """TRK-6: what each change of the group replaced; past calls are rated with it."""

    model = DestinationGroupChange
    fields = ["at", "blocked_by_default_before", "prefixes_before", "position_before"]


@admin.register(DestinationGroup)
class DestinationGroupAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "code", "blocked_by_default", "position"]
    list_editable = ["position"]
    search_fields = ["name", "code"]
    inlines = [DestinationGroupChangeInline]

    def save_model(self, request, obj, form, change):
        # TRK-6: audited and kept in the group's history, by the service
        destination_group_save(group=obj, actor=request.user)
