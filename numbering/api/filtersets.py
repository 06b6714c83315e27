"""Filters of the numbers API. A customer, a site or a contract is one of the calling partner's:
another partner's id is the same 400 as an id that does not exist (ACC-3)."""

import django_filters
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from accounts.api.filtersets import PartnerCustomerFilter, PartnerSiteFilter
from kernel import filters
from numbering.choices import NumberState, NumberType, PortStatus, PriceClass
from numbering.models import PhoneNumber, PortRequest
from numbering.services.assignment import search_available
from offers.api.filtersets import PartnerContractFilter

DIGITS = RegexValidator(r"^[0-9]{1,8}$", _("Up to 8 digits."))
NATIONAL_PREFIX = RegexValidator(r"^0[0-9]{0,7}$", _("Up to 8 digits, starting with 0."))


class PhoneNumberFilterSet(filters.FilterSet):
    customer = PartnerCustomerFilter(field_name="client")
    contract = PartnerContractFilter()
    site = PartnerSiteFilter()
    state = django_filters.MultipleChoiceFilter(choices=NumberState.choices, distinct=False)
    number_type = django_filters.ChoiceFilter(choices=NumberType.choices)

    class Meta:
        model = PhoneNumber
        fields = ["customer", "contract", "site", "state", "number_type"]


class AvailableNumberFilterSet(filters.FilterSet):
    """NUM-2: the pool searched as the portal searches it (``search_available``): a site keeps
    the numbers allowed there (its ZNE's, and those of ranges not restricted to their ZNE)."""

    number_type = django_filters.ChoiceFilter(choices=NumberType.choices, method="search")
    price_class = django_filters.ChoiceFilter(
        choices=PriceClass.choices,
        method="search",
        help_text=_("An 08 number's price class (NUM-1): toll_free, uan, shared_cost or premium."),
    )
    zne = filters.CharFilter(
        max_length=PhoneNumber._meta.get_field("zne").max_length,
        method="search",
        help_text=_("A local numbering zone (ZNE) as ARCEP names it, e.g. PARIS (any case)."),
    )
    site = PartnerSiteFilter(method="search", help_text=_("A site of one of your customers."))
    ends_with = filters.CharFilter(
        max_length=8, validators=[DIGITS], method="search", help_text=_("e.g. 00")
    )
    starts_with = filters.CharFilter(
        max_length=8,
        validators=[NATIONAL_PREFIX],
        method="search",
        help_text=_("A national prefix, e.g. 0172"),
    )

    class Meta:
        model = PhoneNumber
        fields = ["number_type", "price_class", "zne", "site", "ends_with", "starts_with"]

    def search(self, queryset, name, value):
        return queryset  # all at once in filter_queryset

    def filter_queryset(self, queryset):
        found = search_available(
            **{name: value for name, value in self.form.cleaned_data.items() if value}
        )
        return queryset & found


class PortRequestFilterSet(filters.FilterSet):
    customer = PartnerCustomerFilter(field_name="client")
    contract = PartnerContractFilter()
    status = django_filters.MultipleChoiceFilter(choices=PortStatus.choices, distinct=False)
    reference = filters.CharFilter(
        lookup_expr="iexact",
        help_text=_("The request's reference, e.g. PORT-2026-000042 (any case)."),
    )

    class Meta:
        model = PortRequest
        fields = ["customer", "contract", "status", "reference"]
