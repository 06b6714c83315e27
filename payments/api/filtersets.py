import django_filters
from django.utils.translation import gettext_lazy as _

from accounts.api.filtersets import PartnerCustomerFilter
from kernel import filters
from payments.choices import DisputeStatus, PaymentMethod, PaymentStatus, PrepaidKind
from payments.models import Dispute, Payment, PrepaidEntry


class PaymentFilterSet(filters.FilterSet):
    """Another partner's customer is an invalid choice, like an id that does not exist."""

    client = PartnerCustomerFilter()
    method = django_filters.MultipleChoiceFilter(choices=PaymentMethod.choices, distinct=False)
    status = django_filters.ChoiceFilter(choices=PaymentStatus.choices)
    received_after = filters.DateFilter(
        field_name="received_on", lookup_expr="gte", label=_("Received on or after (YYYY-MM-DD)")
    )
    received_before = filters.DateFilter(
        field_name="received_on", lookup_expr="lte", label=_("Received on or before (YYYY-MM-DD)")
    )

    own = filters.BooleanFilter(
        method="filter_own",
        help_text=_(
            "true: only your own payments of your monthly invoices (partner-billed); false: "
            "only your customers'."
        ),
    )

    class Meta:
        model = Payment
        fields = ["client", "method", "status", "received_after", "received_before", "own"]

    def filter_own(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(partner__isnull=not value)


class DisputeFilterSet(filters.FilterSet):
    client = PartnerCustomerFilter()
    status = django_filters.ChoiceFilter(choices=DisputeStatus.choices)
    invoice = filters.IdFilter(
        field_name="invoice_id", help_text=_("The id of the disputed invoice.")
    )
    own = filters.BooleanFilter(
        method="filter_own",
        help_text=_(
            "true: only the disputes of your own monthly invoices (partner-billed); false: only "
            "your customers'."
        ),
    )

    class Meta:
        model = Dispute
        fields = ["client", "status", "invoice", "own"]

    def filter_own(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(partner__isnull=not value)


class PrepaidEntryFilterSet(filters.FilterSet):
    client = PartnerCustomerFilter(field_name="account__client")
    kind = django_filters.MultipleChoiceFilter(choices=PrepaidKind.choices, distinct=False)
    created_after = filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__gte",
        help_text=_("Entries of this day (YYYY-MM-DD) or later."),
    )
    created_before = filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__lte",
        help_text=_("Entries of this day (YYYY-MM-DD) or earlier."),
    )

    class Meta:
        model = PrepaidEntry
        fields = ["client", "kind", "created_after", "created_before"]
