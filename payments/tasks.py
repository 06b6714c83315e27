"""Daily collection job (BIL-6, BIL-7), fanned out: the beat task opens the collection cases
and enqueues one task per batch of cases; each batch task calls the per-case services.

Every step is idempotent per day (the case row is locked and its reminder dates checked, a
charge is unique per source and period), so a batch redelivered after a lost worker
(``acks_late``) sends no reminder and posts no indemnity twice.
"""

import logging
from datetime import date

from celery import shared_task

from kernel.clock import paris_today
from payments.services.allocation import on_account_apply
from payments.services.collection import (
    case_batches,
    collection_batch_run,
    collection_cases_open,
    collection_due,
)
from payments.services.late_charges import late_charges_batch_post, late_charges_waiting
from payments.services.mandates import mandates_lapse
from payments.services.settlement import corrections_left_set_against

logger = logging.getLogger(__name__)


@shared_task(name="payments.tasks.daily_collection")
def daily_collection(today: str | None = None) -> dict:
    """Beat, every morning: enqueue the day's collection batches, then the batches of the cases
    whose late charges wait for an ECB rate. Returns how many cases were enqueued."""
    day = date.fromisoformat(today) if today else paris_today()
    corrections_left_set_against()  # BIL-9: a correction lowers its own invoice first
    on_account_apply(today=day)  # BIL-4: money on account settles the new invoices first
    mandates_lapse(day)  # SEPA Core: a mandate unused for 36 months collects no more
    collection_cases_open()
    due = collection_due(day)
    for batch in case_batches(due):
        collection_batch.delay(batch, day.isoformat())
    waiting = late_charges_waiting()
    for batch in case_batches(waiting):
        late_charges_batch.delay(batch)
    enqueued = {"collection": len(due), "late_charges": len(waiting)}
    logger.info("collection %s: %s", day, enqueued)
    return enqueued


@shared_task(name="payments.tasks.collection_batch", acks_late=True)
def collection_batch(case_ids: list[int], today: str) -> dict:
    """BIL-7 for a batch of cases on ``today`` (ISO date): the count per stage reached."""
    day = date.fromisoformat(today)
    stages = collection_batch_run(case_ids=case_ids, today=day)
    logger.info("collection %s, %d case(s): %s", day, len(case_ids), stages)
    return stages


@shared_task(name="payments.tasks.late_charges_batch", acks_late=True)
def late_charges_batch(case_ids: list[int]) -> dict:
    """BIL-6 for a batch of cases settled late: the count per outcome (posted or not)."""
    return late_charges_batch_post(case_ids=case_ids)
