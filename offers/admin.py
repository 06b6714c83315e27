"""Back office of the catalogue (CON-1) and of contracts (CON-2..8, ACC-6).

Staff edit terms, products and offers directly (audited, ACC-4). A contract's status is never a
field: it moves only through the services, called here by admin actions.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.admin import AuditedAdminMixin, ReadOnlyInline
from accounts.audit import audit_record, changed, snapshot
from kernel.admin import ServiceRowsAdmin, action_form, form_action, run_each
from offers import services
from offers.choices import (
    ContractStatus,
    Preset,
    ProductKind,
    SuspensionReason,
    TerminationStatus,
)
from offers.models import (
    Contract,
    ContractEvent,
    ContractLine,
    Offer,
    Product,
    Renewal,
    Suspension,
    Termination,
    Terms,
)

SNAPSHOT_NOTE = _(
    "Editing these terms never changes signed contracts: each contract keeps the terms it was "
    "signed with (its terms snapshot, CON-1/CON-6). New contracts take the terms as they are."
)


# --- Catalogue ------------------------------------------------------------------------------


@admin.register(Terms)
class TermsAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "preset",
        "is_preset",
        "anchor",
        "initial_months",
        "renewal_months",
        "notice_rule",
        "notice_months",
        "fee_rule",
        "sla_policy",
    ]
    list_filter = ["is_preset", "preset", "anchor", "notice_rule", "fee_rule", "sla_policy"]
    search_fields = ["name", "offer__code", "offer__name"]
    readonly_fields = ["is_preset", "used_by"]
    fieldsets = [
        (
            None,
            {"fields": ["name", "preset", "is_preset", "used_by"], "description": SNAPSHOT_NOTE},
        ),
        (_("Commitment periods"), {"fields": ["anchor", "initial_months", "renewal_months"]}),
        (
            _("Notice and termination fees"),
            {"fields": ["notice_rule", "notice_months", "fee_rule", "minimum_monthly_commitment"]},
        ),
        (_("Billing"), {"fields": ["subscription_timing", "consumption_timing", "first_month"]}),
        (
            _("Service level and support"),
            {
                "fields": [
                    "sla_policy",
                    "support_days",
                    "support_start",
                    "support_end",
                    "intervention_business_hours",
                    "restoration_target_hours",
                    "restoration_in_business_hours",
                ]
            },
        ),
        (_("Fair use"), {"fields": ["fair_use_policy"]}),
    ]

    @admin.display(description=_("used by"))
    def used_by(self, terms):
        if terms.is_preset:
            return gettext("Reference terms of the preset: copied into new offers.")
        offer = Offer.objects.filter(terms=terms).first()
        if offer is None:
            return "—"
        url = reverse("admin:offers_offer_change", args=[offer.pk])
        return format_html('<a href="{}">{}</a>', url, offer)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_preset:
            return False  # a preset's reference terms are what new offers are built from
        return super().has_delete_permission(request, obj)


@admin.register(Product)
class ProductAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "kind",
        "unit",
        "setup_price",
        "monthly_price",
        "price_on_quote",
        "is_active",
    ]
    list_filter = ["kind", "price_on_quote", "is_active"]
    search_fields = ["code", "name", "unit"]


class OfferFromPresetForm(forms.Form):
    preset = forms.ChoiceField(label=_("preset"), choices=Preset.choices)
    code = forms.SlugField(label=_("code"), max_length=40)
    name = forms.CharField(label=_("name"), max_length=120)
    main_product = forms.ModelChoiceField(
        label=_("main product"),
        queryset=Product.objects.filter(kind=ProductKind.MAIN, is_active=True),
    )

    def clean_code(self):
        code = self.cleaned_data["code"]
        if Offer.objects.filter(code=code).exists():
            raise ValidationError(_("An offer with this code already exists."))
        return code


@admin.register(Offer)
class OfferAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "preset", "main_product", "terms", "is_active"]
    list_filter = ["preset", "is_active"]
    search_fields = ["code", "name", "main_product__code", "main_product__name"]
    list_select_related = ["main_product", "terms"]
    autocomplete_fields = ["main_product"]
    filter_horizontal = ["options"]
    readonly_fields = ["terms_link"]
    fieldsets = [
        (None, {"fields": ["code", "name", "preset", "description", "is_active"]}),
        (_("Products"), {"fields": ["main_product", "options"]}),
        (_("Terms"), {"fields": ["terms", "terms_link"], "description": SNAPSHOT_NOTE}),
    ]

    def get_readonly_fields(self, request, obj=None):
        # An offer keeps its own terms row: they are edited, never swapped for another's.
        return [*self.readonly_fields, "terms"] if obj is not None else self.readonly_fields

    @admin.display(description=_("edit the terms"))
    def terms_link(self, offer):
        if offer.pk is None:
            return "—"
        url = reverse("admin:offers_terms_change", args=[offer.terms_id])
        return format_html('<a href="{}">{}</a>', url, gettext("Change these terms"))

    def get_urls(self):
        return [
            path(
                "from-preset/",
                self.admin_site.admin_view(self.from_preset_view),
                name="offers_offer_from_preset",
            ),
            *super().get_urls(),
        ]

    def from_preset_view(self, request):
        """CON-1: a new offer whose terms start as a copy of the preset's reference terms."""
        if not self.has_add_permission(request):
            return redirect("admin:offers_offer_changelist")
        form = OfferFromPresetForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            offer = services.offer_create_from_preset(**form.cleaned_data, actor=request.user)
            self.message_user(
                request,
                gettext("Offer %(offer)s created from the preset: adjust its terms if needed.")
                % {"offer": offer},
                messages.SUCCESS,
            )
            return redirect("admin:offers_offer_change", offer.pk)
        return render(
            request,
            "admin/offers/offer/from_preset.html",
            {
                **self.admin_site.each_context(request),
                "title": gettext("Create an offer from a preset"),
                "form": form,
                "opts": self.model._meta,
            },
        )


