"""Back office of the money side of usage (usurf): fair-use breaches and their waivers (USE-4),
platform limit breaches (USE-5), traffic quality per customer and hour (USE-6), penalties
(USE-7), consumption thresholds and alerts. Imports and tariffs are in ``usage.admin``.

Imported by ``UsageConfig.ready``."""

import mimetypes
from pathlib import PurePosixPath

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.formats import date_format, number_format
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Client
from billing import services as billing
from kernel.admin import (
    MonthListFilter,
    ServiceRowsAdmin,
    confirmed_form_action,
    credit_note_facts,
    file_download,
)
from kernel.inputs import typed_amount_field
from kernel.money import ZERO, money, money_number, round_money
from kernel.templatetags.hours import hour_slot
from offers.models import Contract
from usage.choices import BreachStatus
from usage.models import (
    ConsumptionAlert,
    ConsumptionThreshold,
    FairUseBreach,
    LimitBreach,
    Penalty,
    QualityHour,
)
from usage.models.money import QUALITY_MEASURES
from usage.money_choices import (
    PENALTY_AMOUNTS,
    TYPED_AMOUNT_PENALTIES,
    PenaltyKind,
    PenaltyStatus,
    QualityMetric,
)
from usage.services import billing as usage_billing
from usage.services import penalties
from usage.services.quality import measure_display

# A customer is found by its legal name or its SIREN (``Client`` has no ``name``: searching
# "client__name" failed every search of these lists with a server error).
CLIENT_SEARCH = ["client__legal_name", "=client__siren"]


class HourColumn:
    """A UTC hour of traffic shown in Paris time, as the customer reads it ("3 novembre 2026,
    14h–15h"): the field stores the UTC hour, and Django shows datetimes in Paris time anyway,
    under a label that said "(UTC)"."""

    @admin.display(description=_("hour (Paris time)"), ordering="hour")
    def hour_display(self, row):
        return hour_slot(row.hour)


class MonthColumn:
    """A month shown as one ("novembre 2026"), not as its first day ("1er novembre 2026")."""

    @admin.display(description=_("month"), ordering="month")
    def month_display(self, row):
        return date_format(row.month, "F Y")


class WaiveForm(forms.Form):
    note = forms.CharField(label=_("Reason of the waiver"), max_length=300)


def _waiver_facts(breaches) -> tuple[str, list[tuple[str, str]]]:
    """BIL-9: what waiving ``breaches`` issues, stated before anything moves: for each, the
    customer and the credit notes of what was invoiced because of it (excl. VAT, VAT at the
    invoice's rates, incl. VAT, the invoice corrected), or that nothing was invoiced yet."""
    facts, total = [], ZERO
    for breach in breaches:
        facts += [(gettext("Customer"), str(breach.client)), (gettext("Breach"), str(breach))]
        notes = usage_billing.waiver_credit_notes(breach)
        if not notes:
            facts.append((gettext("To be issued"), gettext(
                "Nothing invoiced yet: no credit note, the month is re-rated."
            )))  # fmt: skip
        for invoice, groups, net, vat, gross in notes:
            facts += credit_note_facts(invoice.number, groups, net, vat, gross)
            total += gross
    question = ngettext(
        "Confirm waiving the breach: %(gross)s incl. VAT credited?",
        "Confirm waiving %(count)d breaches: %(gross)s incl. VAT credited?",
        len(breaches),
    )
    return question % {"gross": money(total), "count": len(breaches)}, facts


