from django.utils.translation import gettext_lazy as _

from accounts.models import Client, Membership, Site
from kernel import filters


def partner_clients(request):
    """Only the calling partner's customers can be filtered on: another partner's id is an
    invalid choice, exactly like an id that does not exist (ACC-3)."""
    if request is None or request.auth is None:
        return Client.objects.none()
    return Client.objects.filter(partner=request.auth.partner)


class PartnerCustomerFilter(filters.ModelChoiceFilter):
    """``?client=<id>``: one of the calling partner's customers. Another partner's customer and
    an id that does not exist get the same 400 "unknown customer": the filter tells nothing
    about other partners' ids (ACC-3)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", partner_clients)
        kwargs.setdefault("error_messages", {"invalid_choice": _("Unknown customer.")})
        super().__init__(*args, **kwargs)


class ClientFilterSet(filters.FilterSet):
    legal_name = filters.CharFilter(lookup_expr="icontains")
    created_after = filters.DateTimeFilter(field_name="created_at", lookup_expr="gte")

    class Meta:
        model = Client
        fields = ["legal_name", "siren", "siret", "status", "vat_regime", "payment_method"]


class SiteFilterSet(filters.FilterSet):
    client = PartnerCustomerFilter()
    name = filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Site
        fields = ["client", "name", "insee_code", "postal_code", "cost_centre"]


class CustomerUserFilterSet(filters.FilterSet):
    client = PartnerCustomerFilter()
    email = filters.CharFilter(field_name="user__email", lookup_expr="icontains")

    class Meta:
        model = Membership
        fields = ["client", "role", "email"]
