"""SPEC §9 webhooks (ACC-3): events written in the transaction of their change, fanned out to the
partner's endpoints, signed per Standard Webhooks, retried with back-off over more than 24 hours,
logged per attempt; endpoints that keep failing are disabled and their partner told."""

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from kernel.events import CATALOGUE, emit
from kernel.models import OutboxEvent
from webhooks import services
from webhooks.choices import DeliveryStatus
from webhooks.models import Delivery, EndpointSecret
from webhooks.transport import validate_url

pytestmark = pytest.mark.django_db
EVENT = "invoice.issued"


@pytest.fixture
def endpoint(partner, receiver):
    endpoint, secret = services.create_endpoint(partner=partner, url=receiver.url)
    endpoint.first_secret = secret
    return endpoint


def _event(partner, **data):
    return emit(EVENT, partner_id=partner.pk, data={"id": 1, **data})


def _deliver(event):
    (delivery_id,) = services.fan_out(event.pk)
    return Delivery.objects.get(pk=delivery_id)


def test_catalogue_starts_with_the_issue_events():
    # SPEC §9: the catalogue every app registers into (each app's events module).
    expected = {
        "invoice.issued",
        "credit_note.issued",
        "payment.received",
        "contract.activated",
        "contract.suspended",
        "contract.resumed",
        "contract.terminated",
        "channel_order.paid",
        "channel_order.active",
        "ticket.updated",
        "availability_report.ready",
        "quantity_increase.requested",  # PLATFORM 28: an increase asked, awaiting us
        "quantity_increase.accepted",  # PLATFORM 28: our decision on an increase asked
        "quantity_increase.refused",
        "termination.scheduled",  # CON-4: a termination recorded, then cancelled
        "termination.cancelled",
        "webhook.ping",
    }
    assert expected <= set(CATALOGUE)


def test_event_exists_only_if_its_transaction_commits(partner):
    # SPEC §9: the outbox row is written in the transaction of the change it announces.
    with pytest.raises(RuntimeError), transaction.atomic():
        _event(partner)
        raise RuntimeError("the change failed")
    assert not OutboxEvent.objects.exists()
    _event(partner)
    assert OutboxEvent.objects.count() == 1


def test_unknown_type_and_partnerless_events(partner):
    with pytest.raises(LookupError):
        emit("invoice.exploded", partner_id=partner.pk, data={})
    assert emit(EVENT, partner_id=None, data={}) is None
    assert not OutboxEvent.objects.exists()


def test_fan_out_once_to_subscribed_active_endpoints(partner, other_partner, receiver):
    mine, _ = services.create_endpoint(partner=partner, url=receiver.url)
    services.create_endpoint(partner=partner, url=receiver.url, event_types=["ticket.updated"])
    off, _ = services.create_endpoint(partner=partner, url=receiver.url)
    services.disable_endpoint(off, reason="maintenance")
    services.create_endpoint(partner=other_partner, url=receiver.url)
    event = _event(partner)
    first = services.fan_out(event.pk)
    assert [Delivery.objects.get(pk=pk).endpoint_id for pk in first] == [mine.pk]
    # A second message for the same event (at-least-once queues) creates nothing more, and an
    # endpoint registered after the dispatch does not receive older events.
    services.create_endpoint(partner=partner, url=receiver.url)
    assert services.fan_out(event.pk) == first
    # the disabled endpoint's delivery is failed at once, kept for a redelivery once enabled
    assert sorted(Delivery.objects.values_list("endpoint_id", "status")) == [
        (mine.pk, "pending"),
        (off.pk, "failed"),
    ]


