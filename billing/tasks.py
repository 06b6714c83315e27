"""Billing jobs: the month-end run (BIL-1) fanned out in batches, and PDF rendering (BIL-3)."""

import logging
from datetime import timedelta

from celery import shared_task

from billing import services
from offers.periods import month_start

logger = logging.getLogger(__name__)


@shared_task(name="billing.tasks.month_end_run")
def month_end_run(month: str | None = None, actor_id: int | None = None) -> int:
    """Beat: just after midnight Paris at the end of month M, run M (the day that just ended).
    Staff launching it from the back office pass their id, for the audit log."""
    from datetime import date

    from accounts.models import User

    day = date.fromisoformat(month) if month else services.timezone.localdate() - timedelta(days=1)
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    run, parties = services.run_start(month=month_start(day), actor=actor)
    for batch in services.batches(parties):
        run_invoice_batch.delay(run.pk, batch)
    if not parties:
        services.run_finish(run_id=run.pk)
    return len(parties)


@shared_task(name="billing.tasks.run_invoice_batch", acks_late=True)
def run_invoice_batch(run_id: int, parties: list) -> int:
    done, _errors = services.run_batch(run_id=run_id, parties=[tuple(p) for p in parties])
    services.run_finish(run_id=run_id)
    return done


@shared_task(name="billing.tasks.render_invoice_pdf")
def render_invoice_pdf(invoice_id: int) -> None:
    from billing.documents import render_and_store

    render_and_store(invoice_id)
