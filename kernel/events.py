"""Business events (API-9): the catalogue of event types and the one ``emit()`` every app calls.

An app declares its event types in its own ``events`` module (imported at start-up by
``KernelConfig.ready``) and calls ``emit()`` inside the transaction that makes the change:

    INVOICE_ISSUED = register("invoice.issued", _("An invoice or a credit note was issued."))
    emit(INVOICE_ISSUED, partner_id=client.partner_id, data={"id": invoice.pk, ...})

The row is in the outbox when, and only when, the change commits; ``event_recorded`` is sent
after the commit for whoever delivers events (the webhooks app), which also sweeps the outbox for
events whose signal was lost (a crash between the commit and the send).
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.dispatch import Signal

from kernel.models import OutboxEvent


@dataclass(frozen=True)
class EventType:
    name: str
    description: str


CATALOGUE: dict[str, EventType] = {}

# Sent after the commit of a transaction that emitted events, with ``event_id``.
event_recorded = Signal()


def register(name: str, description) -> str:
    """Add an event type to the catalogue (idempotent) and return its name."""
    if "." not in name or name != name.lower():
        raise ValueError(f"An event type is 'noun.verb' in lower case, not {name!r}")
    CATALOGUE[name] = EventType(name, description)
    return name


def catalogue() -> list[EventType]:
    return sorted(CATALOGUE.values(), key=lambda event_type: event_type.name)


def emit(
    event_type: str, *, partner_id: int | None, data: dict, occurred_at: datetime | None = None
) -> OutboxEvent | None:
    """Record one event in the outbox, in the caller's transaction. Events of customers who are
    nobody's (no partner) are not recorded: there is nobody to deliver them to."""
    if event_type not in CATALOGUE:
        raise LookupError(f"Unknown event type {event_type!r}: register() it in an events module")
    if partner_id is None:
        return None
    fields = {"occurred_at": occurred_at} if occurred_at else {}
    event = OutboxEvent.objects.create(type=event_type, partner_id=partner_id, data=data, **fields)
    transaction.on_commit(
        lambda: event_recorded.send(sender=OutboxEvent, event_id=event.pk), robust=True
    )
    return event
