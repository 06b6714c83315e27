"""The month-end run as a job (BIL-1): start it (count the buyers, reset the progress), issue
its batches, count their outcome once each, and finish it when every buyer is counted.

The run of month M bills, per buyer (a customer, or a partner in partner-billed mode): M+1's
subscriptions in advance as each contract will stand on M+1's first day, M's first months pro
rata, consumption and one-off charges not yet invoiced, termination fees of terminations
effective by then, and the minimum-commitment top-up of M. It works in batches of buyers, each
batch in one transaction with a savepoint per buyer; the unique (buyer, month) of invoices and
(source, period) of charges are the final guards, so a rerun completes what is missing and
duplicates nothing.
"""

import logging
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.audit import audit_record
from accounts.models import Client, Partner
from billing import signals
from billing.choices import RunStatus
from billing.models import InvoiceRun
from billing.services.issuing import issue_parties, run_party
from billing.services.parties import parties_for_month
from kernel.forms import error_text
from offers.periods import add_months, month_start

logger = logging.getLogger(__name__)
BATCH_SIZE = 200


def run_batch(
    *, run_id: int, parties: list[tuple[str, int]], started: str | None = None
) -> tuple[int, list[str]]:
    """Issue the invoices of a batch of buyers: all of them in one transaction (a read per
    table, a write per table). When anything fails, that transaction is rolled back and the
    batch is redone buyer by buyer, each in its own transaction: the failure is recorded and
    the others go on. A worker killed mid-batch loses the batch's uncommitted work; the rerun
    completes it (buyers already invoiced are skipped).

    The outcome is added to the run's progress once per batch (``_count_batch``): a batch
    delivered again (``acks_late``) finds its buyers invoiced, writes nothing and changes no
    count, so the run cannot look finished while other batches are still running. ``started``
    is the start that sent the batch (``started_token``): a batch of an earlier start, delivered
    after a restart, still invoices what it can but is not counted — the restart's own batches
    count its buyers, over a list that may be sliced differently."""
    run = InvoiceRun.objects.get(pk=run_id)
    parties = [tuple(p) for p in parties]
    done, errors = len(parties), []
    try:
        with transaction.atomic():
            issue_parties(run, parties)
    except Exception:  # noqa: BLE001 — redone buyer by buyer below, failures recorded there
        logger.warning("invoice run %s: batch failed, retrying buyer by buyer", run.month)
        done, errors = 0, []
        for party in parties:
            try:
                run_party(run=run, party=party)
                done += 1
            except Exception as error:  # noqa: BLE001 — recorded for staff, the batch goes on
                logger.exception("invoice run %s: %s failed", run.month, party)
                errors.append(failure_line(party, error))
    _count_batch(run_id, parties, done, errors, started)
    return done, errors


def failure_line(party: tuple[str, int], error: Exception) -> str:
    """A failed buyer as staff read it on the run's page (in French, as the run's other texts):
    its name and id, then the service's own message for a refusal (a ``ValidationError``), or
    the kind of an unexpected error — its traceback is in the server's log."""
    kind, pk = party
    model = Partner if kind == "partner" else Client
    buyer = model.objects.filter(pk=pk).first()
    name = str(buyer) if buyer is not None else "?"
    with translation.override(settings.LANGUAGE_CODE):
        if isinstance(error, ValidationError):
            reason = error_text(error)
        else:
            reason = gettext(
                "unexpected error (%(kind)s: %(error)s), details in the server's log"
            ) % {"kind": type(error).__name__, "error": error}
        return gettext("%(name)s (%(party)s %(id)s): %(reason)s") % {
            "name": name,
            "party": kind,
            "id": pk,
            "reason": reason,
        }


def started_token(run: InvoiceRun) -> str:
    """Which start of ``run`` a batch belongs to (each start resets the progress)."""
    return run.started_at.isoformat() if run.started_at else ""


