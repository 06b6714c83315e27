"""Webhook jobs (SPEC §9, webhooks): fan an event out once its transaction commits, attempt each
delivery, and a sweep (beat, every minute, and at each worker start) that catches up with what
a lost signal or a killed worker left behind. Every task is idempotent: a duplicate message finds
the work done or held and does nothing."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from kernel.models import OutboxEvent
from webhooks.choices import DeliveryStatus
from webhooks.models import Delivery
from webhooks.services import delivery as deliveries

logger = logging.getLogger(__name__)
SWEEP_BATCH = 500
# Waits longer than this are left to the sweep rather than held as countdown messages.
SHORT_WAIT_SECONDS = 120


@shared_task(name="webhooks.tasks.fan_out", acks_late=True)
def fan_out(event_id: str) -> int:
    pending = deliveries.fan_out(event_id)
    for delivery_id in pending:
        deliver.delay(delivery_id)
    return len(pending)


@shared_task(name="webhooks.tasks.deliver", acks_late=True)
def deliver(delivery_id: int) -> str:
    logged = deliveries.attempt(delivery_id)
    if logged is None:
        return "skipped"
    delivery = Delivery.objects.get(pk=delivery_id)
    if delivery.status == DeliveryStatus.PENDING and delivery.next_attempt_at:
        wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
        if wait <= SHORT_WAIT_SECONDS:
            deliver.apply_async((delivery_id,), countdown=max(0.0, wait))
    return delivery.status


@shared_task(name="webhooks.tasks.sweep")
def sweep() -> int:
    """Dispatch events whose signal was lost; enqueue deliveries that are due and not held."""
    now = timezone.now()
    # An event still undispatched this long after it was recorded lost its signal (a crash).
    grace = timedelta(seconds=settings.WEBHOOKS_DISPATCH_GRACE_SECONDS)
    events = OutboxEvent.objects.filter(
        dispatched_at__isnull=True, occurred_at__lte=now - grace
    ).values_list("pk", flat=True)[:SWEEP_BATCH]
    for event_id in events:
        fan_out.delay(event_id)
    due = (
        Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    for delivery_id in due:
        deliver.delay(delivery_id)
    # Held by a worker that may be dead: try again as soon as the lease ends.
    held = Delivery.objects.filter(
        status=DeliveryStatus.PENDING,
        next_attempt_at__lte=now,
        locked_until__gt=now,
        locked_until__lte=now + timedelta(seconds=SHORT_WAIT_SECONDS),
    ).values_list("pk", "locked_until")[:SWEEP_BATCH]
    for delivery_id, locked_until in held:
        countdown = (locked_until - now).total_seconds() + 1
        deliver.apply_async((delivery_id,), countdown=countdown)
    return len(events) + len(due) + len(held)


def enqueue_fan_out(sender, event_ids: list[str], **kwargs) -> None:
    """Receiver of ``kernel.events.event_recorded`` (sent after the commit): events of partners
    with no active endpoint are dispatched at once, with no message; the others are fanned out
    on a worker."""
    for event_id in deliveries.dispatch_without_endpoints(event_ids):
        fan_out.delay(event_id)


def sweep_on_start(sender=None, **kwargs) -> None:
    """Receiver of Celery's ``worker_ready``: a restarted worker catches up at once, not at the
    next beat."""
    sweep.delay()
