"""Back office of contracts (CON-2..8, ACC-6). A contract's status is never a field: it moves
only through the services, called here by admin actions; staff may correct the order details
and, before service starts, the lines (audited, ACC-4)."""

from decimal import Decimal
from functools import partial

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import FieldDoesNotExist
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.admin import AuditedAdminMixin, ReadOnlyInline
from accounts.audit import audit_record, changed, snapshot
from kernel.admin import TypedAmountsMixin, confirmed_form_action, form_action, run_each
from kernel.clock import paris_today
from kernel.inputs import MAX_QUANTITY
from kernel.money import money_number
from offers.admin.catalogue import SNAPSHOT_NOTE
from offers.admin.forms import SuspendForm, TrafficForm, TrialForm, suspension_facts
from offers.admin.increases import accept_increases, refuse_increases
from offers.choices import ContractStatus, QuantityChangeStatus, TerminationStatus
from offers.models import (
    Contract,
    ContractEvent,
    ContractLine,
    LineQuantityChange,
    Renewal,
    Suspension,
    Termination,
    Terms,
)
from offers.services.contracts import contract_activate, contract_order
from offers.services.inactivity import contract_record_traffic
from offers.services.quantities import (
    line_quantity_change,
    line_quantity_decrease_cancel,
)
from offers.services.suspensions import contract_lift_suspension, contract_suspend
from offers.services.trials import contract_set_trial


def _amounts(change) -> tuple[str, str]:
    """A change's pro rata and setup as the page's language writes them (« 116,13 »); none for
    an increase asked or refused (PLATFORM 28: computed only when accepted)."""
    if change.status in (QuantityChangeStatus.REQUESTED, QuantityChangeStatus.REFUSED):
        return "—", "—"
    return money_number(change.prorata_amount), money_number(change.setup_amount)


class ContractLineInline(TypedAmountsMixin, admin.TabularInline):
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


class LineQuantityAdminForm(forms.Form):
    """CON-2: a line of the contract and its new quantity (the action's intermediate page)."""

    line = forms.ModelChoiceField(label=_("Line"), queryset=ContractLine.objects.none())
    quantity = forms.IntegerField(label=_("New quantity"), min_value=0, max_value=MAX_QUANTITY)

    def __init__(self, *args, contract, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].queryset = contract.lines.filter(ended_on__isnull=True).select_related(
            "product"
        )


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


