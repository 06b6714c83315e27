"""Who hears about payments: the customer's administrators and billing contacts."""

from accounts.choices import Role
from accounts.models import Client
from accounts.notifications import notify_client

BILLING_ROLES = (Role.ADMIN, Role.BILLING)


def notify_billing(client: Client, template: str, context: dict) -> None:
    """E-mail ``template`` to the customer's members of ``BILLING_ROLES``, once committed."""
    notify_client(client, template, context, roles=BILLING_ROLES)
