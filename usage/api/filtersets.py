"""Filters of the rated-calls API. A customer is one of the calling partner's: another
partner's id is the same 400 as an id that does not exist (ACC-3)."""

import django_filters

from accounts.api.filtersets import PartnerCustomerFilter
from kernel import filters
from usage.choices import CallType
from usage.models import CallRecord


class CallFilterSet(filters.FilterSet):
    customer = PartnerCustomerFilter(field_name="client")
    started_after = filters.IsoDateTimeFilter(field_name="started_at", lookup_expr="gte")
    started_before = filters.IsoDateTimeFilter(field_name="started_at", lookup_expr="lt")
    month = filters.MonthFilter(method="filter_month")
    call_type = django_filters.ChoiceFilter(field_name="call_type", choices=CallType.choices)
    account = filters.CharFilter(field_name="account_ref")

    class Meta:
        model = CallRecord
        fields = ["customer", "started_after", "started_before", "month", "call_type", "account"]

    def filter_month(self, queryset, name, value):
        from usage.selectors import month_bounds

        start, end = month_bounds(value)
        return queryset.filter(started_at__gte=start, started_at__lt=end)
