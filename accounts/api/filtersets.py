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
        if "label" not in kwargs:  # the schema shows help_text before a label
            kwargs.setdefault("help_text", _("The id of one of your customers."))
        super().__init__(*args, **kwargs)


def partner_sites(request):
    if request is None or request.auth is None:
        return Site.objects.none()
    return Site.objects.filter(client__partner=request.auth.partner)


class PartnerSiteFilter(filters.ModelChoiceFilter):
    """``?site=<id>``: a site of one of the calling partner's customers; another partner's and
    an id that does not exist are the same 400 (ACC-3)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", partner_sites)
        kwargs.setdefault("error_messages", {"invalid_choice": _("Unknown site.")})
        kwargs.setdefault("help_text", _("The id of a site of one of your customers."))
        super().__init__(*args, **kwargs)


class ClientFilterSet(filters.FilterSet):
    legal_name = filters.CharFilter(
        lookup_expr="icontains", help_text=_("Part of the legal name, any case.")
    )
    created_after = filters.DateTimeFilter(
        field_name="created_at",
        lookup_expr="gte",
        help_text=_("Created at or after this time (ISO 8601; without a UTC offset, Paris time)."),
    )
    siren = filters.CharFilter(max_length=9, help_text=_("The SIREN, 9 digits."))
    siret = filters.CharFilter(
        max_length=14, help_text=_("The SIRET of the head office, 14 digits.")
    )

    class Meta:
        model = Client
        fields = ["legal_name", "siren", "siret", "status", "vat_regime", "payment_method"]


class SiteFilterSet(filters.FilterSet):
    client = PartnerCustomerFilter()
    name = filters.CharFilter(lookup_expr="icontains", help_text=_("Part of the name, any case."))
    insee_code = filters.CharFilter(
        max_length=5, help_text=_("The commune's INSEE code, 5 characters (2A004).")
    )
    postal_code = filters.CharFilter(
        max_length=Site._meta.get_field("postal_code").max_length,
        help_text=_("The postal code, exactly as recorded."),
    )
    cost_centre = filters.CharFilter(
        max_length=Site._meta.get_field("cost_centre").max_length,
        help_text=_("The customer's cost centre, exactly as recorded."),
    )

    class Meta:
        model = Site
        fields = ["client", "name", "insee_code", "postal_code", "cost_centre"]


class CustomerUserFilterSet(filters.FilterSet):
    client = PartnerCustomerFilter()
    email = filters.CharFilter(
        field_name="user__email",
        lookup_expr="icontains",
        help_text=_("Part of the user's e-mail address, any case."),
    )

    class Meta:
        model = Membership
        fields = ["client", "role", "email"]
