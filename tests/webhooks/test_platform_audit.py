"""SPEC §9 webhooks (ACC-3), read as a partner integrating for the first time: what happens to
the events of a disabled endpoint, how long an attempt may last, how a message is verified."""

import base64
import hashlib
import hmac
import json
import socket
import threading
import time

import pytest
from django.urls import reverse
from django.utils import translation

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


class _TricklingServer:
    """An endpoint that answers 200, but one header line every ``pace`` seconds: each read of
    the socket gets something well within the timeout, the whole answer takes ``lines × pace``
    seconds."""

    def __init__(self, lines, pace):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/hooks"
        self.lines, self.pace = lines, pace
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        connection, _address = self.listener.accept()
        with connection:
            connection.recv(65536)
            try:
                connection.sendall(b"HTTP/1.1 200 OK\r\n")
                for i in range(self.lines):
                    time.sleep(self.pace)
                    connection.sendall(f"X-Slow-{i}: yes\r\n".encode())
                connection.sendall(b"Content-Length: 2\r\n\r\nok")
            except OSError:
                pass  # the portal gave up and closed

    def close(self):
        self.listener.close()
        self.thread.join(timeout=10)


# SPEC §9 webhooks (ACC-3): "a 2xx answer within 10 seconds is a success" (the API's word on
# `status_code`). The 10 s bounded each read of the socket, not the attempt: an endpoint
# trickling its answer (a header line every 0.4 s, here with the limit set to 1 s) answered 200
# after 2.4 s and the delivery was marked succeeded; in production an attempt could outlast
# its 30 s lease, and the sweep sent the same event again while the first request was still in
# flight. The limit now bounds the whole attempt: after 1 s it is a failed attempt (no status,
# a timeout error), retried on the schedule.
def test_an_answer_slower_than_the_limit_is_a_failed_attempt(partner, monkeypatch):
    from webhooks import transport

    monkeypatch.setattr(transport, "TIMEOUT_SECONDS", 1)
    server = _TricklingServer(lines=6, pace=0.4)
    try:
        endpoint, _secret = services.create_endpoint(partner=partner, url=server.url)
        event = emit("invoice.issued", partner_id=partner.pk, data={"id": 9})
        (delivery_id,) = services.fan_out(event.pk)
        logged = services.attempt(delivery_id)
    finally:
        server.close()
    assert logged.status_code is None and "1 s" in logged.error
    assert 1000 <= logged.latency_ms < 2000
    delivery = Delivery.objects.get(pk=delivery_id)
    assert delivery.status == "pending" and delivery.attempts == 1


