"""Webhooks' rows of the tenant-isolation matrix (tests/test_isolation.py)."""

from kernel.events import emit
from webhooks import services
from webhooks.models import Delivery, WebhookEndpoint


def _endpoint(t):
    if getattr(t, "webhook_endpoint", None) is None:
        t.webhook_endpoint, _secret = services.create_endpoint(
            partner=t.client.partner, url="http://127.0.0.1:9/isolation"
        )
    return t.webhook_endpoint


def _delivery(t):
    if getattr(t, "webhook_delivery", None) is None:
        _endpoint(t)
        event = emit("ticket.updated", partner_id=t.client.partner_id, data={"id": 0})
        (delivery_id,) = services.fan_out(event.pk)
        t.webhook_delivery = Delivery.objects.get(pk=delivery_id)
    return t.webhook_delivery


API_RESOURCES = [
    (
        "api:webhook-endpoint-list",
        "api:webhook-endpoint-detail",
        lambda t: _endpoint(t).pk,
        WebhookEndpoint,
    ),
    (
        "api:webhook-delivery-list",
        "api:webhook-delivery-detail",
        lambda t: _delivery(t).pk,
        Delivery,
    ),
]
# Commands on another partner's endpoint or delivery answer 404, nothing sent
# (tests/webhooks/test_api.py::test_other_partner_commands_404); the catalogue is no one's.
API_OTHER_ROUTES = {
    "api:webhook-endpoint-rotate-secret",
    "api:webhook-endpoint-ping",
    "api:webhook-endpoint-enable",
    "api:webhook-endpoint-disable",
    "api:webhook-delivery-redeliver",
    "api:webhook-event-type-list",
}
OWN_ROWS = {WebhookEndpoint: _endpoint, Delivery: _delivery}
