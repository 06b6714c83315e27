"""Independent check of the PLATFORM side of usage (USE-5, USE-6, USE-8, BIL-1 late records)
through the real import (CSV rows naming the contract's reference), the rating and the month's
run, with amounts computed by hand from PLATFORM 12.7, 25, 26, 27:

    « 10 appels simultanés maximum, 1 tentative d'appel par seconde (CAPS) maximum » (25);
    « taux d'appels aboutis […] supérieure à 60 % en moyenne par heure » (26.1.1);
    « Non-respect ASR — 0,02 € / appel par heure en dessous du taux visé » (27);
    « Les Consommations d'un mois sont déduites en temps réel […] du compte prépayé » (12.7.2).

Seeded grid (usage 0004): France mobile 0.0450 €/min 1/1. Paris is UTC+2 until 25/10/2026
03:00 (summer time), UTC+1 after."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from accounts.choices import PaymentMethod
from billing import services as billing
from billing.models import Invoice, InvoicePurpose
from payments.models import PrepaidEntry
from tests.telephony.factories import customer, top_up
from tests.usage import core_helpers as core
from tests.usage.core_helpers import OCT, at, option, platform_with, row, seconds
from usage.models import CallRecord, QualityHour

pytestmark = pytest.mark.django_db
NOV = date(2026, 11, 1)
SEP = date(2026, 9, 1)


@pytest.fixture(autouse=True)
def _no_pdf(settings, tmp_path):
    settings.BILLING_RENDER_PDF = False
    settings.MEDIA_ROOT = str(tmp_path / "media")


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def attempts(contract, start, answered_seconds, unanswered):
    """One outbound attempt a second from ``start``: the answered ones first (their
    durations), then ``unanswered`` attempts."""
    out = [
        row(contract, f"+3361234{i:04d}", start=start + seconds(i), duration=d)
        for i, d in enumerate(answered_seconds)
    ]
    n = len(answered_seconds)
    out += [
        row(contract, f"+3361235{i:04d}", start=start + seconds(n + i), answered=False, duration=0)
        for i in range(unanswered)
    ]
    return out


# USE-6 per hour, the hours being clock hours (UTC = Paris hours, shifted):
#   the night of 25/10 the Paris hour 02h–03h happens twice — 00:00 UTC (summer time): 5
#   attempts, 3 answered × 20 s → ASR 60 % (not above 60 %): 5 × 0.02 = 0.10; 01:00 UTC (winter
#   time): 5 attempts, 4 answered → 80 %, nothing (the two together, 7/10 = 70 %, would be none);
#   an attempt at 09:59:59 UTC on 6/10 unanswered → its hour has ASR 0 %: 1 × 0.02 = 0.02; two
#   answered calls of 20 s from 10:00:00 are the next hour's (100 %, nothing);
#   31/10 23:30 UTC = 1/11 00:30 Paris: 2 unanswered attempts → November's hour, not October's;
#   inbound unanswered calls are not attempts of the customer.
# October's penalties: 0.10 + 0.02 = 0.12 €, outside the scope of VAT, on their own invoice.
def test_use6_clock_hours_dst_night_hour_edge_and_month_edge():
    client = customer()
    contract = core.platform(client, start=SEP)
    run = core.run_import
    run(
        [
            *attempts(contract, utc(2026, 10, 25, 0, 10), [20, 20, 20], 2),
            *attempts(contract, utc(2026, 10, 25, 1, 10), [20, 20, 20, 20], 1),
            row(contract, "+33612340000", start=utc(2026, 10, 6, 9, 59, 59), answered=False,
                duration=0),
            *attempts(contract, utc(2026, 10, 6, 10, 0, 0), [20, 20], 0),
            *attempts(contract, utc(2026, 10, 31, 23, 30), [], 2),
            *[
                row(contract, "+33140000000", start=utc(2026, 10, 7, 12, 0, i), answered=False,
                    duration=0, call_type="inbound")
                for i in range(5)
            ],
        ]
    )  # fmt: skip
    billing.run_month_sync(month=OCT)

    extra = Invoice.objects.get(client=client, month=OCT, purpose=InvoicePurpose.LATE_CHARGES)
    lines = sorted((line.quantity, line.net_amount) for line in extra.lines.all())
    assert lines == [(Decimal(1), Decimal("0.02")), (Decimal(5), Decimal("0.10"))]
    assert (extra.total_net, extra.total_vat) == (Decimal("0.12"), Decimal("0.00"))
    hours = {h.hour: (h.attempts, h.answered) for h in QualityHour.objects.filter(client=client)}
    assert hours[utc(2026, 10, 25, 0)] == (5, 3)
    assert hours[utc(2026, 10, 25, 1)] == (5, 4)
    assert not QualityHour.objects.filter(client=client, hour=utc(2026, 10, 31, 23), month=OCT)
    assert {
        c.billing_month for c in CallRecord.objects.filter(started_at__gte=utc(2026, 10, 31))
    } == {NOV}
    assert not QualityHour.objects.filter(client=client, hour=utc(2026, 10, 7, 12)).exists()


# USE-5 / OPT with one CAPS lot (1 + 10 = 11 attempts a second) and one voice capacity
# reservation (10 + 30 = 40 calls at once): 11 attempts in one second and 40 calls at once are
# allowed; 12 attempts in another second (6/10 11:00:00 UTC) and a 41st call at once (7/10
# 10:xx) are breaches of their hour, with the peak and the limit.
def test_use5_caps_lot_and_capacity_reservation_exactly_and_one_over(imported):
    client = customer()
    contract = platform_with(client, [option("opt-caps", 1), option("opt-capacity-reservation", 1)])
    ref = contract.reference

    def burst(moment, n):
        return [row(ref, f"+336000{i:05d}", start=moment, answered=False, duration=0)
                for i in range(n)]  # fmt: skip

    def at_once(moment, n):
        # n answered calls started one second apart, all still going at the last one's start
        return [row(ref, f"+336100{i:05d}", start=moment + seconds(i), duration=600)
                for i in range(n)]  # fmt: skip

    imported(
        [
            *burst(at(5, 11), 11),
            *burst(at(6, 11), 12),
            *at_once(at(5, 14), 40),
            *at_once(at(7, 10), 41),
        ]
    )
    assert core.limit_rows(client) == [
        ("caps", at(6, 11), 12, 11),
        ("simultaneous", at(7, 10), 41, 40),
    ]


def balance(client) -> Decimal:
    return sum((e.amount for e in PrepaidEntry.objects.filter(account__client=client)), Decimal(0))


# USE-8 / BIL-10 — a prepaid mainland customer (20 % VAT), 10.00 € on its balance:
#   file 1: a French mobile call of 600 s = 0.4500 € HT → debited 0.54 TTC → 9.46;
#   the same file again: nothing more → 9.46;
#   file 2: 61 s = 0.04575 → 0.0458 HT; the month's billable total 0.4958 gained 0.0458 →
#   0.05496 → 0.05 TTC → 9.41;
#   October's invoice: one line round(0.4958) = 0.50 HT + 0.10 VAT = 0.60 TTC, already paid;
#   0.59 were debited: the missing cent is taken when it is issued → 9.40.
def test_use8_prepaid_debits_vat_included_file_by_file_and_squared_by_the_invoice(imported):
    client = customer(payment_method=PaymentMethod.PREPAID)
    contract = core.platform(client, start=SEP)
    top_up(client, "10.00")
    first = [row(contract, "0612345678", start=at(3, 9), duration=600, call_id="p-1")]
    imported(first)
    assert balance(client) == Decimal("9.46")
    imported(first, filename="again.csv")
    assert balance(client) == Decimal("9.46")
    imported([row(contract, "0612345679", start=at(4, 9), duration=61)], filename="two.csv")
    assert balance(client) == Decimal("9.41")

    billing.run_month_sync(month=OCT)
    invoice = Invoice.objects.get(client=client, month=OCT, purpose=InvoicePurpose.REGULAR)
    line = invoice.lines.get(kind="consumption")
    assert line.net_amount == Decimal("0.50") and line.charge.is_paid
    assert balance(client) == Decimal("9.40")


# BIL-1 / USE-2 late record — a postpaid PLATFORM customer: October's 600 s mobile call
# (0.4500) is invoiced 0.45 by October's run; an October call of 61 s (0.0458) imported after
# the invoice is flagged late and billed by November's run, the line key rounded once over its
# lines: round(0.4500 + 0.0458) − 0.45 = 0.50 − 0.45 = 0.05, on a line naming October; the
# issued October invoice does not change.
def test_late_record_after_the_issued_invoice_billed_next_run_rounded_once():
    client = customer()
    contract = core.platform(client, start=SEP)
    core.run_import([row(contract, "0612345678", start=at(3, 9), duration=600)])
    billing.run_month_sync(month=OCT)
    october = Invoice.objects.get(client=client, month=OCT, purpose=InvoicePurpose.REGULAR)
    assert [ln.net_amount for ln in october.lines.filter(kind="consumption")] == [Decimal("0.45")]

    core.run_import([row(contract, "0612345679", start=at(20, 9), duration=61)], filename="l.csv")
    late = CallRecord.objects.get(called="+33612345679")
    assert (late.late, late.cost, late.billing_month) == (True, Decimal("0.0458"), OCT)
    billing.run_month_sync(month=NOV)

    november = Invoice.objects.get(client=client, month=NOV, purpose=InvoicePurpose.REGULAR)
    lines = list(november.lines.filter(kind="consumption"))
    assert [ln.net_amount for ln in lines] == [Decimal("0.05")]
    assert "10/2026" in lines[0].description
    assert [ln.net_amount for ln in october.lines.filter(kind="consumption")] == [Decimal("0.45")]
