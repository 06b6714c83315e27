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
from numbering import services as numbering
from numbering.models import PhoneNumber
from numbering.services.port_out import port_out_apply, port_out_notice
from tests.equipment.factories import make_model, sell
from tests.offers.factories import make_contract
from tests.telephony.factories import customer
from tests.usage.core_helpers import (
    account,
    assert_matches_reference,
    at,
    calls,
    platform,
    row,
    run_import,
)
from usage.models import FairUseBreach

pytestmark = pytest.mark.django_db
RANGES_HEADER = "EZABPQM;Tranche_Debut;Tranche_Fin;Mnémo;Territoire;Date_Attribution;ZNE\n"


def one(called):
    [call] = calls(called=called)
    return call


# USE-1 "on-net = a number the reseller itself assigned", on the day of the call: a number we
# had assigned to another customer until it was ported out on 15 October. A 600 s call to it on
# 10 October was on-net (free); its CDR file arrives on the 16th. Expected cost 0 (on-net);
# before the fix the engine read today's state ("ported_out") and billed it as a French fixed
# call, 600 × 0.0120 / 60 = 0.1200.
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
# fixed call, 600 × 0.0120 / 60 = 0.1200, not an on-net free call (before the fix: on_net, 0).
def test_use1_not_on_net_before_the_number_was_ours():
    PhoneNumber.objects.create(
        e164="+33199990011", number_type="geographic", state="assigned", client=customer(),
        assigned_at=datetime(2026, 10, 20, 8, tzinfo=UTC),
    )  # fmt: skip
    plat = platform()
    run_import([row(plat, "+33199990011", start=at(10, 9), duration=600)])
    call = one("+33199990011")
    assert (call.on_net, call.cost) == (False, Decimal("0.1200"))


def _hosted_w_with_numbers(*numbers, when):
    """A HOSTED-W customer given ``numbers`` of the inventory at ``when`` (their NumberEvent)."""
    numbering.import_ranges(
        content=(RANGES_HEADER + "1;0172700000;0172700009;X;;;PARIS\n").encode()
    )
    client = customer()
    with time_machine.travel(when, tick=False):
        contract = make_contract(
            client, "hosted-w", quantity=2, signature=date(2026, 9, 1),
            service_start=date(2026, 9, 1),
        )  # fmt: skip
        numbering.assign_numbers(client=client, numbers=list(numbers), contract=contract)
    return client


# USE-1 through the number's life in the inventory: 01 72 70 00 01 assigned to a customer on
# 5 October 10:00 UTC and released (quarantine) on 12 October 10:00 UTC. Another customer's
# 600 s calls to it (PLATFORM, France fixed 0.0120 €/min, per second), all imported on
# 5 December: on 5 October 09:59 (not ours yet) 600 × 0.0120 / 60 = 0.1200; on 5 October 10:00
# and on 12 October 09:59 (ours) on-net, 0; on 12 October 10:00 (released) 0.1200. The Python
# engine of SQLite's ``make run`` reads the same periods (``assert_matches_reference``).
def test_use1_on_net_only_while_the_number_was_assigned():
    holder = _hosted_w_with_numbers("0172700001", when=datetime(2026, 10, 5, 10, tzinfo=UTC))
    with time_machine.travel(datetime(2026, 10, 12, 10, tzinfo=UTC), tick=False):
        numbering.release_numbers(
            client=holder, numbers=list(PhoneNumber.objects.filter(client=holder))
        )
    plat = platform()
    starts = [at(5, 9, 59), at(5, 10), at(12, 9, 59), at(12, 10)]
    run_import([row(plat, "0172700001", start=s, duration=600) for s in starts])
    got = [(c.on_net, c.cost) for c in calls(called="+33172700001")]
    assert got == [
        (False, Decimal("0.1200")),
        (True, 0),
        (True, 0),
        (False, Decimal("0.1200")),
    ]
    assert_matches_reference()


# USE-1 and NUM-4: a number ported out on 20 October stops being ours at midnight (Paris) of
# its porting day, whatever the hour the move is recorded (the daily task ran at 14:00). A
# 600 s call on 19 October 23:59:59 Paris (21:59:59 UTC, summer time) is on-net, 0; one at
# 20 October 00:00:00 Paris (19 October 22:00 UTC) is a French fixed call, 0.1200.
def test_use1_port_out_ends_on_net_at_midnight_of_the_porting_day():
    _hosted_w_with_numbers("0172700001", "0172700002", when=datetime(2026, 9, 1, tzinfo=UTC))
    with time_machine.travel(datetime(2026, 10, 5, tzinfo=UTC)):
        number, _termination = port_out_notice(number="0172700001", porting_date=date(2026, 10, 20))
    with time_machine.travel(datetime(2026, 10, 20, 12, tzinfo=UTC)):
        assert port_out_apply(number_id=number.pk, today=date(2026, 10, 20))
    plat = platform()
    starts = [datetime(2026, 10, 19, 21, 59, 59, tzinfo=UTC), at(19, 22)]
    run_import([row(plat, "0172700001", start=s, duration=600) for s in starts])
    got = [(c.on_net, c.cost) for c in calls(called="+33172700001")]
    assert got == [(True, 0), (False, Decimal("0.1200"))]
    assert_matches_reference()


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
# granted until 15 October on a contract ordered, not in service; the customer signs on the 12th
# and staff activate it, its service started that day: the activation ends the trial; the CDR
# file of the 10th arrives after that. The 600 s call of the 10th was trial traffic: flagged
# trial, never invoiced. Current: not trial, billable 600 × 0.0120 / 60 = 0.1200 (the contract
# keeps no trace of the trial's dates once it is ended, so the rating cannot know).
def test_con7_trial_call_imported_after_the_trial_ended():
    from datetime import date

    from offers.services.contracts import contract_activate
    from offers.services.trials import contract_set_trial

    plat = platform(ordered=True)
    contract_set_trial(contract=plat, ends_on=date(2026, 10, 15))
    with time_machine.travel(at(12, 9), tick=False):  # signed on the 12th: in service, no trial
        contract_activate(contract=plat, service_start_date=date(2026, 10, 12))
    plat.refresh_from_db()
    assert (plat.is_trial, plat.trial_ends_on) == (False, date(2026, 10, 12))
    run_import([row(plat, "+33123456780", start=at(10, 9), duration=600)])
    call = one("+33123456780")
    assert call.trial is True  # never invoiced