def test_signed_delivery_logged(endpoint, receiver, partner):
    event = _event(partner, number="F-2026-000001")
    delivery = _deliver(event)
    logged = services.attempt(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert logged.status_code == 200 and logged.response_excerpt == '{"ok": true}'
    (request,) = receiver.requests
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert headers["webhook-id"] == event.pk
    payload = Webhook(endpoint.first_secret).verify(request["body"], headers)
    assert payload["type"] == EVENT
    assert payload["data"] == {"id": 1, "number": "F-2026-000001"}
    # Anyone else's secret does not verify.
    with pytest.raises(WebhookVerificationError):
        Webhook(EndpointSecret.generate()).verify(request["body"], headers)


@override_settings(WEBHOOKS_RETRY_SCHEDULE=(5, 300, 1800))
def test_back_off_then_failed(endpoint, receiver, partner):
    receiver.answer(500, 503, 500, 502)
    delivery = _deliver(_event(partner))
    waits = []
    for _ in range(4):
        before = timezone.now()
        services.attempt(delivery.pk)
        delivery.refresh_from_db()
        if delivery.next_attempt_at:
            waits.append(round((delivery.next_attempt_at - before).total_seconds()))
            Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert waits == [5, 300, 1800]
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 4
    assert [a.status_code for a in delivery.log.all()] == [500, 503, 500, 502]
    assert delivery.log.first().response_excerpt == "upstream exploded"


def test_not_due_or_done_deliveries_are_not_sent_twice(endpoint, receiver, partner):
    receiver.answer(500)
    delivery = _deliver(_event(partner))
    services.attempt(delivery.pk)
    assert services.attempt(delivery.pk) is None  # the next try is in 5 s, not now
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    services.attempt(delivery.pk)
    assert services.attempt(delivery.pk) is None  # delivered: a duplicate message does nothing
    assert len(receiver.requests) == 2


def test_default_schedule_lasts_more_than_a_day():
    from django.conf import settings

    # SPEC §9: retried with exponential back-off for at least 24 hours.
    schedule = settings.WEBHOOKS_RETRY_SCHEDULE
    assert sum(schedule) >= 24 * 3600
    assert list(schedule) == sorted(schedule)


def test_rotation_signs_with_both_secrets_during_the_overlap(endpoint, receiver, partner):
    new_secret = services.rotate_secret(endpoint, overlap=timedelta(hours=24))
    services.attempt(_deliver(_event(partner)).pk)
    request = receiver.requests[-1]
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (endpoint.first_secret, new_secret):
        Webhook(secret).verify(request["body"], headers)
    # After the overlap, only the new secret signs.
    EndpointSecret.objects.filter(secret=endpoint.first_secret).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    services.attempt(_deliver(_event(partner, id=2)).pk)
    headers = {k.lower(): v for k, v in receiver.requests[-1]["headers"].items()}
    assert len(headers["webhook-signature"].split(" ")) == 1
    Webhook(new_secret).verify(receiver.requests[-1]["body"], headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint.first_secret).verify(receiver.requests[-1]["body"], headers)


@pytest.mark.parametrize("overlap", [timedelta(hours=-1), timedelta(days=8)])
def test_rotation_overlap_bounds(endpoint, overlap):
    with pytest.raises(ValidationError):
        services.rotate_secret(endpoint, overlap=overlap)


@override_settings(WEBHOOKS_DISABLE_AFTER_HOURS=120)
def test_endpoint_disabled_after_sustained_failure(
    endpoint, receiver, partner, django_capture_on_commit_callbacks
):
    receiver.answer(500, 500)
    first = _deliver(_event(partner))
    other = _deliver(_event(partner, id=2))
    services.attempt(first.pk)
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.failing_since is not None
    type(endpoint).objects.filter(pk=endpoint.pk).update(
        failing_since=timezone.now() - timedelta(hours=121)
    )
    Delivery.objects.filter(pk=first.pk).update(next_attempt_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        services.attempt(first.pk)
    endpoint.refresh_from_db()
    other.refresh_from_db()
    assert not endpoint.is_active and endpoint.disabled_reason
    assert other.status == DeliveryStatus.FAILED  # nothing more goes to a disabled endpoint
    (notice,) = mail.outbox
    assert notice.to == [partner.support_email] and endpoint.url in notice.body


def test_success_clears_the_failure_run(endpoint, receiver, partner):
    receiver.answer(500)
    delivery = _deliver(_event(partner))
    services.attempt(delivery.pk)
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    services.attempt(delivery.pk)
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None


def test_manual_redelivery_of_a_failed_delivery(endpoint, receiver, partner):
    delivery = _deliver(_event(partner))
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED)
    logged = services.redeliver(delivery)
    delivery.refresh_from_db()
    assert logged.manual and logged.status_code == 200
    assert delivery.status == DeliveryStatus.SUCCEEDED


def test_ping_reaches_one_endpoint(endpoint, receiver, partner):
    services.create_endpoint(partner=partner, url=receiver.url + "/other")
    logged = services.ping(endpoint)
    assert logged.status_code == 200
    (request,) = receiver.requests
    assert json.loads(request["body"])["type"] == "webhook.ping"


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/x",  # not HTTPS
        "https://10.0.0.8/x",  # private
        "https://192.168.1.1/x",
        "https://169.254.169.254/latest/meta-data",  # link-local (cloud metadata)
        "https://[fe80::1]/x",
        # IPv6 addresses that carry a private IPv4 one (a NAT64 or 6to4 gateway forwards them
        # to it): 169.254.169.254 and 10.0.0.8 again
        "https://[64:ff9b::a9fe:a9fe]/latest/meta-data",
        "https://[2002:a00:8::1]/x",
        "https://[::a00:8]/x",
        "https://127.0.0.1/x",  # loopback, not allowed in production
        "https://localhost/x",
        "https://user:secret@hooks.example.com/x",
        "https://no-such-host.invalid/x",
        "ftp://hooks.example.com/x",
    ],
)
@override_settings(WEBHOOKS_ALLOW_LOOPBACK=False)
def test_endpoint_url_refused(partner, url):
    # SPEC §9: HTTPS only, never a private, loopback or link-local address.
    with pytest.raises(ValidationError) as error:
        services.create_endpoint(partner=partner, url=url)
    assert "url" in error.value.message_dict


def test_public_https_url_accepted():
    validate_url("https://93.184.215.14/hooks")  # a public address


def test_address_checked_again_at_delivery(endpoint, receiver, partner):
    delivery = _deliver(_event(partner))
    with override_settings(WEBHOOKS_ALLOW_LOOPBACK=False):
        logged = services.attempt(delivery.pk)
    assert logged.status_code is None and "127.0.0.1" in logged.error
    assert receiver.requests == []


def test_unknown_event_type_refused(partner, receiver):
    with pytest.raises(ValidationError) as error:
        services.create_endpoint(partner=partner, url=receiver.url, event_types=["invoice.eaten"])
    assert "event_types" in error.value.message_dict
