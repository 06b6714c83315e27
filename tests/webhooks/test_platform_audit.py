"""SPEC §9 webhooks (ACC-3), read as a partner integrating for the first time: what happens to
the events of a disabled endpoint, how long an attempt may last, how a message is verified."""

import pytest
from django.urls import reverse

from kernel.events import emit
from webhooks import services
from webhooks.models import Delivery

pytestmark = pytest.mark.django_db
ENDPOINTS = reverse("api:webhook-endpoint-list")
DELIVERIES = reverse("api:webhook-delivery-list")


# SPEC §9 webhooks (ACC-3): "nothing is delivered to it until it is enabled again" — an event
# that happened while the partner's endpoint was disabled (its receiver down for maintenance)
# was fanned out to no one: no delivery in /webhook-deliveries/, nothing to redeliver once the
# endpoint was enabled again, the invoice.issued of that day lost for good. It is now a failed
# delivery of that endpoint (0 attempts, nothing sent while disabled), listed with the others,
# that the partner redelivers once the endpoint is enabled — with the event's own webhook-id.
def test_events_of_a_disabled_endpoint_wait_as_failed_deliveries(api, partner, receiver):
    endpoint_id = api.post(ENDPOINTS, {"url": receiver.url}, format="json").json()["id"]
    assert api.post(reverse("api:webhook-endpoint-disable", args=[endpoint_id])).status_code == 200
    event = emit("invoice.issued", partner_id=partner.pk, data={"id": 9})
    assert services.fan_out(event.pk) == []  # nothing to send now
    assert receiver.requests == []

    failed = api.get(DELIVERIES, {"status": "failed", "endpoint": endpoint_id}).json()
    (row,) = failed["results"]
    assert row["event"]["id"] == event.pk and row["attempts"] == 0 and row["log"] == []
    assert row["next_attempt_at"] is None

    assert api.post(reverse("api:webhook-endpoint-enable", args=[endpoint_id])).status_code == 200
    again = api.post(reverse("api:webhook-delivery-redeliver", args=[row["id"]]))
    assert again.status_code == 200 and again.json()["status_code"] == 200
    (request,) = receiver.requests
    assert {k.lower(): v for k, v in request["headers"].items()}["webhook-id"] == event.pk
    assert Delivery.objects.get(pk=row["id"]).status == "succeeded"


def test_events_of_a_partner_whose_only_endpoint_is_disabled_are_kept(partner, receiver):
    # The same when the partner's only endpoint is disabled (the dispatch right after the
    # commit used to mark such events dispatched with no delivery at all).
    from webhooks.services.delivery import dispatch_without_endpoints

    endpoint, _secret = services.create_endpoint(partner=partner, url=receiver.url)
    services.create_endpoint(partner=partner, url=receiver.url, event_types=["ticket.updated"])
    services.disable_endpoint(endpoint, reason="maintenance")
    event = emit("invoice.issued", partner_id=partner.pk, data={"id": 9})
    for event_id in dispatch_without_endpoints([event.pk]):
        services.fan_out(event_id)
    (delivery,) = Delivery.objects.filter(event=event)
    assert delivery.endpoint_id == endpoint.pk and delivery.status == "failed"
    # an endpoint that does not subscribe to the type gets no delivery, disabled or not
    other = emit("payment.received", partner_id=partner.pk, data={"id": 3})
    for event_id in dispatch_without_endpoints([other.pk]):
        services.fan_out(event_id)
    assert list(Delivery.objects.filter(event=other).values_list("endpoint", flat=True)) == [
        endpoint.pk
    ]
