"""Audit of the rating amounts once they are money (helper "usage", second pass): USE-4 waivers,
USE-6 penalties at their exact limits, USE-8 prepaid and late records, through the real import
and the real month-end run, amounts computed by hand. Seeded grid: France fixed 0.0120 €/min
1/1, France mobile 0.0450 1/1. VAT 20 %. Hours in UTC, well inside their Paris month."""

from datetime import date
from decimal import Decimal

import pytest

from accounts.choices import PaymentMethod
from billing import services as billing
from billing.choices import VatCategory
from billing.models import Invoice, InvoicePurpose
from payments.models import PrepaidEntry
from telephony.models import SipAccount
from tests.telephony.factories import customer, top_up
from tests.usage import core_helpers as core
from usage.models import CallRecord, FairUseBreach
from usage.services.billing import breach_waive

pytestmark = pytest.mark.django_db
OCT, NOV = date(2026, 10, 1), date(2026, 11, 1)


@pytest.fixture(autouse=True)
def _no_pdf(settings, tmp_path):
    settings.BILLING_RENDER_PDF = False
    settings.MEDIA_ROOT = str(tmp_path / "media")


def invoice(client, month, purpose=InvoicePurpose.REGULAR):
    return Invoice.objects.get(client=client, month=month, purpose=purpose, kind="invoice")


def usage_lines(inv) -> list:
    return sorted(
        (line.period_start, line.net_amount, line.is_paid)
        for line in inv.lines.filter(kind="consumption")
    )


def balance(client) -> Decimal:
    return sum((e.amount for e in PrepaidEntry.objects.filter(account__client=client)), Decimal(0))


# USE-8 / BIL-1 / BIL-10 — a prepaid SIP-UNL customer (VAT 20 %) tops up 10.00 €. October: a
# French mobile, 600 s per second = 600 × 0.0450 / 60 = 0.4500 HT, debited 0.54 → 9.46.
# October's run invoices 0.45 (+ 0.09 VAT), already paid. In November a late record of
# 20 October arrives (a mobile, 1 200 s = 0.9000 HT): debited at once 0.9000 × 1.20 = 1.08
# → 8.38; October's issued invoice does not change; November's run bills it on a line of its
# own (« … reçues après facturation », 0.90, already paid) and takes nothing more from the
# ledger (0.90 + 0.18 VAT = 1.08, what was debited): 8.38.
def test_use8_prepaid_late_record_after_invoicing_debited_once_and_billed_next_run(imported):
    client = customer(payment_method=PaymentMethod.PREPAID)
    sip = core.account("sip-unl", client=client)
    top_up(client, "10.00")
    imported([core.row(sip, "0612345678", start=core.at(5, 9), duration=600)])
    assert balance(client) == Decimal("9.46")
    billing.run_month_sync(month=OCT)
    october = invoice(client, OCT)
    assert usage_lines(october) == [(OCT, Decimal("0.45"), True)]
    october_totals = (october.total_net, october.total_vat, october.total_gross)
    assert balance(client) == Decimal("9.46")

    imported(
        [core.row(sip, "0612345679", start=core.at(20, 9), duration=1200)], filename="late.csv"
    )
    assert CallRecord.objects.get(called="+33612345679").cost == Decimal("0.9000")
    assert balance(client) == Decimal("8.38")
    october.refresh_from_db()
    assert (october.total_net, october.total_vat, october.total_gross) == october_totals
    assert usage_lines(october) == [(OCT, Decimal("0.45"), True)]

    billing.run_month_sync(month=NOV)
    november = invoice(client, NOV)
    assert usage_lines(november) == [(OCT, Decimal("0.90"), True)]
    [late_line] = november.lines.filter(kind="consumption")
    assert "10/2026" in late_line.description and "1 appel" in late_line.description
    assert "facturation" in late_line.description
    assert balance(client) == Decimal("8.38")