@admin.register(FairUseBreach)
class FairUseBreachAdmin(MonthColumn, ServiceRowsAdmin):
    """USE-4: breaches awaiting a decision, and the waiver (audited; a credit note after
    invoicing)."""

    list_display = [
        "sip_account",
        "client",
        "month_display",
        "plan",
        "reason_list",
        "status",
        "credit",
    ]
    list_filter = ["status", "plan", ("month", MonthListFilter)]
    search_fields = [*CLIENT_SEARCH, "sip_account__username"]
    list_select_related = ["client", "sip_account"]
    fields = readonly_fields = [
        "client",
        "sip_account",
        "month_display",
        "plan",
        "reason_list",
        "status",
        "detected_at",
        "notified_at",
        "waived_at",
        "waived_by",
        "waiver_note",
        "credit_notes",
    ]
    actions = ["waive"]

    @admin.display(description=_("reasons"))
    def reason_list(self, breach):
        return ", ".join(breach.reason_lines)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("credits__credit_note")

    @admin.display(description=_("credit note"))
    def credit(self, breach):
        numbers = dict.fromkeys(c.credit_note.number for c in breach.credits.all())
        return ", ".join(numbers) or "—"  # a note crediting two lines has two rows

    @admin.display(description=_("credit notes"))
    def credit_notes(self, breach):
        """BIL-9: the credit notes a waiver after invoicing made, each with what it credited
        because of the breach (« A2026-000001 (15,00 € HT) »): the page a clerk answering the
        customer opens."""
        amounts = {}
        for credit in breach.credits.all():
            number = credit.credit_note.number
            amounts[number] = amounts.get(number, 0) + credit.amount
        return (
            ", ".join(
                gettext("%(number)s (%(amount)s excl. VAT)")
                % {"number": number, "amount": money(amount)}
                for number, amount in amounts.items()
            )
            or "—"
        )

    @admin.action(description=_("Waive the breach"), permissions=["act"])
    def waive(self, request, queryset):
        breaches = list(
            queryset.filter(status=BreachStatus.OPEN).select_related("client", "sip_account")
        )

        def call(breach, data):
            usage_billing.breach_waive(breach=breach, note=data["note"], actor=request.user)

        return confirmed_form_action(
            self,
            request,
            breaches,
            WaiveForm,
            confirm=lambda data: _waiver_facts(breaches),
            call=call,
            title=gettext("Waive fair-use breaches"),
            intro=" ".join(
                [
                    gettext(
                        "The users' months are re-rated as included. A month already invoiced "
                        "gets a credit note for what was billed because of the breach."
                    ),
                    *self._credit_previews(request, breaches),
                ]
            ),
            done=gettext("%(count)d breaches waived."),
        )

    def _credit_previews(self, request, queryset):
        """Before money moves: what each waiver would credit, on the page that asks for the
        reason (not again once it is given)."""
        if "apply" in request.POST:
            return []
        previews = []
        for breach in queryset[:20]:
            amount = usage_billing.waiver_preview(breach)
            previews.append(
                gettext("%(breach)s: credit note of %(amount)s € excl. VAT.")
                % {"breach": breach, "amount": number_format(amount, 2, use_l10n=True)}
                if amount
                else gettext("%(breach)s: nothing invoiced yet, no credit note.")
                % {"breach": breach}
            )
        return previews


@admin.register(LimitBreach)
class LimitBreachAdmin(HourColumn, ServiceRowsAdmin):
    """USE-5: hours over the simultaneous-call or CAPS limit."""

    list_display = ["client", "kind", "hour_display", "peak", "limit", "peak_at"]
    list_filter = ["kind", ("month", MonthListFilter)]
    search_fields = CLIENT_SEARCH
    list_select_related = ["client"]
    readonly_fields = ["client", "kind", "hour_display", "month", "peak", "limit", "peak_at"]
    exclude = ["hour"]  # UTC, shown by Django in Paris time: the Paris hour says it


class PenalisedFilter(admin.SimpleListFilter):
    """USE-6: the hours that cost a penalty (any of the three metrics), or those that did not."""

    title = _("penalty")
    parameter_name = "penalised"

    def lookups(self, request, model_admin):
        return [("yes", gettext("Yes")), ("no", gettext("No"))]

    def queryset(self, request, queryset):
        some = Q(asr_penalty__gt=0) | Q(acd_penalty__gt=0) | Q(short_penalty__gt=0)
        if self.value() == "yes":
            return queryset.filter(some)
        if self.value() == "no":
            return queryset.exclude(some)
        return queryset


@admin.register(QualityHour)
class QualityHourAdmin(HourColumn, ServiceRowsAdmin):
    """USE-6: ASR, ACD and short calls per customer and hour, with their penalties."""

    list_display = [
        "client",
        "hour_display",
        "attempts",
        "answered",
        "asr_display",
        "acd_display",
        "short_display",
        "penalty_display",
    ]
    list_filter = [PenalisedFilter, ("month", MonthListFilter)]
    search_fields = CLIENT_SEARCH
    list_select_related = ["client"]
    readonly_fields = ["client", "hour_display", *QUALITY_MEASURES]
    exclude = ["hour"]  # UTC, shown by Django in Paris time: the Paris hour says it

    @admin.display(description="ASR")
    def asr_display(self, row):
        return measure_display(row, QualityMetric.ASR)

    @admin.display(description="ACD")
    def acd_display(self, row):
        return measure_display(row, QualityMetric.ACD)

    @admin.display(description=_("short calls"))
    def short_display(self, row):
        return measure_display(row, QualityMetric.SHORT)

    @admin.display(description=_("penalty"))
    def penalty_display(self, row):
        return money(round_money(row.penalty))


