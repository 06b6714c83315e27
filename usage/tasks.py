"""Usage jobs (ucore): CDR imports, the inbox folder, partitions and retention. Thin: each takes
ids and calls a service; all are idempotent (a batch resumes at its first uncommitted chunk)."""

import os

from celery import shared_task

from usage import money_tasks  # noqa: F401 (a worker registers the tasks modules' imports only)
from usage.services import imports, inbox, partitions, retention, tariff_changes


@shared_task(name="usage.tasks.import_run", acks_late=True, reject_on_worker_lost=True)
def import_run(batch_id: int) -> dict:
    chunk = int(os.environ.get("USAGE_IMPORT_CHUNK_LINES", imports.CHUNK_LINES))
    batch = imports.import_run(batch_id, chunk_lines=chunk)
    return {"status": batch.status, "imported": batch.imported, "rejected": batch.rejected}


@shared_task(name="usage.tasks.inbox_scan", acks_late=True)
def inbox_scan() -> dict:
    """New files of the inbox folder, and the imports a dead worker left behind."""
    resumed = imports.imports_resume()  # first: the scan's new batches are queued once
    return {"queued": [batch.pk for batch in inbox.inbox_scan()], "resumed": resumed}


@shared_task(name="usage.tasks.imports_resume", acks_late=True)
def imports_resume() -> list[int]:
    return imports.imports_resume()


@shared_task(name="usage.tasks.partitions_daily", acks_late=True)
def partitions_daily() -> dict:
    """The months ahead created; the traffic data older than 12 months purged (PLATFORM 6.7)."""
    created = partitions.partitions_maintain()
    return {"created": [str(m) for m in created], **retention.retention_purge()}


@shared_task(name="usage.tasks.tariffs_announce", acks_late=True)
def tariffs_announce() -> int | None:
    """CON-6 (HOSTED-A 6, PLATFORM 12.2), nightly: the tariffs entered yesterday are told to the
    customers (once: a redelivery finds nothing left to tell)."""
    announcement = tariff_changes.tariffs_announce()
    return announcement.pk if announcement else None
