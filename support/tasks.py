"""SLA-10: the monthly availability job — thin tasks that fan out one task per contract."""

import logging
from datetime import date

from celery import shared_task
from django.utils import timezone

from offers.models import Contract
from offers.periods import add_months, month_start
from support.services.reports import availability_report_compute, contracts_for_sla_month

logger = logging.getLogger(__name__)


@shared_task(name="support.tasks.monthly_sla_reports")
def monthly_sla_reports(month: str | None = None) -> int:
    """Beat, on the 1st at 01:00 Paris: last month's report for every contract with an SLA
    policy in service during it (``month``, ``YYYY-MM-DD``, to run another month). Each contract
    is its own idempotent task; rerunning updates only the reports not yet requested. Without
    ``month``, the last month that ended, even when beat fires late (a crontab missed while the
    machine was down runs at beat's restart, on the 2nd or later): never the month under way."""
    if month:
        first = month_start(date.fromisoformat(month))
    else:
        first = add_months(month_start(timezone.localdate()), -1)
    ids = list(contracts_for_sla_month(first).values_list("pk", flat=True).distinct())
    for contract_id in ids:
        compute_sla_report.delay(contract_id, first.isoformat())
    logger.info("SLA reports: %s contracts for %s", len(ids), first)
    return len(ids)


@shared_task(name="support.tasks.compute_sla_report", acks_late=True)
def compute_sla_report(contract_id: int, month: str) -> int | None:
    contract = Contract.objects.select_related("site", "offer").filter(pk=contract_id).first()
    if contract is None:
        return None
    report = availability_report_compute(contract=contract, month=date.fromisoformat(month))
    return report.pk if report else None
