"""Independent check of the hosted unlimited plans (USE-4) through the real import and the SQL
rating pass, with amounts computed by hand from the contracts:

HOSTED-W 6.1 « 2h de Fair-Use pour les renvois d'appels […] ne s'appliquent pas […] Un
utilisateur appelle au cours du mois plus de 150 numéros différents. Un utilisateur effectue un
renvoi immédiat permanent (au-delà des 2h de Fair-Use). Un utilisateur utilise plus de trois
appels simultanés […] la terminaison des appels ne répondant pas à ces critères sera facturée à
la minute selon la tarification ».
HOSTED-A 7 « l'utilisateur n'appelle pas au cours du mois plus de 150 numéros différents. Les
renvois d'appels ne sont pas inclus. La terminaison des appels nationaux fixes pour les
Utilisateurs ne répondant pas à ces critères sera facturée à la minute ».

Seeded grid (usage 0004): France fixed 0.0120 €/min, France mobile 0.0450, United Kingdom fixed
0.0200 (1/1); toll free (080) 0."""

from datetime import date
from decimal import Decimal

import pytest

from numbering.models import PhoneNumber
from tests.telephony.factories import customer
from tests.usage.core_helpers import account, assert_matches_reference, at, row, run_import, seconds
from usage.models import CallRecord, FairUseBreach, Tariff

pytestmark = pytest.mark.django_db


def costs(sip) -> dict:
    return {
        (c.called, c.started_at): c.cost
        for c in CallRecord.objects.filter(sip_account=sip).order_by("started_at")
    }


def total(sip) -> Decimal:
    return sum((c.cost for c in CallRecord.objects.filter(sip_account=sip)), Decimal(0))


def reasons(sip) -> list:
    return [
        (r["code"], r["value"], r["limit"])
        for b in FairUseBreach.objects.filter(sip_account=sip)
        for r in b.reasons
    ]


# USE-4 HOSTED-W « 2h de Fair-Use pour les renvois »: forwarded calls of exactly 7 200 s in the
# month keep the unlimited (an unanswered forward and an inbound hour count for nothing): 0 €.
def test_use4_hosted_w_forwarding_of_exactly_two_hours_is_fair_use():
    sip = account("hosted-w")
    run_import(
        [
            row(sip, "0140000001", start=at(5, 10), duration=3600, call_type="forwarded"),
            row(sip, "0140000002", start=at(6, 10), duration=3600, call_type="forwarded"),
            row(sip, "0140000003", start=at(7, 10), answered=False, duration=0,
                call_type="forwarded"),
            row(sip, "0140000004", start=at(8, 10), duration=3600, call_type="inbound"),
        ]
    )  # fmt: skip
    assert reasons(sip) == []
    assert total(sip) == 0
    assert_matches_reference()


# USE-4 HOSTED-W: 3 600 + 3 601 s forwarded = 7 201 s > 7 200: a breach ("forwarding", 7 201),
# and every billable call of the user's month per minute at its tariff:
#   forwarded 3 600 s France fixed → 60 min × 0.0120 = 0.7200;
#   forwarded 3 601 s → 61 min = 3 660 s × 0.0120 / 60 = 0.7320;
#   French mobile 61 s → 2 min = 120 s × 0.0450 / 60 = 0.0900;
#   toll free 0800, 61 s → 0; on-net 600 s → 0; emergency 112, 300 s → 0.
# Total 0.7200 + 0.7320 + 0.0900 = 1.5420.
def test_use4_hosted_w_forwarding_one_second_over_bills_the_month_per_minute():
    sip = account("hosted-w")
    PhoneNumber.objects.create(
        e164="+33199990002", number_type="geographic", state="assigned", client=customer()
    )
    run_import(
        [
            row(sip, "0140000001", start=at(5, 10), duration=3600, call_type="forwarded"),
            row(sip, "0140000002", start=at(6, 10), duration=3601, call_type="forwarded"),
            row(sip, "0612345678", start=at(7, 10), duration=61),
            row(sip, "0800123456", start=at(7, 11), duration=61),
            row(sip, "0199990002", start=at(7, 12), duration=600),
            row(sip, "112", start=at(7, 13), duration=300),
        ]
    )
    assert reasons(sip) == [("forwarding", 7201, 7200)]
    assert costs(sip) == {
        ("+33140000001", at(5, 10)): Decimal("0.7200"),
        ("+33140000002", at(6, 10)): Decimal("0.7320"),
        ("+33612345678", at(7, 10)): Decimal("0.0900"),
        ("+33800123456", at(7, 11)): Decimal("0"),
        ("+33199990002", at(7, 12)): Decimal("0"),
        ("112", at(7, 13)): Decimal("0"),
    }
    assert total(sip) == Decimal("1.5420")
    assert_matches_reference()


