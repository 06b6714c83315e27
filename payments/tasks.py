"""Daily collection job (BIL-6, BIL-7): thin task around the service."""

import logging

from celery import shared_task

from payments import services

logger = logging.getLogger(__name__)


@shared_task(name="payments.tasks.daily_collection")
def daily_collection(today: str | None = None) -> dict:
    from datetime import date

    day = date.fromisoformat(today) if today else services.paris_today()
    stages = services.collection_run(today=day)
    logger.info("collection %s: %s", day, stages)
    return stages
