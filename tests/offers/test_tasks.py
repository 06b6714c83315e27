"""CON-3 through a real Celery worker on Redis and PostgreSQL."""

from datetime import timedelta

import pytest

from offers import services, tasks
from offers.models import Renewal
from offers.periods import add_months, month_period, month_start
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
