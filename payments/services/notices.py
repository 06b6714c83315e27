"""Who hears about payments: the customer's administrators and billing contacts; for a
partner-billed partner's own monthly invoices (ACC-3), the partner."""

from accounts.choices import Role
from accounts.models import Client
from accounts.notifications import notify_client, notify_partner

BILLING_ROLES = (Role.ADMIN, Role.BILLING)


def notify_billing(client: Client, template: str, context: dict) -> None:
    """E-mail ``template`` to the customer's members of ``BILLING_ROLES``, once committed."""
    notify_client(client, template, context, roles=BILLING_ROLES)


def notify_buyer(invoice, template: str, context: dict) -> None:
    """E-mail ``template`` about ``invoice`` to its buyer: the customer's billing people, or
    the partner on a partner-billed partner's own invoice (``notify_partner``: its invoices'
    address, PLATFORM 12.5-12.6 — the partner is our client under that contract)."""
    if invoice.client_id is not None:
        notify_billing(invoice.client, template, context)
    elif invoice.partner_id is not None:
        notify_partner(invoice.partner, template, context)
