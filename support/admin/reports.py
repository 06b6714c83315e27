"""Back office of the monthly availability reports (SLA-6..10): approving (SLA-8 cap) or
refusing the credits requested, recomputing a report not yet requested, and the liability cap
(SLA-12)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kernel.admin import ServiceRowsAdmin, form_action, run_each
from offers.periods import next_month_start
from support.admin.liability import liability_cap_text
from support.models import AvailabilityReport
from support.services.credits import credit_approve, credit_refuse
from support.services.reports import availability_report_compute


class RefuseForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=500, widget=forms.Textarea)


class ApproveForm(forms.Form):
    """No input: the confirmation page shows what is approved."""


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

    @admin.display(description=_("customer"))
    def customer(self, report):
        return report.contract.client

    @admin.display(description=_("availability %"), ordering="availability")
    def availability_display(self, report):
        return f"{report.availability_display}"

    @admin.display(description=_("liability cap (SLA-12)"))
    def liability_cap(self, report):
        return liability_cap_text(report.contract, next_month_start(report.month))

    @admin.action(description=_("Approve the credits (SLA-8 cap applied)…"), permissions=["act"])
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
            call=lambda r, data: credit_approve(report=r, actor=request.user),
            done=gettext("%(count)d credit(s) approved."),
        )

    @admin.action(description=_("Refuse the credits…"), permissions=["act"])
    def refuse(self, request, queryset):
        return form_action(
            self,
            request,
            queryset,
            RefuseForm,
            title=gettext("Refuse credits"),
            intro=gettext("The customer is told the reason."),
            call=lambda r, data: credit_refuse(report=r, reason=data["reason"], actor=request.user),
            done=gettext("%(count)d credit(s) refused."),
        )

    @admin.action(description=_("Recompute (reports not yet requested)"), permissions=["act"])
    def recompute(self, request, queryset):
        run_each(
            self,
            request,
            queryset.select_related("contract__site"),
            lambda r: availability_report_compute(contract=r.contract, month=r.month),
            gettext("%(count)d report(s) recomputed."),
        )
