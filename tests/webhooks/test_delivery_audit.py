"""Audit of webhook deliveries (SPEC §9, ACC-3): what a partner's endpoint or an event can hold
that the delivery must still carry to a final state."""

import pytest
from django.urls import reverse

from kernel.events import emit
from webhooks import services
from webhooks.choices import DeliveryStatus
from webhooks.models import Delivery

pytestmark = pytest.mark.django_db


# SPEC §9 (ACC-3): an endpoint URL whose path has a non-ASCII character (accepted when saved:
# "/réception") made http.client raise UnicodeEncodeError: the ping answered 500, and an
# event's delivery was never attempted nor logged, pending forever (no retry count, no final
# state). The path is sent percent-encoded, as a browser sends it.
def test_an_endpoint_whose_path_is_not_ascii_is_delivered_to(api, partner, receiver):
    url = receiver.url + "/réception?côté=1"
    created = api.post(reverse("api:webhook-endpoint-list"), {"url": url}, format="json")
    assert created.status_code == 201, created.json()
    ping = api.post(reverse("api:webhook-endpoint-ping", args=[created.json()["id"]]))
    assert ping.status_code == 200 and ping.json()["status_code"] == 200
    event = emit("invoice.issued", partner_id=partner.pk, data={"id": 1})
    (delivery_id,) = services.fan_out(event.pk)
    logged = services.attempt(delivery_id)
    assert logged.status_code == 200
    assert Delivery.objects.get(pk=delivery_id).status == DeliveryStatus.SUCCEEDED
    assert len(receiver.requests) == 2


# SPEC §9 (ACC-3): "an endpoint whose attempts have all failed for 5 days is disabled, its
# pending deliveries are failed". The failure that disabled it (an attempt 121 hours after the
# run of failures began, past the 120 hours) failed the endpoint's other pending deliveries, but
# its own delivery was saved afterwards from memory: still pending, due again 5 minutes later
# (its 2nd attempt), on a disabled endpoint — and sent, if the partner enabled it meanwhile,
# while the others stayed failed. It is failed with them, with no attempt due.
def test_the_failure_that_disables_the_endpoint_fails_its_own_delivery(partner, receiver):
    from datetime import timedelta

    from django.utils import timezone

    endpoint, _secret = services.create_endpoint(partner=partner, url=receiver.url)
    receiver.answer(500, 500)
    (first_id,) = services.fan_out(emit("invoice.issued", partner_id=partner.pk, data={}).pk)
    (other_id,) = services.fan_out(emit("invoice.issued", partner_id=partner.pk, data={}).pk)
    services.attempt(first_id)  # 1st failure: the run begins
    type(endpoint).objects.filter(pk=endpoint.pk).update(
        failing_since=timezone.now() - timedelta(hours=121)
    )
    Delivery.objects.filter(pk=first_id).update(next_attempt_at=timezone.now())
    services.attempt(first_id)  # 2nd failure, 121 h into the run: the endpoint is disabled
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    first, other = Delivery.objects.get(pk=first_id), Delivery.objects.get(pk=other_id)
    assert other.status == DeliveryStatus.FAILED and other.next_attempt_at is None
    assert first.status == DeliveryStatus.FAILED and first.next_attempt_at is None
    assert first.attempts == 2 and first.log.count() == 2
