"""Reads that depend on who asks: every one starts from the tenant (customer or partner)."""

from django.db.models import QuerySet

from accounts.models import Client, Membership, Partner, Site, User


def membership_for(user: User) -> Membership | None:
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.select_related("client__partner", "user")
        .filter(user=user, user__is_active=True, client__status="active")
        .first()
    )


def site_list(*, client: Client) -> QuerySet[Site]:
    return Site.objects.filter(client=client).order_by("name")


def member_list(*, client: Client) -> QuerySet[Membership]:
    return Membership.objects.filter(client=client).select_related("user").order_by("user__email")


def client_list_for_partner(*, partner: Partner) -> QuerySet[Client]:
    return Client.objects.filter(partner=partner)
