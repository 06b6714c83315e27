import django_filters

from accounts.models import Client, Membership, Site


class ClientFilterSet(django_filters.FilterSet):
    legal_name = django_filters.CharFilter(lookup_expr="icontains")
    created_after = django_filters.DateTimeFilter(field_name="created_at", lookup_expr="gte")

    class Meta:
        model = Client
        fields = ["legal_name", "siren", "siret", "status", "vat_regime", "payment_method"]


class SiteFilterSet(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Site
        fields = ["client", "name", "insee_code", "postal_code", "cost_centre"]


class CustomerUserFilterSet(django_filters.FilterSet):
    email = django_filters.CharFilter(field_name="user__email", lookup_expr="icontains")

    class Meta:
        model = Membership
        fields = ["client", "role", "email"]
