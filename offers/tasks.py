"""Daily contract jobs (CON-3, CON-4, ACC-6): thin tasks that fan out one task per contract."""

import logging

from celery import shared_task

from offers import services

logger = logging.getLogger(__name__)


@shared_task(name="offers.tasks.renew_contracts")
def renew_contracts() -> int:
    """CON-3: enqueue one idempotent renewal per contract whose period has ended."""
    today = services.paris_today()
    ids = list(services.contracts_due_for_renewal(today).values_list("pk", flat=True))
    for contract_id in ids:
        renew_contract.delay(contract_id, today.isoformat())
    logger.info("renewal: %s contracts due on %s", len(ids), today)
    return len(ids)


@shared_task(name="offers.tasks.renew_contract")
def renew_contract(contract_id: int, today: str) -> int:
    from datetime import date

    return services.contract_renew(contract_id=contract_id, today=date.fromisoformat(today))


@shared_task(name="offers.tasks.apply_terminations")
def apply_terminations() -> int:
    """CON-4: contracts whose termination is effective today (or earlier) end."""
    today = services.paris_today()
    applied = 0
    for termination_id in services.terminations_due(today).values_list("pk", flat=True):
        applied += services.termination_apply(termination_id=termination_id, today=today)
    return applied


@shared_task(name="offers.tasks.flag_inactive_contracts")
def flag_inactive_contracts() -> int:
    """ACC-6: flag contracts without traffic for 6 months."""
    return services.contracts_flag_inactive(today=services.paris_today())


@shared_task(name="offers.tasks.apply_price_changes")
def apply_price_changes() -> int:
    """CON-6: contract lines take their new price from its effective date."""
    return services.price_changes_apply(today=services.paris_today())
