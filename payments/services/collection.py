"""The daily collection job (BIL-6, BIL-7): reminders, the recovery indemnity, suspension
proposals, and the late charges that were waiting for an ECB rate.

An invoice whose direct debit is pending (in a batch neither settled nor rejected) is not late:
the job leaves it alone, and withdraws a suspension proposal made before the debit was sent
(BIL-6, BIL-7). Once the debit is rejected, the invoice is late since its original due date.

The job opens the missing collection cases, then works case by case in batches: the Celery
task ``payments.tasks.daily_collection`` enqueues one task per batch, ``collection_run`` does
the same batches inline (the back office, tests). Every step is idempotent per day, so a batch
redelivered after a lost worker changes nothing more.
"""

import logging
from collections.abc import Iterator
from datetime import date

from django.conf import settings
from django.db import transaction

from accounts.audit import audit_record
from billing.choices import DocumentKind, DocumentStatus
from billing.models import Invoice
from kernel.clock import paris_today
from payments.choices import DunningStage
from payments.invoice_states import invoice_state
from payments.models import CollectionCase
from payments.services.allocation import on_account_apply
from payments.services.late_charges import (
    interest_bearing_share,
    late_charges_batch_post,
    late_charges_waiting,
    post_indemnity,
)
from payments.services.notices import notify_buyer
from payments.services.settlement import after_settlement, corrections_left_set_against
from payments.services.suspensions import SUSPENSION_AFTER_DAYS, client_suspend_for_non_payment

logger = logging.getLogger(__name__)

FIRST_REMINDER_DAYS = 1  # BIL-7
SECOND_REMINDER_DAYS = 8
COLLECTION_BATCH_SIZE = 200  # cases per task of the daily job


def collection_cases_open() -> int:
    """Create the collection case of every issued invoice with something due (idempotent)."""
    missing = Invoice.objects.filter(
        kind=DocumentKind.INVOICE, status=DocumentStatus.ISSUED, amount_due__gt=0
    ).filter(collection__isnull=True)
    rows = [CollectionCase(invoice=i, client_id=i.client_id) for i in missing.only("client_id")]
    CollectionCase.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def collection_due(today: date) -> list[int]:
    """The open cases of invoices past their due date: the ones the job steps today — a
    customer's, and a partner-billed partner's own monthly invoices (PLATFORM 12.5: the partner
    is our client under that contract)."""
    due = CollectionCase.objects.filter(settled_on__isnull=True, invoice__due_date__lt=today)
    return list(due.values_list("pk", flat=True))


def case_batches(case_ids: list[int], size: int | None = None) -> Iterator[list[int]]:
    """``case_ids`` in batches of ``size`` (``COLLECTION_BATCH_SIZE`` by default)."""
    size = size or COLLECTION_BATCH_SIZE
    for i in range(0, len(case_ids), size):
        yield list(case_ids[i : i + size])


def _withdraw_suspension_proposal(case: CollectionCase, debit_on: date) -> None:
    """BIL-7: a direct debit was sent for an invoice whose suspension was proposed: it is not
    late while the debit is pending, so the proposal leaves the dunning queue."""
    case.stage, case.suspension_proposed_on = case.reminder_stage(), None
    case.save(update_fields=["stage", "suspension_proposed_on", "updated_at"])
    audit_record(
        action="collection_case.withdraw_suspension_proposal",
        instance=case,
        before={"stage": DunningStage.SUSPENSION_PROPOSED},
        after={"stage": case.stage, "direct_debit_on": debit_on},
    )


