"""Support objects for tests, built only through ``support.services``."""

from datetime import datetime
from zoneinfo import ZoneInfo

from accounts.choices import BillingMode, Role
from accounts.models import User
from billing import services as billing
from offers.periods import add_months
from support import services
from support.choices import TicketKind, TicketSource

PARIS = ZoneInfo("Europe/Paris")


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def make_staff(email: str = "agent@reseller.example") -> User:
    user, _created = User.objects.get_or_create(email=email, defaults={"is_staff": True})
    return user


def reseller_billed(client):
    """The customer is invoiced directly (its partner reseller-billed, ACC-3)."""
    partner = client.partner
    partner.billing_mode = BillingMode.RESELLER_BILLED
    partner.save(update_fields=["billing_mode"])
    return client


def open_failure(tenant_or_client, contract, *, reported_at=None, detected_at=None, actor=None):
    client = getattr(tenant_or_client, "client", tenant_or_client)
    if actor is None and hasattr(tenant_or_client, "members"):
        actor = tenant_or_client.members[Role.TECHNICAL].user
    return services.ticket_open(
        client=client,
        kind=TicketKind.FAILURE,
        subject="No dial tone",
        body="All phones are down since this morning.",
        contract=contract,
        reported_at=reported_at,
        detected_at=detected_at,
        actor=actor,
    )


def incident(contract, start, end, *, staff=None):
    """A failure notification of ``contract`` reported at ``start``, restored at ``end``
    (HOSTED-A unavailability, SLA-6), opened by staff on the customer's behalf."""
    staff = staff or make_staff()
    ticket = services.ticket_open(
        client=contract.client,
        kind=TicketKind.FAILURE,
        subject="Outage",
        body="Reported by phone.",
        contract=contract,
        source=TicketSource.STAFF,
        reported_at=start,
        actor=staff,
    )
    if end is not None:
        services.ticket_record_restoration(ticket=ticket, restored_at=end, actor=staff)
    return ticket


def invoice_in_advance(month):
    """BIL-1: the run of the month before ``month`` invoices ``month``'s subscriptions in
    advance — what the base of an SLA credit reads (SLA-7: issued invoices, never live lines)."""
    billing.run_month_sync(month=add_months(month, -1))
