"""SPEC §9 webhooks through the partner API: endpoints (secret shown once), rotation, ping, the
delivery log and redelivery; another partner's endpoint or delivery is a 404 on every command."""

import pytest
from django.urls import reverse
from standardwebhooks.webhooks import Webhook

from kernel.events import emit
from webhooks import services
from webhooks.models import Delivery, DeliveryAttempt, WebhookEndpoint

pytestmark = pytest.mark.django_db
ENDPOINTS = reverse("api:webhook-endpoint-list")


def _create(api, url, **extra):
    return api.post(ENDPOINTS, {"url": url, **extra}, format="json")


def test_create_shows_the_secret_once(api, receiver):
    response = _create(api, receiver.url, event_types=["invoice.issued"], description="ERP")
    assert response.status_code == 201
    body = response.json()
    assert body["secret"].startswith("whsec_") and body["event_types"] == ["invoice.issued"]
    detail = api.get(reverse("api:webhook-endpoint-detail", args=[body["id"]])).json()
    assert "secret" not in detail and detail["is_active"] is True
    assert [row["id"] for row in api.get(ENDPOINTS).json()["results"]] == [body["id"]]


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"url": "https://10.1.2.3/hook"}, "url"),
        ({"url": "not a url"}, "url"),
        ({"url": "http://127.0.0.1:9/h", "event_types": ["invoice.eaten"]}, "event_types"),
        ({"url": "http://127.0.0.1:9/h", "event_types": "invoice.issued"}, "event_types"),
    ],
)
def test_create_refused_with_field_errors(api, payload, field):
    response = api.post(ENDPOINTS, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not WebhookEndpoint.objects.exists()


def test_patch_rotate_ping_disable_enable(api, receiver):
    created = _create(api, receiver.url).json()
    detail = reverse("api:webhook-endpoint-detail", args=[created["id"]])
    response = api.patch(detail, {"event_types": ["ticket.updated"]}, format="json")
    assert response.status_code == 200 and response.json()["event_types"] == ["ticket.updated"]
    assert api.patch(detail, {"url": "https://192.168.0.1/x"}, format="json").status_code == 400

    rotate = reverse("api:webhook-endpoint-rotate-secret", args=[created["id"]])
    assert api.post(rotate, {"overlap_hours": 500}, format="json").status_code == 400
    new_secret = api.post(rotate, {"overlap_hours": 2}, format="json").json()["secret"]
    assert new_secret != created["secret"]

    ping = api.post(reverse("api:webhook-endpoint-ping", args=[created["id"]]))
    assert ping.status_code == 200 and ping.json()["status_code"] == 200
    request = receiver.requests[-1]
    headers = {k.lower(): v for k, v in request["headers"].items()}
    for secret in (created["secret"], new_secret):  # both sign during the overlap
        assert Webhook(secret).verify(request["body"], headers)["type"] == "webhook.ping"

    off = api.post(reverse("api:webhook-endpoint-disable", args=[created["id"]])).json()
    assert off["is_active"] is False and off["disabled_reason"]
    on = api.post(reverse("api:webhook-endpoint-enable", args=[created["id"]])).json()
    assert on["is_active"] is True and on["disabled_reason"] == ""


def test_delivery_log_and_redelivery(api, partner, receiver):
    endpoint_id = _create(api, receiver.url).json()["id"]
    receiver.answer(500)
    event = emit("ticket.updated", partner_id=partner.pk, data={"id": 7})
    (delivery_id,) = services.fan_out(event.pk)
    services.attempt(delivery_id)
    rows = api.get(reverse("api:webhook-delivery-list"), {"endpoint": endpoint_id}).json()
    (row,) = rows["results"]
    assert row["event"]["id"] == event.pk and row["event"]["data"] == {"id": 7}
    assert row["status"] == "pending" and row["attempts"] == 1
    assert [a["status_code"] for a in row["log"]] == [500]
    again = api.post(reverse("api:webhook-delivery-redeliver", args=[delivery_id]))
    assert again.status_code == 200 and again.json()["manual"] is True
    detail = api.get(reverse("api:webhook-delivery-detail", args=[delivery_id])).json()
    assert detail["status"] == "succeeded"
    assert [a["status_code"] for a in detail["log"]] == [500, 200]
    failed = api.get(reverse("api:webhook-delivery-list"), {"status": "failed"}).json()
    assert failed["results"] == []


def test_unknown_or_other_partner_endpoint_filter_is_the_same_400(api, other_partner):
    theirs, _ = services.create_endpoint(partner=other_partner, url="http://127.0.0.1:9/x")
    answers = [
        api.get(reverse("api:webhook-delivery-list"), {"endpoint": pk}) for pk in (theirs.pk, 99999)
    ]
    assert [a.status_code for a in answers] == [400, 400]
    assert answers[0].json() == answers[1].json()


def test_other_partner_commands_404(api, other_partner, receiver):
    # ACC-3: another partner's endpoint or delivery: 404 on every command, nothing sent.
    theirs, secret = services.create_endpoint(partner=other_partner, url=receiver.url)
    event = emit("ticket.updated", partner_id=other_partner.pk, data={"id": 1})
    (delivery_id,) = services.fan_out(event.pk)
    for route in ("rotate-secret", "ping", "disable", "enable"):
        url = reverse(f"api:webhook-endpoint-{route}", args=[theirs.pk])
        assert api.post(url, {}, format="json").status_code == 404, route
    url = reverse("api:webhook-delivery-redeliver", args=[delivery_id])
    assert api.post(url).status_code == 404
    assert receiver.requests == [] and not DeliveryAttempt.objects.exists()
    theirs.refresh_from_db()
    assert theirs.is_active and theirs.secrets.count() == 1
    assert Delivery.objects.get(pk=delivery_id).status == "pending"


def test_event_type_catalogue(api):
    names = [row["name"] for row in api.get(reverse("api:webhook-event-type-list")).json()]
    assert "invoice.issued" in names and names == sorted(names)


# SPEC §9 webhooks (ACC-3) — a disabled endpoint gets nothing "until it is enabled again" (the
# API's own word on `is_active`): a partner that disabled its endpoint (its receiver down for
# maintenance, or moved) and asked for a redelivery of a failed event had it POSTed there all
# the same (and the delivery marked succeeded if anything answered 2xx). A redelivery to a
# disabled endpoint is now a 409 `endpoint_disabled`, nothing sent; enabled again, it goes.
def test_redelivery_to_a_disabled_endpoint_is_refused(api, partner, receiver):
    endpoint_id = _create(api, receiver.url).json()["id"]
    receiver.answer(500)
    event = emit("ticket.updated", partner_id=partner.pk, data={"id": 7})
    (delivery_id,) = services.fan_out(event.pk)
    services.attempt(delivery_id)
    assert api.post(reverse("api:webhook-endpoint-disable", args=[endpoint_id])).status_code == 200
    sent = len(receiver.requests)
    url = reverse("api:webhook-delivery-redeliver", args=[delivery_id])
    refused = api.post(url)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "endpoint_disabled"
    assert len(receiver.requests) == sent
    delivery = Delivery.objects.get(pk=delivery_id)
    assert delivery.status == "failed" and delivery.log.count() == 1
    assert api.post(reverse("api:webhook-endpoint-enable", args=[endpoint_id])).status_code == 200
    again = api.post(url)
    assert again.status_code == 200 and again.json()["status_code"] == 200
    assert Delivery.objects.get(pk=delivery_id).status == "succeeded"


# SPEC §9 webhooks (ACC-3) — a partner walking the delivery log page by page while it asks for
# redeliveries: a redelivery adds an attempt and changes the delivery's status, never its place
# in the list, which is ordered on what never changes (created_at, then the id). Each delivery
# comes exactly once, and the page the partner read before the redelivery is not served again
# stale (the kept page, portal.api.pagination, follows the change).
def test_a_page_walk_during_redeliveries_lists_each_delivery_once(api, partner, receiver):
    _create(api, receiver.url)
    events = [emit("ticket.updated", partner_id=partner.pk, data={"id": n}) for n in range(5)]
    ids = [services.fan_out(event.pk)[0] for event in events]
    url = reverse("api:webhook-delivery-list")
    seen, page = [], 1
    while True:
        body = api.get(url, {"page_size": 2, "page": page}).json()
        seen += [(row["id"], row["status"]) for row in body["results"]]
        # the oldest and the newest are redelivered between two pages
        for delivery_id in (ids[0], ids[-1]) if page == 1 else ():
            answer = api.post(reverse("api:webhook-delivery-redeliver", args=[delivery_id]))
            assert answer.status_code == 200
        if body["next"] is None:
            break
        page += 1
    assert [pk for pk, _status in seen] == ids[::-1]  # newest first, each once
    assert seen[-1] == (ids[0], "succeeded")  # read after its redelivery, as it is now
    again = api.get(url, {"page_size": 2}).json()["results"]
    assert [(row["id"], row["status"]) for row in again][0] == (ids[-1], "succeeded")
