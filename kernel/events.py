"""Business events (SPEC §9, webhooks): the catalogue of event types and the one ``emit()``
that every app calls.

An app declares its event types in its own ``events`` module (imported at start-up by
``KernelConfig.ready``) and calls ``emit()`` inside the transaction that makes the change:

    INVOICE_ISSUED = register("invoice.issued", _("An invoice was issued."), data=("id", ...))
    emit(INVOICE_ISSUED, partner_id=client.partner_id, data={"id": invoice.pk, ...})

The row is in the outbox when, and only when, the change commits; ``event_recorded`` is sent
after the commit for whoever delivers events (the webhooks app), which also sweeps the outbox for
events whose signal was lost (a crash between the commit and the send).
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.dispatch import Signal

from kernel.models import OutboxEvent


@dataclass(frozen=True)
class EventType:
    name: str
    description: str
    # The keys of its ``data``, in order: what ``/webhook-event-types/`` documents to partners.
    data: tuple[str, ...] = ()


CATALOGUE: dict[str, EventType] = {}

# Sent after the commit of a transaction that emitted events, with their ``event_ids``.
event_recorded = Signal()


def register(name: str, description, *, data: tuple[str, ...]) -> str:
    """Add an event type to the catalogue (idempotent) and return its name. ``data``: the keys
    of every event's ``data`` (the partner's documentation of the payload, ACC-3)."""
    if "." not in name or name != name.lower():
        raise ValueError(f"An event type is 'noun.verb' in lower case, not {name!r}")
    CATALOGUE[name] = EventType(name, description, tuple(data))
    return name


def catalogue() -> list[EventType]:
    return sorted(CATALOGUE.values(), key=lambda event_type: event_type.name)


def emit(
    event_type: str, *, partner_id: int | None, data: dict, occurred_at: datetime | None = None
) -> OutboxEvent | None:
    """Record one event in the outbox, in the caller's transaction. Events of customers who are
    nobody's (no partner) are not recorded: there is nobody to deliver them to."""
    events = emit_many([(event_type, partner_id, data)], occurred_at=occurred_at)
    return events[0] if events else None


def emit_many(
    events: list[tuple[str, int | None, dict]], *, occurred_at: datetime | None = None
) -> list[OutboxEvent]:
    """``emit()`` for many events in one INSERT (a month-end run issues thousands of invoices)."""
    unknown = {event_type for event_type, _partner, _data in events} - set(CATALOGUE)
    if unknown:
        raise LookupError(f"Unknown event types {sorted(unknown)}: register() them first")
    if getattr(settings, "WEBHOOKS_CHECK_PAYLOADS", False):  # the tests: the catalogue is true
        for event_type, _partner, data in events:
            undocumented = set(data) - set(CATALOGUE[event_type].data)
            if undocumented:
                raise LookupError(
                    f"{event_type} carries keys its register() does not document: "
                    f"{sorted(undocumented)}"
                )
    fields = {"occurred_at": occurred_at} if occurred_at else {}
    rows = OutboxEvent.objects.bulk_create(
        [
            OutboxEvent(type=event_type, partner_id=partner_id, data=data, **fields)
            for event_type, partner_id, data in events
            if partner_id is not None
        ]
    )
    if rows:
        ids = [row.pk for row in rows]
        transaction.on_commit(
            lambda: event_recorded.send(sender=OutboxEvent, event_ids=ids), robust=True
        )
    return rows