def _verify_as_a_partner(secret: str, headers: dict, body: bytes, now: float) -> dict:
    """The recipe of the API's document (info.description, « Webhooks »), step by step, with
    nothing but the standard library — no Standard Webhooks package."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    candidates = [
        entry.split(",", 1)[1]
        for entry in headers["webhook-signature"].split(" ")
        if entry.startswith("v1,")
    ]
    assert any(hmac.compare_digest(expected, candidate) for candidate in candidates)
    assert abs(now - int(headers["webhook-timestamp"])) <= 5 * 60
    return json.loads(body)


# SPEC §9 webhooks (ACC-3): "HMAC-signed" — but a partner reading only /api/v1/schema/ found
# the three header names and the words "Standard Webhooks", nothing it could verify a message
# with: not what is signed, with which key (the secret's whsec_ prefix? base64?), nor how the
# header is written. The document now says it, and a message delivered by the portal verifies
# with exactly that recipe, written here from the document alone (and fails with another key).
def test_a_message_verifies_with_the_recipe_of_the_api_document(partner, receiver):
    from drf_spectacular.generators import SchemaGenerator

    description = SchemaGenerator().get_schema(request=None, public=True)["info"]["description"]
    for step in (
        "whsec_",
        "base64-decode",
        "HMAC-SHA256",
        "{webhook-id}.{webhook-timestamp}.{body}",
        "v1,",
        "5 minutes",
        "de-duplicate",
        "any order",
    ):
        assert step in description, step

    endpoint, secret = services.create_endpoint(partner=partner, url=receiver.url)
    event = emit("invoice.issued", partner_id=partner.pk, data={"id": 9, "number": "F1"})
    (delivery_id,) = services.fan_out(event.pk)
    services.attempt(delivery_id)
    (request,) = receiver.requests
    headers = {k.lower(): v for k, v in request["headers"].items()}
    message = _verify_as_a_partner(secret, headers, request["body"], time.time())
    assert message["type"] == "invoice.issued" and message["data"]["number"] == "F1"
    assert headers["webhook-id"] == event.pk
    with pytest.raises(AssertionError):
        _verify_as_a_partner(secret, headers, request["body"] + b" ", time.time())
    with pytest.raises(AssertionError):
        other = "whsec_" + base64.b64encode(b"x" * 32).decode()
        _verify_as_a_partner(other, headers, request["body"], time.time())


# SPEC §9 webhooks (ACC-3): "is every event documented with its payload?" — a partner reading
# /api/v1/schema/ and /webhook-event-types/ got each type's name and one sentence, and for
# `data` "identifiers and key values (number, customer, status, amount)": which keys an
# invoice.issued carries (`total_incl_tax`? `amount`?), it learned from the first message. Each
# type now lists the keys of its `data` (the schema says what ids, amounts and dates look like),
# and the tests refuse an event carrying a key its type does not document.
def test_every_event_type_documents_the_keys_of_its_data(api):
    from drf_spectacular.generators import SchemaGenerator

    rows = api.get(reverse("api:webhook-event-type-list")).json()
    assert rows and all(row["data"] for row in rows)
    data = {row["name"]: row["data"] for row in rows}
    assert data["invoice.issued"] == ["id", "number", "customer", "issue_date", "total_incl_tax"]
    assert data["equipment.shipped"] == ["customer", "serial_numbers", "order", "rma"]
    assert data["webhook.ping"] == ["endpoint", "url"]
    with translation.override("en"):
        schema = SchemaGenerator().get_schema(request=None, public=True)
    component = schema["components"]["schemas"]
    described = component["EventType"]["properties"]["data"]["description"]
    assert "never JSON numbers" in described and "UTC offset" in described

    with pytest.raises(LookupError, match="does not document"):
        emit("invoice.issued", partner_id=1, data={"id": 1, "amount": "449.21"})


def test_the_real_events_carry_exactly_their_documented_keys(tenant, partner):
    # The contract's life, a ticket's reply and a payment, as the apps announce them: each
    # event's keys are its type's documented ones, every one of them there.
    from datetime import date

    from kernel.events import CATALOGUE
    from kernel.models import OutboxEvent
    from offers import services as offers
    from offers.choices import SuspensionReason
    from payments import services as payments
    from support import services as support
    from support.choices import TicketKind
    from tests.offers.factories import make_contract
    from tests.support.factories import make_staff, reseller_billed

    reseller_billed(tenant.client)  # its customer pays us directly: the payment is its own
    contract = make_contract(tenant.client, "hosted-a")
    offers.contract_suspend(contract=contract, reason=SuspensionReason.NON_PAYMENT)
    offers.contract_lift_suspension(contract=contract)
    ticket = support.ticket_open(
        client=tenant.client, kind=TicketKind.QUESTION, subject="Fax", body="Does it work?"
    )
    support.ticket_reply(ticket=ticket, body="Yes it does.", actor=make_staff())
    payments.payment_record(
        client=tenant.client,
        amount="120.00",
        method="transfer",
        received_on=date(2026, 11, 2),
        reference="VIR-1",
    )
    events = list(OutboxEvent.objects.all())
    assert {e.type for e in events} >= {
        "contract.activated",
        "contract.suspended",
        "contract.resumed",
        "ticket.updated",
        "payment.received",
    }
    for event in events:
        assert sorted(event.data) == sorted(CATALOGUE[event.type].data), event.type
