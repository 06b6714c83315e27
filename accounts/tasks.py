import logging

from celery import shared_task
from django.db.models import F
from django.utils import timezone

from accounts.api import idempotency
from accounts.models import Client, Heartbeat

logger = logging.getLogger(__name__)


@shared_task(name="accounts.tasks.heartbeat")
def heartbeat(name: str = "beat") -> int:
    """Periodic demo task: counts its runs in the database and says so in the log."""
    Heartbeat.objects.get_or_create(name=name)
    Heartbeat.objects.filter(name=name).update(beats=F("beats") + 1, last_beat_at=timezone.now())
    beats = Heartbeat.objects.get(name=name).beats
    logger.info("heartbeat #%s: worker alive, %s customers", beats, Client.objects.count())
    return beats


@shared_task(name="accounts.tasks.purge_idempotency_records", acks_late=True)
def purge_idempotency_records() -> int:
    """The partner API's ``Idempotency-Key`` records past their retention
    (``accounts.api.idempotency.RETENTION``), deleted; idempotent."""
    return idempotency.purge_expired()
