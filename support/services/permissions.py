"""Who may act on support, and who of the customer is told.

Staff (``user.is_staff``) do everything; a customer's member opens and answers its own company's
tickets (technical or tickets permission; billing too for a question, ``ticket_permissions``,
ACC-2) and
requests its credits (billing permission); a partner's
API key acts for its own customers. A refusal is ``PermissionDenied``.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.models import ApiKey, Client, Membership, User
from support.choices import TicketKind

NOTIFIED_ROLES = (Role.ADMIN, Role.TECHNICAL)
CREDIT_ROLES = (Role.ADMIN, Role.BILLING)

# ACC-2 "every role may open a ticket (billing: about invoices)": a question (an invoice, a
# payment) is open to every role; a failure notification, which starts the SLA clocks (SLA-3,
# SLA-4, SLA-6), to every role but billing (admin, technical, read-only: whoever sees the
# phones down may report it).
TICKET_PERMISSIONS: dict[str, tuple[str, ...]] = {
    TicketKind.QUESTION: ("technical", "tickets", "billing"),
    TicketKind.FAILURE: ("technical", "tickets"),
}


def ticket_permissions(kind: str) -> tuple[str, ...]:
    """The membership permissions that may open, answer and close a ticket of ``kind``."""
    return TICKET_PERMISSIONS.get(kind, ("technical",))


def may_write_ticket(membership: Membership | None, ticket) -> bool:
    """ACC-2: a member answers, withdraws, reopens or confirms a ticket of a kind its role may
    open; the read-only role (``tickets`` alone) only the tickets it opened itself."""
    if membership is None:
        return False
    permissions = ticket_permissions(ticket.kind)
    if any(membership.can(p) for p in permissions if p != "tickets"):
        return True
    return (
        "tickets" in permissions
        and membership.can("tickets")
        and ticket.opened_by_id == membership.user_id
    )


def require_ticket_writer(ticket, *, actor: User | None, api_key: ApiKey | None) -> None:
    """Staff, the partner's key of the ticket's customer, or a member who ``may_write_ticket``."""
    require_customer_side(
        ticket.client, actor=actor, api_key=api_key, permission=ticket_permissions(ticket.kind)
    )
    if is_staff(actor) or api_key is not None or actor is None:
        return
    membership = Membership.objects.filter(user=actor, client_id=ticket.client_id).first()
    if not may_write_ticket(membership, ticket):
        raise PermissionDenied(_("Your role does not allow this."))


def ticket_kinds_for(membership: Membership) -> list[str]:
    """ACC-2: the kinds of ticket a member may open (empty: none)."""
    return [
        kind
        for kind in TicketKind.values
        if any(membership.can(p) for p in ticket_permissions(kind))
    ]


def notified_roles(ticket) -> tuple[str, ...]:
    """Who of the customer is e-mailed about a ticket: the admin and technical people, and the
    people of the opener's role too when a billing or read-only member opened it (theirs to
    follow, ACC-2)."""
    if ticket.opened_by_id is not None:
        role = (
            Membership.objects.filter(user_id=ticket.opened_by_id, client_id=ticket.client_id)
            .values_list("role", flat=True)
            .first()
        )
        if role in (Role.BILLING, Role.READ_ONLY):
            return (*NOTIFIED_ROLES, role)
    return NOTIFIED_ROLES


def is_staff(actor: User | None) -> bool:
    return actor is not None and actor.is_authenticated and actor.is_staff


def require_staff(actor: User | None) -> None:
    if not is_staff(actor):
        raise PermissionDenied(_("Only support staff can do this."))


def require_customer_side(
    client: Client,
    *,
    actor: User | None,
    api_key: ApiKey | None,
    permission: str | tuple[str, ...],
) -> None:
    """Staff, the partner's key of this customer, or a member of the customer with
    ``permission`` (or any of them, ACC-2). Nobody else."""
    permissions = (permission,) if isinstance(permission, str) else permission
    if is_staff(actor):
        return
    if api_key is not None:
        if client.partner_id is None or api_key.partner_id != client.partner_id:
            raise PermissionDenied(_("This customer is not yours."))
        return
    if actor is None:
        return  # the system itself (jobs, demo data)
    membership = Membership.objects.filter(user=actor, client=client).first()
    if membership is None or not any(membership.can(p) for p in permissions):
        raise PermissionDenied(_("Your role does not allow this."))
