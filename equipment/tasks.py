"""Equipment's daily job (EQP-5, EQP-6): thin, idempotent."""

from celery import shared_task

from equipment.services.catalogue import catalogue_refresh
from equipment.services.returns import daily as returns_daily
from kernel.clock import paris_today


@shared_task(name="equipment.tasks.daily", acks_late=True)
def daily() -> dict:
    today = paris_today()
    return {**returns_daily(today), "prices_in_force": catalogue_refresh(today)}
