"""Audit cases of USE-5 (platform limits and the CAPS / capacity options, OPT) and USE-6 (traffic
quality penalties): option quantities changed during the contract, breaches that no longer
stand once recomputed, and the words of a penalty line on the French invoice.

PLATFORM 25: "10 appels simultanés maximum, 1 tentative d'appel par seconde (CAPS) maximum";
PLATFORM 28: "CAPS 0 € / 150 € / lot de 10 CAPS"; PLATFORM 26.3 "appels courts (appels dont la
durée répondue est inférieure à 8 secondes) à un taux inférieur à 10 %"; PLATFORM 27 "0,02 € /
appel par heure en dessous du taux visé". October 2026 is UTC+2 in Paris until 25 October."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.choices import Role
from billing import services as billing
from billing.models import Invoice, InvoicePurpose
from offers.services import quantities
from tests.telephony.factories import customer
from tests.usage import core_helpers as core
from tests.usage.core_helpers import limit_rows, option, platform_with
from tests.usage.money_helpers import OCT, at, call
from usage.models import CallRecord, ConsumptionAlert, LimitBreach, QualityHour
from usage.services import limits
from usage.services.post_rating import after_rating

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_pdf(settings, tmp_path):
    settings.BILLING_RENDER_PDF = False
    settings.MEDIA_ROOT = str(tmp_path / "media")


def caps_line(contract):
    return contract.lines.get(product__code="opt-caps")


def burst(client, contract, moment, n):
    """``n`` outbound attempts (unanswered) in the second ``moment``."""
    for _ in range(n):
        call(client, contract=contract, started_at=moment, answered=False, duration=0)


# --- USE-5 / OPT: CAPS lots changed during the contract ---------------------------------------


# USE-5 / OPT (CON-2: a quantity increase takes effect the day it is made, its pro rata billed
# from that day). One CAPS lot from 1 September: 1 + 10 = 11 attempts per second. On 20 October
# the customer buys two more lots (3 lots: 1 + 30 = 31 from 20 October). The carrier's file of
# 5 October arrives late, on 21 October: 15 attempts in the second 5/10 11:00:00 UTC.
# On 5 October the customer held one lot: 15 > 11 → a breach of the 11h hour, peak 15, limit 11
# (the code read the line's quantity of today, 3 lots, for every day: limit 31, no breach).
def test_use5_caps_lots_added_mid_month_count_from_their_day_only():
    client = customer()
    contract = platform_with(client, [option("opt-caps", 1)])
    quantities.line_quantity_change(line=caps_line(contract), quantity=3, today=date(2026, 10, 20))
    assert limits.limits_for(client.pk, date(2026, 10, 19))["caps"] == 11  # 1 + 1 × 10
    assert limits.limits_for(client.pk, date(2026, 10, 20))["caps"] == 31  # 1 + 3 × 10

    burst(client, contract, at(5, 11), 15)
    after_rating(keys=[(client.pk, OCT)])

    assert limit_rows(client) == [("caps", at(5, 11), 15, 11)]


# USE-5 / OPT ("a month recomputed later keeps the options it had"). Three CAPS lots on a
# PLATFORM contract started 1 November 2025 (period of 12 months); on 10 July 2026 the
# customer lowers them to one lot, effective at the renewal of 1 November 2026 (CON-2, TRK-4;
# PLATFORM 8.2: at least 3 months before the anniversary).
# 5 October: 20 attempts in one second ≤ 1 + 3 × 10 = 31 → no breach. A late record of October
# rated in November (after the decrease applied) recomputes October: still no breach — the
# code measured October against one lot (limit 11) and showed a breach "peak 20, limit 11".
def test_use5_caps_lots_removed_at_renewal_still_count_for_the_month_before():
    client = customer()
    contract = platform_with(client, [option("opt-caps", 3)], start=date(2025, 11, 1))
    burst(client, contract, at(5, 11), 20)
    after_rating(keys=[(client.pk, OCT)])
    assert limit_rows(client) == []

    quantities.line_quantity_change(line=caps_line(contract), quantity=1, today=date(2026, 7, 10))
    quantities.line_quantity_decreases_apply(contract=contract, period_start=date(2026, 11, 1))
    assert caps_line(contract).quantity == 1
    assert limits.limits_for(client.pk, date(2026, 10, 31))["caps"] == 31
    assert limits.limits_for(client.pk, date(2026, 11, 1))["caps"] == 11

    call(client, contract=contract, started_at=at(6, 9), late=True)  # late record of October
    after_rating(keys=[(client.pk, OCT)])

    assert limit_rows(client) == []


# USE-5 (the rows are "recomputed after each import", idempotent: an hour's row is the hour's
# result). One CAPS lot (11/s). 20 October 08:00:00 UTC: 15 attempts in one second, imported at
# once: 15 > 11, a breach (peak 15, limit 11). The customer then buys a second lot the same day
# (quantity 1 → 2, billed from 20 October included): 1 + 20 = 21 for the whole of 20 October.
# The next import recomputes October: 15 ≤ 21 — the hour is no longer over its limit, so neither
# the back office nor the customer's consumption page may still show "15 / 11" (the old row
# was kept: update_or_create wrote the hours found, never removed those no longer found).
def test_use5_a_breach_that_no_longer_stands_is_removed(as_role, tenant):
    client = tenant.client
    contract = platform_with(client, [option("opt-caps", 1)])
    burst(client, contract, at(20, 8), 15)
    after_rating(keys=[(client.pk, OCT)])
    assert limit_rows(client) == [("caps", at(20, 8), 15, 11)]

    quantities.line_quantity_change(line=caps_line(contract), quantity=2, today=date(2026, 10, 20))
    call(client, contract=contract, started_at=at(21, 9))  # the next file
    after_rating(keys=[(client.pk, OCT)])

    assert limit_rows(client) == []
    page = as_role(Role.READ_ONLY).get(reverse("usage:consumption"), {"month": "2026-10"})
    assert 'data-testid="limit-breaches"' not in page.content.decode()


# USE-5 — the other limits of those rows stay: a breach of another hour that still stands is
# kept when the month is recomputed (2 lots = 21/s: 25 attempts on 21/10 10:00:00 → peak 25,
# limit 21; recomputing twice gives the same single row).
def test_use5_recomputing_keeps_the_breaches_that_stand():
    client = customer()
    contract = platform_with(client, [option("opt-caps", 2)])
    burst(client, contract, at(21, 10), 25)
    after_rating(keys=[(client.pk, OCT)])
    after_rating(keys=[(client.pk, OCT)])
    assert limit_rows(client) == [("caps", at(21, 10), 25, 21)]


# --- USE-6: the penalty line on the French invoice --------------------------------------------


# USE-6 (PLATFORM 26.3 "Appels courts", 27 "Appels courts — 0,02 € / appel par heure"), BIL-3 (the
# invoice's words are French). 5/10 10h UTC (12h–13h in Paris): 10 attempts, all answered, two
# of 5 s and eight of 60 s: ASR 100 %, ACD (10 + 480) / 10 = 49 s — fine; short calls 2 / 10 =
# 20 % ≥ 10 % → 10 answered × 0.02 = 0.20 €, one "O" line of quantity 10. Its description
# names the metric in French ("appels courts 20,0 %"), not the code's English key "SHORT".
def test_use6_short_call_penalty_line_named_in_french():
    client = customer()
    contract = platform_with(client)
    for i in range(10):
        call(client, contract=contract, started_at=at(5, 10, i), duration=5 if i < 2 else 60)

    billing.run_month_sync(month=OCT)

    invoice = Invoice.objects.get(client=client, month=OCT, purpose=InvoicePurpose.LATE_CHARGES)
    [line] = invoice.lines.all()
    assert (line.quantity, line.unit_price, line.net_amount, line.vat_category) == (
        Decimal(10),
        Decimal("0.0200"),
        Decimal("0.20"),
        "O",
    )
    assert "SHORT" not in line.description
    assert line.description == (
        "Pénalité qualité de trafic\u00a0: appels courts 20,0\u00a0%, 05/10/2026 12h–13h "
        "(heure de Paris)"
    )


# USE-6 — the night the clocks go back, the first 02h–03h (25/10 00h UTC, summer time): 4
# attempts, 1 answered of 60 s: ASR 25 % → 4 × 0.02 = 0.08 €, its line says "heure d'été".
def test_use6_first_of_the_two_02h_hours_named_summer_time():
    client = customer()
    contract = platform_with(client)
    for i in range(4):
        call(
            client, contract=contract, started_at=datetime(2026, 10, 25, 0, i, tzinfo=UTC),
            answered=i == 0, duration=60 if i == 0 else 0,
        )  # fmt: skip
    billing.run_month_sync(month=OCT)
    invoice = Invoice.objects.get(client=client, month=OCT, purpose=InvoicePurpose.LATE_CHARGES)
    [line] = invoice.lines.all()
    assert (line.quantity, line.net_amount) == (Decimal(4), Decimal("0.08"))
    assert "ASR 25,0\u00a0%, 25/10/2026 02h–03h, heure d'été (heure de Paris)" in line.description


# USE-5 ("the calls of the month before still in progress at the month's start count with it";
# recomputed after each import). November's file came first: 10 answered calls at 31/10 23:05
# UTC (1 November 00:05 in Paris), one a second, 10 minutes each — 10 at once, no breach. Then
# the carrier sends a late record of October: a call from 31/10 22:55 UTC (23:55 in Paris,
# October) for 30 minutes, still in progress at 23:05: 11 calls at once > 10 — a breach of
# November's 23h UTC hour, peak 11, limit 10. The rating pass rated an October call only
# (its keys: the customer's October); November must be measured again with it.
def test_use5_late_record_of_the_month_before_counts_in_the_next_month():
    from tests.usage.money_helpers import NOV

    client = customer()
    contract = platform_with(client)
    for i in range(10):
        call(client, contract=contract, started_at=datetime(2026, 10, 31, 23, 5, i, tzinfo=UTC),
             duration=600, month=NOV)  # fmt: skip
    after_rating(keys=[(client.pk, NOV)])
    assert limit_rows(client) == []

    call(client, contract=contract, started_at=datetime(2026, 10, 31, 22, 55, tzinfo=UTC),
         duration=1800, month=OCT, late=True)  # fmt: skip
    after_rating(keys=[(client.pk, OCT)])

    assert limit_rows(client) == [("simultaneous", datetime(2026, 10, 31, 23, tzinfo=UTC), 11, 10)]
    assert LimitBreach.objects.get(client=client).month == NOV


# USE-6 / surfaces ("the customer's consumption page … limit breaches and quality penalties"):
# a month with 60 penalised hours — one unanswered attempt an hour from 5/10 00h UTC to 7/10
# 11h UTC, ASR 0 % → 1 × 0.02 € each, 60 × 0.02 = 1.20 € on the invoice. The page listed the
# first 50 hours only (``[:50]`` in usage/views.py), oldest first, without saying more exist:
# the 10 latest hours billed (0.20 €) — the last, 7 October 13h–14h in Paris — were not shown.
def test_use6_consumption_page_shows_every_penalised_hour(as_role, tenant):
    from datetime import timedelta

    from usage.services import quality

    client = tenant.client
    contract = platform_with(client)
    first = datetime(2026, 10, 5, 0, tzinfo=UTC)
    for i in range(60):
        burst(client, contract, first + timedelta(hours=i), 1)
    assert quality.quality_compute(month=OCT, client_ids=[client.pk]) == 60

    page = as_role(Role.READ_ONLY).get(reverse("usage:consumption"), {"month": "2026-10"})
    text = page.content.decode()
    assert "5 octobre 2026, 02h–03h" in text  # the first hour (00h UTC)
    assert "7 octobre 2026, 13h–14h" in text  # the 60th (11h UTC)
    # and the month's total, as invoiced: 60 hours, 1,20 €
    assert "Pénalités du mois (60\u00a0heures)" in text
    assert 'data-testid="quality-total">1,20\u00a0€' in text


# USE-6 (PLATFORM 26.1.1 « Le taux d'appels aboutis devra être maintenu par le Client »): a call
# the platform itself refused — a destination group blocked (TRK-6: 0836 premium rate, blocked
# by default) or an outgoing call while the customer's 100 % consumption alert blocks them — is
# no attempt of the customer: it counts in no metric (ASR, ACD, short calls). 05/10/2026, UTC:
#   10h: 5 calls to +33 1 answered 60 s, 4 calls to 0836 refused (unanswered) and 1 to 0836
#        "answered" 2 s (the refusal announcement). Counted before: 10 attempts, 6 answered:
#        ASR 60 % (≤ 60) → 10 × 0.02 = 0.20; short 1/6 = 16.7 % → 6 × 0.02 = 0.12; ACD 302/6
#        = 50.3 s fine. Now: 5 attempts, 5 answered, ASR 100 %, ACD 60 s, no short call → 0.
#   11h: 7 calls answered 60 s before 11:30, the 100 % alert blocks from 11:30, 5 attempts after
#        refused. Before: 12 attempts, 7/12 = 58.3 % → 12 × 0.02 = 0.24. Now: 7/7 → 0.
# October's quality penalties: 0.56 € before, 0.00 € now (no penalty invoice). Both rating
# engines flag the same calls blocked.
def test_use6_calls_refused_by_the_platform_are_not_attempts():
    client = customer()
    contract = core.platform(client, start=date(2026, 9, 1))
    ConsumptionAlert.objects.create(
        client=client, month=OCT, level=100, consumption=Decimal("100"),
        threshold=Decimal("100"), blocked=True, blocked_at=at(5, 11, 30),
    )  # fmt: skip
    rows = [core.row(contract, "+33140000000", start=at(5, 10, i), duration=60) for i in range(5)]
    rows += [
        core.row(contract, "0836123456", start=at(5, 10, 10 + i), answered=False, duration=0)
        for i in range(4)
    ]
    rows.append(core.row(contract, "0836123456", start=at(5, 10, 20), duration=2))
    rows += [core.row(contract, "+33140000000", start=at(5, 11, i), duration=60) for i in range(7)]
    rows += [
        core.row(contract, "+33140000000", start=at(5, 11, 31 + i), answered=False, duration=0)
        for i in range(5)
    ]
    core.run_import(rows)
    after_rating(keys=[(client.pk, OCT)])

    assert CallRecord.objects.filter(client=client, blocked=True).count() == 10
    core.assert_matches_reference()
    hours = {
        h.hour: (h.attempts, h.answered, h.answered_seconds, h.short_calls, h.penalty)
        for h in QualityHour.objects.filter(client=client)
    }
    assert hours == {
        at(5, 10): (5, 5, 300, 0, Decimal("0")),
        at(5, 11): (7, 7, 420, 0, Decimal("0")),
    }
    billing.run_month_sync(month=OCT)
    assert not Invoice.objects.filter(client=client, purpose=InvoicePurpose.LATE_CHARGES).exists()
