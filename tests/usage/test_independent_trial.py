"""Independent check of CON-7 (PLATFORM 6.2: free test access before the service starts; trial
traffic is rated but never invoiced) with the unlimited plans (USE-3, USE-4): the test calls of
the trial are the customer's trying the service, not its use of the plan's month — they take
none of the month's 99 numbers (AMABOO 2) and open no fair-use breach (HOSTED-W 6.1), which
would bill the paid calls after the trial. Seeded grid: France fixed 0.0120 €/min (1/1)."""

from datetime import date

import pytest

from offers import services as offers
from tests.usage.core_helpers import account, assert_matches_reference, at, row, run_import, seconds
from usage.models import CallRecord, FairUseBreach

pytestmark = pytest.mark.django_db
TRIAL_END = date(2026, 10, 15)


def trial_then_service(offer_code):
    """A SIP account whose contract is on trial until 15/10 (excluded), in service from 15/10."""
    sip = account(offer_code, ordered=True)
    offers.contract_set_trial(contract=sip.contract, ends_on=TRIAL_END)
    offers.contract_activate(contract=sip.contract, service_start_date=TRIAL_END)
    return sip


# CON-7 / USE-4 — HOSTED-W: four test calls at once on 10/10 during the trial (600 s each,
# France fixed), then in service a 60 s France fixed call on 20/10. The trial is never invoiced,
# and nor is anything because of it: no fair-use breach, the 20/10 call included, 0 € (it was
# billed per minute, 60 s × 0.0120 / 60 = 0.0120, the month breached by the trial's calls and
# the customer told it lost its unlimited).
def test_con7_trial_calls_open_no_fair_use_breach():
    sip = trial_then_service("hosted-w")
    run_import(
        [
            *[row(sip, f"014000000{i}", start=at(10, 9) + seconds(i), duration=600)
              for i in range(4)],
            row(sip, "0140000009", start=at(20, 9), duration=60),
        ]
    )  # fmt: skip
    assert {c.trial for c in CallRecord.objects.filter(started_at__lt=at(15, 0))} == {True}
    paid = CallRecord.objects.get(called="+33140000009")
    assert (paid.trial, paid.included, paid.cost) == (False, True, 0)
    assert not FairUseBreach.objects.filter(sip_account=sip).exists()
    assert_matches_reference()


# CON-7 / USE-3 — SIP-UNL: the trial's test calls to 99 fixed numbers on 10/10 (free, trial)
# take none of October's 99: the first number called in service on 20/10 is included (the first
# slot), 0 € — it was the 100th, billed per second 60 s × 0.0120 / 60 = 0.0120.
def test_con7_trial_calls_take_none_of_the_99_numbers():
    sip = trial_then_service("sip-unl")
    run_import(
        [
            *[row(sip, f"+3314{n:07d}", start=at(10, 8) + seconds(60 * n), duration=60)
              for n in range(99)],
            row(sip, "+33145559999", start=at(20, 9), duration=60),
        ]
    )  # fmt: skip
    trial = CallRecord.objects.filter(trial=True)
    assert trial.count() == 99 and {(c.slot, c.cost) for c in trial} == {(None, 0)}
    paid = CallRecord.objects.get(called="+33145559999")
    assert (paid.trial, paid.slot, paid.included, paid.cost) == (False, 1, True, 0)
    assert_matches_reference()


# CON-7 with daily files in order (the later file keeps the trial's calls as rated): the
# trial's 4 calls at once of 10/10 in one file, the 20/10 paid calls in the next — still no
# breach, the paid France fixed call included (0 €); on SIP-UNL the trial's 99 numbers kept
# from the first file leave the first slot to the paid call (0 €).
@pytest.mark.parametrize("offer", ["hosted-w", "sip-unl"])
def test_con7_trial_calls_of_an_earlier_file_take_nothing_of_the_month(offer):
    sip = trial_then_service(offer)
    if offer == "hosted-w":
        trial = [row(sip, f"014000000{i}", start=at(10, 9) + seconds(i), duration=600)
                 for i in range(4)]  # fmt: skip
    else:
        trial = [row(sip, f"+3314{n:07d}", start=at(10, 8) + seconds(60 * n), duration=60)
                 for n in range(99)]  # fmt: skip
    run_import(trial, filename="day10.csv")
    run_import([row(sip, "+33145559999", start=at(20, 9), duration=60)], filename="day20.csv")
    paid = CallRecord.objects.get(called="+33145559999")
    assert (paid.trial, paid.included, paid.cost) == (False, True, 0)
    assert paid.slot == 1
    assert not FairUseBreach.objects.filter(sip_account=sip).exists()
    assert_matches_reference()
