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