def _penalty_choices():
    """Each penalty with its unit amount, in the page's language (« 10 000,00 € »): a callable,
    so that the form reads it when it is built, not once at import."""
    return [
        (
            k.value,
            f"{k.label} — "
            + (
                gettext("amount typed")
                if k in TYPED_AMOUNT_PENALTIES
                else money(PENALTY_AMOUNTS[k])
            ),
        )
        for k in PenaltyKind
        if k != PenaltyKind.ABUSIVE_TICKET  # charged from its ticket (SLA-11)
    ]


class PenaltyForm(forms.Form):
    client = forms.ModelChoiceField(label=_("Customer"), queryset=Client.objects.all())
    contract = forms.ModelChoiceField(
        label=_("Contract"),
        # a contract's name reads its offer: one query for all, not one per contract
        queryset=Contract.objects.select_related("offer"),
        required=False,
    )
    kind = forms.ChoiceField(
        label=_("Penalty"),
        choices=_penalty_choices,
        help_text=_("The abusive ticket penalty is charged from the support ticket."),
    )
    occurred_on = forms.DateField(label=_("Noted on"))
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=1000, initial=1)
    # PLATFORM 27: the operators' or regulator's surcharge is passed on at its own amount
    amount = typed_amount_field(
        _("Amount (€)"),
        required=False,
        help_text=_(
            "Surcharge passed on only: the amount the operators or the regulator charged us "
            "(their invoice or decision as evidence). The other penalties take the contract's "
            "amount: leave it empty."
        ),
    )
    evidence_note = forms.CharField(
        label=_("Evidence"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    evidence = forms.FileField(label=_("Evidence file"), required=False)
    confirm = forms.BooleanField(
        label=_("I confirm: the penalty is posted to the customer's next invoice.")
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=255)


def _cancel_facts(posted) -> tuple[str, list[tuple[str, str]]]:
    """BIL-9: what cancelling ``posted`` penalties does, stated before anything moves: for
    each, the customer and the credit note of an invoiced one (excl. VAT, VAT — outside its
    scope, « O » —, incl. VAT, the invoice corrected), or the amount withdrawn before
    invoicing."""
    facts, total = [], ZERO
    for penalty in posted:
        facts += [(gettext("Customer"), str(penalty.client)), (gettext("Penalty"), str(penalty))]
        amount, invoice, line = penalties.penalty_cancel_credit(penalty)
        if line is None:
            facts.append((gettext("To be issued"), gettext(
                "Nothing invoiced yet: %(amount)s withdrawn, no credit note."
            ) % {"amount": money(amount)}))  # fmt: skip
            continue
        credit = billing.CreditLine(
            "-", amount, vat_category=line.vat_category, invoice_line=line
        )  # fmt: skip
        groups, net, vat, gross = billing.credit_note_totals(lines=[credit], corrects=invoice)
        facts += credit_note_facts(invoice.number, groups, net, vat, gross)
        total += gross
    question = ngettext(
        "Confirm cancelling the penalty: %(gross)s incl. VAT credited?",
        "Confirm cancelling %(count)d penalties: %(gross)s incl. VAT credited?",
        len(posted),
    )
    return question % {"gross": money(total), "count": len(posted)}, facts


@admin.register(Penalty)
class PenaltyAdmin(ServiceRowsAdmin):
    """USE-7: penalties entered with evidence; cancelling withdraws or credits them."""

    adds_through_service = True
    list_display = ["client", "kind", "occurred_on", "quantity", "amount", "status", "created_by"]
    list_filter = ["kind", "status"]
    search_fields = CLIENT_SEARCH
    list_select_related = ["client", "created_by"]
    # The evidence file is downloaded through the back office (``evidence_view``): its
    # ``/media/`` address is served by nobody outside DEBUG (the link led to a 404), and the
    # evidence of a complaint or a judicial requisition is for the staff who may read it.
    fields = readonly_fields = [
        "client",
        "contract",
        "kind",
        "occurred_on",
        "quantity",
        "unit_amount",
        "amount",
        "evidence_file",
        "evidence_note",
        "status",
        "created_by",
        "created_at",
    ]
    actions = ["cancel"]

    @admin.display(description=_("Evidence file"))
    def evidence_file(self, penalty):
        if not penalty.evidence:
            return "—"
        return format_html(
            '<a href="{}" data-testid="penalty-evidence">{}</a>',
            self.admin_url("evidence", penalty.pk),
            PurePosixPath(penalty.evidence.name).name,
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/evidence/",
                self.admin_site.admin_view(self.evidence_view),
                name="usage_penalty_evidence",
            ),
            *super().get_urls(),
        ]

    def evidence_view(self, request, pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        penalty = get_object_or_404(Penalty, pk=pk)
        name = PurePosixPath(penalty.evidence.name).name if penalty.evidence else ""
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return file_download(penalty.evidence, filename=name, content_type=content_type)

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        bound = request.method == "POST"
        form = PenaltyForm(request.POST if bound else None, request.FILES if bound else None)

        def record(data):
            penalty = penalties.penalty_record(
                client=data["client"],
                contract=data["contract"],
                kind=data["kind"],
                occurred_on=data["occurred_on"],
                quantity=data["quantity"],
                evidence_note=data["evidence_note"],
                evidence=data["evidence"],
                actor=request.user,
                amount=data["amount"],
            )
            return gettext("Penalty of %(amount)s € recorded.") % {
                "amount": money_number(penalty.amount)  # « 10 000,00 » in French
            }, penalty

        return self.service_submit(
            request,
            form,
            record,
            title=gettext("Record a penalty"),
            intro=gettext(
                "PLATFORM 27: on a voice platform contract only (no other contract states these "
                "penalties). The amount is the unit amount of the penalty × the quantity; a "
                "surcharge of the operators or the regulator is passed on at the amount typed. "
                "Penalties are outside the scope of VAT and invoiced on their own."
            ),
        )

    @admin.action(description=_("Cancel the penalty"), permissions=["act"])
    def cancel(self, request, queryset):
        posted = list(queryset.filter(status=PenaltyStatus.POSTED).select_related("client"))

        def call(penalty, data):
            penalties.penalty_cancel(penalty=penalty, reason=data["reason"], actor=request.user)

        return confirmed_form_action(
            self,
            request,
            posted,
            CancelForm,
            confirm=lambda data: _cancel_facts(posted),
            call=call,
            title=gettext("Cancel penalties"),
            intro=" ".join(
                [
                    gettext(
                        "A penalty not invoiced yet is withdrawn; an invoiced one is credited by "
                        "a credit note."
                    ),
                    *self._cancel_previews(request, posted),
                ]
            ),
            done=gettext("%(count)d penalties cancelled."),
        )

    def _cancel_previews(self, request, queryset):
        """BIL-9: before money moves, what each cancellation credits (and on which invoice)
        or withdraws, on the page that asks for the reason."""
        if "apply" in request.POST:
            return []
        previews = []
        for penalty in queryset[:20]:
            amount, invoice = penalties.penalty_cancel_preview(penalty)
            values = {"penalty": penalty, "amount": money_number(amount)}
            previews.append(
                gettext("%(penalty)s: credit note of %(amount)s € on invoice %(invoice)s.")
                % {**values, "invoice": invoice.number}
                if invoice is not None
                else gettext(
                    "%(penalty)s: %(amount)s € withdrawn before invoicing, no credit note."
                )
                % values
            )
        return previews


@admin.register(ConsumptionThreshold)
class ConsumptionThresholdAdmin(ServiceRowsAdmin):
    list_display = ["client", "amount", "block_outgoing", "updated_at"]
    search_fields = CLIENT_SEARCH
    list_select_related = ["client"]
    readonly_fields = ["client", "amount", "block_outgoing", "updated_by", "updated_at"]


@admin.register(ConsumptionAlert)
class ConsumptionAlertAdmin(MonthColumn, ServiceRowsAdmin):
    list_display = [
        "client",
        "month_display",
        "level",
        "consumption",
        "threshold",
        "blocked",
        "created_at",
        "lifted_at",
    ]
    list_filter = ["level", ("month", MonthListFilter)]
    search_fields = CLIENT_SEARCH
    list_select_related = ["client"]
    readonly_fields = ["client", "month", "level", "consumption", "threshold", "blocked"]
    readonly_fields += ["blocked_at", "lifted_at"]
