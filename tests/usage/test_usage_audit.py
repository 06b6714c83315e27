"""Audit cases of usage against the contracts and docs/rules.md §4 (USE-1..8, BIL-3), amounts
computed by hand.

Seeded grid (usage migration 0004), € HT per minute: France fixed 0.0120 1/1."""

from datetime import date
from decimal import Decimal

import pytest

from billing import services as billing
from billing.models import Invoice
from tests.usage.core_helpers import (
    account,
    assert_matches_reference,
    at,
    platform,
    row,
    run_import,
    seconds,
)
from usage import selectors
from usage.models import CallRecord
from usage.services import annexes

pytestmark = pytest.mark.django_db
OCT = date(2026, 10, 1)


@pytest.fixture(autouse=True)
def _no_pdf(settings, tmp_path):
    settings.BILLING_RENDER_PDF = False
    settings.MEDIA_ROOT = str(tmp_path / "media")


# BIL-3 / USE-3 (docs/rules.md: "The issued invoice itself never changes, nor does its annex …
# a late record that moves the month's slots changes the calls … but not the annex of an
# issued invoice"). A SIP-UNL user calls 99 distinct French fixed numbers on 2 October, 60 s
# each: all included, 0 €. October's invoice (1 November) bills no call: its annex lists none.
# A late record then arrives: a call of 1 October to a new fixed number (60 s) takes slot 1 and
# pushes +33 1 40 00 00 98 to the 100th place: billed per second, 60 × 0.0120 / 60 = 0.0120 €,
# by November's run (not by October's invoice). October's annex must still list no call; it
# listed that 0.0120 € call (an annex found empty at issue was not kept, and was read again
# from the calls as they are now).
def test_bil3_annex_of_an_invoice_that_billed_no_call_stays_empty_after_a_late_record():
    sip = account("sip-unl")
    client = sip.contract.client
    run_import([row(sip, f"+3314{n:07d}", start=at(2, 8) + seconds(60 * n)) for n in range(99)])
    billing.run_month_sync(month=OCT)
    october = Invoice.objects.get(client=client, month=OCT, kind="invoice", purpose="regular")
    assert list(annexes.annex_rows(october)) == []

    run_import([row(sip, "+33150000500", start=at(1, 9), duration=60)])

    shifted = CallRecord.objects.get(called="+33140000098")
    assert (shifted.slot, shifted.cost) == (100, Decimal("0.0120"))
    assert list(annexes.annex_rows(october)) == []


# BIL-1 / USE-2 (docs/rules.md: "the line names the month, the calls and the minutes"; a late
# record is "billed by the next run … on its own line"). A PLATFORM customer calls a French
# mobile on 5 October, 600 s at 0.0450 €/min = 0.4500 €: October's invoice has the line
# "Communications de 10/2026 — Mobile, France (1 appel, 10 min)", 0.45 €. A late record of
# 20 October arrives after it: 1 200 s = 0.9000 €. November's run bills it on its own line,
# 0.90 €, for that one call of 20 minutes — the line said "(2 appels, 30 min)", counting again
# the call October's invoice already billed (three calls for the customer, who made two), and
# disagreed with November's call-detail annex, which lists the one late call.
def test_bil1_a_late_record_line_names_the_calls_it_bills():
    contract = platform()
    client = contract.client
    run_import([row(contract.username, "0612345678", start=at(5, 9), duration=600)])
    billing.run_month_sync(month=OCT)
    run_import(
        [row(contract.username, "0612345679", start=at(20, 9), duration=1200)], filename="late"
    )
    billing.run_month_sync(month=date(2026, 11, 1))

    november = Invoice.objects.get(
        client=client, month=date(2026, 11, 1), kind="invoice", purpose="regular"
    )
    [line] = november.lines.filter(kind="consumption")
    assert line.net_amount == Decimal("0.90")
    assert line.description == (
        "Communications de 10/2026 — Mobile, France (1 appel, 20\u00a0min), "
        "reçues après facturation"
    )
    assert [c.called for c in selectors.annex_calls(invoice=november)] == ["+33612345679"]


# USE-4 / HOSTED-A 7: « La terminaison des appels nationaux fixes pour les Utilisateurs ne
# répondant pas à ces critères sera facturée à la minute selon la tarification » — on a breach
# (here a telecom-professional customer) the *national fixed* calls are billed per minute; the
# others lose the unlimited and are billed at their tariff, with its own increments (HOSTED-W
# 6.1 bills « les appels » per minute: all of them). Seeded grid: France fixed 0.0120 and
# France mobile 0.0450 €/min, both 1/1. A HOSTED-A user, 61 s each:
#   French fixed → 120 s × 0.0120 / 60 = 0.0240 (per minute);
#   French mobile → 61 s × 0.0450 / 60 = 0.045750 → 0.0458 (it was billed 120 s = 0.0900).
# The same calls on HOSTED-W: both per minute, 0.0240 and 0.0900.
def test_use4_hosted_a_breach_bills_national_fixed_per_minute_and_the_rest_at_the_tariff():
    hosted_a = account("hosted-a", is_telecom_professional=True)
    hosted_w = account("hosted-w", is_telecom_professional=True)
    run_import(
        [
            row(hosted_a, "+33123456789", start=at(2, 9), duration=61),
            row(hosted_a, "+33612345678", start=at(2, 10), duration=61),
            row(hosted_w, "+33123456788", start=at(2, 9), duration=61),
            row(hosted_w, "+33612345677", start=at(2, 10), duration=61),
        ]
    )

    def rated(number):
        call = CallRecord.objects.get(called=number)
        return call.breach, call.billed_seconds, call.cost

    assert rated("+33123456789") == (True, 120, Decimal("0.0240"))
    assert rated("+33612345678") == (True, 61, Decimal("0.0458"))
    assert rated("+33123456788") == (True, 120, Decimal("0.0240"))
    assert rated("+33612345677") == (True, 120, Decimal("0.0900"))
    assert_matches_reference()
