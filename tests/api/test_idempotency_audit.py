"""Audit of ``Idempotency-Key`` on the partner API's POSTs that create (SPEC §9: "Idempotency-Key
on POST"; ACC-3)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from accounts.api.idempotency import RETENTION
from accounts.models import IdempotencyRecord, Site
from accounts.tasks import purge_idempotency_records
from offers.models import Contract
from support.models import Ticket, TicketMessage

pytestmark = pytest.mark.django_db


def _twice(api, url, body, key="retry-1"):
    """The same POST sent twice with one Idempotency-Key (a client retrying after a timeout)."""
    first = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    again = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    return first, again


# SPEC §9 (ACC-3): a ticket, a message, a site or a contract POSTed again with its
# Idempotency-Key (a timeout, a retry) was made a second time: two tickets, two answers, two
# sites, two contracts. The retry now gets the first answer (Idempotent-Replayed) and nothing is
# made again.
def test_a_ticket_retried_with_its_idempotency_key_is_opened_once(api, tenant):
    body = {"customer": tenant.client.pk, "kind": "question", "subject": "Fax?", "body": "How?"}
    first, again = _twice(api, reverse("api:ticket-list"), body)
    assert first.status_code == again.status_code == 201, again.json()
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert Ticket.objects.count() == 1
    url = reverse("api:ticket-messages", args=[first.json()["id"]])
    messages = TicketMessage.objects.count()
    first, again = _twice(api, url, {"body": "Still there?"}, key="retry-2")
    assert first.status_code == again.status_code == 201, again.json()
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert TicketMessage.objects.count() == messages + 1
    # reading the messages with a key stores nothing and replays nothing
    assert api.get(url, HTTP_IDEMPOTENCY_KEY="retry-3").status_code == 200
    assert not IdempotencyRecord.objects.filter(key="retry-3").exists()


def test_a_site_retried_with_its_idempotency_key_is_created_once(api, tenant):
    body = {
        "client": tenant.client.pk,
        "name": "Entrepôt",
        "address_line1": "2 rue Basse",
        "postal_code": "75001",
        "city": "Paris",
        "insee_code": "75101",
    }
    sites = Site.objects.count()
    first, again = _twice(api, reverse("api:site-list"), body)
    assert first.status_code == again.status_code == 201, again.json()
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert Site.objects.count() == sites + 1


def test_a_contract_retried_with_its_idempotency_key_is_ordered_once(api, tenant):
    body = {
        "client": tenant.client.pk,
        "site": tenant.site.pk,
        "offer": "platform",
        "quantity": 1,
        "signature_date": "2026-03-02",
        "order_date": "2026-03-05",
    }
    first, again = _twice(api, reverse("api:contract-list"), body)
    assert first.status_code == again.status_code == 201, again.json()
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert Contract.objects.count() == 1


def test_the_document_says_which_creates_honour_the_key():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path in (
        "/api/v1/tickets/",
        "/api/v1/tickets/{id}/messages/",
        "/api/v1/sites/",
        "/api/v1/contracts/",
    ):
        operation = schema["paths"][path]["post"]
        assert "Idempotency-Key" in {p["name"] for p in operation["parameters"]}, path
        assert "422" in operation["responses"], path
    # a read takes no key
    messages = schema["paths"]["/api/v1/tickets/{id}/messages/"]["get"]
    assert "Idempotency-Key" not in {p["name"] for p in messages.get("parameters", [])}


# SPEC §9 (ACC-3): "the key reused for another request is a 422". A message posted as
# multipart with two files (trace-1.log, then capture.log) and posted again with the same key
# but other files (trace-2.log, then capture.log) was answered the first message again
# (Idempotent-Replayed, 201), the second one never written: the request's hash read each form
# field's last value only, so two bodies differing in any file but the last were "the same".
# Every value of every field counts now: a 422 and one message; the same body again still
# replays.
def test_a_key_reused_with_other_files_but_the_last_is_refused(api, tenant):
    from django.core.files.uploadedfile import SimpleUploadedFile

    def files(first):
        return [
            SimpleUploadedFile(first, f"{first}: SIP/2.0 503\n".encode(), "text/plain"),
            SimpleUploadedFile("capture.log", b"INVITE sip:100@example.fr\n", "text/plain"),
        ]

    ticket = api.post(
        reverse("api:ticket-list"),
        {"customer": tenant.client.pk, "kind": "question", "subject": "Echo", "body": "Echo?"},
        format="json",
    ).json()
    url = reverse("api:ticket-messages", args=[ticket["id"]])

    def post(first):
        body = {"body": "Traces attached", "attachments": files(first)}
        return api.post(url, body, format="multipart", HTTP_IDEMPOTENCY_KEY="files-1")

    first = post("trace-1.log")
    assert first.status_code == 201, first.json()
    assert post("trace-1.log")["Idempotent-Replayed"] == "true"
    other = post("trace-2.log")
    assert other.status_code == 422, other.json()
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert TicketMessage.objects.filter(ticket_id=ticket["id"], internal=False).count() == 2


# SPEC §9 (ACC-3), docs/rules.md "a POST retried": the records of Idempotency-Key were never
# purged, every POST a partner ever retried kept with its answer. The nightly purge now deletes
# those older than RETENTION (7 days; a retry after that runs again), once: a second run
# deletes nothing.
def test_idempotency_records_older_than_the_retention_are_purged_nightly(api, tenant):
    assert RETENTION == timedelta(days=7)
    assert any(
        entry["task"] == "accounts.tasks.purge_idempotency_records"
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
    )
    url = reverse("api:ticket-list")
    body = {"customer": tenant.client.pk, "kind": "question", "subject": "Fax?", "body": "How?"}
    for key in ("old", "recent"):
        assert api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key).status_code == 201
    now = timezone.now()
    IdempotencyRecord.objects.filter(key="old").update(created_at=now - RETENTION - timedelta(1))
    IdempotencyRecord.objects.filter(key="recent").update(created_at=now - RETENTION / 2)
    assert purge_idempotency_records() == 1
    assert purge_idempotency_records() == 0  # idempotent
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["recent"]
    again = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="recent")
    assert again["Idempotent-Replayed"] == "true"
    # past the retention the key is free: the POST runs again (a new ticket), kept anew
    again = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="old")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert Ticket.objects.count() == 3
