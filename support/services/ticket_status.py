"""A ticket's pipeline (SLA-1): the one transition function, with its event and audit rows,
the moves the customer may make itself, and the ``ticket_set_status`` service."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import ApiKey, User
from accounts.notifications import notify_client
from kernel.errors import InvalidTransition
from support.choices import TICKET_TRANSITIONS, WORKING_STATUSES, TicketStatus
from support.events import announce_ticket
from support.models import Ticket, TicketEvent
from support.services.permissions import (
    is_staff,
    notified_roles,
    require_ticket_writer,
)


def lock_ticket(ticket: Ticket) -> Ticket:
    """The ticket, locked for the rest of the transaction, with its contract's site and its
    customer."""
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("contract__site", "client")
        .get(pk=ticket.pk)
    )


def move_ticket(
    ticket: Ticket, to_status: str, *, actor=None, api_key=None, note: str = ""
) -> list[str]:
    """Move a locked ticket along its pipeline with its event and audit rows; the fields
    changed (the caller saves them)."""
    from_status = ticket.status
    if to_status not in TICKET_TRANSITIONS[from_status]:
        raise InvalidTransition(
            _("A ticket cannot go from %(from)s to %(to)s.")
            % {"from": TicketStatus(from_status).label, "to": TicketStatus(to_status).label},
            code="invalid_transition",
        )
    now = timezone.now()
    ticket.status = to_status
    fields = ["status"]
    if to_status in WORKING_STATUSES:
        if ticket.acknowledged_at is None:
            ticket.acknowledged_at = now
            fields.append("acknowledged_at")
        if ticket.intervention_started_at is None:
            ticket.intervention_started_at = now
            fields.append("intervention_started_at")
    if to_status == TicketStatus.RESOLVED:
        ticket.resolved_at = now
        fields.append("resolved_at")
    elif from_status == TicketStatus.RESOLVED and to_status != TicketStatus.CLOSED:
        ticket.resolved_at = None  # reopened (a confirmed resolution keeps its time)
        fields.append("resolved_at")
    if to_status == TicketStatus.CLOSED:
        ticket.closed_at = now
        fields.append("closed_at")
    TicketEvent.objects.create(
        ticket=ticket,
        from_status=from_status,
        to_status=to_status,
        note=note[:300],
        actor=actor if actor is not None and actor.is_authenticated else None,
        api_key=api_key,
    )
    audit_record(
        action=f"ticket.{to_status}",
        instance=ticket,
        actor=actor,
        api_key=api_key,
        before={"status": from_status},
        after={"status": to_status, "note": note},
    )
    return fields


# Moves the customer (or its partner) may make on its own ticket; every other move is staff's.
CUSTOMER_MOVES = {
    (TicketStatus.NEW, TicketStatus.CLOSED),  # withdrawn
    (TicketStatus.WAITING_CUSTOMER, TicketStatus.IN_PROGRESS),  # the answer was given
    (TicketStatus.RESOLVED, TicketStatus.IN_PROGRESS),  # not solved after all
    (TicketStatus.RESOLVED, TicketStatus.CLOSED),  # confirmed
}


@transaction.atomic
def ticket_set_status(
    *,
    ticket: Ticket,
    status: str,
    actor: User | None = None,
    api_key: ApiKey | None = None,
    note: str = "",
) -> Ticket:
    """SLA-1: move a ticket along ``new → acknowledged → in_progress → waiting_customer →
    resolved → closed`` (and back where the map allows). Entering a working status records when
    work started (SLA-3). The customer is e-mailed the new status."""
    ticket = lock_ticket(ticket)
    if status not in TicketStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    if not is_staff(actor):
        require_ticket_writer(ticket, actor=actor, api_key=api_key)
        if (ticket.status, status) not in CUSTOMER_MOVES:
            raise PermissionDenied(_("Only support staff can make this change."))
    fields = move_ticket(ticket, status, actor=actor, api_key=api_key, note=note)
    ticket.save(update_fields=[*fields, "updated_at"])
    announce_ticket(ticket, change="status")
    notify_client(
        ticket.client,
        "support/email/ticket_status",
        {"ticket": ticket, "note": note},
        roles=notified_roles(ticket),
    )
    return ticket
