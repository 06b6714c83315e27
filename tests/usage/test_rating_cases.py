"""Independent cases of call classification and rating (USE-1, USE-2, USE-3, TRK-6) through the real
import and the SQL rating engine, with amounts computed by hand from the contracts.

Seeded grid (usage migration 0004), € HT per minute: France fixed 0.0120 1/1; France mobile
0.0450 1/1; shared cost (084) 0.0900 60/60 min 60; premium (089) 0.8000 60/60 min 60; short
numbers 0.1500 60/60 min 60; Réunion fixed 0.0300 1/1, mobile 0.1500 30/6; Germany mobile
0.0900 30/6; Morocco mobile 0.4500 60/60; world zone "+3" 0.3000 1/1.

Paris time: 2026-10-25 is the end of summer time (CEST, UTC+2, until 01:00 UTC; CET, UTC+1,
after). 31 October 23:30 in Paris is 22:30 UTC; 30 September 23:30 in Paris is 21:30 UTC."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from numbering.models import PhoneNumber
from telephony import services as telephony
from telephony.models import DestinationGroup
from telephony.services import destination_block, destination_unblock
from tests.telephony.factories import customer
from tests.usage.core_helpers import (
    account,
    assert_matches_reference,
    at,
    calls,
    platform,
    price_change,
    row,
    run_import,
    seconds,
)
from usage.models import CallRecord, Tariff

pytestmark = pytest.mark.django_db
SEP, OCT, NOV = date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)


def fixed(n: int) -> str:
    return f"+3314{n:07d}"  # Paris fixed numbers: France Fixe, one of the 41 destinations


def utc(month, day, hour, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def one(called, **filters):
    return CallRecord.objects.get(called=called, **filters)


def ninety_nine(sip, *, day=2, first=0):
    """99 distinct French fixed numbers, 60 s each, one a minute from 08:00 UTC on ``day``."""
    return [
        row(sip, fixed(first + n), start=at(day, 8) + seconds(60 * n), duration=60)
        for n in range(99)
    ]


def group(code):
    return DestinationGroup.objects.get(code=code)


# --- USE-1: classification ----------------------------------------------------------------


# USE-1 / USE-3: a Réunion fixed number written in E.164 (+262 262 …) is "Réunion Fixe", one
# of the SIP-UNL 41 destinations: 600 s included, cost 0, slot 1. A Réunion mobile (+262 692 …)
# is an international mobile: per second at its tariff, 61 s × 0.1500 / 60 = 0.1525 (not the
# tariff's 30/6 increments, which would give 66 s = 0.1650).
def test_use1_use3_overseas_numbers_in_e164():
    sip = account("sip-unl")
    run_import(
        [
            row(sip, "+262262123456", start=at(2, 9), duration=600),
            row(sip, "+262692123456", start=at(2, 10), duration=61),
        ]
    )
    reunion_fixed, reunion_mobile = one("+262262123456"), one("+262692123456")
    assert (reunion_fixed.country, reunion_fixed.line_type) == ("RE", "fixed")
    assert (reunion_fixed.slot, reunion_fixed.included, reunion_fixed.cost) == (1, True, 0)
    assert (reunion_mobile.country, reunion_mobile.line_type) == ("RE", "mobile")
    assert reunion_mobile.cost == Decimal("0.1525")
    assert_matches_reference()


# USE-1: the overseas departments are in the French national numbering plan: from France,
# Réunion's fixed number +262 262 12 34 56 is dialled "02 62 12 34 56" (the 02 range, fixed,
# SPEC USE-1 "French ranges: 01–05 fixed, 06–07 mobile") and its mobile +262 692 12 34 56
# "06 92 12 34 56". The CDR carries the number as dialled. Expected: the same classification
# as the E.164 form above (Réunion fixed: included on SIP-UNL, cost 0; Réunion mobile: 61 s
# per second = 0.1525). The import writes them "+33262…" / "+33692…", numbers phonenumbers
# did not know: country FR, line type "other", priced by the world-zone prefix "+3" at
# 0.3000 €/min — 600 s × 0.30 / 60 = 3.0000 € for a call the plan includes.
def test_use1_overseas_numbers_dialled_in_national_format():
    sip = account("sip-unl")
    run_import(
        [
            row(sip, "0262123456", start=at(2, 9), duration=600),
            row(sip, "0692123456", start=at(2, 10), duration=61),
        ]
    )
    fixed_call, mobile_call = calls()
    assert (fixed_call.called, mobile_call.called) == ("+262262123456", "+262692123456")
    assert fixed_call.cost == 0  # was 3.0000
    assert fixed_call.line_type == "fixed" and fixed_call.included
    assert mobile_call.line_type == "mobile"
    assert mobile_call.cost == Decimal("0.1525")


# --- USE-2: tariffs ------------------------------------------------------------------------


# USE-2 through the SQL engine with a tariff of first 30 s, next 6 s, minimum 45 s at
# 0.6000 €/min (0.01 € a second), platform contract (no plan: the tariff's increments):
#   answered 0 s → 0 (no minimum); unanswered with a duration of 30 s in the record → 0;
#   1 s → 30, min 45 → 0.4500; 31 s → 36 → 45 → 0.4500; 43 s → 30 + ⌈13/6⌉×6 = 48 → 0.4800;
#   46 s → 48 → 0.4800; 91 s → 30 + ⌈61/6⌉×6 = 96 → 0.9600.
#   Total 0.45 + 0.45 + 0.48 + 0.48 + 0.96 = 2.8200.
# The same file sent again imports nothing and changes no amount.
def test_use2_first_next_minimum_through_the_engine_and_reimport():
    Tariff.objects.create(
        name="Test 30/6 min 45",
        prefix="+331497",
        rate_per_minute=Decimal("0.6000"),
        first_increment=30,
        next_increment=6,
        min_duration=45,
        valid_from=date(2026, 1, 1),
    )
    plat = platform()
    durations = [(0, True), (30, False), (1, True), (31, True), (43, True), (46, True), (91, True)]
    rows = [
        row(plat, f"+3314970000{i:02d}", start=at(3, 9, i), duration=d, answered=a)
        for i, (d, a) in enumerate(durations)
    ]
    run_import(rows)
    expected = ["0", "0", "0.4500", "0.4500", "0.4800", "0.4800", "0.9600"]
    assert [c.cost for c in calls()] == [Decimal(x) for x in expected]
    assert [c.billed_seconds for c in calls()] == [0, 0, 45, 45, 48, 48, 96]
    again = run_import(rows)
    assert again.imported == 0
    assert CallRecord.objects.count() == 7
    assert sum(c.cost for c in calls()) == Decimal("2.8200")
    assert_matches_reference()


# USE-2 "the most specific tariff wins" (docs/rules.md: a prefix of 4 digits or more, then the
# (country, type, class) row, then shorter prefixes). French mobiles, 60 s each, platform:
#   +33612… : "+33612" (5 digits) 0.7000 beats "+3361" (4 digits) 0.5000 → 0.7000;
#   +33615… : "+3361" (4 digits) 0.5000 beats the France mobile row 0.0450 → 0.5000;
#   +33655… : "+336" (3 digits) 0.9000 loses to the France mobile row → 0.0450.
def test_use2_prefix_precedence():
    for prefix, rate in (("+33612", "0.7000"), ("+3361", "0.5000"), ("+336", "0.9000")):
        Tariff.objects.create(
            name=f"Test {prefix}",
            prefix=prefix,
            rate_per_minute=Decimal(rate),
            valid_from=date(2026, 1, 1),
        )
    plat = platform()
    run_import(
        [
            row(plat, "+33612345678", start=at(3, 9), duration=60),
            row(plat, "+33615345678", start=at(3, 10), duration=60),
            row(plat, "+33655345678", start=at(3, 11), duration=60),
        ]
    )
    assert one("+33612345678").cost == Decimal("0.7000")
    assert one("+33615345678").cost == Decimal("0.5000")
    assert one("+33655345678").cost == Decimal("0.0450")
    assert_matches_reference()


# USE-2 "a longest-matching prefix": calls are rated by blocks of 10 000 numbers (every digit
# but the last four), so a prefix longer than the blocks of its country would never match a
# call — it billed +33 6 99 12 34 56 at the France mobile row (0.0450) under a tariff of
# "+336991234" at 1.2000 €/min. Such a prefix is now refused, saying how long it may be (a
# French number has 11 digits after the +: 7 for its block); the block's own prefix works:
# 60 s × 1.2000 / 60 = 1.2000.
def test_use2_prefix_longer_than_the_block_refused():
    tariff = Tariff(
        name="Test +336991234",
        prefix="+336991234",
        rate_per_minute=Decimal("1.2000"),
        valid_from=date(2026, 1, 1),
    )
    with pytest.raises(ValidationError) as refused:
        tariff.full_clean()
    assert refused.value.message_dict["prefix"] == [
        "«\u00a0+336991234\u00a0» est trop long\u00a0: les appels vers le +33 sont tarifés par "
        "blocs de 10\u00a0000 numéros, un préfixe y compte donc au plus 7 chiffres après le "
        "«\u00a0+\u00a0»."
    ]
    tariff.prefix = "+3369912"
    tariff.full_clean()
    tariff.save()
    plat = platform()
    run_import([row(plat, "+33699123456", start=at(3, 9), duration=60)])
    assert one("+33699123456").cost == Decimal("1.2000")


# USE-2 "a prefix of 4 digits or more, then the (country, type, class) row" (docs/rules.md):
# staff price the 4-digit short number 3949 at 0.3000 €/min per second (prefix "3949": short
# numbers are stored as dialled, their block is the number itself). A 60 s call should cost
# 60 × 0.30 / 60 = 0.3000; the engine ranks a prefix by its length counting a "+" (≥ 5
# characters), so "3949" ranked below the "France numéro court" row (0.1500, 60/60, min 60):
# 0.1500. A 5-digit short number's prefix ("36665") does win: 60 s × 0.30 / 60 = 0.3000.
def test_use2_four_digit_short_number_prefix():
    for prefix in ("3949", "36665"):
        Tariff.objects.create(
            name=f"Test {prefix}",
            prefix=prefix,
            rate_per_minute=Decimal("0.3000"),
            valid_from=date(2026, 1, 1),
        )
    plat = platform()
    run_import(
        [
            row(plat, "36665", start=at(3, 8), duration=60),
            row(plat, "3949", start=at(3, 9), duration=60),
        ]
    )
    assert one("36665").cost == Decimal("0.3000")
    assert one("3949").cost == Decimal("0.3000")  # was 0.1500


# TRK-6, same cause: a destination group for the range +33 6 99 12 3x xx ("+33699123", 8
# digits after the +) never matched (the call was billed 0.0450 as a French mobile); it is
# refused, as a prefix without its "+" or under no country code; the block's prefix blocks:
# the call costs nothing.
def test_trk6_group_prefix_longer_than_the_block_refused():
    group = DestinationGroup(
        code="test-range",
        name="Plage à risque",
        prefixes=["+33699123", "33699", "+28"],
        blocked_by_default=True,
        position=99,
    )
    with pytest.raises(ValidationError) as refused:
        group.full_clean()
    assert len(refused.value.message_dict["prefixes"]) == 2  # "33699" is a short number's
    assert "au plus 7 chiffres" in refused.value.message_dict["prefixes"][0]
    assert refused.value.message_dict["prefixes"][1] == (
        "Aucun indicatif de pays ne commence par «\u00a0+28\u00a0»."
    )
    group.prefixes = ["+3369912"]
    group.full_clean()
    group.save()
    plat = platform()
    run_import([row(plat, "+33699123456", start=at(3, 9), duration=60)])
    call = one("+33699123456")
    assert call.cost == 0 and call.blocked


# USE-1 (docs/rules.md: "Calls to on-net numbers are free on every plan"): on a PLATFORM
# contract (no plan), a 600 s call to a number we assigned to another customer costs 0 and is
# flagged on-net; the same call to a number of ours still in stock is a French fixed call,
# 600 × 0.0120 / 60 = 0.1200.
def test_use1_on_net_free_without_a_plan():
    PhoneNumber.objects.create(
        e164="+33199990002", number_type="geographic", state="assigned", client=customer()
    )
    PhoneNumber.objects.create(e164="+33199990003", number_type="geographic", state="available")
    plat = platform()
    run_import(
        [
            row(plat, "+33199990002", start=at(3, 9), duration=600),
            row(plat, "+33199990003", start=at(3, 10), duration=600),
        ]
    )
    assigned, in_stock = one("+33199990002"), one("+33199990003")
    assert (assigned.on_net, assigned.cost) == (True, 0)
    assert (in_stock.on_net, in_stock.cost) == (False, Decimal("0.1200"))
    assert_matches_reference()


# USE-2: the tariff in force on the Paris day the call started, on the day summer time ends.
# French mobile +33 6 1…: 0.0600 €/min until 25 October, 0.1200 €/min from 26 October (prefix
# "+3361", 4 digits, beats the France mobile row). SIP-UNL (mobiles per second), 60 s each:
#   25 Oct 22:30 UTC = 25 Oct 23:30 CET → 0.0600;
#   25 Oct 23:30 UTC = 26 Oct 00:30 CET → 0.1200;
#   25 Oct 00:30 UTC = 25 Oct 02:30 CEST (before the change of hour) → 0.0600;
#   a call of 25 Oct 23:50 Paris lasting 20 minutes, into the 26th: its start day's price,
#   1200 s × 0.06 / 60 = 1.2000.
def test_use2_tariff_of_the_paris_day_at_dst_end():
    price_change("+3361", "0.0600", "0.1200", date(2026, 10, 26))
    sip = account("sip-unl")
    run_import(
        [
            row(sip, "+33611000001", start=utc(10, 25, 22, 30), duration=60),
            row(sip, "+33611000002", start=utc(10, 25, 23, 30), duration=60),
            row(sip, "+33611000003", start=utc(10, 25, 0, 30), duration=60),
            row(sip, "+33611000004", start=utc(10, 25, 22, 50), duration=1200),
        ]
    )
    assert one("+33611000001").cost == Decimal("0.0600")
    assert one("+33611000002").cost == Decimal("0.1200")
    assert one("+33611000003").cost == Decimal("0.0600")
    assert one("+33611000004").cost == Decimal("1.2000")
    assert_matches_reference()


# USE-2 / HOSTED-A 6 ("au tarif … en vigueur au jour de la facturation"): the October invoice
# is dated 31 October. France fixed goes from 0.0120 to 0.0240 €/min on 1 November. A
# telecom-professional customer (USE-4: billed per minute at the tariff), 61 s → 120 s:
#   31 Oct 22:30 UTC = 31 Oct 23:30 Paris: October, tariff of 31 Oct → 0.0240;
#   31 Oct 23:30 UTC = 1 Nov 00:30 Paris: November, tariff of 30 Nov → 0.0480.
def test_hosted_a_tariff_of_the_invoicing_day_at_the_month_edge():
    sip = account("hosted-a", is_telecom_professional=True)
    old = Tariff.objects.get(country="FR", line_type="fixed", prefix="", valid_to=None)
    old.valid_to = NOV
    old.save()
    Tariff.objects.create(
        name="France fixe 2026-11",
        country="FR",
        line_type="fixed",
        rate_per_minute=Decimal("0.0240"),
        valid_from=NOV,
    )
    run_import(
        [
            row(sip, "0123456789", start=utc(10, 31, 22, 30), duration=61),
            row(sip, "0123456788", start=utc(10, 31, 23, 30), duration=61),
        ]
    )
    october, november = one("+33123456789"), one("+33123456788")
    assert (october.billing_month, october.cost) == (OCT, Decimal("0.0240"))
    assert (november.billing_month, november.cost) == (NOV, Decimal("0.0480"))
    assert_matches_reference()


# --- USE-3: SIP-UNL -----------------------------------------------------------------------


# USE-3, the Paris calendar month at both of October's edges:
#   30 Sep 21:30 UTC = 30 Sep 23:30 CEST → September: slot 1 of September, included;
#   30 Sep 22:30 UTC = 1 Oct 00:30 CEST → October, the first number of October (slot 1);
#   99 numbers on 2 October → slots 2..100: the 99th of them (fixed(98)) is the 100th distinct
#   number of October: 60 s per second × 0.0120 / 60 = 0.0120;
#   31 Oct 22:30 UTC = 31 Oct 23:30 CET (after the end of summer time) to a new number:
#   October's 101st, 120 s × 0.0120 / 60 = 0.0240;
#   31 Oct 23:30 UTC = 1 Nov 00:30 CET to another new number: November's slot 1, included.
# October costs 0.0120 + 0.0240 = 0.0360.
def test_use3_paris_month_edges():
    sip = account("sip-unl")
    run_import(
        [
            row(sip, fixed(500), start=utc(9, 30, 21, 30), duration=120),
            row(sip, fixed(501), start=utc(9, 30, 22, 30), duration=120),
            *ninety_nine(sip),
            row(sip, fixed(502), start=utc(10, 31, 22, 30), duration=120),
            row(sip, fixed(503), start=utc(10, 31, 23, 30), duration=120),
        ]
    )
    september = one(fixed(500))
    assert (september.billing_month, september.slot, september.cost) == (SEP, 1, 0)
    first_of_october = one(fixed(501))
    assert (first_of_october.billing_month, first_of_october.slot) == (OCT, 1)
    assert first_of_october.included and first_of_october.cost == 0
    hundredth = one(fixed(98))
    assert (hundredth.slot, hundredth.included, hundredth.cost) == (100, False, Decimal("0.0120"))
    last_evening = one(fixed(502))
    assert (last_evening.billing_month, last_evening.slot) == (OCT, 101)
    assert last_evening.cost == Decimal("0.0240")
    november = one(fixed(503))
    assert (november.billing_month, november.slot, november.cost) == (NOV, 1, 0)
    assert november.included
    october = CallRecord.objects.filter(billing_month=OCT)
    assert sum(c.cost for c in october) == Decimal("0.0360")
    assert_matches_reference()


# USE-3, the same edges with daily files. File 1: the 99 numbers of 2 October (all included).
# File 2 (after them): 31 Oct 22:30 UTC (23:30 Paris, October) to a new number → the 100th,
# 120 s × 0.0120 / 60 = 0.0240; 31 Oct 23:30 UTC (November in Paris) → November's slot 1, 0.
# File 3, a late record: 30 Sep 22:30 UTC = 1 Oct 00:30 Paris to a new number: it is
# October's first number (slot 1, included); fixed(98) becomes the 100th (60 s → 0.0120) and
# the 31 October number the 101st (still 0.0240). October: 0.0360; November: 0.
def test_use3_paris_month_edges_with_daily_files():
    sip = account("sip-unl")
    run_import(ninety_nine(sip))
    run_import(
        [
            row(sip, fixed(502), start=utc(10, 31, 22, 30), duration=120),
            row(sip, fixed(503), start=utc(10, 31, 23, 30), duration=120),
        ]
    )
    assert (one(fixed(502)).slot, one(fixed(502)).cost) == (100, Decimal("0.0240"))
    assert (one(fixed(503)).billing_month, one(fixed(503)).slot) == (NOV, 1)
    assert one(fixed(98)).cost == 0
    run_import([row(sip, fixed(501), start=utc(9, 30, 22, 30), duration=120)])
    late = one(fixed(501))
    assert (late.billing_month, late.slot, late.included, late.cost) == (OCT, 1, True, 0)
    assert (one(fixed(98)).slot, one(fixed(98)).cost) == (100, Decimal("0.0120"))
    assert (one(fixed(502)).slot, one(fixed(502)).cost) == (101, Decimal("0.0240"))
    assert sum(c.cost for c in calls(billing_month=OCT)) == Decimal("0.0360")
    assert sum(c.cost for c in calls(billing_month=NOV)) == 0
    assert_matches_reference()


# USE-3: what takes one of the 99 slots — only answered calls (> 0 s), outbound or forwarded,
# to an included fixed number, not blocked. Before 98 numbers of 2 October, on 1 October:
#   an answered call of 0 s to fixed(900): no slot, 0;
#   an unanswered call whose record says 30 s to fixed(901): no slot, 0;
#   an inbound call (600 s) from fixed(902): no slot, 0;
#   a Belgian fixed call (one of the 41) while the customer blocked "international-eu"
#   (TRK-6): blocked, no slot, 0;
#   a forwarded call to fixed(903), 60 s: slot 1, included.
# Then 98 numbers (slots 2..99), all included; on 3 October fixed(900) answered, 60 s: the
# 100th number, 0.0120. A second SIP account of the same contract has its own 99: its call to
# fixed(900) is its slot 1, included. Total 0.0120.
def test_use3_what_takes_a_slot_and_per_account_lists():
    sip = account("sip-unl")
    other, _secret = telephony.sip_account_create(contract=sip.contract, label="Poste 2")
    with time_machine.travel(datetime(2026, 9, 30, tzinfo=UTC), tick=False):  # before the calls
        destination_block(owner=sip, group=group("international-eu"))
    run_import(
        [
            row(sip, fixed(900), start=at(1, 9), duration=0),
            row(sip, fixed(901), start=at(1, 10), duration=30, answered=False),
            row(sip, fixed(902), start=at(1, 11), duration=600, call_type="inbound"),
            row(sip, "+3222345678", start=at(1, 12), duration=60),
            row(sip, fixed(903), start=at(1, 13), duration=60, call_type="forwarded"),
            *ninety_nine(sip)[:98],
            row(sip, fixed(900), start=at(3, 9), duration=60),
            row(other, fixed(900), start=at(3, 10), duration=60),
        ]
    )
    zero, hundredth = calls(called=fixed(900), sip_account=sip)
    assert (zero.slot, zero.cost) == (None, 0)
    assert (one(fixed(901)).slot, one(fixed(901)).cost) == (None, 0)
    assert (one(fixed(902)).slot, one(fixed(902)).cost) == (None, 0)
    belgian = one("+3222345678")
    assert (belgian.blocked, belgian.slot, belgian.cost) == (True, None, 0)
    forwarded = one(fixed(903))
    assert (forwarded.slot, forwarded.included, forwarded.cost) == (1, True, 0)
    assert one(fixed(97)).slot == 99 and one(fixed(97)).included
    assert (hundredth.slot, hundredth.cost) == (100, Decimal("0.0120"))
    theirs = one(fixed(900), sip_account=other)
    assert (theirs.slot, theirs.included, theirs.cost) == (1, True, 0)
    assert sum(c.cost for c in calls()) == Decimal("0.0120")
    assert_matches_reference()


# USE-3 "les soixante (60) premières minutes de chaque appel … au-delà chaque seconde
# supplémentaire est facturée": a call to one of the 99 of exactly 3600 s costs 0; 3601 s →
# 1 s × 0.0120 / 60 = 0.0002. "Tout appel émis au-delà de ces 99 numéros … facturé à la
# seconde": the 100th number, 3700 s, is billed whole: 3700 × 0.0120 / 60 = 0.7400 (not
# 100 s = 0.0200).
def test_use3_sixty_minute_boundary_and_long_call_to_the_hundredth_number():
    sip = account("sip-unl")
    run_import(
        [
            *ninety_nine(sip),
            row(sip, fixed(0), start=at(4, 9), duration=3600),
            row(sip, fixed(1), start=at(4, 11), duration=3601),
            row(sip, fixed(99), start=at(4, 13), duration=3700),
        ]
    )
    exact, over = calls(called=fixed(0))[1], calls(called=fixed(1))[1]
    assert (exact.included, exact.included_seconds, exact.cost) == (True, 3600, 0)
    assert (over.included_seconds, over.billed_seconds, over.cost) == (3600, 1, Decimal("0.0002"))
    hundredth = one(fixed(99))
    assert (hundredth.slot, hundredth.included, hundredth.billed_seconds) == (100, False, 3700)
    assert hundredth.cost == Decimal("0.7400")
    assert_matches_reference()


# USE-3 "facturé à la seconde" whatever the tariff's increments. Staff price Brussels fixed
# (+3222…, a Belgian fixed number, one of the 41) 60/60 with a 60 s minimum at 0.0600 €/min:
#   one of the 99, 3601 s: 1 s beyond → 1 × 0.06 / 60 = 0.0010 (not a 60 s increment 0.0600);
#   the 100th number (a Belgian one), 10 s → 10 × 0.06 / 60 = 0.0100 (not the 60 s min);
#   German mobile (30/6), 31 s → 31 × 0.09 / 60 = 0.0465 (not 36 s = 0.0540);
#   Moroccan mobile (60/60), 61 s → 61 × 0.45 / 60 = 0.4575 (not 120 s = 0.9000);
#   a special number keeps its tariff's increments: 084, 61 s → 120 s × 0.09 / 60 = 0.1800;
#   short number 3949 (60/60 min 60), 10 s → 60 s × 0.15 / 60 = 0.1500;
#   emergency 112, 300 s → 0; on-net number (assigned to another customer) 300 s → 0.
# Total 0.0010 + 0.0100 + 0.0465 + 0.4575 + 0.1800 + 0.1500 = 0.8450.
def test_use3_per_second_whatever_the_tariff_increments():
    Tariff.objects.create(
        name="Bruxelles 60/60",
        prefix="+3222",
        rate_per_minute=Decimal("0.0600"),
        first_increment=60,
        next_increment=60,
        min_duration=60,
        valid_from=date(2026, 1, 1),
    )
    PhoneNumber.objects.create(
        e164="+33199990001", number_type="geographic", state="assigned", client=customer()
    )
    sip = account("sip-unl")
    rows = [row(sip, "+3222345678", start=at(1, 9), duration=3601)]
    rows += ninety_nine(sip)[:98]
    rows += [
        row(sip, "+3222345679", start=at(5, 9), duration=10),
        row(sip, "+4915123456789", start=at(5, 10), duration=31),
        row(sip, "+212612345678", start=at(5, 11), duration=61),
        row(sip, "0840123456", start=at(5, 12), duration=61),
        row(sip, "3949", start=at(5, 13), duration=10),
        row(sip, "112", start=at(5, 14), duration=300),
        row(sip, "+33199990001", start=at(5, 15), duration=300),
    ]
    run_import(rows)
    included = one("+3222345678")
    assert (included.country, included.line_type, included.slot) == ("BE", "fixed", 1)
    assert (included.billed_seconds, included.cost) == (1, Decimal("0.0010"))
    hundredth = one("+3222345679")
    assert (hundredth.slot, hundredth.billed_seconds, hundredth.cost) == (
        100,
        10,
        Decimal("0.0100"),
    )
    assert one("+4915123456789").cost == Decimal("0.0465")
    assert one("+212612345678").cost == Decimal("0.4575")
    assert one("+33840123456").cost == Decimal("0.1800")
    assert one("3949").cost == Decimal("0.1500")
    emergency = one("112")
    assert (emergency.line_type, emergency.blocked, emergency.cost) == ("emergency", False, 0)
    on_net = one("+33199990001")
    assert (on_net.on_net, on_net.slot, on_net.cost) == (True, None, 0)
    assert sum(c.cost for c in calls()) == Decimal("0.8450")
    assert_matches_reference()


# --- TRK-6: blocked destination groups ----------------------------------------------------


# TRK-6: the group of the longest matching prefix decides, with the account's own settings.
# The customer unblocks "premium-rate" (+3389…) and blocks "France — 08" (+338) and "France —
# mobiles": 089 30 s → not blocked, 60/60 min 60 → 60 s × 0.80 / 60 = 0.8000; 084 → blocked,
# 0; a mobile → blocked, 0; emergency 15 and 112 → never blocked, free. Another account of
# the same customer keeps the defaults: its 089 call is blocked, its mobile call (60 s) costs
# 0.0450.
def test_trk6_longest_prefix_with_account_settings():
    sip = account("sip-unl")
    other, _secret = telephony.sip_account_create(contract=sip.contract, label="Poste 2")
    with time_machine.travel(datetime(2026, 9, 30, tzinfo=UTC), tick=False):  # before the calls
        destination_unblock(owner=sip, group=group("premium-rate"))
        destination_block(owner=sip, group=group("fr-special-08"))
        destination_block(owner=sip, group=group("fr-mobile"))
    run_import(
        [
            row(sip, "0899123456", start=at(2, 9), duration=30),
            row(sip, "0840123456", start=at(2, 10), duration=30),
            row(sip, "0612345678", start=at(2, 11), duration=60),
            row(sip, "15", start=at(2, 12), duration=60),
            row(sip, "112", start=at(2, 13), duration=60),
            row(other, "0899123457", start=at(2, 14), duration=30),
            row(other, "0612345679", start=at(2, 15), duration=60),
        ]
    )
    premium = one("+33899123456")
    assert (premium.blocked, premium.cost) == (False, Decimal("0.8000"))
    assert (one("+33840123456").blocked, one("+33840123456").cost) == (True, 0)
    assert (one("+33612345678").blocked, one("+33612345678").cost) == (True, 0)
    for number in ("15", "112"):
        assert (one(number).blocked, one(number).cost) == (False, 0)
    assert (one("+33899123457").blocked, one("+33899123457").cost) == (True, 0)
    assert (one("+33612345679").blocked, one("+33612345679").cost) == (False, Decimal("0.0450"))
    assert_matches_reference()


# TRK-6: a call is blocked or not by the setting in force when it started, whenever its month
# is rated again. The customer unblocks "premium-rate" on 5 October 10:00 UTC and blocks
# "France — mobiles" on 8 October 12:00 UTC; the records arrive later (in December):
#   089 on 2 October (still blocked then): blocked, 0 — the block refused it, unblocking the
#     group later does not bill it (it was billed 0.8000 once the month was rated again);
#   089 on 6 October, 30 s (unblocked): 60/60 min 60 → 60 s × 0.80 / 60 = 0.8000;
#   mobile on 7 October, 61 s (not blocked yet): per second 61 × 0.045 / 60 = 0.04575 → 0.0458
#     (it was refused, 0, with the block of the 8th);
#   mobile on 9 October (blocked since the 8th): blocked, 0.
# A late record of 1 October re-rates the month whole: nothing changes. Total 0.8458.
def test_trk6_a_call_keeps_the_setting_in_force_when_it_started():
    sip = account("sip-unl")
    with time_machine.travel(datetime(2026, 10, 5, 10, 0, tzinfo=UTC), tick=False):
        destination_unblock(owner=sip, group=group("premium-rate"))
    with time_machine.travel(datetime(2026, 10, 8, 12, 0, tzinfo=UTC), tick=False):
        destination_block(owner=sip, group=group("fr-mobile"))
    run_import(
        [
            row(sip, "0899123456", start=at(2, 9), duration=30),
            row(sip, "0899123457", start=at(6, 9), duration=30),
            row(sip, "0612345678", start=at(7, 9), duration=61),
            row(sip, "0612345679", start=at(9, 9), duration=61),
        ]
    )
    run_import([row(sip, fixed(1), start=at(1, 9), duration=60)])  # late: the month re-rated

    def outcome():
        return [(c.called, c.blocked, c.cost) for c in calls(line_type__in=["special", "mobile"])]

    expected = [
        ("+33899123456", True, 0),
        ("+33899123457", False, Decimal("0.8000")),
        ("+33612345678", False, Decimal("0.0458")),
        ("+33612345679", True, 0),
    ]
    assert outcome() == expected
    assert sum(c.cost for c in calls()) == Decimal("0.8458")
    assert_matches_reference()
    from usage.services.rating import rerate_month

    rerate_month(OCT)
    assert outcome() == expected


# TRK-6: the settings changed before the history was kept are rebuilt from the audit log
# (telephony migration 0010): the unblocking of 5 October, audited, leaves the 089 call of
# 2 October blocked (0) and bills the one of 6 October (0.8000) when the month is rated again.
def test_trk6_migration_rebuilds_the_history_from_the_audit_log():
    from importlib import import_module

    from django.apps import apps

    from telephony.models import DestinationSettingChange
    from usage.services.rating import rerate_month

    sip = account("sip-unl")
    with time_machine.travel(datetime(2026, 10, 5, 10, 0, tzinfo=UTC), tick=False):
        destination_unblock(owner=sip, group=group("premium-rate"))
    DestinationSettingChange.objects.all().delete()  # as before the history was kept
    run_import(
        [
            row(sip, "0899123456", start=at(2, 9), duration=30),
            row(sip, "0899123457", start=at(6, 9), duration=30),
        ]
    )
    migration = import_module("telephony.migrations.0010_destination_history_from_audit")
    migration.load(apps, None)
    migration.load(apps, None)  # twice: nothing more
    assert DestinationSettingChange.objects.count() == 1
    rerate_month(OCT)
    assert [(c.blocked, c.cost) for c in calls()] == [(True, 0), (False, Decimal("0.8000"))]
    assert_matches_reference()


# --- USE-2 on the invoice: the Paris month and one rounding per line -----------------------


# USE-2 / BIL-1: October's invoice of a SIP-UNL contract carries October's Paris-month calls.
# French mobiles, per second, 61 s each → 61 × 0.045 / 60 = 0.04575 → 0.0458 per call:
# three on 5 October and one on 31 October 23:30 Paris (22:30 UTC) = 4 × 0.0458 = 0.1832 →
# one line 0.18 (rounding each call to the cent would give 4 × 0.05 = 0.20). The call of
# 31 October 23:30 UTC (1 November 00:30 Paris) and a blocked 089 call are not on it.
def test_use2_october_invoice_takes_the_paris_month_rounded_once(settings, tmp_path):
    from billing import services as billing
    from billing.models import Invoice

    settings.BILLING_RENDER_PDF = False
    settings.MEDIA_ROOT = str(tmp_path / "media")
    sip = account("sip-unl")
    run_import(
        [
            *[row(sip, f"+3361200000{i}", start=at(5, 9 + i), duration=61) for i in range(3)],
            row(sip, "+33612000009", start=utc(10, 31, 22, 30), duration=61),
            row(sip, "+33612000008", start=utc(10, 31, 23, 30), duration=61),
            row(sip, "0899123456", start=at(6, 9), duration=120),
        ]
    )
    billing.run_month_sync(month=OCT)
    invoice = Invoice.objects.get(
        client=sip.contract.client, month=OCT, purpose="regular", kind="invoice"
    )
    amounts = [line.net_amount for line in invoice.lines.filter(kind="consumption")]
    assert amounts == [Decimal("0.18")]


# USE-1 and the law: the harmonised European numbers of social value (116 117 on-call doctors,
# 116 000 missing children) are free for the caller (EU decision 2007/116/EC, ARCEP's plan);
# the rule book's emergency list leaves them out. They were billed as short numbers: 120 s at
# 0.1500 €/min, 60/60 = 0.3000 €. Now: 0 on PLATFORM (no plan) and on SIP-UNL, no slot taken;
# a 3949 beside them is still a short number, 60 s minimum × 0.15 = 0.1500.
def test_use1_social_value_numbers_are_free():
    plat = platform()
    sip = account("sip-unl")
    run_import(
        [
            row(plat, "116117", start=at(3, 9), duration=120),
            row(plat, "3949", start=at(3, 10), duration=20),
            row(sip, "116000", start=at(3, 11), duration=600),
        ]
    )
    assert one("116117").cost == 0 and one("116117").price_class == "toll_free"
    assert one("3949").cost == Decimal("0.1500")
    assert (one("116000").cost, one("116000").slot) == (0, None)
    assert_matches_reference()
