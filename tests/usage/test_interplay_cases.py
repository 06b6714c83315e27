"""Helper G: calls whose context (numbers, devices) changed during the month — rated as the
records stood on the day of the call, not as they stand on the day the file is imported.

Seeded grid (tests/usage/core_helpers.seed): France fixed 0.0120 €/min, per second (1/1) on a
PLATFORM contract; on a hosted-plan breach every billable call of the month is billed per minute
(60/60)."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine

from equipment.choices import ItemState
from equipment.models import Item, ItemEvent
from equipment.services.items import item_move
from numbering.models import PhoneNumber
from tests.equipment.factories import make_model, sell
from tests.telephony.factories import customer
from tests.usage.core_helpers import account, at, calls, platform, row, run_import
from usage.models import FairUseBreach

pytestmark = pytest.mark.django_db


def one(called):
    [call] = calls(called=called)
    return call


# USE-1 "on-net = a number the reseller itself assigned", on the day of the call: a number we
# had assigned to another customer until it was ported out on 15 October. A 600 s call to it on
# 10 October was on-net (free); its CDR file arrives on the 16th. Expected cost 0 (on-net);
# the engine reads today's state ("ported_out") and bills it as a French fixed call,
# 600 × 0.0120 / 60 = 0.1200.
@pytest.mark.xfail(
    strict=True,
    reason="DEFECT: on-net read from the number's state at rating time, not on the call's day",
)
def test_use1_on_net_on_the_call_day_number_ported_out_later():
    PhoneNumber.objects.create(
        e164="+33199990010", number_type="geographic", state="ported_out",
        assigned_at=datetime(2026, 3, 1, tzinfo=UTC), ported_out_on=date(2026, 10, 15),
    )  # fmt: skip
    plat = platform()
    run_import([row(plat, "+33199990010", start=at(10, 9), duration=600)])
    call = one("+33199990010")
    assert (call.on_net, call.cost) == (True, 0)


# USE-1, the other way: a number ported in and assigned to a customer on 20 October was another
# operator's on 10 October: a 600 s call to it that day (file imported on the 21st) is a French
# fixed call, 600 × 0.0120 / 60 = 0.1200, not an on-net free call (current: on_net, cost 0).
@pytest.mark.xfail(
    strict=True,
    reason="DEFECT: a number assigned after the call's day makes the call on-net and free",
)
def test_use1_not_on_net_before_the_number_was_ours():
    PhoneNumber.objects.create(
        e164="+33199990011", number_type="geographic", state="assigned", client=customer(),
        assigned_at=datetime(2026, 10, 20, 8, tzinfo=UTC),
    )  # fmt: skip
    plat = platform()
    run_import([row(plat, "+33199990011", start=at(10, 9), duration=600)])
    call = one("+33199990011")
    assert (call.on_net, call.cost) == (False, Decimal("0.1200"))


# USE-4 (HOSTED-W 5.1, HOSTED-A 7) "a device supplied by the reseller": the customer's phone,
# sold by us, placed a 61 s call to a French fixed number on 5 October; it went back to us (RMA,
# state "returned") on 15 October; the CDR file of the 5th is imported after that. The phone was
# ours with the customer on the 5th: included, cost 0, no breach. Before the fix: breach
# "third_party_device", the month billed per minute, 120 s × 0.0120 / 60 = 0.0240.
@pytest.mark.parametrize("offer", ["hosted-w", "hosted-a"])
def test_use4_device_returned_after_the_call_was_supplied(offer):
    sip = account(offer)
    client = sip.contract.client
    sell(client, client.sites.get(), make_model())
    item = Item.objects.get(client=client)
    if item.state == ItemState.SHIPPED:
        item = item_move(item, ItemState.AT_CUSTOMER)
    item = item_move(item, ItemState.RETURNED, note="RMA")
    ItemEvent.objects.filter(item=item, to_state=ItemState.RETURNED).update(
        at=datetime(2026, 10, 15, 8, tzinfo=UTC)
    )
    run_import([row(sip, "0123456789", start=at(5, 9), duration=61, device=item.mac_address)])
    assert not FairUseBreach.objects.filter(sip_account=sip).exists()
    assert one("+33123456789").cost == 0


# CON-7 (PLATFORM 6.2: free test access, "trial traffic is rated but never invoiced"): a trial
# granted until 15 October; the customer signs on the 12th and staff end the trial; the CDR file
# of the 10th arrives after that. The 600 s call of the 10th was trial traffic: flagged trial,
# never invoiced. Current: not trial, billable 600 × 0.0120 / 60 = 0.1200 (the contract keeps
# no trace of the trial's dates once it is ended, so the rating cannot know).
def test_con7_trial_call_imported_after_the_trial_ended():
    from datetime import date

    from offers.services.trials import contract_set_trial

    plat = platform()
    contract_set_trial(contract=plat, ends_on=date(2026, 10, 15))
    with time_machine.travel(at(12, 9), tick=False):  # signed on the 12th: trial ended
        contract_set_trial(contract=plat, ends_on=None)
    plat.refresh_from_db()
    assert (plat.is_trial, plat.trial_ends_on) == (False, date(2026, 10, 12))
    run_import([row(plat, "+33123456780", start=at(10, 9), duration=600)])
    call = one("+33123456780")
    assert call.trial is True  # never invoiced