class RequestedIncreaseFilter(admin.SimpleListFilter):
    """PLATFORM 28 / 7.2.1: contracts with more units asked, awaiting our acceptance."""

    title = _("increase asked")
    parameter_name = "increase_asked"

    def lookups(self, request, model_admin):
        return [("yes", _("Awaiting our acceptance"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(
                quantity_changes__status=QuantityChangeStatus.REQUESTED
            ).distinct()
        return queryset


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
        RequestedIncreaseFilter,
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
        (_("Quantity changes (CON-2)"), {"fields": ["quantity_changes_table"]}),
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
        "quantity_changes_table",
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
        "change_line_quantity",
        "cancel_quantity_decreases",
        "accept_quantity_increases",
        "refuse_quantity_increases",
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

    @admin.display(description=_("quantity changes"))
    def quantity_changes_table(self, contract):
        """CON-2: the changes of the lines' quantities, newest first (changed by an action)."""
        changes = list(
            LineQuantityChange.objects.filter(contract=contract).select_related(
                "line__product", "requested_by"
            )
        )
        if not changes:
            return "—"
        rows = [
            (
                change.line.product.name,
                change.get_kind_display(),
                change.get_status_display(),
                f"{change.quantity_before} → {change.quantity_after}",
                date_format(change.effective_on),
                *_amounts(change),
                change.requested_by or "—",
            )
            for change in changes
        ]
        return format_html(
            '<table class="quantity-changes"><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th>'
            "<th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
            gettext("Line"),
            gettext("Kind"),
            gettext("Status"),
            gettext("Quantity"),
            gettext("Effective on"),
            gettext("Pro rata (€ excl. VAT)"),
            gettext("Setup (€ excl. VAT)"),
            gettext("Requested by"),
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                "<td>{}</td><td>{}</td></tr>",
                rows,
            ),
        )

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
            elif field.get_internal_type() == "DecimalField":  # stored as text: « 1 234,50 »
                label = money_number(Decimal(value), field.decimal_places)
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
            lambda c: contract_order(contract=c, actor=request.user),
            ngettext_lazy("%(count)d contract ordered.", "%(count)d contracts ordered.", "count"),
        )

    @admin.action(description=_("Activate (service starts today)"), permissions=["change"])
    def activate(self, request, queryset):
        today = paris_today()
        run_each(
            self,
            request,
            queryset,
            lambda c: contract_activate(contract=c, service_start_date=today, actor=request.user),
            ngettext_lazy(
                "%(count)d contract activated.", "%(count)d contracts activated.", "count"
            ),
        )

    @admin.action(description=_("Suspend (CON-8)…"), permissions=["change"])
    def suspend(self, request, queryset):
        """CON-8: the reason, then a confirmation of what stops for whom (each customer, its
        contract) and why; only its confirmation suspends, once."""
        contracts = list(queryset.select_related("client", "offer").order_by("pk"))
        question = ngettext(
            "Suspend the service of %(count)d contract?",
            "Suspend the service of %(count)d contracts?",
            len(contracts),
        ) % {"count": len(contracts)}
        targets = [(c.client, f"{c.reference} — {c.offer}") for c in contracts]
        return confirmed_form_action(
            self,
            request,
            contracts,
            SuspendForm,
            confirm=lambda data: suspension_facts(question, targets, data),
            title=gettext("Suspend contracts"),
            intro=gettext(
                "The customer is notified. A suspended contract keeps being billed for its "
                "subscriptions."
            ),
            call=lambda c, data: contract_suspend(
                contract=c,
                reason=data["reason"],
                note=data["note"],
                actor=request.user,
            ),
            done=ngettext_lazy(
                "%(count)d contract suspended; the customer is notified.",
                "%(count)d contracts suspended; the customers are notified.",
                "count",
            ),
        )

    @admin.action(description=_("Lift the suspension"), permissions=["change"])
    def lift_suspension(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda c: contract_lift_suspension(contract=c, actor=request.user),
            ngettext_lazy("%(count)d suspension lifted.", "%(count)d suspensions lifted.", "count"),
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
            call=lambda c, data: contract_set_trial(
                contract=c, ends_on=data["ends_on"], actor=request.user
            ),
            done=ngettext_lazy(
                "Trial granted on %(count)d contract.",
                "Trial granted on %(count)d contracts.",
                "count",
            ),
        )

    @admin.action(description=_("End the trial"), permissions=["change"])
    def end_trial(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda c: contract_set_trial(contract=c, ends_on=None, actor=request.user),
            ngettext_lazy(
                "Trial ended on %(count)d contract.", "Trial ended on %(count)d contracts.", "count"
            ),
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
            call=lambda c, data: contract_record_traffic(
                contract=c, day=data["day"], actor=request.user
            ),
            done=ngettext_lazy(
                "Last traffic recorded on %(count)d contract.",
                "Last traffic recorded on %(count)d contracts.",
                "count",
            ),
        )

    @admin.action(description=_("Change a line's quantity (CON-2)…"), permissions=["change"])
    def change_line_quantity(self, request, queryset):
        contracts = list(queryset[:2])
        if len(contracts) != 1:
            self.message_user(
                request, gettext("Select one contract to change a line's quantity."), messages.ERROR
            )
            return None
        return form_action(
            self,
            request,
            queryset,
            partial(LineQuantityAdminForm, contract=contracts[0]),
            title=gettext("Change a line's quantity"),
            intro=gettext(
                "More units take effect today: the added units are charged pro rata by days for "
                "the rest of the month (with their setup fee) on the next invoice. Fewer units "
                "take effect at the contract's next period start, until then cancellable. Trunk "
                "channels change through channel orders."
            ),
            call=lambda contract, data: line_quantity_change(
                line=data["line"], quantity=data["quantity"], actor=request.user
            ),
            done=ngettext_lazy(
                "Quantity changed on %(count)d contract.",
                "Quantity changed on %(count)d contracts.",
                "count",
            ),
        )

    @admin.action(description=_("Cancel the pending quantity decreases"), permissions=["change"])
    def cancel_quantity_decreases(self, request, queryset):
        pending = LineQuantityChange.objects.filter(
            contract__in=queryset, status=QuantityChangeStatus.PENDING
        ).select_related("line__product")
        if not pending.exists():
            self.message_user(
                request,
                gettext("No quantity decrease is pending on these contracts."),
                messages.INFO,
            )
            return
        run_each(
            self,
            request,
            pending,
            lambda change: line_quantity_decrease_cancel(change=change, actor=request.user),
            ngettext_lazy(
                "%(count)d quantity decrease cancelled.",
                "%(count)d quantity decreases cancelled.",
                "count",
            ),
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

    def _requested(self, request, queryset):
        requested = LineQuantityChange.objects.filter(
            contract__in=queryset, status=QuantityChangeStatus.REQUESTED
        ).select_related("line__product")
        if not requested.exists():
            self.message_user(
                request,
                gettext("No quantity increase awaits our acceptance on these contracts."),
                messages.INFO,
            )
            return None
        return requested

    @admin.action(
        description=_("Accept the quantity increases asked (PLATFORM 28)…"), permissions=["change"]
    )
    def accept_quantity_increases(self, request, queryset):
        """PLATFORM 28 / 7.2.1: applied today, the added units billed pro rata from today,
        after a page that shows what each acceptance bills (``offers.admin.increases``)."""
        requested = self._requested(request, queryset)
        if requested is not None:
            return accept_increases(self, request, queryset, requested)
        return None

    @admin.action(
        description=_("Refuse the quantity increases asked (PLATFORM 28)…"), permissions=["change"]
    )
    def refuse_quantity_increases(self, request, queryset):
        """PLATFORM 28 / 7.2.1: after a page asking for the reason the customer reads."""
        requested = self._requested(request, queryset)
        if requested is not None:
            return refuse_increases(self, request, queryset, requested)
        return None
