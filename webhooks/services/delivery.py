"""Delivering events (SPEC §9, webhooks): one ``Delivery`` per event and subscribed endpoint, each
attempt signed (Standard Webhooks: ``webhook-id``, ``webhook-timestamp``, ``webhook-signature``)
and logged; failures retried on a back-off schedule of more than 24 hours; an endpoint failing for
``WEBHOOKS_DISABLE_AFTER_HOURS`` is disabled and its partner told.

At least once: a delivery is held by a short lease while its request is in flight, so a worker
killed mid-request leaves it due again once the lease expires, and the sweep picks it up.
"""

import json
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from standardwebhooks.webhooks import Webhook

from kernel.errors import InvalidTransition
from kernel.models import OutboxEvent
from webhooks import transport
from webhooks.choices import DeliveryStatus
from webhooks.events import PING
from webhooks.models import Delivery, DeliveryAttempt, EndpointSecret, WebhookEndpoint
from webhooks.services.endpoints import BY_FAILURES, disable_endpoint

# Seconds to wait after each failed attempt (Standard Webhooks' suggestion): 8 attempts over
# 27 h 35 min; the last failure leaves the delivery failed.
RETRY_SCHEDULE = (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600)
DISABLE_AFTER_HOURS = 5 * 24


def retry_schedule() -> tuple[int, ...]:
    return tuple(getattr(settings, "WEBHOOKS_RETRY_SCHEDULE", RETRY_SCHEDULE))


def lease() -> timedelta:
    return timedelta(
        seconds=getattr(settings, "WEBHOOKS_LEASE_SECONDS", transport.TIMEOUT_SECONDS + 20)
    )


def fan_out(event_id: str) -> list[int]:
    """Create the deliveries of an event, once: one per endpoint of its partner subscribed to
    its type when the event is dispatched. Returns the ids of its pending deliveries.

    A disabled endpoint gets its delivery too, failed at once with no attempt (nothing is sent
    there while it is disabled): the partner finds it among its failed deliveries and
    redelivers it once the endpoint is enabled again, rather than losing the event."""
    with transaction.atomic():
        event = OutboxEvent.objects.select_for_update().filter(pk=event_id).first()
        if event is None:
            return []
        if event.dispatched_at is None:
            endpoints = WebhookEndpoint.objects.filter(partner_id=event.partner_id)
            now = timezone.now()
            Delivery.objects.bulk_create(
                [
                    Delivery(event=event, endpoint=endpoint, next_attempt_at=now)
                    if endpoint.is_active
                    else Delivery(event=event, endpoint=endpoint, status=DeliveryStatus.FAILED)
                    for endpoint in endpoints
                    if endpoint.wants(event.type)
                ],
                ignore_conflicts=True,
            )
            event.dispatched_at = now
            event.save(update_fields=["dispatched_at"])
        return list(
            Delivery.objects.filter(event=event, status=DeliveryStatus.PENDING).values_list(
                "pk", flat=True
            )
        )


def dispatch_without_endpoints(event_ids: list[str]) -> list[str]:
    """Mark dispatched the events whose partner has no endpoint (nothing to deliver) and
    return the others, which need ``fan_out`` (a disabled endpoint keeps its failed delivery)."""
    partners = set(
        WebhookEndpoint.objects.filter(
            partner_id__in=OutboxEvent.objects.filter(pk__in=event_ids).values("partner_id"),
        ).values_list("partner_id", flat=True)
    )
    events = OutboxEvent.objects.filter(pk__in=event_ids, dispatched_at__isnull=True)
    events.exclude(partner_id__in=partners).update(dispatched_at=timezone.now())
    return list(events.filter(partner_id__in=partners).values_list("pk", flat=True))


def _take(delivery_id: int, *, manual: bool) -> Delivery | None:
    """Hold a delivery for one attempt, or None: held by another worker, not due, or done."""
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("event", "endpoint")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or (delivery.locked_until and delivery.locked_until > now):
            return None
        if not manual:
            if delivery.status != DeliveryStatus.PENDING:
                return None
            if delivery.next_attempt_at and delivery.next_attempt_at > now:
                return None
            if not delivery.endpoint.is_active:
                delivery.status = DeliveryStatus.FAILED
                delivery.next_attempt_at = None
                delivery.save(update_fields=["status", "next_attempt_at"])
                return None
        delivery.locked_until = now + lease()
        delivery.save(update_fields=["locked_until"])
    return delivery


