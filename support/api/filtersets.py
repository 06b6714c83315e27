import django_filters
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from offers.api.filtersets import partner_clients
from offers.models import Contract
from support.choices import ReportStatus, TicketKind, TicketStatus
from support.models import AvailabilityReport, Outage, Ticket

MONTH_FORMAT = RegexValidator(r"^\d{4}-(0[1-9]|1[0-2])$", _("Give a month as YYYY-MM."))


def partner_contracts(request):
    if request is None or request.auth is None:
        return Contract.objects.none()
    return Contract.objects.filter(client__partner=request.auth.partner)


class TicketFilterSet(django_filters.FilterSet):
    customer = django_filters.ModelChoiceFilter(field_name="client", queryset=partner_clients)
    contract = django_filters.ModelChoiceFilter(queryset=partner_contracts)
    status = django_filters.MultipleChoiceFilter(choices=TicketStatus.choices)
    kind = django_filters.ChoiceFilter(choices=TicketKind.choices)
    number = django_filters.CharFilter(lookup_expr="iexact")
    reported_after = django_filters.IsoDateTimeFilter(field_name="reported_at", lookup_expr="gte")
    reported_before = django_filters.IsoDateTimeFilter(field_name="reported_at", lookup_expr="lt")

    class Meta:
        model = Ticket
        fields = ["customer", "contract", "status", "kind", "number"]


class OutageFilterSet(django_filters.FilterSet):
    ongoing = django_filters.BooleanFilter(
        field_name="ended_at", lookup_expr="isnull", label=_("true: not ended yet")
    )
    started_after = django_filters.IsoDateTimeFilter(field_name="started_at", lookup_expr="gte")
    started_before = django_filters.IsoDateTimeFilter(field_name="started_at", lookup_expr="lt")

    class Meta:
        model = Outage
        fields = ["ongoing", "excusable"]


class AvailabilityReportFilterSet(django_filters.FilterSet):
    customer = django_filters.ModelChoiceFilter(
        field_name="contract__client", queryset=partner_clients
    )
    contract = django_filters.ModelChoiceFilter(queryset=partner_contracts)
    status = django_filters.ChoiceFilter(choices=ReportStatus.choices)
    month = django_filters.CharFilter(
        method="filter_month", validators=[MONTH_FORMAT], label=_("Month, YYYY-MM")
    )

    class Meta:
        model = AvailabilityReport
        fields = ["customer", "contract", "status", "month", "applicable"]

    def filter_month(self, queryset, name, value):
        year, month = (int(part) for part in value.split("-"))
        return queryset.filter(month__year=year, month__month=month)
