"""Receivers of the money side of usage (connected in ``UsageConfig.ready``).

- ``billing.signals.run_preparing``: the run posts the consumption and quality penalties;
- ``usage.signals.calls_rated`` (ucore's rating, after each pass commits, the pass having
  rewritten the consumption page's roll-up): prepaid debits (USE-8), consumption alerts,
  platform limits (USE-5), last traffic (ACC-6);
- ``billing.signals.document_issued``: an invoice's call annex stored as issued (BIL-3);
- ``usage.signals.breach_recorded``: the customer is told and partners get a webhook (USE-4);
- ``post_save`` of the prepaid ledger: a top-up lifts a suspension for an exhausted balance.
"""

import logging

from django.conf import settings
from django.utils import translation

from usage.services import billing, breach_notices, post_rating, prepaid

log = logging.getLogger(__name__)


def on_run_preparing(sender, month, target, today, **kwargs) -> None:
    """Receiver of ``billing.signals.run_preparing``, in this order: HOSTED-A's calls of the
    month take the tariff "en vigueur au jour de la facturation" (HOSTED-A 6); each prepaid
    customer's month is squared with the ledger at the amounts then invoiced (USE-8); the
    consumption and the quality penalties are posted (USE-6), the lines in French (BIL-3)."""
    with translation.override(settings.LANGUAGE_CODE):
        billing.rerate_hosted_a(month)
        prepaid.prepaid_before_run(month)
        billing.consumption_post_for_run(month, today)


def on_calls_rated(sender, batch_id=None, keys=(), **kwargs) -> None:
    """After a rating pass (which rewrote the page's roll-up): the rest in a task (it would
    double the import's time inline: bench/rating.py)."""
    keys = sorted({(c, m) for c, m in keys if c is not None})
    if not keys:
        return
    from usage import money_tasks

    payload = [(c, m.isoformat()) for c, m in keys]
    try:
        money_tasks.after_rating.delay(batch_id, payload)
    except Exception:  # the broker is down: do it here rather than never
        log.exception("after_rating not queued; running it inline")
        post_rating.after_rating(batch_id=batch_id, keys=keys)


def on_breach_recorded(sender, breach_id: int, **kwargs) -> None:
    """USE-4: the customer is notified of the breach (once) and partners get the event."""
    breach_notices.breach_tell(breach_id)


def connect() -> None:
    from django.db.models.signals import post_save

    from billing.signals import document_issued, run_preparing
    from payments.models import PrepaidEntry
    from usage import signals
    from usage.services.annexes import on_document_issued

    run_preparing.connect(on_run_preparing, dispatch_uid="usage.run_preparing")
    document_issued.connect(on_document_issued, dispatch_uid="usage.annex")
    post_save.connect(prepaid.on_prepaid_entry, sender=PrepaidEntry, dispatch_uid="usage.topup")
    signals.calls_rated.connect(on_calls_rated, dispatch_uid="usage.calls_rated")
    signals.breach_recorded.connect(on_breach_recorded, dispatch_uid="usage.breach_recorded")