# --- Contracts ------------------------------------------------------------------------------


class ContractLineInline(admin.TabularInline):
    """Lines can be corrected while the contract is a draft or ordered; read-only once the
    service started (the prices agreed are what was signed)."""

    model = ContractLine
    extra = 0
    fields = [
        "product",
        "quantity",
        "unit_setup_price",
        "unit_monthly_price",
        "started_on",
        "ended_on",
    ]
    readonly_fields = ["started_on", "ended_on"]
    autocomplete_fields = ["product"]

    @staticmethod
    def _editable(obj) -> bool:
        return obj is not None and obj.status in {ContractStatus.DRAFT, ContractStatus.ORDERED}

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)


class RenewalInline(ReadOnlyInline):
    model = Renewal
    fields = ["period_start", "period_end", "created_at"]
    readonly_fields = fields


class TerminationInline(ReadOnlyInline):
    model = Termination
    fields = [
        "status",
        "reason",
        "notice_date",
        "requested_date",
        "effective_date",
        "fee_rule",
        "fee_start",
        "fee_amount",
        "cancelled_at",
    ]
    readonly_fields = fields
    show_change_link = True


class SuspensionInline(ReadOnlyInline):
    model = Suspension
    fields = ["reason", "note", "started_at", "started_by", "lifted_at", "lifted_by"]
    readonly_fields = fields


class ContractEventInline(ReadOnlyInline):
    model = ContractEvent
    fields = ["created_at", "from_status", "to_status", "note", "actor", "api_key"]
    readonly_fields = fields


