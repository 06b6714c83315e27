"""Celery, for real: a worker process on Redis runs a task and its effect is in the database."""

import pytest

from accounts.models import Heartbeat
from accounts.tasks import heartbeat


@pytest.mark.celery_worker
def test_real_worker_runs_task(live_worker):
    heartbeat.apply_async(kwargs={"name": "ci"}, queue=live_worker.queue)
    heartbeat.apply_async(kwargs={"name": "ci"}, queue=live_worker.queue)
    assert live_worker.wait_for(lambda: Heartbeat.objects.filter(name="ci", beats=2).exists()), (
        open(live_worker.log).read()[-3000:]
    )
    assert Heartbeat.objects.get(name="ci").last_beat_at is not None


@pytest.mark.django_db
def test_heartbeat_counts_runs():
    assert heartbeat(name="unit") == 1
    assert heartbeat(name="unit") == 2
