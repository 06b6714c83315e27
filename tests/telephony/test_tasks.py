"""TRK-4 / TRK-5 / BIL-1 through the real jobs: the nightly renewal job and the month-end run
re-optimise trunks on the first day of the period, and the invoice dated the day before bills
that month at the re-optimised price. TRK-3: the daily expiry job.

Two ways, because a worker process does not share ``time_machine``: the jobs' own code run
in-process at travelled times (Celery eager mode, every ``.delay`` executed at once), and a
real worker on Redis with real dates.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from billing import services as billing
from billing import tasks as billing_tasks
from billing.models import Invoice
from offers import services as offers
from offers import tasks as offer_tasks
from offers.models import Renewal
from offers.periods import add_months, month_start
from portal.celery import app
from telephony import selectors, services, tasks
from telephony.choices import DecreaseStatus, OrderStatus
from telephony.models import Trunk
from tests.offers.factories import make_contract
from tests.telephony.factories import customer, make_trunk, top_up

PARIS = ZoneInfo("Europe/Paris")
NOV, DEC = date(2026, 11, 1), date(2026, 12, 1)


@pytest.fixture
def eager(monkeypatch):
    monkeypatch.setattr(app.conf, "task_always_eager", True)
    monkeypatch.setattr(app.conf, "task_eager_propagates", True)


def held(trunk, day):
    return {pack.channels: count for pack, count in selectors.packs_held(trunk, day).items()}


def _mid_november_changes():
    """8 channels (2 × 4); on 21 November +4 channels paid from the prepaid balance (3 × 4 =
    51.00), then a decrease of 1 channel asked for the next renewal date."""
    with time_machine.travel(datetime(2026, 11, 21, 10, tzinfo=PARIS), tick=False):
        trunk = make_trunk(customer(), channels=8, start=date(2026, 10, 1), renew_to=NOV)
        top_up(trunk.contract.client)
        order = services.channel_order_create(trunk=trunk, add=4)
        services.channel_order_pay(order=order, method="prepaid")
        decrease = services.channel_decrease_request(trunk=trunk, channels_to_remove=1)
        assert selectors.trunk_capacity(trunk, date(2026, 11, 21)) == 12
        assert decrease.effective_on == DEC
    return trunk, decrease


def _assert_december_invoice(trunk):
    """The invoice of November (dated 2026-11-30) bills December as the trunk stands on
    1 December: 11 channels, re-optimised to 10 + 1 = 44.00 (not 3 × 4 = 51.00)."""
    invoice = Invoice.objects.get(client=trunk.contract.client, month=NOV)
    assert invoice.issue_date == date(2026, 11, 30)
    december = {
        line.description.split(" — ")[-1]: line.net_amount
        for line in invoice.lines.all()
        if line.period_start == DEC
    }
    assert sum(december.values()) == Decimal("44.00")
    assert len(december) == 2
    prorata = invoice.lines.get(kind="prorata")
    assert (prorata.net_amount, prorata.is_paid) == (Decimal("5.67"), True)


# TRK-4 / TRK-5 / BIL-1 — the renewal job on the first day of the next period (00:20 Paris)
# applies the decrease and re-optimises; the run then bills December at the new price.
@pytest.mark.django_db
def test_renewal_job_applies_decrease_and_reoptimises(eager):
    trunk, decrease = _mid_november_changes()
    with time_machine.travel(datetime(2026, 12, 1, 0, 20, tzinfo=PARIS), tick=False):
        offer_tasks.renew_contracts.apply()
        assert held(trunk, DEC) == {10: 1, 1: 1}
        decrease.refresh_from_db()
        assert decrease.status == DecreaseStatus.APPLIED
        billing.run_month_sync(month=NOV)
    _assert_december_invoice(trunk)


# BIL-1 — in the beat's real order: the run at 00:05 renews the trunks first (run_preparing),
# so December is priced re-optimised; the renewal job at 00:20 finds nothing left to do.
@pytest.mark.django_db
def test_month_end_run_before_renewal_job(eager):
    trunk, decrease = _mid_november_changes()
    with time_machine.travel(datetime(2026, 12, 1, 0, 5, tzinfo=PARIS), tick=False):
        billing_tasks.month_end_run.apply()
    _assert_december_invoice(trunk)
    with time_machine.travel(datetime(2026, 12, 1, 0, 20, tzinfo=PARIS), tick=False):
        offer_tasks.renew_contracts.apply()
    assert list(
        Renewal.objects.filter(contract=trunk.contract).values_list("period_start", flat=True)
    ) == [NOV, DEC]
    assert held(trunk, DEC) == {10: 1, 1: 1}


# TRK-4 / TRK-5 on a real worker (real dates): a trunk of 8 channels (set up at activation with
# the best tariff, 2 × 4-pack = 34.00) with a decrease to 5 pending; the renewal job renews it,
# applies the decrease and re-optimises (4 + 1 = 22.00); the run of last month then bills this
# month at 22.00.
@pytest.mark.celery_worker
def test_renewal_job_on_real_worker(live_worker):
    today = offers.paris_today()
    start = month_start(add_months(today, -2)) + timedelta(days=9)
    contract = make_contract(customer(), "trunk", quantity=8, signature=start, service_start=start)
    trunk = Trunk.objects.get(contract=contract)  # set up by the activation (TRK-1)
    decrease = services.channel_decrease_request(trunk=trunk, new_total=5, today=start)
    assert held(trunk, start) == {4: 2}
    this_month = month_start(today)

    offer_tasks.renew_contracts.apply_async(queue=live_worker.queue)

    def renewed():
        contract.refresh_from_db()
        return contract.current_period_start == this_month

    assert live_worker.wait_for(renewed), open(live_worker.log).read()[-3000:]
    assert live_worker.drain()
    decrease.refresh_from_db()
    assert decrease.status == DecreaseStatus.APPLIED
    assert held(trunk, this_month) == {4: 1, 1: 1}
    billing.run_month_sync(month=add_months(this_month, -1))
    invoice = Invoice.objects.get(client=contract.client, month=add_months(this_month, -1))
    advance = [line for line in invoice.lines.all() if line.period_start == this_month]
    assert sum(line.net_amount for line in advance) == Decimal("22.00")


# TRK-3 — the daily job expires orders unpaid for 7 days, and only those.
@pytest.mark.django_db
def test_expiry_job():
    trunk = make_trunk(customer(), channels=8, start=date(2026, 10, 1), renew_to=NOV)
    with time_machine.travel(datetime(2026, 11, 10, 9, tzinfo=PARIS), tick=False):
        old = services.channel_order_create(trunk=trunk, add=1)
    with time_machine.travel(datetime(2026, 11, 14, 9, tzinfo=PARIS), tick=False):
        recent = services.channel_order_create(trunk=trunk, add=1)
    with time_machine.travel(datetime(2026, 11, 17, 0, 40, tzinfo=PARIS), tick=False):
        assert tasks.expire_channel_orders.apply().get() == 0  # payable all 17/11
    with time_machine.travel(datetime(2026, 11, 18, 0, 40, tzinfo=PARIS), tick=False):
        assert tasks.expire_channel_orders.apply().get() == 1
        assert tasks.expire_channel_orders.apply().get() == 0
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.status, recent.status) == (OrderStatus.EXPIRED, OrderStatus.AWAITING_PAYMENT)
