import django_filters
from django.utils.translation import gettext_lazy as _

# The one scoping of a customer filter, which billing, payments and support use too (ACC-3).
from accounts.api.filtersets import partner_clients
from accounts.models import Site
from offers.choices import ContractStatus, Preset
from offers.models import Contract, Offer


def partner_sites(request):
    if request is None or request.auth is None:
        return Site.objects.none()
    return Site.objects.filter(client__partner=request.auth.partner)


class OfferFilterSet(django_filters.FilterSet):
    preset = django_filters.ChoiceFilter(choices=Preset.choices)

    class Meta:
        model = Offer
        fields = ["preset"]


class ContractFilterSet(django_filters.FilterSet):
    client = django_filters.ModelChoiceFilter(queryset=partner_clients)
    site = django_filters.ModelChoiceFilter(queryset=partner_sites)
    status = django_filters.MultipleChoiceFilter(choices=ContractStatus.choices)
    offer = django_filters.CharFilter(field_name="offer__code", label=_("Offer code"))
    preset = django_filters.ChoiceFilter(field_name="offer__preset", choices=Preset.choices)
    reference = django_filters.CharFilter(lookup_expr="icontains")
    purchase_order_ref = django_filters.CharFilter(lookup_expr="icontains")
    signed_after = django_filters.DateFilter(field_name="signature_date", lookup_expr="gte")
    signed_before = django_filters.DateFilter(field_name="signature_date", lookup_expr="lte")

    class Meta:
        model = Contract
        fields = ["client", "site", "status", "offer", "preset", "is_trial"]
