"""Equipment's daily job (EQP-5, EQP-6): thin, idempotent."""

from celery import shared_task

from equipment.services.returns import daily as returns_daily
from kernel.clock import paris_today


@shared_task(name="equipment.tasks.daily", acks_late=True)
def daily() -> dict:
    return returns_daily(paris_today())
