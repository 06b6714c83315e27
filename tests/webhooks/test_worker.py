"""SPEC §9 webhooks through real Celery workers on Redis and PostgreSQL: an endpoint answering
500 twice then 200 receives the event three times with the same id and a valid signature, and
the log shows the three attempts; a worker killed between the commit and the delivery loses
nothing: the restarted worker delivers."""

import pytest
from django.db import transaction
from standardwebhooks.webhooks import Webhook

from kernel.events import emit
from portal.celery import app
from webhooks import services
from webhooks.models import Delivery

pytestmark = pytest.mark.celery_worker
WORKER_ENV = {
    "WEBHOOKS_RETRY_SCHEDULE": "1,1,1",
    "WEBHOOKS_LEASE_SECONDS": "3",
    "WEBHOOKS_DISPATCH_GRACE_SECONDS": "0",
    "WEBHOOKS_ALLOW_LOOPBACK": "true",
}


@pytest.fixture
def to_workers(live_workers, monkeypatch):
    """Tasks sent after a commit in this process go to the test workers' queue."""
    monkeypatch.setitem(app.conf, "CELERY_TASK_DEFAULT_QUEUE", live_workers.queue)
    return live_workers


def _announce(partner):
    with transaction.atomic():
        return emit("ticket.updated", partner_id=partner.pk, data={"id": 42, "status": "new"})


def test_retried_until_delivered_with_one_id(to_workers, partner, receiver):
    endpoint, secret = services.create_endpoint(partner=partner, url=receiver.url)
    receiver.answer(500, 500)
    to_workers.start(env=WORKER_ENV)
    event = _announce(partner)
    assert to_workers.wait_for(lambda: len(receiver.requests) >= 3, timeout=40), (
        to_workers.log_tail()
    )
    assert to_workers.drain()
    assert len(receiver.requests) == 3
    ids = set()
    for request in receiver.requests:
        headers = {k.lower(): v for k, v in request["headers"].items()}
        ids.add(headers["webhook-id"])
        assert Webhook(secret).verify(request["body"], headers)["data"]["id"] == 42
    assert ids == {event.pk}
    delivery = Delivery.objects.get(event=event, endpoint=endpoint)
    assert delivery.status == "succeeded" and delivery.attempts == 3
    assert [a.status_code for a in delivery.log.all()] == [500, 500, 200]
    assert all(a.latency_ms >= 0 and not a.manual for a in delivery.log.all())


def test_worker_killed_after_the_commit_delivers_after_restart(to_workers, partner, receiver):
    services.create_endpoint(partner=partner, url=receiver.url)
    worker = to_workers.start(env=WORKER_ENV)
    to_workers.kill(worker)  # dead before the event's message can be taken
    event = _announce(partner)
    assert receiver.requests == []
    # The message waits in the broker; whether it survives or not, the restarted worker's
    # sweep finds the undispatched event in the outbox.
    to_workers.start(env=WORKER_ENV)
    assert to_workers.wait_for(lambda: receiver.requests, timeout=40), to_workers.log_tail()
    assert to_workers.drain()
    headers = {k.lower(): v for k, v in receiver.requests[0]["headers"].items()}
    assert headers["webhook-id"] == event.pk
    assert Delivery.objects.get(event=event).status == "succeeded"


def test_worker_killed_during_the_request_redelivers(to_workers, partner, receiver):
    # The endpoint is slow on the first call: the worker dies while the request is in flight,
    # before it could log anything. Once the lease ends, the restarted worker sends it again.
    services.create_endpoint(partner=partner, url=receiver.url)
    receiver.delay_first(6)
    worker = to_workers.start(env=WORKER_ENV)
    event = _announce(partner)
    assert to_workers.wait_for(lambda: receiver.requests, timeout=30), to_workers.log_tail()
    to_workers.kill(worker)
    assert Delivery.objects.get(event=event).log.count() == 0
    to_workers.start(env=WORKER_ENV)
    assert to_workers.wait_for(
        lambda: Delivery.objects.get(event=event).status == "succeeded", timeout=40
    ), to_workers.log_tail()
    assert to_workers.drain()
    ids = {
        dict((k.lower(), v) for k, v in r["headers"].items())["webhook-id"]
        for r in receiver.requests
    }
    assert ids == {event.pk} and len(receiver.requests) == 2
