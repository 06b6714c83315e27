import django_filters
from django.utils.translation import gettext_lazy as _

from accounts.api.filtersets import PartnerCustomerFilter
from kernel import filters
from offers.api.filtersets import PartnerContractFilter
from support.choices import ReportStatus, TicketKind, TicketStatus
from support.models import AvailabilityReport, Outage, Ticket


class TicketFilterSet(filters.FilterSet):
    customer = PartnerCustomerFilter(field_name="client")
    contract = PartnerContractFilter()
    status = django_filters.MultipleChoiceFilter(choices=TicketStatus.choices, distinct=False)
    kind = django_filters.ChoiceFilter(choices=TicketKind.choices)
    number = filters.CharFilter(
        lookup_expr="iexact", help_text=_("The ticket's number, e.g. T2026-000123 (any case).")
    )
    reported_after = filters.IsoDateTimeFilter(
        field_name="reported_at",
        lookup_expr="gte",
        help_text=_("Reported at or after this time (ISO 8601; without a UTC offset, Paris time)."),
    )
    reported_before = filters.IsoDateTimeFilter(
        field_name="reported_at",
        lookup_expr="lt",
        help_text=_("Reported before this time (ISO 8601; without a UTC offset, Paris time)."),
    )

    class Meta:
        model = Ticket
        fields = ["customer", "contract", "status", "kind", "number"]


class OutageFilterSet(filters.FilterSet):
    ongoing = filters.BooleanFilter(
        field_name="ended_at", lookup_expr="isnull", label=_("true: not ended yet")
    )
    started_after = filters.IsoDateTimeFilter(
        field_name="started_at",
        lookup_expr="gte",
        help_text=_("Started at or after this time (ISO 8601; without a UTC offset, Paris time)."),
    )
    started_before = filters.IsoDateTimeFilter(
        field_name="started_at",
        lookup_expr="lt",
        help_text=_("Started before this time (ISO 8601; without a UTC offset, Paris time)."),
    )
    excusable = filters.BooleanFilter(
        help_text=_("true: excused outages, which cost the reseller no SLA credit (SLA-5).")
    )

    class Meta:
        model = Outage
        fields = ["ongoing", "excusable"]


class AvailabilityReportFilterSet(filters.FilterSet):
    customer = PartnerCustomerFilter(field_name="contract__client")
    contract = PartnerContractFilter()
    status = django_filters.ChoiceFilter(choices=ReportStatus.choices)
    month = filters.MonthFilter(method="filter_month", label=_("Month, YYYY-MM"))
    applicable = filters.BooleanFilter(
        help_text=_("true: reports of months the SLA applies to; false: the others, with why.")
    )

    class Meta:
        model = AvailabilityReport
        fields = ["customer", "contract", "status", "month", "applicable"]

    def filter_month(self, queryset, name, value):
        return queryset.filter(month__year=value.year, month__month=value.month)
