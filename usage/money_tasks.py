"""Tasks of the money side of usage (thin: ids and dates in, services do the work). Imported by
``usage.receivers`` (so workers register it through ``UsageConfig.ready``)."""

from datetime import date

from celery import shared_task

from usage.services import alerts, breach_notices, post_rating, prepaid


@shared_task(name="usage.money_tasks.after_rating", acks_late=True)
def after_rating(batch_id, keys) -> int:
    """Prepaid debits, alerts, limits and last traffic after a rating pass (idempotent)."""
    parsed = [(int(c), date.fromisoformat(m)) for c, m in keys]
    post_rating.after_rating(batch_id=batch_id, keys=parsed)
    return len(parsed)


@shared_task(name="usage.money_tasks.blocks_expire", acks_late=True)
def blocks_expire() -> int:
    """Consumption alerts: the blocks of the months ended are lifted and the platform told."""
    return alerts.blocks_expire()


@shared_task(name="usage.money_tasks.prepaid_lifts", acks_late=True)
def prepaid_lifts() -> int:
    """CON-8: the exhausted-balance suspensions a top-up's callback left open, lifted."""
    return prepaid.lifts_left()


@shared_task(name="usage.money_tasks.breaches_tell", acks_late=True)
def breaches_tell() -> int:
    """USE-4: the fair-use breaches their signal never told (a process stopped), told once."""
    return breach_notices.breaches_untold_tell()
