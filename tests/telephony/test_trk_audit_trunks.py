"""Audit of TRK-3 (orders' expiry), TRK-5 and the OPT options: cases no other test shows."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from telephony import selectors, services, tasks
from telephony.choices import OrderStatus
from tests.telephony.factories import customer, make_trunk, top_up

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
NOV = date(2026, 11, 1)


# TRK-3 — « expired when still unpaid 7 days after it was quoted ». Quoted on Tuesday 10
# November 2026 at 15:00 (Paris): the order page says « Valable jusqu'au 17/11/2026 » and the
# billing team's queue gives it until the end of 17 November. The payment of 17 November at
# 10:00 was refused (« This order has expired ») and the job of 17 November 00:40 expired it,
# 6 days 9 h 40 min after the quote. The 7 days run from the day after the quote (art. 641 CPC:
# the day of the act does not count) to the end of 17 November: payable all that day, expired
# by the job of 18 November 00:40. +1 channel paid on 17/11: 5.00 × 14/30 = 2.3333 → 2.33 HT.
def test_trk3_order_payable_until_the_end_of_its_last_valid_day():
    trunk = make_trunk(customer(), channels=8, start=date(2026, 10, 1), renew_to=NOV)
    top_up(trunk.contract.client, "50.00")
    with time_machine.travel(datetime(2026, 11, 10, 15, tzinfo=PARIS), tick=False):
        order = services.channel_order_create(trunk=trunk, add=1)
    assert order.expires_on == date(2026, 11, 17)
    with time_machine.travel(datetime(2026, 11, 17, 0, 40, tzinfo=PARIS), tick=False):
        assert tasks.expire_channel_orders.apply().get() == 0
    with time_machine.travel(datetime(2026, 11, 17, 10, tzinfo=PARIS), tick=False):
        order = services.channel_order_pay(order=order, method="prepaid")
    assert order.status == OrderStatus.ACTIVE
    assert str(order.prorata_price) == "2.3333"
    assert selectors.trunk_capacity(trunk, date(2026, 11, 17)) == 9


# TRK-3 — the same order left unpaid: the job of 18 November 00:40 expires it (once), and a
# payment on 18 November is refused with « order_expired ».
def test_trk3_order_expires_the_day_after_its_last_valid_day():
    trunk = make_trunk(customer(), channels=8, start=date(2026, 10, 1), renew_to=NOV)
    top_up(trunk.contract.client, "50.00")
    with time_machine.travel(datetime(2026, 11, 10, 15, tzinfo=PARIS), tick=False):
        order = services.channel_order_create(trunk=trunk, add=1)
    assert not services.channel_order_expire(order_id=order.pk, today=date(2026, 11, 17))
    with pytest.raises(services.InvalidTransition) as error:
        services.channel_order_pay(order=order, method="prepaid", today=date(2026, 11, 18))
    assert error.value.code == "order_expired"
    with time_machine.travel(datetime(2026, 11, 18, 0, 40, tzinfo=PARIS), tick=False):
        assert tasks.expire_channel_orders.apply().get() == 1
        assert tasks.expire_channel_orders.apply().get() == 0
    order.refresh_from_db()
    assert order.status == OrderStatus.EXPIRED
