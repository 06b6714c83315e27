"""Daily contract jobs (CON-3, CON-4, ACC-6, CON-6): thin tasks; the renewals and the
terminations fan out idempotent tasks (one per contract, one per batch of terminations)."""

import logging
from datetime import date

from celery import shared_task

from kernel.clock import paris_today
from offers.services.inactivity import contracts_flag_inactive
from offers.services.price_changes import price_changes_daily
from offers.services.quantity_acceptance import increases_refuse_left_by_terminations
from offers.services.renewals import contract_renew, contracts_due_for_renewal
from offers.services.terminations import termination_apply, terminations_due

logger = logging.getLogger(__name__)

TERMINATION_BATCH_SIZE = 200


@shared_task(name="offers.tasks.renew_contracts")
def renew_contracts() -> int:
    """CON-3: enqueue one idempotent renewal per contract whose period has ended."""
    today = paris_today()
    ids = list(contracts_due_for_renewal(today).values_list("pk", flat=True))
    for contract_id in ids:
        renew_contract.delay(contract_id, today.isoformat())
    logger.info("renewal: %s contracts due on %s", len(ids), today)
    return len(ids)


@shared_task(name="offers.tasks.renew_contract")
def renew_contract(contract_id: int, today: str) -> int:
    return contract_renew(contract_id=contract_id, today=date.fromisoformat(today))


@shared_task(name="offers.tasks.apply_terminations")
def apply_terminations() -> int:
    """CON-4: contracts whose termination is effective today (or earlier) end. Enqueues one
    idempotent task per batch of due terminations; returns how many were due. First, the
    increases asked still awaiting our acceptance on a contract whose termination is recorded
    are refused (PLATFORM 28 / 7.2.1: those asked before a termination refused them).
    """
    today = paris_today()
    refused = increases_refuse_left_by_terminations()
    if refused:
        logger.info("terminations: %s increases asked refused (contract terminating)", refused)
    ids = list(terminations_due(today).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), TERMINATION_BATCH_SIZE):
        apply_termination_batch.delay(
            ids[start : start + TERMINATION_BATCH_SIZE], today.isoformat()
        )
    logger.info("terminations: %s due on %s", len(ids), today)
    return len(ids)


@shared_task(name="offers.tasks.apply_termination_batch", acks_late=True)
def apply_termination_batch(termination_ids: list[int], today: str) -> int:
    """CON-4: apply each termination of the batch; returns how many this run applied.

    Safe to redeliver: ``termination_apply`` skips a termination already applied (or cancelled
    meanwhile). One that fails is logged and the rest of the batch goes on; it stays scheduled,
    so the next daily job tries it again.
    """
    day = date.fromisoformat(today)
    applied = 0
    for termination_id in termination_ids:
        try:
            applied += termination_apply(termination_id=termination_id, today=day)
        except Exception:  # noqa: BLE001 — logged for staff, the batch goes on
            logger.exception("termination %s: could not be applied on %s", termination_id, today)
    return applied


@shared_task(name="offers.tasks.flag_inactive_contracts")
def flag_inactive_contracts() -> int:
    """ACC-6: flag contracts without traffic for 6 months."""
    return contracts_flag_inactive(today=paris_today())


@shared_task(name="offers.tasks.apply_price_changes", acks_late=True)
def apply_price_changes() -> int:
    """CON-6, nightly: changes whose notice deadline is today are notified, due changes are
    applied once to the eligible lines (idempotent: a redelivery changes nothing); returns how
    many lines were repriced."""
    return price_changes_daily(today=paris_today())
