"""Independent check of TRK-6 (TRUNK 5) in the rating: « premium-rate and high-risk international
destinations are blocked by default on a new trunk or SIP account […] the rating engine refuses
(does not bill, flags) calls to blocked destinations ».

Premium rate is what the numbering plan says (USE-1, phonenumbers' PREMIUM_RATE): France's 083x,
085x, 086x and 088x ranges as well as 081x, 082x and 089x, the United Kingdom's 09 (+44 9…),
Belgium's 090x (+32 90…), Switzerland's 0900 (+41 900…), Spain's 803/806/807 (+34 80…).
Seeded grid (usage 0004): France premium 0.8000 €/min 60/60 min 60 (also the price of a
premium-rate number abroad with no row of its own); the world zones +3 / +4 0.3000 €/min 1/1."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine

from telephony.models import DestinationGroup
from telephony.services import destination_unblock
from tests.telephony.factories import customer
from tests.usage.core_helpers import account, assert_matches_reference, at, row, run_import
from usage.models import CallRecord

pytestmark = pytest.mark.django_db

PREMIUM = {
    "0836123456": "+33836123456",  # France 0836 (Audiotel range)
    "0885123456": "+33885123456",  # France 0885
    "+449098790000": "+449098790000",  # United Kingdom 09
    "+3290012345": "+3290012345",  # Belgium 0900
    "+41900123456": "+41900123456",  # Switzerland 0900
    "+34803123456": "+34803123456",  # Spain 803
}


# TRK-6: on a new SIP account every premium-rate number is refused by default — flagged
# blocked, 0 € — not only those under the premium-rate group's prefixes (+3389, +3381, +3382):
# before, 0836 12 34 56 was billed 61 s → 120 s × 0.80 / 60 = 1.6000 € and the UK's
# +44 909 879 0000 61 s × 0.30 / 60 = 0.3050 €, carried and billed. Numbers that are not premium
# rate stay allowed: 084 shared cost 61 s → 120 s × 0.09 / 60 = 0.1800; a Moroccan fixed number
# (not included): SIP-UNL per second 61 × 0.15 / 60 = 0.1525, HOSTED-W at its row's 60/60,
# 120 s × 0.15 / 60 = 0.3000. (One call at a time: HOSTED-W counts the simultaneous ones.)
@pytest.mark.parametrize("offer", ["sip-unl", "hosted-w"])
def test_trk6_every_premium_rate_number_blocked_by_default(offer):
    sip = account(offer)
    rows = [row(sip, dialled, start=at(3, 9 + i), duration=61) for i, dialled in enumerate(PREMIUM)]
    rows += [
        row(sip, "0840123456", start=at(4, 10), duration=61),
        row(sip, "+212522123456", start=at(4, 11), duration=61),
    ]
    run_import(rows)
    for e164 in PREMIUM.values():
        call = CallRecord.objects.get(called=e164)
        assert call.price_class == "premium", e164
        assert (call.blocked, call.cost) == (True, Decimal("0")), e164
    shared = CallRecord.objects.get(called="+33840123456")
    moroccan = CallRecord.objects.get(called="+212522123456")
    assert (shared.blocked, shared.cost) == (False, Decimal("0.1800"))
    expected = Decimal("0.1525") if offer == "sip-unl" else Decimal("0.3000")
    assert (moroccan.blocked, moroccan.cost) == (False, expected)
    assert_matches_reference()


# TRK-6: the customer who unblocks the premium-rate group (on 1 October) may call them all:
# 0836 at France's premium row, 61 s → 120 s × 0.80 / 60 = 1.6000; the UK's 09, premium rate
# with no row of its own, at France's premium row too (USE-2, docs/rules.md; it was the +4
# world zone, 61 s × 0.30 / 60 = 0.3050): 1.6000.
def test_trk6_premium_rate_numbers_follow_the_premium_rate_group_setting():
    sip = account("sip-unl")
    with time_machine.travel(datetime(2026, 10, 1, 6, tzinfo=UTC), tick=False):
        destination_unblock(owner=sip, group=DestinationGroup.objects.get(code="premium-rate"))
    run_import(
        [
            row(sip, "0836123456", start=at(3, 9), duration=61),
            row(sip, "+449098790000", start=at(3, 10), duration=61),
        ]
    )
    french = CallRecord.objects.get(called="+33836123456")
    british = CallRecord.objects.get(called="+449098790000")
    assert (french.blocked, french.cost) == (False, Decimal("1.6000"))
    assert (british.blocked, british.cost) == (False, Decimal("1.6000"))
    assert_matches_reference()


# TRK-6 « blocked by default on a new trunk »: a trunk's call to the UK's premium rate
# (+44 909…) and to Switzerland's 0900 are refused (0 €); its French mobile call is billed,
# 120 s × 0.0450 / 60 = 0.0900.
def test_trk6_premium_rate_numbers_blocked_on_a_new_trunk():
    from tests.telephony.factories import make_trunk
    from tests.usage.core_helpers import seed

    seed()
    trunk = make_trunk(customer())
    run_import(
        [
            row(trunk.username, "+449098790000", start=at(3, 9), duration=61),
            row(trunk.username, "+41900123456", start=at(3, 10), duration=61),
            row(trunk.username, "0612345678", start=at(3, 11), duration=120),
        ]
    )
    for e164 in ("+449098790000", "+41900123456"):
        call = CallRecord.objects.get(called=e164)
        assert (call.blocked, call.cost) == (True, Decimal("0")), e164
    assert CallRecord.objects.get(called="+33612345678").cost == Decimal("0.0900")
    assert_matches_reference()


# TRK-6 / USE-1 — the directory enquiries 118 XYZ are premium-rate services (ARCEP's numbering
# plan: « tarification majorée », the service priced on top of the call — 118 218 costs euros a
# call): a new SIP account's 118 218 is refused, 0 € (it was carried and billed as a plain short
# number, 61 s → 120 s × 0.15 / 60 = 0.3000 €, at a loss and without the block TRUNK 5 gives).
# Other short numbers keep their row: 3949, 61 s → 0.3000. Unblocked (the premium-rate group),
# 118 712 is priced at the premium row: 61 s → 120 s × 0.80 / 60 = 1.6000.
def test_trk6_directory_enquiries_118_are_premium_rate():
    sip = account("sip-unl")
    other = account("sip-unl")
    with time_machine.travel(datetime(2026, 10, 1, 6, tzinfo=UTC), tick=False):
        destination_unblock(owner=other, group=DestinationGroup.objects.get(code="premium-rate"))
    run_import(
        [
            row(sip, "118218", start=at(3, 9), duration=61),
            row(sip, "3949", start=at(3, 10), duration=61),
            row(other, "118712", start=at(3, 11), duration=61),
        ]
    )
    enquiries = CallRecord.objects.get(called="118218")
    assert (enquiries.line_type, enquiries.price_class) == ("special", "premium")
    assert (enquiries.blocked, enquiries.cost) == (True, Decimal("0"))
    short = CallRecord.objects.get(called="3949")
    assert (short.price_class, short.blocked, short.cost) == ("short", False, Decimal("0.3000"))
    unblocked = CallRecord.objects.get(called="118712")
    assert (unblocked.blocked, unblocked.cost) == (False, Decimal("1.6000"))
    assert_matches_reference()
