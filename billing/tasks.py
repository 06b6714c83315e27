"""Billing jobs: the month-end run (BIL-1) fanned out in batches, and PDF rendering (BIL-3)."""

import logging
from datetime import date

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from accounts.models import User
from billing.documents import render_and_store
from billing.services.runs import batches, run_batch, run_finish, run_start, started_token
from offers.periods import add_months, month_start

logger = logging.getLogger(__name__)


@shared_task(name="billing.tasks.month_end_run")
def month_end_run(month: str | None = None, actor_id: int | None = None) -> int:
    """Beat: just after midnight Paris at the end of month M, run M — the last month that
    ended, even when beat fires late (down at 00:05 on the 1st, a missed crontab runs at its
    restart): on the 2nd it is still M, never the month under way. Staff launching it from the
    back office pass their id, for the audit log."""
    if month:
        day = month_start(date.fromisoformat(month))
    else:
        day = add_months(month_start(timezone.localdate()), -1)
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    run, parties = run_start(month=day, actor=actor)
    for batch in batches(parties):
        run_invoice_batch.delay(run.pk, batch, started_token(run))
    if not parties:
        run_finish(run_id=run.pk)
    return len(parties)


@shared_task(
    name="billing.tasks.run_invoice_batch",
    # BIL-1: the database for a moment (the batch is idempotent): otherwise the batch is never
    # counted and the run stays "running" for good.
    autoretry_for=(DatabaseError,),
    retry_backoff=10,
    retry_backoff_max=300,
    max_retries=5,
    acks_late=True,
)
def run_invoice_batch(run_id: int, parties: list, started: str | None = None) -> int:
    """One batch of a start of the run (``started``: which one; messages queued before it
    existed have none and are counted as before)."""
    parties = [tuple(p) for p in parties]
    done, _errors = run_batch(run_id=run_id, parties=parties, started=started)
    run_finish(run_id=run_id)
    return done


@shared_task(
    name="billing.tasks.render_invoice_pdf",
    autoretry_for=(OSError, DatabaseError),  # the storage or the database, for a moment
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=5,
    acks_late=True,
)
def render_invoice_pdf(invoice_id: int) -> None:
    """BIL-3: render and store an issued document's PDF; idempotent (``render_and_store``), so
    a failed render is retried (30 s, 60 s… up to 5 times; a download renders it meanwhile)."""
    render_and_store(invoice_id)


def enqueue_invoice_pdf(sender, invoice_id: int, **kwargs) -> None:
    """Receiver of ``billing.signals.document_issued`` (connected in ``BillingConfig.ready``):
    BIL-3, the issued document's PDF is rendered on a worker once the issuing transaction
    commits — unless ``BILLING_RENDER_PDF`` is off (tests, the benchmark)."""
    if getattr(settings, "BILLING_RENDER_PDF", True):
        transaction.on_commit(lambda: render_invoice_pdf.delay(invoice_id))
