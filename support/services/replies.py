"""Messages on a ticket (SLA-1, SLA-3): the customer's and staff's answers, staff's internal
notes, and the moves an answer makes."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import ApiKey, User
from accounts.notifications import notify_client
from kernel.errors import InvalidTransition
from kernel.files import files_undone_on_error
from support.choices import TicketStatus
from support.events import announce_ticket
from support.models import Ticket, TicketMessage
from support.services.attachments import attachments_save, check_attachments
from support.services.permissions import (
    is_staff,
    notified_roles,
    require_ticket_writer,
)
from support.services.ticket_status import lock_ticket, move_ticket


@transaction.atomic
@files_undone_on_error()
def ticket_reply(
    *,
    ticket: Ticket,
    body: str,
    actor: User | None = None,
    api_key: ApiKey | None = None,
    internal: bool = False,
    attachments: Iterable = (),
) -> TicketMessage:
    """A message on a ticket. A staff answer to a new ticket acknowledges it and starts the
    work (SLA-3) and is e-mailed to the customer; a staff internal note is seen by staff only.
    A customer answer to a ticket waiting for it, or to a resolved one, puts it back in
    progress. A closed ticket takes no message: open a new one."""
    ticket = lock_ticket(ticket)
    from_staff = is_staff(actor)
    if not from_staff:
        require_ticket_writer(ticket, actor=actor, api_key=api_key)
    attachments = list(attachments)
    errors: dict[str, str | list[str]] = {}
    if not body.strip():
        errors["body"] = _("Write a message.")
    if internal and not from_staff:
        errors["internal"] = _("Only support staff write internal notes.")
    attachment_errors = check_attachments(attachments)
    if attachment_errors:
        errors["attachments"] = attachment_errors
    if errors:
        raise ValidationError(errors)
    if ticket.status == TicketStatus.CLOSED:
        raise InvalidTransition(_("This ticket is closed: open a new one."), code="ticket_closed")
    message = TicketMessage.objects.create(
        ticket=ticket,
        author=actor if actor is not None and actor.is_authenticated else None,
        api_key=api_key,
        from_staff=from_staff,
        internal=internal,
        body=body.strip(),
    )
    attachments_save(message, attachments)
    fields: list[str] = []
    if from_staff and not internal:
        if ticket.first_response_at is None:
            ticket.first_response_at = message.created_at
            fields.append("first_response_at")
        if ticket.status == TicketStatus.NEW:
            fields += move_ticket(
                ticket, TicketStatus.ACKNOWLEDGED, actor=actor, note=_("Answered by support.")
            )
    elif not from_staff and ticket.status in {
        TicketStatus.WAITING_CUSTOMER,
        TicketStatus.RESOLVED,
    }:
        fields += move_ticket(
            ticket,
            TicketStatus.IN_PROGRESS,
            actor=actor,
            api_key=api_key,
            note=_("Answered by the customer."),
        )
    ticket.save(update_fields=[*dict.fromkeys(fields), "updated_at"])
    audit_record(
        action="ticket.note" if internal else "ticket.reply",
        instance=ticket,
        actor=actor,
        api_key=api_key,
        after={"message": message.pk, "from_staff": from_staff, "internal": internal},
    )
    if not internal:
        announce_ticket(ticket, change="message", message=message)
    if from_staff and not internal:
        notify_client(
            ticket.client,
            "support/email/ticket_reply",
            {"ticket": ticket, "message": message},
            roles=notified_roles(ticket),
        )
    return message