def collection_step(*, case_id: int, today: date) -> str:
    """BIL-7 for one invoice: reminders at due + 1 and due + 8 days, indemnity once late, and
    past due + 8 days a suspension proposed to staff (or applied, per
    ``PAYMENTS_AUTO_SUSPEND``). The disputed part is left out, and so is an invoice whose
    direct debit is pending (BIL-6: not late). Idempotent per day.

    A partner-billed partner's own invoice is reminded the same way, at the partner's address
    (``notify_buyer``), and bears the indemnity; no suspension is proposed for it — suspending
    a partner suspends every customer of its, staff's decision under the partner agreement
    (PLATFORM 12.5.2: "pourra"): its case waits in the dunning queue at its last reminder."""
    with transaction.atomic():
        case = CollectionCase.objects.select_for_update().select_related("invoice").get(pk=case_id)
        invoice = case.invoice
        if case.settled_on is not None:
            return case.stage
        state = invoice_state(invoice)
        if state.open <= 0:
            after_settlement(invoice, today, today=today)
            return DunningStage.SETTLED
        if state.awaiting_debit:
            if case.stage == DunningStage.SUSPENSION_PROPOSED:
                _withdraw_suspension_proposal(case, state.debit_pending_on)
            return case.stage
        days = state.days_late(today)
        if days <= 0 or state.undisputed_open <= 0:
            return case.stage
        since = state.overdue_since(today)
        changed = []
        if case.first_reminder_on is not None and case.first_reminder_on <= since:
            # BIL-8: reminders sent for a part paid since; what is late now is a rejected
            # dispute's part, due again by its new due date: its own reminders from that date.
            case.first_reminder_on = case.second_reminder_on = None
            changed += ["first_reminder_on", "second_reminder_on"]
        # The reminders name the due date the days count from (a rejected dispute's new one).
        # BIL-6: a late-charges invoice of interest and indemnities alone bears neither: its
        # first reminder does not warn of them.
        bears_late_charges = interest_bearing_share(invoice) > 0
        context = {
            "invoice": invoice,
            "amount": state.undisputed_open,
            "days_late": days,
            "due_on": since,
            "no_late_charges": not bears_late_charges,
        }
        if days >= FIRST_REMINDER_DAYS and case.first_reminder_on is None:
            case.first_reminder_on = today
            case.stage = DunningStage.REMINDED
            changed += ["first_reminder_on", "stage"]
            # BIL-6: a late-charges invoice of interest and indemnities alone is reminded but
            # bears no indemnity of its own (no price to recover); one with penalties does.
            if bears_late_charges:
                post_indemnity(invoice)
            notify_buyer(invoice, "payments/email/reminder_first", context)
        if days >= SECOND_REMINDER_DAYS and case.second_reminder_on is None:
            case.second_reminder_on = today
            case.stage = DunningStage.FINAL_REMINDER
            changed += ["second_reminder_on", "stage"]
            notify_buyer(invoice, "payments/email/reminder_second", context)
        if (
            invoice.client_id is not None
            and days > SUSPENSION_AFTER_DAYS
            and case.stage
            not in {
                DunningStage.SUSPENSION_PROPOSED,
                DunningStage.SUSPENDED,
            }
        ):
            case.stage = DunningStage.SUSPENSION_PROPOSED
            case.suspension_proposed_on = today
            changed += ["stage", "suspension_proposed_on"]
        if changed:
            case.save(update_fields=[*set(changed), "updated_at"])
    if case.stage == DunningStage.SUSPENSION_PROPOSED and settings.PAYMENTS_AUTO_SUSPEND:
        client_suspend_for_non_payment(client=invoice.client, today=today)
        case.refresh_from_db()
    return case.stage


def collection_batch_run(*, case_ids: list[int], today: date) -> dict[str, int]:
    """One step per case of a batch (BIL-7). A failing case is logged and the batch goes on
    (it is stepped again the next day). Returns the count per stage reached, plus ``failed``
    when a case failed."""
    stages: dict[str, int] = {}
    for case_id in case_ids:
        try:
            stage = collection_step(case_id=case_id, today=today)
        except Exception:  # noqa: BLE001 — logged for staff, the batch goes on
            logger.exception("collection of case %s on %s failed", case_id, today)
            stage = "failed"
        stages[stage] = stages.get(stage, 0) + 1
    return stages


def collection_run(*, today: date | None = None) -> dict:
    """The daily collection job (BIL-6, BIL-7) in this process: one step per open case, then
    the late charges that were waiting, in the same batches as the Celery job. Returns the
    count per stage reached."""
    today = today or paris_today()
    corrections_left_set_against()  # BIL-9: a correction lowers its own invoice first
    on_account_apply(today=today)  # BIL-4: money on account settles the new invoices first
    collection_cases_open()
    stages: dict[str, int] = {}
    for batch in case_batches(collection_due(today)):
        for stage, count in collection_batch_run(case_ids=batch, today=today).items():
            stages[stage] = stages.get(stage, 0) + count
    # Settled late while the ECB rate was missing: post the interest now.
    for batch in case_batches(late_charges_waiting()):
        late_charges_batch_post(case_ids=batch)
    return stages
