import django_filters
from django.utils.translation import gettext_lazy as _

# The one scoping of a customer filter, which billing, payments and support use too (ACC-3).
from accounts.api.filtersets import partner_clients
from accounts.models import Site
from kernel import filters
from offers.choices import ContractStatus, Preset
from offers.models import Contract, Offer


def partner_sites(request):
    if request is None or request.auth is None:
        return Site.objects.none()
    return Site.objects.filter(client__partner=request.auth.partner)


class OfferFilterSet(filters.FilterSet):
    preset = django_filters.ChoiceFilter(choices=Preset.choices)

    class Meta:
        model = Offer
        fields = ["preset"]


class ContractFilterSet(filters.FilterSet):
    client = filters.ModelChoiceFilter(queryset=partner_clients)
    site = filters.ModelChoiceFilter(queryset=partner_sites)
    status = django_filters.MultipleChoiceFilter(choices=ContractStatus.choices, distinct=False)
    offer = filters.CharFilter(field_name="offer__code", label=_("Offer code"))
    preset = django_filters.ChoiceFilter(field_name="offer__preset", choices=Preset.choices)
    reference = filters.CharFilter(lookup_expr="icontains")
    purchase_order_ref = filters.CharFilter(lookup_expr="icontains")
    signed_after = filters.DateFilter(field_name="signature_date", lookup_expr="gte")
    signed_before = filters.DateFilter(field_name="signature_date", lookup_expr="lte")

    class Meta:
        model = Contract
        fields = ["client", "site", "status", "offer", "preset", "is_trial"]