def three_at_once(sip, fourth_after: int) -> list:
    """10:00:00 outbound 600 s, 10:01 inbound 600 s, 10:02 forwarded 600 s, and a fourth
    outbound call of 60 s ``fourth_after`` seconds after 10:00:00 (the first ends at 600)."""
    return [
        row(sip, "0140000001", start=at(5, 10), duration=600),
        row(sip, "0140000002", start=at(5, 10, 1), duration=600, call_type="inbound"),
        row(sip, "0140000003", start=at(5, 10, 2), duration=600, call_type="forwarded"),
        row(sip, "0140000004", start=at(5, 10) + seconds(fourth_after), duration=60),
    ]


# USE-4 HOSTED-W « plus de trois appels simultanés »: three calls at once (any direction) are
# allowed; a fourth starting at the very second the first ends (10:10:00) makes three, not four:
# no breach, 0 €.
def test_use4_hosted_w_three_calls_at_once_and_a_fourth_as_one_ends():
    sip = account("hosted-w")
    run_import(three_at_once(sip, fourth_after=600))
    assert reasons(sip) == []
    assert total(sip) == 0
    assert_matches_reference()


# USE-4 HOSTED-W: the fourth one second earlier (10:09:59) is a fourth call at once: a breach
# ("simultaneous", 4), the month per minute: outbound 600 s → 0.1200, forwarded 600 s →
# 0.1200, the fourth 60 s → 0.0120, inbound free. Total 0.2520.
def test_use4_hosted_w_four_calls_at_once_bills_the_month_per_minute():
    sip = account("hosted-w")
    run_import(three_at_once(sip, fourth_after=599))
    assert reasons(sip) == [("simultaneous", 4, 3)]
    assert total(sip) == Decimal("0.2520")
    assert_matches_reference()


# USE-4 HOSTED-A « Les renvois d'appels ne sont pas inclus » (billed, never a breach) and no
# simultaneous-call limit in its article 7: four calls at once keep the unlimited; a forwarded
# France fixed call of 3 h at its tariff, 10 800 × 0.0120 / 60 = 2.1600; the outbound ones 0.
def test_use4_hosted_a_forwarding_billed_and_four_calls_at_once_allowed():
    sip = account("hosted-a")
    rows = three_at_once(sip, fourth_after=300)
    rows.append(row(sip, "0140000009", start=at(6, 10), duration=10800, call_type="forwarded"))
    run_import(rows)
    assert reasons(sip) == []
    # the forwarded calls: 600 s → 0.1200 and 3 h → 2.1600
    assert total(sip) == Decimal("2.2800")
    assert_matches_reference()


