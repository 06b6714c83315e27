"""E-mails that survive a mail server down: sent at once, and when the server refuses or cannot
be reached, kept (``OutgoingMail``) and sent again later by ``kernel.tasks.mail_retry`` — the
change that asked for the e-mail (committed already) never fails because of it."""

import logging
import smtplib
from datetime import timedelta

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from kernel.models import OutgoingMail

logger = logging.getLogger(__name__)

# The waits after each failed try: 5 min, 30 min, 2 h, 6 h, then a day (about 32 h in all);
# after the last, the e-mail stays in the back office with its error, unsent.
RETRY_DELAYS = [
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(hours=24),
]
MAIL_ERRORS = (smtplib.SMTPException, OSError)  # OSError: refused, timed out, unknown host


def _next_try(attempts: int):
    if attempts > len(RETRY_DELAYS):
        return None
    return timezone.now() + RETRY_DELAYS[attempts - 1]


def deliver(subject: str, body: str, to: list[str]) -> bool:
    """Send now; on a mail server error, keep the e-mail for ``mail_retry``. True if sent."""
    try:
        send_mail(subject, body, None, to)
    except MAIL_ERRORS as error:
        logger.warning("e-mail to %s not sent, kept to retry: %s", to, error)
        OutgoingMail.objects.create(
            subject=subject, body=body, to=list(to), last_error=str(error)[:2000],
            next_try_at=_next_try(1),
        )  # fmt: skip
        return False
    return True


def retry_due() -> tuple[int, int]:
    """Send again the kept e-mails whose next try is due, each in its own transaction, its row
    locked (two runs never send one twice); returns (sent, failed again)."""
    sent = failed = 0
    due = OutgoingMail.objects.filter(sent_at__isnull=True, next_try_at__lte=timezone.now())
    for pk in due.order_by("next_try_at").values_list("pk", flat=True)[:500]:
        with transaction.atomic():
            mail = (
                OutgoingMail.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, sent_at__isnull=True, next_try_at__lte=timezone.now())
                .first()
            )
            if mail is None:
                continue
            try:
                send_mail(mail.subject, mail.body, None, mail.to)
            except MAIL_ERRORS as error:
                mail.attempts += 1
                mail.last_error = str(error)[:2000]
                mail.next_try_at = _next_try(mail.attempts)
                mail.save(update_fields=["attempts", "last_error", "next_try_at"])
                failed += 1
            else:
                mail.sent_at = timezone.now()
                mail.next_try_at = None
                mail.save(update_fields=["sent_at", "next_try_at"])
                sent += 1
    return sent, failed


def retry_soon(mails) -> int:
    """Staff's "send again": the unsent of ``mails`` are due at the next run (one more try for
    those whose tries had run out)."""
    unsent = mails.filter(sent_at__isnull=True)
    return unsent.update(next_try_at=timezone.now())
