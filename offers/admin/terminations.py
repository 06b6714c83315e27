"""Back office of terminations (CON-4, CON-5): rows written by the services, with their fee
breakdown; a scheduled termination is cancelled by an action."""

from django.contrib import admin
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from kernel.admin import ServiceRowsAdmin, run_each
from offers.models import Termination
from offers.services.terminations import termination_cancel


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
        "recorded_at",
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

    @admin.display(description=_("recorded at"))
    def recorded_at(self, termination):
        """``notice_at`` is when the termination was typed in, not when a notice was received
        (``notice_date``, the day that counts) — nor one we gave (PLATFORM 17.4, 17.2, 13.1)."""
        return date_format(timezone.localtime(termination.notice_at), "DATETIME_FORMAT")

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
            gettext("monthly base (€ excl. VAT)"),
            gettext("amount (€ excl. VAT)"),
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
            lambda t: termination_cancel(termination=t, actor=request.user),
            ngettext_lazy(
                "%(count)d termination cancelled.", "%(count)d terminations cancelled.", "count"
            ),
        )