def _count_batch(run_id: int, parties, done: int, errors: list[str], started=None) -> None:
    """BIL-1: add a batch's outcome to its run's progress, once. ``done`` counts the batch's
    buyers that are settled — their invoice written (by this delivery, or by an earlier one that
    died before counting) or nothing to bill — so the run's counts reach its total exactly when
    every batch has been counted. A batch is known by its first buyer: the batches of a run are
    slices of one sorted list, so no two share one."""
    if not parties:
        return
    key = "{}:{}".format(*parties[0])
    with transaction.atomic():
        run = InvoiceRun.objects.select_for_update().get(pk=run_id)
        if started is not None and started != started_token(run):
            logger.info("invoice run %s: batch %s of an earlier start, not counted", run, key)
            return
        if key in run.batches_counted:
            logger.info("invoice run %s: batch %s delivered again, already counted", run, key)
            return
        run.done += done
        run.failed += len(errors)
        run.errors = [*run.errors, *errors][-200:]
        run.batches_counted = [*run.batches_counted, key]
        run.save(update_fields=["done", "failed", "errors", "batches_counted"])


def run_start(*, month: date, actor=None) -> tuple[InvoiceRun, list[tuple[str, int]]]:
    """Start (or restart) the run of ``month``: counts the buyers and resets the progress; the
    caller fans out ``run_batch`` over ``batches(...)``."""
    month = month_start(month)
    try:
        signals.run_preparing.send(
            sender=InvoiceRun, month=month, target=add_months(month, 1), today=timezone.localdate()
        )
    except Exception as error:
        try:
            _preparation_failed(month, error)
        except Exception:  # noqa: BLE001 — e.g. inside a broken transaction: the cause first
            logger.exception("invoice run %s: preparation failure not recorded", month)
        raise
    with transaction.atomic():
        run, _created = InvoiceRun.objects.select_for_update().get_or_create(month=month)
        parties = parties_for_month(month)
        run.status = RunStatus.RUNNING
        run.total, run.done, run.failed, run.errors = len(parties), 0, 0, []
        run.batches_counted = []
        run.started_at, run.finished_at = timezone.now(), None
        run.started_by = actor
        run.save()
        if actor is not None:
            audit_record(
                action="invoice_run.start",
                instance=run,
                actor=actor,
                after={"month": month, "parties": len(parties)},
            )
    return run, parties


def _preparation_failed(month: date, error: Exception) -> None:
    """BIL-1: the run's preparation failed (nothing invoiced): staff see it on the run's row,
    in French, rather than the previous start's progress."""
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        run, _created = InvoiceRun.objects.select_for_update().get_or_create(month=month)
        run.status, run.finished_at = RunStatus.FAILED, timezone.now()
        run.total, run.done, run.failed, run.batches_counted = 0, 0, 0, []
        run.errors = [
            gettext(
                "Run preparation failed: %(error)s. No invoice was issued; launch the run again "
                "once the cause is fixed."
            )
            % {"error": error}
        ]
        run.save()


def run_finish(*, run_id: int) -> InvoiceRun:
    """Mark the run done (or failed, when a buyer failed) once every buyer is counted; before
    that, leave it running."""
    with transaction.atomic():
        run = InvoiceRun.objects.select_for_update().get(pk=run_id)
        if run.done + run.failed >= run.total:
            run.status = RunStatus.FAILED if run.failed else RunStatus.DONE
            run.finished_at = timezone.now()
            run.save(update_fields=["status", "finished_at"])
    return run


def batches(parties, size=None):
    """The run's buyers in slices of ``BILLING_BATCH_SIZE``, as JSON-friendly lists."""
    size = size or getattr(settings, "BILLING_BATCH_SIZE", BATCH_SIZE)
    for i in range(0, len(parties), size):
        yield [list(p) for p in parties[i : i + size]]


def run_month_sync(*, month: date, actor=None) -> InvoiceRun:
    """The whole run in this process (tests, commands, the benchmark)."""
    run, parties = run_start(month=month, actor=actor)
    for batch in batches(parties):
        run_batch(run_id=run.pk, parties=batch, started=started_token(run))
    return run_finish(run_id=run.pk)
