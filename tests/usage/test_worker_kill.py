"""SPEC §4 / issue 15: an import whose worker is SIGKILLed mid-file and restarted ends with
each call exactly once — chunks (two at a time, a window of the file split by customer) commit
with the lines they did (``next_line`` and ``done_ranges``: resumable), the lease is an
advisory lock freed with the dead worker's connection, and ``imports_resume`` re-queues it."""

import pytest
from django.db import transaction

from portal.celery import app
from tests.usage.core_helpers import account, at, csv_of, row, seconds
from usage.choices import ImportSource
from usage.models import CallRecord, ImportBatch
from usage.services import imports

pytestmark = pytest.mark.celery_worker
ROWS = 6000
WORKER_ENV = {"USAGE_IMPORT_CHUNK_LINES": "200", "USAGE_IMPORT_WORKERS": "2"}


@pytest.fixture
def to_workers(live_workers, monkeypatch):
    monkeypatch.setitem(app.conf, "CELERY_TASK_DEFAULT_QUEUE", live_workers.queue)
    return live_workers


def test_sigkilled_import_resumes_and_imports_each_call_once(to_workers):
    # Three customers in turn (a carrier's file in call order): windows of 10 chunks of 200
    # lines, each split by customer (parts of a window commit on their own).
    sips = [account("sip-unl") for _ in range(3)]
    content = csv_of(
        [
            row(
                sips[i % 3],
                f"+3314{i:07d}",
                start=at(2) + seconds(7 * i),
                duration=30,
                call_id=f"k{i}",
            )
            for i in range(ROWS)
        ]
    )
    worker = to_workers.start(env=WORKER_ENV)
    with transaction.atomic():
        batch = imports.import_create(
            source=ImportSource.COMMAND, filename="kill.csv", content=content
        )

    def midway():
        current = ImportBatch.objects.get(pk=batch.pk)
        return current.status == "running" and 2 + 1000 < current.next_line < ROWS - 1000

    assert to_workers.wait_for(midway, timeout=120), to_workers.log_tail()
    to_workers.kill(worker)  # SIGKILL mid-file: the current chunk's transaction is lost
    killed = ImportBatch.objects.get(pk=batch.pk)
    assert killed.status == "running" and killed.next_line < ROWS + 2
    assert CallRecord.objects.count() == killed.imported < ROWS

    to_workers.start(env=WORKER_ENV)
    with transaction.atomic():
        transaction.on_commit(lambda: app.send_task("usage.tasks.imports_resume"))
    done = to_workers.wait_for(
        lambda: ImportBatch.objects.get(pk=batch.pk).status == "done", timeout=180
    )
    assert done, to_workers.log_tail()
    batch.refresh_from_db()
    assert (batch.rows_read, batch.imported, batch.duplicates, batch.rejected) == (ROWS, ROWS, 0, 0)
    assert CallRecord.objects.count() == ROWS
    assert CallRecord.objects.values("call_id").distinct().count() == ROWS
    assert CallRecord.objects.filter(rated=True).count() == ROWS
