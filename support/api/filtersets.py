import django_filters
from django.utils.translation import gettext_lazy as _

from kernel import filters
from offers.api.filtersets import partner_clients
from offers.models import Contract
from support.choices import ReportStatus, TicketKind, TicketStatus
from support.models import AvailabilityReport, Outage, Ticket


def partner_contracts(request):
    if request is None or request.auth is None:
        return Contract.objects.none()
    return Contract.objects.filter(client__partner=request.auth.partner)


class TicketFilterSet(filters.FilterSet):
    customer = filters.ModelChoiceFilter(field_name="client", queryset=partner_clients)
    contract = filters.ModelChoiceFilter(queryset=partner_contracts)
    status = django_filters.MultipleChoiceFilter(choices=TicketStatus.choices, distinct=False)
    kind = django_filters.ChoiceFilter(choices=TicketKind.choices)
    number = filters.CharFilter(lookup_expr="iexact")
    reported_after = filters.IsoDateTimeFilter(field_name="reported_at", lookup_expr="gte")
    reported_before = filters.IsoDateTimeFilter(field_name="reported_at", lookup_expr="lt")

    class Meta:
        model = Ticket
        fields = ["customer", "contract", "status", "kind", "number"]


class OutageFilterSet(filters.FilterSet):
    ongoing = django_filters.BooleanFilter(
        field_name="ended_at", lookup_expr="isnull", label=_("true: not ended yet")
    )
    started_after = filters.IsoDateTimeFilter(field_name="started_at", lookup_expr="gte")
    started_before = filters.IsoDateTimeFilter(field_name="started_at", lookup_expr="lt")

    class Meta:
        model = Outage
        fields = ["ongoing", "excusable"]


class AvailabilityReportFilterSet(filters.FilterSet):
    customer = filters.ModelChoiceFilter(field_name="contract__client", queryset=partner_clients)
    contract = filters.ModelChoiceFilter(queryset=partner_contracts)
    status = django_filters.ChoiceFilter(choices=ReportStatus.choices)
    month = filters.MonthFilter(method="filter_month", label=_("Month, YYYY-MM"))

    class Meta:
        model = AvailabilityReport
        fields = ["customer", "contract", "status", "month", "applicable"]

    def filter_month(self, queryset, name, value):
        return queryset.filter(month__year=value.year, month__month=value.month)
