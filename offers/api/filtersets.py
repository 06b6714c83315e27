import django_filters
from django.utils.translation import gettext_lazy as _

from accounts.models import Client, Site
from offers.choices import ContractStatus, Preset
from offers.models import Contract, Offer


def partner_clients(request):
    """Only the calling partner's customers can be filtered on: another partner's id is an
    invalid choice, exactly like an id that does not exist (ACC-3)."""
    if request is None or request.auth is None:
        return Client.objects.none()
    return Client.objects.filter(partner=request.auth.partner)


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