# USE-4 HOSTED-A « plus de 150 numéros différents » (any number: included or not): a number is
# one number however it is dialled. 149 distinct France fixed numbers (60 s each), the last also
# dialled « 00 33 … » and « 01 … », and a French mobile (61 s): 150 numbers, the unlimited holds
# (0 €). A later file with a 151st number, a United Kingdom fixed one (one of the 40, 61 s): a
# breach; HOSTED-A bills per minute the national fixed calls only (149 + 2 calls of 60 s →
# 1 min × 0.0120 each = 151 × 0.0120 = 1.8120), the others at their tariff's own increments:
# French mobile 61 s × 0.0450 / 60 = 0.04575 → 0.0458 (rather than 2 min = 0.0900), United
# Kingdom fixed 61 s × 0.0200 / 60 = 0.02033 → 0.0203. Total 1.8120 + 0.0458 + 0.0203 = 1.8781.
def test_use4_hosted_a_150_numbers_in_any_spelling_then_the_151st():
    sip = account("hosted-a")
    first = [
        row(sip, f"+331400{n:05d}", start=at(2, 8) + seconds(120 * n), duration=60)
        for n in range(149)
    ]
    first += [
        row(sip, "0033140000148", start=at(3, 9), duration=60),
        row(sip, "0140000148", start=at(3, 10), duration=60),
        row(sip, "0612345678", start=at(3, 11), duration=61),
    ]
    run_import(first)
    assert reasons(sip) == []
    assert total(sip) == 0

    run_import([row(sip, "+442079460000", start=at(4, 9), duration=61)])
    assert reasons(sip) == [("distinct_numbers", 151, 150)]
    assert CallRecord.objects.get(called="+33612345678").cost == Decimal("0.0458")
    assert CallRecord.objects.get(called="+442079460000").cost == Decimal("0.0203")
    assert total(sip) == Decimal("1.8781")
    assert_matches_reference()


# USE-4 (HOSTED-W 6.1, HOSTED-A 7: « La terminaison vers les appels nationaux mobiles (appels
# vers des services de téléphonie en 06 et 07) »): the words name the 06 and 07 numbers of the
# national plan, not "en France métropolitaine" — the overseas mobiles dialled 06 90–97 and
# 06 39 are 06 numbers, so included like 06 12 …. One 61 s call to each of Guadeloupe 0690,
# Mayotte 0639, Martinique 0696, Réunion 0692 and Guyane 0694: before, each at its row 0.15
# €/min 30/6 → 30 + ⌈31 / 6⌉ × 6 = 66 s × 0.15 / 60 = 0.1650 € (5 × 0.1650 = 0.8250 €); now
# included, 0 €. A German mobile stays billed: 0.09 €/min 30/6, 66 s → 0.0990 €.
@pytest.mark.parametrize("offer", ["hosted-w", "hosted-a"])
def test_use4_overseas_mobiles_06_are_national_mobiles_included(offer):
    sip = account(offer)
    overseas = ["0690123456", "0639012345", "0696123456", "0692123456", "0694123456"]
    rows = [row(sip, n, start=at(5, 9 + i), duration=61) for i, n in enumerate(overseas)]
    rows.append(row(sip, "+4915112345678", start=at(6, 9), duration=61))
    run_import(rows)

    calls = {c.called: c for c in CallRecord.objects.filter(sip_account=sip)}
    for called in ("+590690123456", "+262639012345", "+596696123456", "+262692123456"):
        assert (calls[called].line_type, calls[called].included) == ("mobile", True), called
        assert (calls[called].cost, calls[called].list_cost) == (0, Decimal("0.1650")), called
    assert calls["+594694123456"].cost == 0
    assert (calls["+4915112345678"].included, calls["+4915112345678"].cost) == (
        False,
        Decimal("0.0990"),
    )
    assert total(sip) == Decimal("0.0990")
    assert_matches_reference()


# USE-4 (HOSTED-W 6.1 « facturée à la minute selon la tarification »; neither hosted contract
# announces a minimum billed duration — only PLATFORM 24.2.5 does): on a breach a call is billed
# by the minute begun at its row's price, without the row's minimum. A row of 0.0120 €/min
# with a 120 s minimum (01 45 0…): a 30 s call of the breached month is billed 60 s × 0.0120 /
# 60 = 0.0120 €, not 120 s = 0.0240 €. With the four calls at once (0.2520): 0.2640 €.
def test_use4_breach_per_minute_without_a_minimum_over_60_s():
    sip = account("hosted-w")
    Tariff.objects.create(
        name="Test 120 s minimum", prefix="+331450", rate_per_minute=Decimal("0.0120"),
        min_duration=120, valid_from=date(2026, 1, 1),
    )  # fmt: skip
    run_import(
        [*three_at_once(sip, fourth_after=599), row(sip, "0145000001", start=at(6, 9), duration=30)]
    )
    assert reasons(sip) == [("simultaneous", 4, 3)]
    short = CallRecord.objects.get(called="+33145000001")
    assert (short.billed_seconds, short.cost, short.breach) == (60, Decimal("0.0120"), True)
    assert short.list_cost == Decimal("0.0240")  # the row's own price: 120 s
    assert total(sip) == Decimal("0.2640")
    assert_matches_reference()


