"""Filters of the rated-calls API. A customer is one of the calling partner's: another
partner's id is the same 400 as an id that does not exist (ACC-3)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from accounts.api.filtersets import PartnerCustomerFilter
from kernel import filters
from usage.choices import CallType
from usage.models import CallRecord


class CallFilterSet(filters.FilterSet):
    customer = PartnerCustomerFilter(
        field_name="client", help_text=_("The id of one of your customers.")
    )
    started_after = filters.IsoDateTimeFilter(
        field_name="started_at",
        lookup_expr="gte",
        help_text=_(
            "Calls started at or after this time (ISO 8601; without a UTC offset, Paris time)."
        ),
    )
    started_before = filters.IsoDateTimeFilter(
        field_name="started_at",
        lookup_expr="lt",
        help_text=_("Calls started before this time (ISO 8601; without a UTC offset, Paris time)."),
    )
    month = filters.MonthFilter(
        method="filter_month",
        help_text=_("YYYY-MM: the calls of that calendar month in Paris time."),
    )
    call_type = django_filters.ChoiceFilter(
        field_name="call_type", choices=CallType.choices, help_text=_("The direction of the call.")
    )
    account = filters.CharFilter(
        field_name="account_ref",
        help_text=_("The account as the call record names it: a SIP username, a trunk's, or a "
                    "PLATFORM contract's reference."),
    )  # fmt: skip

    class Meta:
        model = CallRecord
        fields = ["customer", "started_after", "started_before", "month", "call_type", "account"]

    def filter_month(self, queryset, name, value):
        from usage.selectors import month_bounds

        start, end = month_bounds(value)
        return queryset.filter(started_at__gte=start, started_at__lt=end)
