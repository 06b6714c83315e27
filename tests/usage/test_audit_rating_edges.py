"""Audit of the rating amounts (helper "usage", second pass): edge cases of USE-2 and USE-3
through the real import and the SQL engine, held to the Python reference
(``core.assert_matches_reference``), amounts computed by hand.

Paris time: summer time ends on 25 October 2026 (CEST UTC+2 until 01:00 UTC, then CET UTC+1)
and starts on 29 March 2026 (CET until 01:00 UTC, then CEST)."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from telephony import services as telephony
from tests.usage import core_helpers as core
from usage.models import CallRecord, Tariff

pytestmark = pytest.mark.django_db
OCT, NOV = date(2026, 10, 1), date(2026, 11, 1)


def utc(year, month, day, hour, minute=0, second=0):
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def tariff(prefix, rate, *, first=1, next_=1, minimum=0, valid_from=date(2026, 1, 1), to=None):
    return Tariff.objects.create(
        name=f"Audit {prefix} {rate}",
        prefix=prefix,
        rate_per_minute=Decimal(rate),
        first_increment=first,
        next_increment=next_,
        min_duration=minimum,
        valid_from=valid_from,
        valid_to=to,
    )


def rated(called) -> tuple:
    c = CallRecord.objects.get(called=called)
    return c.billed_seconds, c.cost


# USE-2 (PLATFORM 24.2.3 paliers, 24.2.5 « une durée d'appel minimum sera facturée pour chaque
# appel décroché »), a PLATFORM contract (no plan: the tariff's own increments):
#   +3314999… per second with a 30 s minimum at 0.1200 €/min:
#     answered 0 s → 0 s, 0; 1 s → 30 s = 0.0600; exactly 30 s → 30 s = 0.0600;
#     31 s → 31 s = 31 × 0.12 / 60 = 0.0620;
#   +3314998… 30/6 with a 60 s minimum at 0.0600 €/min:
#     54 s → 30 + 4 × 6 = 54 → the minimum 60 s = 0.0600; exactly 60 s → 60 s = 0.0600;
#     61 s → 30 + ⌈31 / 6⌉ × 6 = 66 s = 66 × 0.06 / 60 = 0.0660; unanswered → 0.
def test_use2_minimum_duration_at_zero_exactly_and_one_second_over():
    core.seed()
    tariff("+3314999", "0.1200", minimum=30)
    tariff("+3314998", "0.0600", first=30, next_=6, minimum=60)
    contract = core.platform()
    core.run_import(
        [
            core.row(contract, "+33149990000", start=core.at(5, 9), duration=0),
            core.row(contract, "+33149990001", start=core.at(5, 10), duration=1),
            core.row(contract, "+33149990030", start=core.at(5, 11), duration=30),
            core.row(contract, "+33149990031", start=core.at(5, 12), duration=31),
            core.row(contract, "+33149980054", start=core.at(5, 13), duration=54),
            core.row(contract, "+33149980060", start=core.at(5, 14), duration=60),
            core.row(contract, "+33149980061", start=core.at(5, 15), duration=61),
            core.row(contract, "+33149980099", start=core.at(5, 16), duration=45,
                     answered=False),
        ]
    )  # fmt: skip
    assert rated("+33149990000") == (0, 0)
    assert rated("+33149990001") == (30, Decimal("0.0600"))
    assert rated("+33149990030") == (30, Decimal("0.0600"))
    assert rated("+33149990031") == (31, Decimal("0.0620"))
    assert rated("+33149980054") == (60, Decimal("0.0600"))
    assert rated("+33149980060") == (60, Decimal("0.0600"))
    assert rated("+33149980061") == (66, Decimal("0.0660"))
    assert rated("+33149980099") == (0, 0)
    core.assert_matches_reference()


# USE-2 « le tarif en vigueur » on the Paris day, the two nights the clocks change, a tariff
# changing at midnight Paris time. PLATFORM calls of 60 s (1/1):
#   +3315… 0.0600 until 24/10/2026, 0.1200 from 25/10/2026 (the night summer time ends):
#     24/10 21:59:59 UTC = 24/10 23:59:59 CEST → 0.0600; 24/10 22:00:00 UTC = 25/10 00:00 CEST
#     → 0.1200 (in UTC it is still the 24th);
#   +3316… 0.0600 until 28/03/2026, 0.1200 from 29/03/2026 (the night summer time starts; a
#     contract in service since 1 March): 28/03 22:59:59 UTC = 28/03 23:59:59 CET → 0.0600;
#     28/03 23:00:00 UTC = 29/03 00:00 CET → 0.1200.
# HOSTED-A 6 (« au tarif … en vigueur au jour de la facturation », the month's last day) for a
# telecom professional (USE-4: national fixed calls per minute, 60 s → 60 s): +3317… 0.0600
# until 30/10, 0.1200 from 31/10/2026, 0.2400 from 01/11/2026: a call of 2 October and one of
# 31/10 22:59:59 UTC (23:59:59 CET) both take 31 October's 0.1200; one of 31/10 23:00:00 UTC
# (1 November 00:00 CET) is November's, at 30 November's 0.2400.
def test_use2_tariff_changing_at_paris_midnight_on_the_dst_nights():
    core.seed()
    tariff("+3315", "0.0600", to=date(2026, 10, 25))
    tariff("+3315", "0.1200", valid_from=date(2026, 10, 25))
    tariff("+3316", "0.0600", to=date(2026, 3, 29))
    tariff("+3316", "0.1200", valid_from=date(2026, 3, 29))
    tariff("+3317", "0.0600", to=date(2026, 10, 31))
    tariff("+3317", "0.1200", valid_from=date(2026, 10, 31), to=NOV)
    tariff("+3317", "0.2400", valid_from=NOV)
    contract = core.platform()
    spring = core.platform(contract.client, start=date(2026, 3, 1))
    sip = core.account("hosted-a", is_telecom_professional=True)
    core.run_import(
        [
            core.row(contract, "+33150000001", start=utc(2026, 10, 24, 21, 59, 59)),
            core.row(contract, "+33150000002", start=utc(2026, 10, 24, 22)),
            core.row(spring, "+33160000001", start=utc(2026, 3, 28, 22, 59, 59)),
            core.row(spring, "+33160000002", start=utc(2026, 3, 28, 23)),
            core.row(sip, "+33170000001", start=utc(2026, 10, 2, 9)),
            core.row(sip, "+33170000002", start=utc(2026, 10, 31, 22, 59, 59)),
            core.row(sip, "+33170000003", start=utc(2026, 10, 31, 23)),
        ]
    )
    assert rated("+33150000001") == (60, Decimal("0.0600"))
    assert rated("+33150000002") == (60, Decimal("0.1200"))
    assert rated("+33160000001") == (60, Decimal("0.0600"))
    assert rated("+33160000002") == (60, Decimal("0.1200"))
    assert rated("+33170000001") == (60, Decimal("0.1200"))
    assert rated("+33170000002") == (60, Decimal("0.1200"))
    assert CallRecord.objects.get(called="+33170000003").billing_month == NOV
    assert rated("+33170000003") == (60, Decimal("0.2400"))
    core.assert_matches_reference()


# USE-3 (AMABOO 2) across the end of October in Paris time, in daily files. Paris fixed
# numbers (one of the 41), France fixed 0.0120 €/min, per second beyond the plan.
# File of 5 October: 98 distinct numbers (slots 1..98), included.
# File of 31 October / 1 November (after them):
#   31/10 22:59:30 UTC = 23:59:30 CET to number A, 5 400 s: October's 99th, the first
#     3 600 s included, 1 800 s per second = 1800 × 0.0120 / 60 = 0.3600 (the call runs past
#     midnight into November: it stays October's, whole);
#   31/10 22:59:45 UTC (October) to number B, 60 s: October's 100th → 60 × 0.0120 / 60 = 0.0120;
#   31/10 23:00:30 UTC = 1/11 00:00:30 CET to number B: November's slot 1, included, 0 (in
#     UTC it is still 31 October: counted in October it would be billed again);
#   a second SIP account of the same contract calling A at 31/10 22:59:50 UTC: its own slot 1,
#     included, 0.
# October: 0.3600 + 0.0120 = 0.3720; November: 0.
def test_use3_month_edge_in_paris_time_sixty_minutes_across_midnight_and_two_accounts():
    sip = core.account("sip-unl")
    other, _secret = telephony.sip_account_create(contract=sip.contract, label="Poste 2")
    core.run_import(
        [
            core.row(sip, f"+3314{n:07d}", start=core.at(5, 8) + core.seconds(60 * n))
            for n in range(98)
        ]
    )
    a, b = "+33145000001", "+33145000002"
    core.run_import(
        [
            core.row(sip, a, start=utc(2026, 10, 31, 22, 59, 30), duration=5400),
            core.row(sip, b, start=utc(2026, 10, 31, 22, 59, 45), duration=60),
            core.row(other, a, start=utc(2026, 10, 31, 22, 59, 50), duration=60),
            core.row(sip, b, start=utc(2026, 10, 31, 23, 0, 30), duration=60),
        ]
    )
    long_call = CallRecord.objects.get(sip_account=sip, called=a)
    assert (long_call.billing_month, long_call.slot, long_call.included) == (OCT, 99, True)
    assert (long_call.included_seconds, long_call.billed_seconds) == (3600, 1800)
    assert long_call.cost == Decimal("0.3600")
    october_b, november_b = core.calls(sip_account=sip, called=b)
    assert (october_b.billing_month, october_b.slot, october_b.cost) == (
        OCT,
        100,
        Decimal("0.0120"),
    )
    assert (november_b.billing_month, november_b.slot, november_b.included) == (NOV, 1, True)
    assert november_b.cost == 0
    theirs = CallRecord.objects.get(sip_account=other)
    assert (theirs.slot, theirs.included, theirs.cost) == (1, True, 0)
    october = CallRecord.objects.filter(billing_month=OCT)
    assert sum(c.cost for c in october) == Decimal("0.3720")
    core.assert_matches_reference()


def breach_codes(sip) -> list:
    from usage.models import FairUseBreach

    return [r["code"] for b in FairUseBreach.objects.filter(sip_account=sip) for r in b.reasons]


# USE-4 (HOSTED-W 6.1 « plus de trois appels simultanés ») in daily files: the first file's
# three calls to French fixed numbers from 5 October 10:00:00, :01, :02 UTC, 3 600 s each, are
# included (0). The next file brings a call of 10:30 (60 s), after them but while they run: a
# fourth call at once — a breach, and the whole month is billed per minute, the calls already
# rated included too: 3 × 60 min × 0.0120 = 3 × 0.7200 + 1 min × 0.0120 = 2.1720.
def test_use4_hosted_w_fourth_simultaneous_call_in_a_later_file_rebills_the_kept_calls():
    sip = core.account("hosted-w")
    start = core.at(5, 10)
    core.run_import(
        [
            core.row(sip, f"+3314000000{n}", start=start + core.seconds(n), duration=3600)
            for n in range(3)
        ]
    )
    assert sum(c.cost for c in core.calls(sip_account=sip)) == 0
    core.run_import(
        [core.row(sip, "+33140000009", start=core.at(5, 10, 30), duration=60)], filename="2.csv"
    )
    assert breach_codes(sip) == ["simultaneous"]
    assert [c.cost for c in core.calls(sip_account=sip)] == [Decimal("0.7200")] * 3 + [
        Decimal("0.0120")
    ]
    core.assert_matches_reference()


# USE-4 (HOSTED-W 6.1 « 2h de Fair-Use pour les renvois ») across files: file 1, a forwarded
# call of 7 200 s on 5 October (exactly the fair use: included, 0) and an outbound call of
# 61 s. File 2 (after them): a forwarded call of 1 s on 6 October — 7 201 s in the month, a
# breach: every call of the month per minute, 120 min × 0.0120 = 1.4400, 2 min = 0.0240,
# 1 min = 0.0120 → 1.4760.
def test_use4_hosted_w_forwarding_fair_use_exceeded_by_one_second_in_a_later_file():
    sip = core.account("hosted-w")
    core.run_import(
        [
            core.row(sip, "+33140000001", start=core.at(5, 9), duration=7200,
                     call_type="forwarded"),
            core.row(sip, "+33140000002", start=core.at(5, 12), duration=61),
        ]
    )  # fmt: skip
    assert sum(c.cost for c in core.calls(sip_account=sip)) == 0
    core.run_import(
        [core.row(sip, "+33140000003", start=core.at(6, 9), duration=1, call_type="forwarded")],
        filename="2.csv",
    )
    assert breach_codes(sip) == ["forwarding"]
    assert [c.cost for c in core.calls(sip_account=sip)] == [
        Decimal("1.4400"),
        Decimal("0.0240"),
        Decimal("0.0120"),
    ]
    core.assert_matches_reference()
