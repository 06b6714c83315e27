"""TRK-3 / TRK-1 concurrency against PostgreSQL: increases racing on one trunk never over- or
under-allocate (row locks and constraints, not luck)."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from billing.models import PendingCharge
from payments import selectors as payment_selectors
from payments.models import PrepaidEntry
from telephony import selectors, services
from telephony.choices import OrderStatus
from telephony.models import ChannelOrder, PackLedgerEntry
from tests.telephony.factories import customer, make_trunk, top_up

pytestmark = pytest.mark.django_db(transaction=True)
NOV, PAY_DAY = date(2026, 11, 1), date(2026, 11, 21)


def _race(n, work):
    """Run ``work(i)`` in ``n`` threads released together; each has its own connection."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as error:  # noqa: BLE001 - the outcome is asserted below
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


# TRK-3 — 20 increases of 4 channels at once on a trunk of 180: exactly 5 fit under the cap;
# capacity, charges and prepaid debits match the orders that succeeded, never above 200.
def test_twenty_concurrent_increases_near_the_cap():
    trunk = make_trunk(customer(), channels=180, start=date(2026, 10, 1), renew_to=NOV)
    client = trunk.contract.client
    top_up(client, "500.00")

    def increase(_i):
        order = services.channel_order_create(trunk=trunk, add=4, today=PAY_DAY)
        return services.channel_order_pay(order=order, method="prepaid", today=PAY_DAY)

    results = _race(20, increase)
    succeeded = [r for r in results if isinstance(r, ChannelOrder)]
    failures = [r for r in results if not isinstance(r, ChannelOrder)]
    assert all(isinstance(f, ValidationError) for f in failures), [str(f) for f in failures]
    assert all(getattr(f, "code", "") == "capacity_exceeded" for f in failures), failures
    assert len(succeeded) == 5
    assert selectors.trunk_capacity(trunk, PAY_DAY) == 180 + 4 * len(succeeded) == 200
    assert ChannelOrder.objects.filter(status=OrderStatus.ACTIVE).count() == 5
    assert ChannelOrder.objects.filter(status=OrderStatus.AWAITING_PAYMENT).count() == 15
    charges = PendingCharge.objects.filter(source_type="channel_order")
    assert sorted(charges.values_list("source_id", flat=True)) == sorted(
        str(o.pk) for o in succeeded
    )
    assert set(charges.values_list("unit_price", flat=True)) == {Decimal("5.6667")}
    debits = PrepaidEntry.objects.filter(source_type="channel_order")
    assert debits.count() == 5
    assert sum(debits.values_list("amount", flat=True)) == Decimal("-34.00")  # 5 × 6.80
    assert payment_selectors.prepaid_balance(client) == Decimal("466.00")
    assert PackLedgerEntry.objects.filter(order__isnull=False).count() == 5


# TRK-3 — a double click: one order paid by 6 requests at once is paid and activated once.
def test_one_order_paid_concurrently_once():
    trunk = make_trunk(customer(), channels=8, start=date(2026, 10, 1), renew_to=NOV)
    top_up(trunk.contract.client)
    order = services.channel_order_create(trunk=trunk, add=4, today=PAY_DAY)

    results = _race(
        6, lambda _i: services.channel_order_pay(order=order, method="prepaid", today=PAY_DAY)
    )
    assert sum(isinstance(r, ChannelOrder) for r in results) == 1
    assert all(
        isinstance(r, ChannelOrder) or isinstance(r, services.InvalidTransition) for r in results
    )
    assert selectors.trunk_capacity(trunk, PAY_DAY) == 12
    assert PendingCharge.objects.filter(source_type="channel_order").count() == 1
    assert payment_selectors.prepaid_balance(trunk.contract.client) == Decimal("93.20")
