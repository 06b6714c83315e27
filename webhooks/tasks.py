"""Webhook jobs (API-9)."""


def enqueue_fan_out(sender, event_id: str, **kwargs) -> None:
    """Receiver of ``kernel.events.event_recorded``."""


def sweep_on_start(sender=None, **kwargs) -> None:
    """Receiver of Celery's ``worker_ready``."""
