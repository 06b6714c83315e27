"""CON-3: tacit renewal of contracts whose commitment period has ended."""

from datetime import date

from django.db import IntegrityError, transaction

from accounts.audit import audit_record
from offers import signals
from offers.choices import LIVE_STATUSES, TerminationStatus
from offers.models import Contract, Renewal


def contracts_due_for_renewal(today: date):
    return Contract.objects.filter(status__in=LIVE_STATUSES, current_period_end__lte=today)


def contract_renew(*, contract_id: int, today: date) -> int:
    """CON-3: renew one contract for every period that ended on or before ``today`` (catching
    up after downtime), unless a termination takes effect by then. Returns the renewals made.

    Safe to run twice, concurrently or after a crash: the contract row is locked, the period is
    re-read, and the unique (contract, period start) of ``Renewal`` is the final guard.
    """
    renewed = 0
    while True:
        with transaction.atomic():
            contract = Contract.objects.select_for_update().filter(pk=contract_id).first()
            if (
                contract is None
                or contract.status not in LIVE_STATUSES
                or contract.current_period_end is None
                or contract.current_period_end > today
            ):
                return renewed
            ending = contract.current_period_end
            if contract.terminations.filter(
                status=TerminationStatus.SCHEDULED, effective_date__lte=ending
            ).exists():
                return renewed
            period = contract.period_at(ending)
            try:
                with transaction.atomic():
                    Renewal.objects.create(
                        contract=contract, period_start=period.start, period_end=period.end
                    )
            except IntegrityError:
                return renewed  # already renewed by someone else: nothing to do
            contract.current_period_start, contract.current_period_end = period.start, period.end
            contract.save(
                update_fields=["current_period_start", "current_period_end", "updated_at"]
            )
            signals.period_started.send(
                sender=Contract,
                contract=contract,
                period_start=period.start,
                period_end=period.end,
            )
            audit_record(
                action="contract.renew",
                instance=contract,
                before={"period_end": ending},
                after={"period_start": period.start, "period_end": period.end},
            )
            renewed += 1
