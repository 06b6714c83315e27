"""Back office of the monthly availability reports (SLA-6..10): approving (SLA-8 cap) or
refusing the credits requested, recomputing a report not yet requested, and the liability cap
(SLA-12)."""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from kernel.admin import ServiceRowsAdmin, action_form, form_action, run_each
from kernel.money import money, round_money
from offers.periods import next_month_start
from support import availability as av
from support.admin.liability import liability_cap_text, may_issue_credit_notes
from support.choices import ReportStatus
from support.models import AvailabilityReport
from support.services.credits import approved_in_window, credit_approve, credit_refuse
from support.services.reports import availability_report_compute


class RefuseForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=500, widget=forms.Textarea)


class ApproveForm(forms.Form):
    """No input: the confirmation page shows what each credit gets (SLA-8 cap applied) and
    carries it, one hidden amount a report; the approval is refused for a report whose amount
    differs by then (``credit_approve(expected_amount=…)``)."""

    def __init__(self, *args, reports, **kwargs):
        super().__init__(*args, **kwargs)
        for report in reports:
            self.fields[f"amount_{report.pk}"] = forms.DecimalField(
                required=False, max_digits=12, decimal_places=2, widget=forms.HiddenInput
            )

    def shown(self, report) -> Decimal | None:
        return self.cleaned_data.get(f"amount_{report.pk}")


class ShownReport:
    """A report on the approval page: its name with what it gets (the page lists ``str``)."""

    def __init__(self, report, text):
        self.pk, self.text = report.pk, text

    def __str__(self):
        return self.text


def approval_amounts(reports) -> dict:
    """SLA-8: what approving ``reports`` one after the other (oldest month first) gives each
    requested one now — the credits approved for its contract in the last 30 days, plus those
    approved before it in this batch, capped at 20 % of its base."""
    now = timezone.now()
    batch: dict[int, Decimal] = {}
    amounts = {}
    for report in reports:
        if report.status != ReportStatus.REQUESTED:
            continue
        window = approved_in_window(report.contract, now, exclude_pk=report.pk)
        window += batch.get(report.contract_id, Decimal("0"))
        amounts[report.pk] = av.capped_credit(report.credit_amount, report.base, window)
        batch[report.contract_id] = batch.get(report.contract_id, Decimal("0")) + amounts[report.pk]
    return amounts


class _RecomputedMessage:
    """``run_each``'s done message, in the plural its count asks for (« 1 rapport recalculé »)."""

    def __mod__(self, params):
        return (
            ngettext(
                "%(count)d report recomputed.", "%(count)d reports recomputed.", params["count"]
            )
            % params
        )


@admin.register(AvailabilityReport)
class AvailabilityReportAdmin(ServiceRowsAdmin):
    """SLA-6..10: the monthly reports, computed by the monthly job (never added, edited or
    deleted here); staff approve or refuse the credits requested."""

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
    search_fields = [
        "contract__reference",
        "contract__client__legal_name",
        "contract__client__siren",
    ]
    list_select_related = ["contract__client", "contract__offer", "credit_note"]
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
        "not_applicable_text",
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
                    "not_applicable_text",
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

    @admin.display(description=_("customer"))
    def customer(self, report):
        return report.contract.client

    @admin.display(description=_("availability %"), ordering="availability")
    def availability_display(self, report):
        # The page's language, as the row's other figures (« 99,843 » in French).
        return number_format(report.availability_display, 3)

    @admin.display(description=_("why not"))
    def not_applicable_text(self, report):
        # SLA-9: in the page's language, whichever language the job or a recompute stored it in.
        return report.not_applicable_text or "—"

    @admin.display(description=_("liability cap (SLA-12)"))
    def liability_cap(self, report):
        return liability_cap_text(report.contract, next_month_start(report.month))

    def has_credit_permission(self, request) -> bool:
        """SLA-10: deciding a credit is billing's (an approval issues a credit note, BIL-9); the
        change right of the reports (recomputing them) is not enough."""
        return may_issue_credit_notes(request)

    @admin.action(description=_("Approve the credits (SLA-8 cap applied)…"), permissions=["credit"])
    def approve(self, request, queryset):
        reports = list(queryset.select_related("contract").order_by("month", "pk"))
        amounts = approval_amounts(reports)
        form = ApproveForm(
            request.POST if "apply" in request.POST else None,
            reports=reports,
            initial={f"amount_{pk}": f"{amount:.2f}" for pk, amount in amounts.items()},
        )
        if (
            form.is_bound
            and form.is_valid()
            and all(form.shown(report) is not None for report in reports if report.pk in amounts)
        ):
            # each report approved at the amount the page showed, or refused with today's
            run_each(
                self,
                request,
                reports,
                lambda r: credit_approve(
                    report=r, actor=request.user, expected_amount=form.shown(r)
                ),
                ngettext_lazy("%(count)d credit approved.", "%(count)d credits approved.", "count"),
            )
            return None
        if form.is_bound:  # a confirmation without the amounts shown: the page again
            form = ApproveForm(reports=reports, initial=form.initial)
        shown = [
            ShownReport(
                report,
                gettext(
                    "%(report)s — %(approved)s excl. VAT approved (computed %(computed)s, "
                    "cap %(cap)s over 30 days)"
                )
                % {
                    "report": report,
                    "approved": money(amounts[report.pk]),
                    "computed": money(report.credit_amount),
                    "cap": money(round_money(report.base * av.CAP_PERCENT / av.HUNDRED)),
                },
            )
            if report.pk in amounts
            else ShownReport(
                report,
                gettext("%(report)s — not requested (%(status)s): nothing approved")
                % {"report": report, "status": report.get_status_display()},
            )
            for report in reports
        ]
        return action_form(
            self,
            request,
            shown,
            form=form,
            title=gettext("Approve credits"),
            intro=gettext(
                "Each credit is capped so that the credits approved for the contract over 30 "
                "days stay within 20% of the base; the approved amount becomes a credit note "
                "deducted from the customer's next invoice."
            ),
        )

    @admin.action(description=_("Refuse the credits…"), permissions=["credit"])
    def refuse(self, request, queryset):
        return form_action(
            self,
            request,
            queryset,
            RefuseForm,
            title=gettext("Refuse credits"),
            intro=gettext("The customer is told the reason."),
            call=lambda r, data: credit_refuse(report=r, reason=data["reason"], actor=request.user),
            done=ngettext_lazy("%(count)d credit refused.", "%(count)d credits refused.", "count"),
        )

    @admin.action(description=_("Recompute (reports not yet requested)"), permissions=["act"])
    def recompute(self, request, queryset):
        # SLA-10: a requested or decided report never changes (the service returns it as it
        # is): it is counted apart, not among the recomputed ones.
        reports = list(queryset.select_related("contract__site"))
        computed = [r for r in reports if r.status == ReportStatus.COMPUTED]
        run_each(
            self,
            request,
            computed,
            lambda r: availability_report_compute(
                contract=r.contract, month=r.month, actor=request.user
            ),
            _RecomputedMessage(),
        )
        left = len(reports) - len(computed)
        if left:
            self.message_user(
                request,
                ngettext(
                    "%(count)d report left as it is: its credit was already requested or decided.",
                    "%(count)d reports left as they are: their credit was already requested or "
                    "decided.",
                    left,
                )
                % {"count": left},
                messages.WARNING,
            )
