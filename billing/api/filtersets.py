import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from accounts.api.filtersets import PartnerCustomerFilter
from billing.choices import ChargeKind, DocumentKind, DocumentStatus
from billing.models import Invoice, InvoiceLine, PendingCharge
from billing.selectors import OWING
from kernel import filters


class InvoiceFilterSet(filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=DocumentKind.choices)
    status = django_filters.ChoiceFilter(choices=DocumentStatus.choices)
    client = PartnerCustomerFilter(
        method="filter_client",
        label=_("Customer: its own documents and the partner-invoice lines that bill it"),
    )
    month = filters.MonthFilter(
        method="filter_month",
        label=_("Month of the issue date, YYYY-MM (the run of month M issues on M's last day)"),
    )
    due = filters.BooleanFilter(
        method="filter_due", label=_("true: an amount is still due; false: nothing left to pay")
    )

    class Meta:
        model = Invoice
        fields = ["kind", "status", "client", "month", "due"]

    def filter_client(self, queryset, name, client):
        # ACC-3: on a partner's monthly invoice the customer is on the lines, not the buyer.
        billed_on_lines = InvoiceLine.objects.filter(invoice=OuterRef("pk"), end_client=client)
        return queryset.filter(Q(client=client) | Q(Exists(billed_on_lines)))

    def filter_month(self, queryset, name, value):
        return queryset.filter(issue_date__year=value.year, issue_date__month=value.month)

    def filter_due(self, queryset, name, value):
        return queryset.filter(OWING) if value else queryset.exclude(OWING)  # BIL-4


class PendingChargeFilterSet(filters.FilterSet):
    client = PartnerCustomerFilter()
    kind = django_filters.MultipleChoiceFilter(choices=ChargeKind.choices, distinct=False)
    source_type = filters.CharFilter(
        help_text=_(
            "What the charge comes from, e.g. contract_line (a subscription), contract_setup, "
            "termination, usage (calls), number, equipment_sale."
        )
    )
    invoiced = filters.BooleanFilter(
        method="filter_invoiced", label=_("true: already on an invoice; false: still pending")
    )
    own = filters.BooleanFilter(
        method="filter_own",
        label=_("true: your own charges (BIL-6, partner-billed); false: your customers' charges"),
    )
    period_after = filters.DateFilter(
        field_name="period_start",
        lookup_expr="gte",
        help_text=_("Periods starting on or after this day (YYYY-MM-DD)."),
    )
    period_before = filters.DateFilter(
        field_name="period_start",
        lookup_expr="lt",
        help_text=_("Periods starting before this day (YYYY-MM-DD)."),
    )

    class Meta:
        model = PendingCharge
        fields = ["client", "kind", "source_type", "invoiced", "own"]

    def filter_invoiced(self, queryset, name, value):
        return queryset.filter(invoice_line__isnull=not value)

    def filter_own(self, queryset, name, value):
        return queryset.filter(partner__isnull=not value)