def signed_request(event: OutboxEvent, endpoint: WebhookEndpoint) -> tuple[bytes, dict]:
    """The body and the Standard Webhooks headers, signed with every live secret."""
    body = json.dumps(event.payload(), cls=DjangoJSONEncoder, separators=(",", ":"))
    sent_at = datetime.now(UTC)
    secrets = EndpointSecret.live().filter(endpoint=endpoint).values_list("secret", flat=True)
    signatures = " ".join(Webhook(secret).sign(event.pk, sent_at, body) for secret in secrets)
    headers = {
        "webhook-id": event.pk,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": signatures,
    }
    return body.encode(), headers


def attempt(delivery_id: int, *, manual: bool = False) -> DeliveryAttempt | None:
    """One signed POST of a delivery, logged. An automatic failure schedules the next try (or
    fails the delivery when the schedule is spent); a manual one changes no schedule."""
    delivery = _take(delivery_id, manual=manual)
    if delivery is None:
        return None
    body, headers = signed_request(delivery.event, delivery.endpoint)
    started = timezone.now()
    response = transport.post(delivery.endpoint.url, body, headers)
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
        logged = DeliveryAttempt.objects.create(
            delivery=delivery,
            attempted_at=started,
            status_code=response.status_code,
            latency_ms=response.latency_ms,
            response_excerpt=response.excerpt,
            error=response.error,
            manual=manual,
        )
        delivery.locked_until = None
        if not manual:
            delivery.attempts += 1
        if logged.succeeded:
            delivery.status = DeliveryStatus.SUCCEEDED
            delivery.next_attempt_at = None
            if endpoint.failing_since:
                endpoint.failing_since = None
                endpoint.save(update_fields=["failing_since"])
        else:
            if not manual:
                schedule = retry_schedule()
                if delivery.attempts <= len(schedule):
                    wait = schedule[delivery.attempts - 1]
                    delivery.next_attempt_at = timezone.now() + timedelta(seconds=wait)
                else:
                    delivery.status = DeliveryStatus.FAILED
                    delivery.next_attempt_at = None
                if _note_failure(endpoint, started):
                    # Disabled by this failure: the delivery fails with the endpoint's other
                    # pending ones (saved from memory below, it stayed pending, due again).
                    delivery.status = DeliveryStatus.FAILED
                    delivery.next_attempt_at = None
        delivery.save()
    return logged


def _note_failure(endpoint: WebhookEndpoint, at) -> bool:
    """Count a failed automatic attempt in the endpoint's run of failures; whether the run has
    lasted long enough to disable the endpoint now."""
    if endpoint.failing_since is None:
        endpoint.failing_since = at
        endpoint.save(update_fields=["failing_since"])
        return False
    hours = settings.WEBHOOKS_DISABLE_AFTER_HOURS
    if endpoint.is_active and at - endpoint.failing_since >= timedelta(hours=hours):
        disable_endpoint(
            endpoint,
            reason=_(BY_FAILURES) % {"hours": hours},
            notify=True,
        )
        return True
    return False


def redeliver(delivery: Delivery) -> DeliveryAttempt | None:
    """Send a delivery again now, whatever its state (the partner asked for it) — but never to
    a disabled endpoint: nothing goes there until it is enabled again (``endpoint_disabled``)."""
    if not WebhookEndpoint.objects.filter(pk=delivery.endpoint_id, is_active=True).exists():
        raise InvalidTransition(
            _("This endpoint is disabled: enable it before asking for a redelivery."),
            code="endpoint_disabled",
        )
    return attempt(delivery.pk, manual=True)


def ping(endpoint: WebhookEndpoint) -> DeliveryAttempt | None:
    """A ``webhook.ping`` event for this endpoint only, attempted now."""
    with transaction.atomic():
        event = OutboxEvent.objects.create(
            type=PING,
            partner_id=endpoint.partner_id,
            data={"endpoint": endpoint.pk, "url": endpoint.url},
            dispatched_at=timezone.now(),
        )
        delivery = Delivery.objects.create(
            event=event, endpoint=endpoint, status=DeliveryStatus.FAILED
        )
    return attempt(delivery.pk, manual=True)