class InactiveFilter(admin.SimpleListFilter):
    """ACC-6: contracts flagged for six months without traffic."""

    title = _("inactive")
    parameter_name = "inactive"

    def lookups(self, request, model_admin):
        return [("yes", _("Flagged inactive")), ("no", _("Not flagged"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(inactive_flagged_on__isnull=False)
        if self.value() == "no":
            return queryset.filter(inactive_flagged_on__isnull=True)
        return queryset


class SuspendForm(forms.Form):
    reason = forms.ChoiceField(label=_("reason"), choices=SuspensionReason.choices)
    note = forms.CharField(label=_("note"), max_length=300, required=False)


class TrialForm(forms.Form):
    ends_on = forms.DateField(
        label=_("trial ends on"),
        help_text=_("Traffic before this day is rated but never invoiced (CON-7)."),
    )


class TrafficForm(forms.Form):
    day = forms.DateField(label=_("last day with traffic"))


@admin.register(Contract)
class ContractAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = [
        "reference",
        "client",
        "offer",
        "status",
        "current_period",
        "is_trial",
        "inactive",
        "last_traffic_on",
    ]
    list_filter = [
        "status",
        "offer__preset",
        "client__partner",
        "is_trial",
        InactiveFilter,
    ]
    search_fields = ["reference", "client__legal_name", "client__siren", "purchase_order_ref"]
    list_select_related = ["client", "offer"]
    date_hierarchy = "signature_date"
    fieldsets = [
        (None, {"fields": ["reference", "client", "site", "offer", "status"]}),
        (
            _("Dates and periods"),
            {
                "fields": [
                    "signature_date",
                    "order_date",
                    "service_start_date",
                    "current_period",
                    "next_renewal",
                ]
            },
        ),
        (_("Order"), {"fields": ["purchase_order_ref", "sla_applicable"]}),
        (
            _("Trial and activity"),
            {"fields": ["is_trial", "trial_ends_on", "last_traffic_on", "inactive_flagged_on"]},
        ),
        (_("Terms signed"), {"fields": ["terms_table"], "description": SNAPSHOT_NOTE}),
        (_("Pipeline"), {"fields": ["ordered_at", "activated_at", "terminated_at"]}),
    ]
    # Everything the services own is read-only; staff may correct the order details only.
    readonly_fields = [
        "reference",
        "client",
        "site",
        "offer",
        "status",
        "signature_date",
        "order_date",
        "service_start_date",
        "current_period",
        "next_renewal",
        "is_trial",
        "trial_ends_on",
        "last_traffic_on",
        "inactive_flagged_on",
        "terms_table",
        "ordered_at",
        "activated_at",
        "terminated_at",
    ]
    inlines = [
        ContractLineInline,
        RenewalInline,
        TerminationInline,
        SuspensionInline,
        ContractEventInline,
    ]
    actions = [
        "order",
        "activate",
        "suspend",
        "lift_suspension",
        "grant_trial",
        "end_trial",
        "record_traffic",
    ]

    def has_add_permission(self, request):
        # Contracts are created by contract_create (terms copied, lines priced): from the
        # portal or the API, never as a bare row.
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # terminated, never deleted (invoices and history point to them)

    # --- display ---

    @admin.display(description=_("current period"))
    def current_period(self, contract):
        if contract.current_period_start is None or contract.current_period_end is None:
            return "—"
        start, end = contract.current_period_start, contract.current_period_end
        return f"{date_format(start)} → {date_format(end)}"

    @admin.display(description=_("next renewal"))
    def next_renewal(self, contract):
        end = contract.current_period_end
        if end is None or contract.status == ContractStatus.TERMINATED:
            return "—"
        if contract.terminations.filter(
            status=TerminationStatus.SCHEDULED, effective_date__lte=end
        ).exists():
            return gettext("none: a termination takes effect before")
        return date_format(end)

    @admin.display(description=_("inactive"), boolean=True)
    def inactive(self, contract):
        return contract.inactive_flagged_on is not None

    @admin.display(description=_("terms signed"))
    def terms_table(self, contract):
        rows = []
        for name, value in (contract.terms_snapshot or {}).items():
            try:
                field = Terms._meta.get_field(name)
            except FieldDoesNotExist:  # a key of an older snapshot: shown as stored
                rows.append((name, value))
                continue
            label = dict(field.choices).get(value, value) if field.choices else value
            if value is None or value == "":
                label = "—"
            elif isinstance(value, bool):
                label = gettext("yes") if value else gettext("no")
            rows.append((field.verbose_name, label))
        if not rows:
            return "—"
        return format_html(
            '<table class="terms-snapshot">{}</table>',
            format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows),
        )

    # --- actions: every one calls a service ---

    @admin.action(description=_("Order the selected contracts"), permissions=["change"])
    def order(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda c: services.contract_order(contract=c, actor=request.user),
            gettext("%(count)d contract(s) ordered."),
        )

    @admin.action(description=_("Activate (service starts today)"), permissions=["change"])
    def activate(self, request, queryset):
        today = services.paris_today()
        run_each(
            self,
            request,
            queryset,
            lambda c: services.contract_activate(
                contract=c, service_start_date=today, actor=request.user
            ),
            gettext("%(count)d contract(s) activated."),
        )

    @admin.action(description=_("Suspend (CON-8)…"), permissions=["change"])
    def suspend(self, request, queryset):
        return form_action(
            self,
            request,
            queryset,
            SuspendForm,
            title=gettext("Suspend contracts"),
            intro=gettext(
                "The customer is notified. A suspended contract keeps being billed for its "
                "subscriptions."
            ),
            call=lambda c, data: services.contract_suspend(
                contract=c,
                reason=data["reason"],
                note=data["note"],
                actor=request.user,
            ),
            done=gettext("%(count)d contract(s) suspended; the customers are notified."),
        )

    @admin.action(description=_("Lift the suspension"), permissions=["change"])
    def lift_suspension(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda c: services.contract_lift_suspension(contract=c, actor=request.user),
            gettext("%(count)d suspension(s) lifted."),
        )

    @admin.action(description=_("Grant a trial (CON-7)…"), permissions=["change"])
    def grant_trial(self, request, queryset):
        return form_action(
            self,
            request,
            queryset,
            TrialForm,
            title=gettext("Grant a free trial"),
            intro=gettext("Trial traffic is rated but never invoiced."),
            call=lambda c, data: services.contract_set_trial(
                contract=c, ends_on=data["ends_on"], actor=request.user
            ),
            done=gettext("Trial granted on %(count)d contract(s)."),
        )

    @admin.action(description=_("End the trial"), permissions=["change"])
    def end_trial(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda c: services.contract_set_trial(contract=c, ends_on=None, actor=request.user),
            gettext("Trial ended on %(count)d contract(s)."),
        )

    @admin.action(description=_("Record the last traffic date (ACC-6)…"), permissions=["change"])
    def record_traffic(self, request, queryset):
        return form_action(
            self,
            request,
            queryset,
            TrafficForm,
            title=gettext("Record the last traffic date"),
            intro=gettext(
                "A contract without traffic for six months is flagged inactive; a later date "
                "clears the flag."
            ),
            call=lambda c, data: services.contract_record_traffic(
                contract=c, day=data["day"], actor=request.user
            ),
            done=gettext("Last traffic recorded on %(count)d contract(s)."),
        )

    def save_formset(self, request, form, formset, change):
        """Line corrections change money: each one is audited with before/after (ACC-4)."""
        if formset.model is not ContractLine:
            return super().save_formset(request, form, formset, change)
        contract = form.instance
        fields = ["product_id", "quantity", "unit_setup_price", "unit_monthly_price"]
        before = {line.pk: snapshot(line, fields) for line in contract.lines.all()}
        super().save_formset(request, form, formset, change)
        after = {line.pk: snapshot(line, fields) for line in contract.lines.all()}
        for pk in before.keys() | after.keys():
            old, new = changed(before.get(pk, {}), after.get(pk, {}))
            if pk not in after:
                old, new, verb = before[pk], {}, "delete"
            elif pk not in before:
                verb = "create"
            else:
                verb = "update"
            if old or new:
                audit_record(
                    action=f"contractline.{verb}",
                    instance=contract,
                    actor=request.user,
                    before={"line": pk, **old},
                    after={"line": pk, **new},
                )


# --- Terminations and suspensions -----------------------------------------------------------


class OpenSuspensionFilter(admin.SimpleListFilter):
    title = _("open")
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("yes", _("Open")), ("no", _("Lifted"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(lifted_at__isnull=True)
        if self.value() == "no":
            return queryset.filter(lifted_at__isnull=False)
        return queryset


@admin.register(Termination)
class TerminationAdmin(ServiceRowsAdmin):
    list_display = [
        "contract",
        "client",
        "status",
        "reason",
        "notice_date",
        "effective_date",
        "fee_rule",
        "fee_amount",
    ]
    list_filter = [
        "status",
        "reason",
        "fee_rule",
        ("effective_date", admin.DateFieldListFilter),
        "contract__client__partner",
    ]
    search_fields = [
        "contract__reference",
        "contract__client__legal_name",
        "contract__client__siren",
    ]
    list_select_related = ["contract__client", "contract__offer"]
    date_hierarchy = "effective_date"
    fields = [
        "contract",
        "status",
        "reason",
        "notice_at",
        "notice_date",
        "requested_date",
        "effective_date",
        "fee_rule",
        "fee_start",
        "fee_amount",
        "breakdown",
        "previous_status",
        "requested_by",
        "requested_by_api_key",
        "cancelled_at",
        "cancelled_by",
        "applied_at",
    ]
    readonly_fields = fields
    actions = ["cancel"]

    @admin.display(description=_("customer"), ordering="contract__client__legal_name")
    def client(self, termination):
        return termination.contract.client

    @admin.display(description=_("fee breakdown"))
    def breakdown(self, termination):
        if not termination.fee_breakdown:
            return "—"
        return format_html(
            "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
            gettext("line"),
            gettext("months"),
            gettext("rate (%)"),
            gettext("monthly base (€ HT)"),
            gettext("amount (€ HT)"),
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                (
                    (
                        line["label"],
                        line["months"],
                        line["rate_percent"],
                        line["monthly_base"],
                        line["amount"],
                    )
                    for line in termination.fee_breakdown
                ),
            ),
        )

    @admin.action(description=_("Cancel the selected terminations"), permissions=["act"])
    def cancel(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda t: services.termination_cancel(termination=t, actor=request.user),
            gettext("%(count)d termination(s) cancelled."),
        )


@admin.register(Suspension)
class SuspensionAdmin(ServiceRowsAdmin):
    list_display = [
        "contract",
        "client",
        "reason",
        "started_at",
        "started_by",
        "lifted_at",
        "lifted_by",
        "is_open",
    ]
    list_filter = ["reason", OpenSuspensionFilter, ("started_at", admin.DateFieldListFilter)]
    search_fields = [
        "contract__reference",
        "contract__client__legal_name",
        "contract__client__siren",
        "note",
    ]
    list_select_related = ["contract__client", "contract__offer", "started_by", "lifted_by"]
    fields = ["contract", "reason", "note", "started_at", "started_by", "lifted_at", "lifted_by"]
    readonly_fields = fields
    actions = ["lift"]

    @admin.display(description=_("customer"), ordering="contract__client__legal_name")
    def client(self, suspension):
        return suspension.contract.client

    @admin.display(description=_("open"), boolean=True)
    def is_open(self, suspension):
        return suspension.lifted_at is None

    @admin.action(description=_("Lift the selected suspensions"), permissions=["act"])
    def lift(self, request, queryset):
        run_each(
            self,
            request,
            queryset.filter(lifted_at__isnull=True).select_related("contract"),
            lambda s: services.contract_lift_suspension(contract=s.contract, actor=request.user),
            gettext("%(count)d suspension(s) lifted."),
        )


# --- Price changes (CON-6) ------------------------------------------------------------------
# Appended by the payments work (issue 5); its imports stay here to leave the rest untouched.

from django.core.exceptions import PermissionDenied  # noqa: E402

from kernel.forms import attach_errors  # noqa: E402
from offers.choices import PriceChangeStatus  # noqa: E402
from offers.models import PriceChange  # noqa: E402


class PriceChangeForm(forms.Form):
    offer = forms.ModelChoiceField(label=_("offer"), queryset=Offer.objects.order_by("name"))
    product = forms.ModelChoiceField(
        label=_("product"),
        queryset=Product.objects.order_by("name"),
        help_text=_("The offer's main product or one of its options."),
    )
    new_monthly_price = forms.DecimalField(
        label=_("new monthly price (€ HT)"), max_digits=12, decimal_places=4, min_value=0
    )
    effective_date = forms.DateField(
        label=_("effective date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The first day of a month, at least 7 days away."),
    )
    reason = forms.CharField(label=_("reason"), max_length=255, required=False)


@admin.register(PriceChange)
class PriceChangeAdmin(ServiceRowsAdmin):
    """CON-6: scheduled price changes. "Add" schedules one through
    ``services.price_change_schedule`` (the affected customers are e-mailed at once); a
    scheduled change is cancelled by an action, before its effective date."""

    list_display = [
        "offer",
        "product",
        "new_monthly_price",
        "effective_date",
        "status",
        "notified_at",
        "notified_contracts",
        "created_by",
    ]
    list_filter = ["status", "offer"]
    search_fields = ["offer__name", "offer__code", "product__name", "product__code", "reason"]
    list_select_related = ["offer", "product", "created_by"]
    fields = [
        "offer",
        "product",
        "new_monthly_price",
        "effective_date",
        "status",
        "reason",
        "notified_at",
        "notified_contracts",
        "refused_by",
        "created_by",
    ]
    readonly_fields = fields
    actions = ["cancel"]

    adds_through_service = True

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = PriceChangeForm(request.POST if request.method == "POST" else None)
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            try:
                change = services.price_change_schedule(
                    offer=data["offer"],
                    product=data["product"],
                    new_monthly_price=data["new_monthly_price"],
                    effective_date=data["effective_date"],
                    reason=data["reason"],
                    actor=request.user,
                )
            except ValidationError as error:
                attach_errors(form, error)
            else:
                self.message_user(
                    request,
                    gettext("Price change scheduled; %(count)d contract(s) notified.")
                    % {"count": change.notified_contracts},
                    messages.SUCCESS,
                )
                return redirect("admin:offers_pricechange_change", change.pk)
        return action_form(
            self,
            request,
            [],
            form=form,
            title=gettext("Schedule a price change"),
            intro=gettext(
                "Affected customers are e-mailed at once; HOSTED-A customers facing an increase "
                "may refuse it and terminate without fees with 30 days' notice."
            ),
        )

    @admin.action(description=_("Cancel the selected price changes"), permissions=["act"])
    def cancel(self, request, queryset):
        run_each(
            self,
            request,
            queryset.filter(status=PriceChangeStatus.SCHEDULED),
            lambda change: services.price_change_cancel(price_change=change, actor=request.user),
            gettext("%(count)d price change(s) cancelled."),
        )
