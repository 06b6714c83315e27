"""The kernel's periodic work."""

from celery import shared_task

from kernel import changes, mail


@shared_task(name="kernel.tasks.prune_changes", acks_late=True)
def prune_changes() -> int:
    """The change log's rows that no kept page can still need (``kernel.changes.prune``);
    idempotent: a second run in the same minutes deletes nothing."""
    return changes.prune()


@shared_task(name="kernel.tasks.mail_retry", acks_late=True)
def mail_retry() -> tuple[int, int]:
    """The e-mails a mail server refused, sent again when due (``kernel.mail.retry_due``);
    idempotent: a sent one is never sent again, two runs never take the same one."""
    return mail.retry_due()
