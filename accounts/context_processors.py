from django.conf import settings
from django.urls import reverse

from accounts import logos
from accounts.choices import BillingMode
from accounts.models import Partner, User
from accounts.selectors import membership_for


def brand_partner(request):
    """(membership, partner) of the brand the page shows: the signed-in customer's partner, else
    the partner of the API key the request came with, else the partner whose portal host name
    was used, else None: the reseller (ACC-3).

    Only a person has a customer membership: a request authenticated by a partner's API key
    (``accounts.api.authentication.PartnerPrincipal``) has none."""
    partner = None
    membership = getattr(request, "membership", None)
    user = getattr(request, "user", None)
    if membership is None and isinstance(user, User):
        membership = membership_for(user)
        request.membership = membership
    if membership is not None:
        partner = membership.client.partner
    elif isinstance(getattr(user, "partner", None), Partner):
        partner = user.partner if user.partner.is_active else None
    if partner is None:
        host = request.get_host().split(":")[0].lower()
        partner = Partner.objects.filter(host_name=host, is_active=True).first()
    return membership, partner


def brand(request):
    """The brand the page shows (``brand_partner``): the partner's, else the reseller's. The
    logo is the portal's own address (``accounts:brand_logo``), never /media/ (ACC-3)."""
    membership, partner = brand_partner(request)
    reseller = settings.RESELLER
    if partner is None:
        return {
            "membership": membership,
            "brand": {
                "name": reseller["name"],
                "logo_url": None,
                "primary_color": reseller["primary_color"],
                "secondary_color": reseller["secondary_color"],
                "support_email": reseller["support_email"],
                "is_partner": False,
                "partner_billed": False,
            },
        }
    return {
        "membership": membership,
        "brand": {
            "name": partner.name,
            "logo_url": (
                f"{reverse('accounts:brand_logo')}?v={logos.version(partner.logo)}"
                if partner.logo
                else None
            ),
            "primary_color": partner.primary_color,
            "secondary_color": partner.secondary_color,
            "support_email": partner.support_email,
            "is_partner": True,
            # ACC-3: the partner invoices the signed-in customer (white label): our amounts
            # and documents for its services are the partner's, never shown to the customer.
            "partner_billed": membership is not None
            and partner.billing_mode == BillingMode.PARTNER_BILLED,
        },
    }
