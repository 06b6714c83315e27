import django_filters
from django.utils.translation import gettext_lazy as _

from accounts.api.filtersets import PartnerCustomerFilter, PartnerSiteFilter
from kernel import filters
from offers.choices import ContractStatus, Preset
from offers.models import Contract, Offer


def partner_contracts(request):
    if request is None or request.auth is None:
        return Contract.objects.none()
    return Contract.objects.filter(client__partner=request.auth.partner)


class PartnerContractFilter(filters.ModelChoiceFilter):
    """``?contract=<id>``: a contract of one of the calling partner's customers; another
    partner's and an id that does not exist are the same 400 (ACC-3)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", partner_contracts)
        kwargs.setdefault("error_messages", {"invalid_choice": _("Unknown contract.")})
        kwargs.setdefault("help_text", _("The id of a contract of one of your customers."))
        super().__init__(*args, **kwargs)


class OfferFilterSet(filters.FilterSet):
    preset = django_filters.ChoiceFilter(choices=Preset.choices)

    class Meta:
        model = Offer
        fields = ["preset"]


class ContractFilterSet(filters.FilterSet):
    client = PartnerCustomerFilter()
    site = PartnerSiteFilter()
    status = django_filters.MultipleChoiceFilter(choices=ContractStatus.choices, distinct=False)
    offer = filters.CharFilter(field_name="offer__code", label=_("Offer code"))
    preset = django_filters.ChoiceFilter(field_name="offer__preset", choices=Preset.choices)
    reference = filters.CharFilter(
        lookup_expr="icontains", help_text=_("Part of the contract's reference, any case.")
    )
    purchase_order_ref = filters.CharFilter(
        lookup_expr="icontains",
        help_text=_("Part of the customer's purchase order reference, any case."),
    )
    signed_after = filters.DateFilter(
        field_name="signature_date",
        lookup_expr="gte",
        help_text=_("Signed on or after this day (YYYY-MM-DD)."),
    )
    signed_before = filters.DateFilter(
        field_name="signature_date",
        lookup_expr="lte",
        help_text=_("Signed on or before this day (YYYY-MM-DD)."),
    )
    is_trial = filters.BooleanFilter(
        help_text=_("true: trial contracts (CON-7) only; false: the others.")
    )

    class Meta:
        model = Contract
        fields = ["client", "site", "status", "offer", "preset", "is_trial"]
