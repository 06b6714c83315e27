from django.conf import settings

from accounts.models import Partner
from accounts.selectors import membership_for


def brand(request):
    """The brand the page shows: the signed-in customer's partner, else the partner whose portal
    host name was used, else the reseller (ACC-3)."""
    partner = None
    membership = getattr(request, "membership", None)
    if membership is None and getattr(request, "user", None) is not None:
        membership = membership_for(request.user)
        request.membership = membership
    if membership is not None:
        partner = membership.client.partner
    else:
        host = request.get_host().split(":")[0].lower()
        partner = Partner.objects.filter(host_name=host, is_active=True).first()
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
            },
        }
    return {
        "membership": membership,
        "brand": {
            "name": partner.name,
            "logo_url": partner.logo.url if partner.logo else None,
            "primary_color": partner.primary_color,
            "secondary_color": partner.secondary_color,
            "support_email": partner.support_email,
            "is_partner": True,
        },
    }