# USE-4 (HOSTED-W 6.1, HOSTED-A 7: « nationaux fixe en illimité (appels vers des services de
# téléphonie en 01, 02, 03, 04, 05 et 09) »), read as the mobiles: the overseas fixed numbers
# 02 62/02 69 (Réunion, Mayotte) and 05 90/05 94/05 96 (Saint-Barthélemy, Guyane, Martinique)
# are 02 and 05 numbers of the national plan, included whatever the list of destinations says
# (HOSTED-W's list is the order form's, staff edit it per terms). With a list that lost them,
# one 61 s call to each was billed at its row, 0.03 €/min 1/1: 61 s × 0.03 / 60 = 0.0305 €
# (5 × 0.0305 = 0.1525 €); now included, 0 €. A German fixed one stays billed, 0.0990 €
# (0.09 €/min 30/6: 66 s).
@pytest.mark.parametrize("offer", ["hosted-w", "hosted-a"])
def test_use4_overseas_fixed_02_05_are_national_fixed_included(offer):
    from numbering.phone import OVERSEAS_REGIONS
    from usage.models import IncludedDestination

    sip = account(offer)
    IncludedDestination.objects.filter(country__in=OVERSEAS_REGIONS, line_type="fixed").delete()
    overseas = ["0262161234", "0269611234", "0590271234", "0594291234", "0596601234"]
    rows = [row(sip, n, start=at(5, 9 + i), duration=61) for i, n in enumerate(overseas)]
    rows.append(row(sip, "+4915112345678", start=at(6, 9), duration=61))
    run_import(rows)

    calls = CallRecord.objects.filter(sip_account=sip, line_type="fixed")
    assert sorted(c.country for c in calls) == ["BL", "GF", "MQ", "RE", "YT"]
    for c in calls:
        assert (c.included, c.cost, c.list_cost) == (True, 0, Decimal("0.0305")), c.called
    assert total(sip) == Decimal("0.0990")
    assert_matches_reference()


# USE-4 HOSTED-A 7 « La terminaison des appels nationaux fixes pour les Utilisateurs ne
# répondant pas à ces critères sera facturée à la minute »: an overseas fixed number being a
# national fixed one, a breached month bills it per minute begun, as 01 45 …. 150 French fixed
# numbers of 60 s and a 151st, Réunion fixed 02 62 16 12 34, 61 s: a breach ("distinct_numbers",
# 151); 150 × 60 s × 0.0120 / 60 = 1.8000 and Réunion 2 min = 120 s × 0.03 / 60 = 0.0600 (before,
# at its row's own 1/1 increments: 61 s × 0.03 / 60 = 0.0305). Total 1.8600.
def test_use4_hosted_a_breach_bills_overseas_fixed_per_minute():
    sip = account("hosted-a")
    rows = [
        row(sip, f"+331400{n:05d}", start=at(2, 8) + seconds(120 * n), duration=60)
        for n in range(150)
    ]
    rows.append(row(sip, "0262161234", start=at(4, 9), duration=61))
    run_import(rows)
    assert reasons(sip) == [("distinct_numbers", 151, 150)]
    reunion = CallRecord.objects.get(called="+262262161234")
    assert (reunion.billed_seconds, reunion.cost, reunion.breach) == (120, Decimal("0.0600"), True)
    assert total(sip) == Decimal("1.8600")
    assert_matches_reference()
