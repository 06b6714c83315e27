"""E-mails that survive a mail server down: sent at once, and when the server refuses or cannot
be reached, kept (``OutgoingMail``) and sent again later by ``kernel.tasks.mail_retry`` — the
change that asked for the e-mail (committed already) never fails because of it.

A notice of a change (``keep_and_send``: a reminder, a price change, a suspension…) is kept in
the change's own transaction and sent once it commits: a process stopped between the commit and
the sending (a worker killed, a deploy) left the change made and its e-mail lost, and the job
that made it, finding the step done, never sent it again. The kept e-mail is the job's
(``COMMIT_GRACE`` later) when nobody sent it; sent at once, it is deleted."""

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
# A kept notice not sent by its commit's callback after this long lost its process: the mail
# job sends it (the callback sends within seconds; a longer wait only delays a lost one).
COMMIT_GRACE = timedelta(minutes=5)


def _next_try(attempts: int):
    if attempts > len(RETRY_DELAYS):
        return None
    return timezone.now() + RETRY_DELAYS[attempts - 1]


def deliver(subject: str, body: str, to: list[str], from_email: str = "") -> bool:
    """Send now (from ``from_email``, else ``DEFAULT_FROM_EMAIL``); on a mail server error, keep
    the e-mail, its sender with it, for ``mail_retry``. True if sent."""
    try:
        send_mail(subject, body, from_email or None, to)
    except MAIL_ERRORS as error:
        logger.warning("e-mail to %s not sent, kept to retry: %s", to, error)
        OutgoingMail.objects.create(
            subject=subject, body=body, to=list(to), from_email=from_email,
            last_error=str(error)[:2000],
            next_try_at=_next_try(1),
        )  # fmt: skip
        return False
    return True


def keep_and_send(subject: str, body: str, to: list[str], from_email: str = "") -> None:
    """Keep the e-mail (and its sender) in the caller's transaction (nothing kept if it rolls
    back) and send it once that commits; if that process never sends it, ``retry_due`` does,
    ``COMMIT_GRACE`` later. Never twice: the sender locks the row, and a sent one is gone or
    marked sent."""
    kept = OutgoingMail.objects.create(
        subject=subject, body=body, to=list(to), from_email=from_email, attempts=0,
        next_try_at=timezone.now() + COMMIT_GRACE,
    )  # fmt: skip
    transaction.on_commit(lambda: _send_kept(kept.pk))


def _send_kept(pk: int) -> bool:
    """The commit's callback of ``keep_and_send``: sent, the row is deleted (the table keeps
    what waits); refused, it is the mail job's as any refused e-mail. True if sent."""
    with transaction.atomic():
        mail = (
            OutgoingMail.objects.select_for_update(skip_locked=True)
            .filter(pk=pk, sent_at__isnull=True, attempts=0)
            .first()
        )
        if mail is None:
            return False  # the mail job has it
        try:
            send_mail(mail.subject, mail.body, mail.from_email or None, mail.to)
        except MAIL_ERRORS as error:
            logger.warning("e-mail to %s not sent, kept to retry: %s", mail.to, error)
            mail.attempts, mail.last_error = 1, str(error)[:2000]
            mail.next_try_at = _next_try(1)
            mail.save(update_fields=["attempts", "last_error", "next_try_at"])
            return False
        mail.delete()
        return True


def retry_due() -> tuple[int, int]:
    """Send again the kept e-mails whose next try is due — and the notices whose commit's
    callback never sent them (``keep_and_send``) — each in its own transaction, its row locked
    (two runs never send one twice); returns (sent, failed again)."""
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
                send_mail(mail.subject, mail.body, mail.from_email or None, mail.to)
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
