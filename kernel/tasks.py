"""The kernel's periodic work."""

from celery import shared_task

from kernel import changes


@shared_task(name="kernel.tasks.prune_changes", acks_late=True)
def prune_changes() -> int:
    """The change log's rows that no kept page can still need (``kernel.changes.prune``);
    idempotent: a second run in the same minutes deletes nothing."""
    return changes.prune()
