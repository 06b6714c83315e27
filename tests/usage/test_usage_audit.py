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


# USE-1 / NUM-1 — an overseas number written with +33 (or 0033) is its territory's, never
# mainland France: "+33 5 96 60 12 34" is the line 05 96 60 12 34, Martinique's
# +596 596 60 12 34, as the numbers app stores it (``numbering.phone.parse``); "0033 2 62 …"
# is Réunion's +262 262 …, "+33 2 69 …" Mayotte's +262 269 … (never +269, the Comoros).
# Mainland +33 numbers stay as they are. The CDR import's SQL gives the same.
@pytest.mark.parametrize(
    "dialled,stored",
    [
        ("+33596601234", "+596596601234"),
        ("0033262123456", "+262262123456"),
        ("+33269612345", "+262269612345"),
        ("+33696123456", "+596696123456"),
        ("+33709201234", "+262709201234"),
        ("+33 5 96 60 12 34", "+596596601234"),
        ("+33123456789", "+33123456789"),
        ("0033612345678", "+33612345678"),
        ("+3359660123", "+3359660123"),  # not 9 digits after +33: kept as written
    ],
)
def test_use1_overseas_number_written_with_plus_33_is_its_territory(dialled, stored):
    from django.db import connection

    from numbering import phone
    from usage.services.classify import e164_sql, normalize

    assert normalize(dialled) == stored
    if dialled != "+3359660123":
        assert phone.to_e164(dialled) == stored  # the numbers app's own normaliser agrees
    written = "+" + dialled[2:] if dialled.startswith("00") else dialled
    if " " not in written:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {e164_sql('x.n')} FROM (VALUES (%s)) AS x(n)", [written])
            assert cursor.fetchone()[0] == stored


# USE-1 — every overseas prefix of the numbering plan (all 49), written with +33, is moved to its
# territory by the import's SQL exactly as by ``classify.e164`` (the SQL only tries the numbers
# whose first three digits start one of them: no prefix may escape that guard).
def test_use1_every_overseas_prefix_same_in_sql_and_python():
    from django.db import connection

    from numbering import phone
    from usage.services.classify import e164, e164_sql

    written = ["+33" + (prefix + "0" * 10)[1:10] for prefix in phone.OVERSEAS_PREFIXES]
    values = ", ".join(["(%s)"] * len(written))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {e164_sql('x.n')} FROM (VALUES {values}) AS x(n)", written)
        in_sql = [row[0] for row in cursor.fetchall()]
    assert in_sql == [e164(number) for number in written]
    assert not any(number.startswith("+33") for number in in_sql)


# USE-1 / USE-2 through the import (SQL set-based path, the Python row path for a number
# written with spaces, and the ORM import of ``make run`` with ``rating_py``). A PLATFORM
# customer (no plan, per-second tariff) calls, on 2 October:
#   "+33596601234", 600 s: Martinique's +596 596 60 12 34, a number of our inventory assigned to
#     another customer — on-net, 0 € (it was mainland "France fixe" 600 × 0.0120 / 60 = 0.1200);
#   "0033262123456", 600 s: Réunion fixed, 0.0300 €/min 1/1 → 0.3000 (it was +33 "other", the
#     world zone +3 at 0.3000 €/min: 3.0000);
#   "+33 6 96 12 34 56", 61 s: Martinique mobile, 0.1500 €/min 30/6 → 30 + ⌈31/6⌉ × 6 = 66 s →
#     0.1650 (it was +33 "other": 61 × 0.30 / 60 = 0.3050).
@pytest.mark.parametrize("engine", ["sql", "orm"])
def test_use1_calls_to_overseas_numbers_written_with_plus_33_priced_at_their_territory(engine):
    from contextlib import nullcontext
    from unittest import mock

    from numbering.models import PhoneNumber
    from tests.telephony.factories import customer
    from usage.services import imports, rating

    PhoneNumber.objects.create(
        e164="+596596601234", number_type="geographic", state="assigned", client=customer()
    )
    contract = platform()
    rows = [
        row(contract.username, "+33596601234", start=at(2, 9), duration=600),
        row(contract.username, "0033262123456", start=at(2, 10), duration=600),
        row(contract.username, "+33 6 96 12 34 56", start=at(2, 11), duration=61),
    ]
    orm = engine == "orm"
    with (
        mock.patch.object(imports, "is_postgres", lambda _c: False) if orm else nullcontext(),
        mock.patch.object(rating, "is_postgres", lambda _c: False) if orm else nullcontext(),
    ):
        run_import(rows)

    def rated(number):
        call = CallRecord.objects.get(called=number)
        return call.country, call.line_type, call.on_net, call.cost

    assert rated("+596596601234") == ("MQ", "fixed", True, Decimal("0.0000"))
    assert rated("+262262123456") == ("RE", "fixed", False, Decimal("0.3000"))
    assert rated("+596696123456") == ("MQ", "mobile", False, Decimal("0.1650"))
    assert_matches_reference()
