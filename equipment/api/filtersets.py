"""Filters of the equipment API. A customer or a site is one of the calling partner's: another
partner's id is the same 400 as an id that does not exist (ACC-3)."""

import django_filters

from accounts.api.filtersets import PartnerCustomerFilter, PartnerSiteFilter
from equipment.choices import ItemState, ReturnReason, ReturnStatus, RmaStatus, Tenure
from equipment.models import EquipmentOrder, EquipmentReturn, Item, Rma
from kernel import filters


class ItemFilterSet(filters.FilterSet):
    customer = PartnerCustomerFilter(field_name="client")
    site = PartnerSiteFilter()
    state = django_filters.MultipleChoiceFilter(choices=ItemState.choices, distinct=False)

    class Meta:
        model = Item
        fields = ["customer", "site", "state"]


class OrderFilterSet(filters.FilterSet):
    customer = PartnerCustomerFilter(field_name="client")
    tenure = django_filters.ChoiceFilter(choices=Tenure.choices)

    class Meta:
        model = EquipmentOrder
        fields = ["customer", "tenure"]


class RmaFilterSet(filters.FilterSet):
    customer = PartnerCustomerFilter(field_name="client")
    status = django_filters.MultipleChoiceFilter(choices=RmaStatus.choices, distinct=False)

    class Meta:
        model = Rma
        fields = ["customer", "status"]


class ReturnFilterSet(filters.FilterSet):
    customer = PartnerCustomerFilter(field_name="client")
    status = django_filters.ChoiceFilter(choices=ReturnStatus.choices)
    reason = django_filters.ChoiceFilter(choices=ReturnReason.choices)

    class Meta:
        model = EquipmentReturn
        fields = ["customer", "status", "reason"]
