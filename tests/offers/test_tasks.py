"""The daily contract jobs: CON-3 renewals and CON-4 terminations, through a real Celery worker
on Redis and PostgreSQL, and their per-batch task called as a redelivered message would be."""

from datetime import timedelta

import pytest
import time_machine

from accounts.models import AuditLog
from offers import services, tasks
from offers.choices import ContractStatus, TerminationStatus
from offers.models import Contract, ContractEvent, Renewal, Termination
from offers.periods import add_months, month_period, month_start
from tests.offers.factories import make_contract
from tests.offers.test_services import contract_for


# CON-3 — the beat job renews a contract whose period ended (catching up every missed month),
# and running it again, or twice at the same time, changes nothing.
@pytest.mark.celery_worker
def test_renewal_job_on_real_worker(live_worker, tenant):
    today = services.paris_today()
    start = month_start(add_months(today, -2)) + timedelta(days=9)
    contract = contract_for(tenant.client, "trunk", signed=start, start=start, quantity=4)
    other = contract_for(tenant.client, "sip-unl", signed=today, start=today)  # not due
    assert contract.current_period_end == month_start(add_months(today, -1))

    for _ in range(2):  # twice, concurrently: two jobs and two direct per-contract tasks
        tasks.renew_contracts.apply_async(queue=live_worker.queue)
        tasks.renew_contract.apply_async((contract.pk, today.isoformat()), queue=live_worker.queue)
    current = month_period(today)

    def renewed():
        contract.refresh_from_db()
        return contract.current_period_end == current.end

    assert live_worker.wait_for(renewed), open(live_worker.log).read()[-3000:]
    # once every message (and the tasks they fanned out) is done, nothing was renewed twice
    tasks.renew_contracts.apply_async(queue=live_worker.queue)
    assert live_worker.drain()
    assert list(
        Renewal.objects.filter(contract=contract).values_list("period_start", flat=True)
    ) == [month_start(add_months(today, -1)), current.start]
    assert not Renewal.objects.filter(contract=other).exists()
    contract.refresh_from_db()
    assert contract.current_period_start == current.start


def due_termination(client, today):
    """An active SIP-UNL contract whose termination, requested 45 days ago, took effect on the
    1st of this month or the last (CON-4, end-of-month notice)."""
    asked = today - timedelta(days=45)
    signed = month_start(add_months(asked, -2))
    contract = make_contract(client, "sip-unl", signature=signed, service_start=signed)
    with time_machine.travel(asked):
        termination = services.contract_request_termination(contract=contract)
    assert termination.effective_date <= today
    return Contract.objects.get(pk=contract.pk)


def terminated_events(contract):
    return ContractEvent.objects.filter(
        contract=contract, to_status=ContractStatus.TERMINATED
    ).count()


# CON-4 — the daily job, run twice the same day (twice at once, then once more) on a real
# worker, ends each due contract once: one "terminated" event, its termination effective; a
# termination not due yet stays scheduled.
@pytest.mark.celery_worker
def test_termination_job_twice_on_real_worker(live_worker, tenant):
    today = services.paris_today()
    due = [due_termination(tenant.client, today) for _ in range(3)]
    later = make_contract(
        tenant.client, "sip-unl", signature=month_start(today), service_start=month_start(today)
    )
    services.contract_request_termination(contract=later)  # effective on the 1st of next month

    for _ in range(2):
        tasks.apply_terminations.apply_async(queue=live_worker.queue)

    def all_terminated():
        return Contract.objects.filter(
            pk__in=[c.pk for c in due], status=ContractStatus.TERMINATED
        ).count() == len(due)

    assert live_worker.wait_for(all_terminated), live_worker.log_tail()
    tasks.apply_terminations.apply_async(queue=live_worker.queue)
    assert live_worker.drain()
    for contract in due:
        contract.refresh_from_db()
        assert contract.status == ContractStatus.TERMINATED
        assert terminated_events(contract) == 1
        assert contract.terminations.get().status == TerminationStatus.EFFECTIVE
    later.refresh_from_db()
    assert later.status == ContractStatus.TERMINATING
    assert later.terminations.get().status == TerminationStatus.SCHEDULED


# CON-4 — a batch delivered twice (acks_late: a worker lost after the work, before the ack)
# applies its terminations the first time and changes nothing the second.
@pytest.mark.django_db
def test_termination_batch_redelivered(tenant):
    today = services.paris_today()
    due = [due_termination(tenant.client, today) for _ in range(2)]
    ids = [contract.terminations.get().pk for contract in due]

    assert tasks.apply_termination_batch(ids, today.isoformat()) == 2
    events, audit = ContractEvent.objects.count(), AuditLog.objects.count()
    applied_at = {t.pk: t.applied_at for t in Termination.objects.filter(pk__in=ids)}

    assert tasks.apply_termination_batch(ids, today.isoformat()) == 0
    assert (ContractEvent.objects.count(), AuditLog.objects.count()) == (events, audit)
    assert {t.pk: t.applied_at for t in Termination.objects.filter(pk__in=ids)} == applied_at
    for contract in due:
        contract.refresh_from_db()
        assert contract.status == ContractStatus.TERMINATED
        assert terminated_events(contract) == 1


# CON-4 — a termination that cannot be applied (its contract was put back to "suspended" by
# hand, a status the pipeline cannot end) is logged and stays scheduled; the rest of its batch
# is applied.
@pytest.mark.django_db
def test_termination_batch_goes_on_after_a_failure(tenant, caplog):
    today = services.paris_today()
    first, broken, last = (due_termination(tenant.client, today) for _ in range(3))
    Contract.objects.filter(pk=broken.pk).update(status=ContractStatus.SUSPENDED)
    ids = [contract.terminations.get().pk for contract in (first, broken, last)]

    assert tasks.apply_termination_batch(ids, today.isoformat()) == 2
    statuses = dict(
        Contract.objects.filter(pk__in=[first.pk, broken.pk, last.pk]).values_list("pk", "status")
    )
    assert statuses == {
        first.pk: ContractStatus.TERMINATED,
        broken.pk: ContractStatus.SUSPENDED,
        last.pk: ContractStatus.TERMINATED,
    }
    assert broken.terminations.get().status == TerminationStatus.SCHEDULED
    assert f"termination {ids[1]}: could not be applied" in caplog.text


# CON-4 — the job enqueues one batch task per TERMINATION_BATCH_SIZE due terminations, in id
# order, with the day it ran for.
@pytest.mark.django_db
def test_termination_job_fans_out_in_batches(tenant, monkeypatch):
    today = services.paris_today()
    due = [due_termination(tenant.client, today) for _ in range(5)]
    ids = sorted(contract.terminations.get().pk for contract in due)
    sent = []
    monkeypatch.setattr(tasks, "TERMINATION_BATCH_SIZE", 2)
    monkeypatch.setattr(tasks.apply_termination_batch, "delay", lambda *args: sent.append(args))

    assert tasks.apply_terminations() == 5
    assert sent == [
        (ids[0:2], today.isoformat()),
        (ids[2:4], today.isoformat()),
        (ids[4:5], today.isoformat()),
    ]