# USE-4 (HOSTED-A 7) / BIL-9 — a HOSTED-A user with « mobility » SIP credentials: its October
# is in breach. 61 s calls on 5 October:
#   national fixed, outbound: per minute 120 s × 0.0120 / 60 = 0.0240;
#   national fixed, forwarded: per minute too (a national fixed call) = 0.0240;
#   French mobile, outbound: its tariff's increments, 61 × 0.0450 / 60 = 0.04575 → 0.0458.
# October's invoice: « Fixe, France » 0.0480 → 0.05; « Mobile, France » 0.0458 → 0.05.
# Waived after invoicing: the outbound calls are included again (0), the forwarded one is
# billed at its tariff, never included on HOSTED-A: 61 × 0.0120 / 60 = 0.0122 → 0.01. Credit
# note on October's invoice: fixed 0.05 − 0.01 = 0.04, mobile 0.05 − 0 = 0.05 → 0.09 HT,
# VAT 0.018 → 0.02, 0.11 TTC. November's run bills nothing more for October.
def test_use4_hosted_a_waiver_after_invoicing_keeps_the_forwarded_call_billed(admin_user):
    sip = core.account("hosted-a")
    SipAccount.objects.filter(pk=sip.pk).update(mobility=True)
    client = sip.contract.client
    core.run_import(
        [
            core.row(sip, "0140000001", start=core.at(5, 9), duration=61),
            core.row(sip, "0140000002", start=core.at(5, 10), duration=61,
                     call_type="forwarded"),
            core.row(sip, "0612345678", start=core.at(5, 11), duration=61),
        ]
    )  # fmt: skip
    assert [c.cost for c in core.calls(sip_account=sip)] == [
        Decimal("0.0240"),
        Decimal("0.0240"),
        Decimal("0.0458"),
    ]
    billing.run_month_sync(month=OCT)
    october = invoice(client, OCT)
    assert usage_lines(october) == [(OCT, Decimal("0.05"), False), (OCT, Decimal("0.05"), False)]

    credits = breach_waive(
        breach=FairUseBreach.objects.get(sip_account=sip), note="Geste", actor=admin_user
    )
    assert sorted(c.amount for c in credits) == [Decimal("0.04"), Decimal("0.05")]
    note = credits[0].credit_note
    assert note.corrects == october
    assert (note.total_net, note.total_vat, note.total_gross) == (
        Decimal("0.09"),
        Decimal("0.02"),
        Decimal("0.11"),
    )
    assert [c.cost for c in core.calls(sip_account=sip)] == [0, Decimal("0.0122"), 0]
    core.assert_matches_reference()
    billing.run_month_sync(month=NOV)
    assert usage_lines(invoice(client, NOV)) == []


# USE-6 (PLATFORM 26: ASR « supérieur à 60 % », ACD « supérieure à 15 secondes », appels
# courts « inférieur à 10 % ») at exactly each limit, one UTC hour of a PLATFORM customer
# (5 October 10h–11h UTC = 12h–13h Paris): 50 attempts, 30 answered (ASR 60.0 %: a breach),
# 3 of them of 5 s (short calls 3 / 30 = 10.0 %: a breach), answered seconds 3 × 5 + 26 × 16
# + 19 = 450 (ACD 15.0 s: a breach). Penalties 0.02 € per call: ASR 50 × 0.02 = 1.00, ACD
# 30 × 0.02 = 0.60, short calls 30 × 0.02 = 0.60 → 2.20 €, outside the scope of VAT, on the
# run's invoice of "O" charges (EN 16931 BR-O-11: never beside the taxed lines), VAT 0. The
# regular invoice carries the calls (3 × 0.0010 + 26 × 0.0032 + 0.0038 = 0.0900 → 0.09) and no
# "O" line.
def test_use6_penalties_at_exactly_each_limit_on_their_own_invoice():
    contract = core.platform()
    client = contract.client
    hour = core.at(5, 10)
    durations = [5, 5, 5, *([16] * 26), 19] + [0] * 20
    core.run_import(
        [
            core.row(contract, f"+331400001{n:02d}", start=hour + core.seconds(60 * n),
                     duration=d, answered=d > 0)
            for n, d in enumerate(durations)
        ]
    )  # fmt: skip
    billing.run_month_sync(month=OCT)
    penalties = invoice(client, OCT, InvoicePurpose.LATE_CHARGES)
    lines = sorted((line.quantity, line.net_amount) for line in penalties.lines.all())
    assert lines == [
        (Decimal("30"), Decimal("0.60")),
        (Decimal("30"), Decimal("0.60")),
        (Decimal("50"), Decimal("1.00")),
    ]
    assert {line.vat_category for line in penalties.lines.all()} == {VatCategory.OUTSIDE_SCOPE}
    assert (penalties.total_net, penalties.total_vat, penalties.total_gross) == (
        Decimal("2.20"),
        Decimal("0.00"),
        Decimal("2.20"),
    )
    regular = invoice(client, OCT)
    assert usage_lines(regular) == [(OCT, Decimal("0.09"), False)]
    assert not regular.lines.filter(vat_category=VatCategory.OUTSIDE_SCOPE).exists()
