"""Independent check of SIP-UNL (USE-1, USE-2, USE-3, TRK-6) through the real import and the SQL
rating pass, with amounts computed by hand from AMABOO 2:

    « Le Client peut appeler en illimité quatre-vingt-dix-neuf (99) numéros de téléphonie fixe
    différents chaque mois […] les 99 premiers numéros composés par le Client lors de
    l'utilisation du Service pour le mois civil en cours […] Tout appel émis au-delà de ces 99
    numéros différents sera facturé à la seconde […] Les soixante (60) premières minutes de
    chaque appel émis à destination de l'un de ces 99 numéros illimités sont comprises dans le
    forfait, au-delà chaque seconde supplémentaire est facturée hors forfait […] Les appels à
    destination des numéros « AMABOO » sont gratuits. Les appels à destination des numéros de
    téléphones mobiles en France sont facturés à la seconde […] fixes (hors destinations
    comprises dans le forfait illimité) et mobiles à l'international sont facturés à la seconde »

Seeded grid (usage 0004): France fixed 0.0120 €/min, France mobile 0.0450 (1/1), Réunion fixed
0.0300, Germany mobile 0.0900 (30/6), Morocco fixed 0.1500 (60/60), shared cost (084) 0.0900
60/60 min 60, 0806–0809 0.0120 1/1, toll free 0, premium 0.8000 60/60 min 60, short 0.1500
60/60 min 60. Paris is UTC+2 until 25/10/2026 03:00, UTC+1 after."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from numbering.models import PhoneNumber
from tests.telephony.factories import customer
from tests.usage.core_helpers import account, assert_matches_reference, at, row, run_import, seconds
from usage.models import CallRecord

pytestmark = pytest.mark.django_db
OCT, NOV = date(2026, 10, 1), date(2026, 11, 1)


def fixed(n: int) -> str:
    return f"+3314{n:07d}"  # Paris fixed numbers: France Fixe, one of the 41


def ninety_eight(sip):
    """98 distinct included numbers on 2 October from 09:00 UTC, 60 s each (free)."""
    return [row(sip, fixed(n), start=at(2, 9) + seconds(60 * n), duration=60) for n in range(98)]


def one(called, **filters) -> CallRecord:
    return CallRecord.objects.get(called=called, **filters)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# USE-3 (AMABOO 2 « les soixante (60) premières minutes de chaque appel »): 3600 s is wholly
# included, 3601 s bills its last second per second at the destination's rate:
#   France fixed 3601 s → 1 s × 0.0120 / 60 = 0.0002; 3660 s → 60 s → 0.0120;
#   Réunion fixed (one of the 41) 3601 s → 1 s × 0.0300 / 60 = 0.0005;
#   Morocco fixed (not one of the 41) 3601 s, per second whatever its 60/60 row:
#   3601 × 0.1500 / 60 = 9.00250 → 9.0025.
def test_use3_sixty_minutes_exactly_and_one_second_more():
    sip = account("sip-unl")
    run_import(
        [
            row(sip, fixed(1), start=at(5, 9), duration=3600),
            row(sip, fixed(1), start=at(6, 9), duration=3601),
            row(sip, fixed(1), start=at(7, 9), duration=3660),
            row(sip, "+262262123456", start=at(8, 9), duration=3601),
            row(sip, "+212522123456", start=at(9, 9), duration=3601),
        ]
    )
    exact, plus_one, plus_sixty = CallRecord.objects.filter(called=fixed(1)).order_by("started_at")
    assert (exact.cost, exact.included_seconds, exact.billed_seconds) == (0, 3600, 0)
    assert (plus_one.cost, plus_one.included_seconds, plus_one.billed_seconds) == (
        Decimal("0.0002"),
        3600,
        1,
    )
    assert plus_sixty.cost == Decimal("0.0120")
    assert one("+262262123456").cost == Decimal("0.0005")
    assert one("+212522123456").cost == Decimal("9.0025")
    assert_matches_reference()


# USE-3: the month is the Paris calendar month. 98 numbers on 2 October, then:
#   31/10 23:59:30 Paris (22:59:30 UTC, winter time since the 25th) to fixed(200), 120 s,
#   ending on 1 November: October's 99th number, free;
#   31/10 23:59:50 Paris to fixed(201), 30 s: October's 100th → 30 × 0.0120 / 60 = 0.0060;
#   01/11 00:00:00 Paris (23:00:00 UTC on 31/10) to fixed(201), 60 s: November's first → free;
#   the night of the clock change (25/10), 02:30 summer time (00:30 UTC) and 02:30 winter time
#   (01:30 UTC) to fixed(0), 3601 s each: October, 1 s each → 0.0002 + 0.0002;
#   01/10 00:30 Paris (30/09 22:30 UTC, summer time) to fixed(0), 60 s: October, and the first
#   call of the month, so fixed(0) holds slot 1 (free).
# October: 0.0060 + 0.0002 + 0.0002 = 0.0064; November: 0.
def test_use3_paris_month_edges_dst_and_the_99th_on_the_last_second():
    sip = account("sip-unl")
    run_import(
        [
            *ninety_eight(sip),
            row(sip, fixed(200), start=utc(2026, 10, 31, 22, 59, 30), duration=120),
            row(sip, fixed(201), start=utc(2026, 10, 31, 22, 59, 50), duration=30),
            row(sip, fixed(201), start=utc(2026, 10, 31, 23, 0, 0), duration=60),
            row(sip, fixed(0), start=utc(2026, 10, 25, 0, 30), duration=3601),
            row(sip, fixed(0), start=utc(2026, 10, 25, 1, 30), duration=3601),
            row(sip, fixed(0), start=utc(2026, 9, 30, 22, 30), duration=60),
        ]
    )
    ninety_ninth = one(fixed(200))
    assert (ninety_ninth.billing_month, ninety_ninth.slot, ninety_ninth.cost) == (OCT, 99, 0)
    october_100th = one(fixed(201), billing_month=OCT)
    assert (october_100th.slot, october_100th.included) == (100, False)
    assert october_100th.cost == Decimal("0.0060")
    november = one(fixed(201), billing_month=NOV)
    assert (november.slot, november.included, november.cost) == (1, True, 0)
    first = one(fixed(0), started_at=utc(2026, 9, 30, 22, 30))
    assert (first.billing_month, first.slot, first.cost) == (OCT, 1, 0)
    night = CallRecord.objects.filter(called=fixed(0), started_at__date=date(2026, 10, 25))
    assert sorted(c.cost for c in night) == [Decimal("0.0002")] * 2
    assert sum(c.cost for c in CallRecord.objects.filter(billing_month=OCT)) == Decimal("0.0064")
    assert sum(c.cost for c in CallRecord.objects.filter(billing_month=NOV)) == 0
    assert_matches_reference()


# USE-3: the 99th and 100th numbers reached by two calls starting at the same second (120 s
# each): one takes the 99th slot (free), the other the 100th (120 × 0.0120 / 60 = 0.0240) —
# never both free, never both billed. A later call to the 100th number is billed per second
# too (30 s → 0.0060), to the 99th free.
def test_use3_ninety_ninth_and_hundredth_numbers_reached_at_the_same_second():
    sip = account("sip-unl")
    run_import(
        [
            *ninety_eight(sip),
            row(sip, fixed(500), start=at(3, 10), duration=120),
            row(sip, fixed(501), start=at(3, 10), duration=120),
            row(sip, fixed(500), start=at(4, 10), duration=30),
            row(sip, fixed(501), start=at(4, 10), duration=30),
        ]
    )
    first_calls = sorted((c.slot, c.cost) for c in CallRecord.objects.filter(started_at=at(3, 10)))
    assert first_calls == [(99, Decimal("0")), (100, Decimal("0.0240"))]
    later = sorted((c.slot, c.cost) for c in CallRecord.objects.filter(started_at=at(4, 10)))
    assert later == [(99, Decimal("0")), (100, Decimal("0.0060"))]
    assert_matches_reference()


# USE-3 / USE-4 counting: an unanswered call takes no slot, nor an answered call of 0 s. 98
# numbers, then on 3 October: 09:00 unanswered to fixed(600); 09:02 "answered" 0 s to
# fixed(602); 09:05 fixed(601) 60 s → the 99th (free); 09:10 fixed(600) answered 60 s → the
# 100th: 60 × 0.0120 / 60 = 0.0120; 09:15 fixed(602) 60 s → the 101st: 0.0120.
def test_use3_unanswered_and_zero_second_calls_take_no_slot():
    sip = account("sip-unl")
    run_import(
        [
            *ninety_eight(sip),
            row(sip, fixed(600), start=at(3, 9), answered=False, duration=0),
            row(sip, fixed(602), start=at(3, 9, 2), duration=0),
            row(sip, fixed(601), start=at(3, 9, 5), duration=60),
            row(sip, fixed(600), start=at(3, 9, 10), duration=60),
            row(sip, fixed(602), start=at(3, 9, 15), duration=60),
        ]
    )
    assert (one(fixed(601)).slot, one(fixed(601)).cost) == (99, 0)
    unanswered = one(fixed(600), answered=False)
    zero = one(fixed(602), started_at=at(3, 9, 2))
    assert (unanswered.slot, unanswered.cost, zero.slot, zero.cost) == (None, 0, None, 0)
    assert (one(fixed(600), answered=True).slot, one(fixed(600), answered=True).cost) == (
        100,
        Decimal("0.0120"),
    )
    assert one(fixed(602), started_at=at(3, 9, 15)).cost == Decimal("0.0120")
    assert_matches_reference()


# USE-1 / USE-3: one number however it is dialled (« 01 40 00 00 01 », +33…, 0033…) is one of
# the 99, once. 98 numbers (fixed(0..97)) + fixed(1) again in the two other spellings + a 99th
# number: all free; a 100th number is billed (60 s → 0.0120). An inbound call takes no slot
# and costs nothing; a forwarded call to a new fixed number takes one (the 100th above is then
# the 101st... so the forwarded call comes after it): 60 s → 0.0120.
def test_use3_one_number_in_three_spellings_takes_one_slot():
    sip = account("sip-unl")
    run_import(
        [
            *ninety_eight(sip),
            row(sip, "0140000001", start=at(3, 9), duration=60),
            row(sip, "0033140000001", start=at(3, 9, 1), duration=60),
            row(sip, "+33145550099", start=at(3, 9, 2), duration=60),
            row(sip, "+33145550100", start=at(3, 9, 3), duration=60),
            row(sip, "+33145550101", start=at(3, 9, 4), duration=600, call_type="inbound"),
            row(sip, "+33145550102", start=at(3, 9, 5), duration=60, call_type="forwarded"),
        ]
    )
    assert CallRecord.objects.filter(called=fixed(1)).count() == 3
    assert {c.slot for c in CallRecord.objects.filter(called=fixed(1))} == {2}
    assert (one("+33145550099").slot, one("+33145550099").cost) == (99, 0)
    assert (one("+33145550100").slot, one("+33145550100").cost) == (100, Decimal("0.0120"))
    inbound = one("+33145550101")
    assert (inbound.slot, inbound.cost) == (None, 0)
    assert (one("+33145550102").slot, one("+33145550102").cost) == (101, Decimal("0.0120"))
    assert sum(c.cost for c in CallRecord.objects.all()) == Decimal("0.0240")
    assert_matches_reference()


# USE-3 « Les appels à destination des numéros « AMABOO » sont gratuits »: a call to one of our
# numbers is free whole — 4000 s, not 400 s beyond an hour — and takes no slot; an emergency
# call (112) of 4000 s is free and takes no slot either. So 98 numbers + on-net + 112 + one
# more number: the last is the 99th, free.
def test_use3_on_net_and_emergency_calls_free_whole_and_take_no_slot():
    sip = account("sip-unl")
    PhoneNumber.objects.create(
        e164="+33199990001", number_type="geographic", state="assigned", client=customer()
    )
    run_import(
        [
            *ninety_eight(sip),
            row(sip, "0199990001", start=at(3, 9), duration=4000),
            row(sip, "112", start=at(3, 11), duration=4000),
            row(sip, fixed(700), start=at(3, 13), duration=60),
        ]
    )
    on_net = one("+33199990001")
    assert (on_net.on_net, on_net.slot, on_net.cost) == (True, None, 0)
    emergency = one("112")
    assert (emergency.slot, emergency.cost, emergency.blocked) == (None, 0, False)
    assert (one(fixed(700)).slot, one(fixed(700)).cost) == (99, 0)
    assert_matches_reference()


# USE-3 « mobiles en France … mobiles à l'international … facturés à la seconde », whatever the
# tariff's increments, and never a slot:
#   French mobile 07 56 12 34 56, 61 s → 61 × 0.0450 / 60 = 0.04575 → 0.0458;
#   German mobile, 61 s → 61 × 0.0900 / 60 = 0.0915 (its 30/6 row would bill 66 s = 0.0990).
# USE-1 / USE-2 — the 08 numbers at their price class (special numbers: their tariff's own
# increments, no slot): 0800 toll free 0; 0806 (a normal call's price) 61 s × 0.0120 / 60 =
# 0.0122; 084 shared cost 61 s → 120 s × 0.0900 / 60 = 0.1800; 089 premium rate: blocked by
# default (TRK-6), 0.
def test_use3_mobiles_per_second_and_08_numbers_at_their_class():
    sip = account("sip-unl")
    run_import(
        [
            row(sip, "0756123456", start=at(3, 9), duration=61),
            row(sip, "+4915112345678", start=at(3, 10), duration=61),
            row(sip, "0800123456", start=at(3, 11), duration=61),
            row(sip, "0806123456", start=at(3, 12), duration=61),
            row(sip, "0840123456", start=at(3, 13), duration=61),
            row(sip, "0899123456", start=at(3, 14), duration=61),
        ]
    )
    got = {c.called: (c.line_type, c.price_class, c.slot, c.cost) for c in CallRecord.objects.all()}
    assert got == {
        "+33756123456": ("mobile", "standard", None, Decimal("0.0458")),
        "+4915112345678": ("mobile", "standard", None, Decimal("0.0915")),
        "+33800123456": ("special", "toll_free", None, Decimal("0")),
        "+33806123456": ("special", "uan", None, Decimal("0.0122")),
        "+33840123456": ("special", "shared_cost", None, Decimal("0.1800")),
        "+33899123456": ("special", "premium", None, Decimal("0")),
    }
    assert one("+33899123456").blocked
    assert_matches_reference()


# USE-3 on the surfaces, for a month of 98 + 2 numbers, a French mobile and a premium-rate call:
# the 100th number 60 s → 0.0120, the mobile 61 s → 0.0458, 0899 blocked (TRK-6) → 0. The
# month 0.0578 → 0,06 € on the consumption page, "0.06" in the API's summary; the page's
# counter says the account went past its 99 ("numéros distincts : 100 / 99"); the API lists
# the premium-rate call blocked at 0.
def test_use3_month_on_the_consumption_page_and_the_api(as_role, tenant, api):
    from django.urls import reverse

    from accounts.choices import Role

    sip = account("sip-unl", client=tenant.client)
    run_import(
        [
            *ninety_eight(sip),
            row(sip, fixed(98), start=at(3, 9), duration=60),
            row(sip, fixed(99), start=at(3, 10), duration=60),
            row(sip, "0612345678", start=at(3, 11), duration=61),
            row(sip, "0899123456", start=at(3, 12), duration=61),
        ]
    )
    page = as_role(Role.READ_ONLY).get(reverse("usage:consumption"), {"month": "2026-10"})
    html = page.content.decode()
    assert "numéros distincts\u00a0: 100 / 99" in html
    assert 'data-testid="month-total">0,06\u00a0€' in html
    summary = api.get(
        reverse("api:call-summary"), {"customer": tenant.client.pk, "month": "2026-10"}
    ).json()
    assert (summary["total"]["calls"], summary["total"]["amount"]) == (102, "0.06")
    listed = api.get(
        reverse("api:call-list"), {"customer": tenant.client.pk, "month": "2026-10"}
    ).json()
    premium = next(c for c in listed["results"] if c["called"] == "+33899123456")
    assert (premium["blocked"], premium["cost"]) == (True, "0.0000")
