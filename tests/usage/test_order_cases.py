"""Independent cases: money when records and decisions arrive in an unusual order (USE-3, USE-4,
USE-8, late records, waivers), through the real import and the real month-end run.

Seeded grid (usage migration 0004): France fixed 0.0120 €/min 1/1, France mobile 0.0450 1/1,
shared cost (084) 0.0900 €/min 60/60 minimum 60. Hours in UTC; every call below is well inside
its Paris month. VAT 20 %."""

from datetime import date
from decimal import Decimal

import pytest

from accounts.choices import PaymentMethod
from billing import services as billing
from billing.choices import DocumentKind
from billing.models import Invoice, InvoicePurpose, PendingCharge
from payments.models import PrepaidEntry
from telephony import services as telephony
from tests.factories import PartnerFactory
from tests.telephony.factories import customer, top_up
from tests.usage.core_helpers import account, at, price_change, row, run_import, seconds
from usage.models import CallRecord, FairUseBreach
from usage.services.billing import breach_waive

pytestmark = pytest.mark.django_db
OCT = date(2026, 10, 1)
NOV = date(2026, 11, 1)


@pytest.fixture(autouse=True)
def _no_pdf(settings, tmp_path):
    settings.BILLING_RENDER_PDF = False
    settings.MEDIA_ROOT = str(tmp_path / "media")


def fixed(n: int, base: int = 14) -> str:
    return f"+33{base}{n:07d}"


def regular(client, month):
    return Invoice.objects.get(client=client, month=month, purpose=InvoicePurpose.REGULAR)


def consumption(client, month):
    """{period_start of the charge: net amount} of the month's regular invoice's usage lines."""
    invoice = regular(client, month)
    lines = {}
    for line in invoice.lines.filter(kind="consumption"):
        lines[line.charge.period_start] = lines.get(line.charge.period_start, 0) + line.net_amount
    return lines


def cost(**filters):
    return sum((c.cost for c in CallRecord.objects.filter(**filters)), Decimal(0))


def credit_notes(client):
    return list(Invoice.objects.filter(client=client, kind=DocumentKind.CREDIT_NOTE))


def balance(client) -> Decimal:
    return sum((e.amount for e in PrepaidEntry.objects.filter(account__client=client)), Decimal(0))


def sip_unl_100(sip):
    """File 1 of a SIP-UNL month: 100 distinct French fixed numbers called on 2 October from
    08:00, one a minute. The 99th (n=98) lasts 1 000 s, the 100th (n=99) 600 s, the others
    60 s."""
    durations = {98: 1000, 99: 600}
    return [
        row(sip, fixed(i), start=at(2, 8) + seconds(60 * i), duration=durations.get(i, 60))
        for i in range(100)
    ]


# --- (a) SIP-UNL: the 99 slots follow call-start order, not import order ------------------


# USE-3 (AMABOO 2: "Ces 99 numéros illimités sont les 99 premiers numéros composés par le
# Client") — file 1: 100 numbers → the 100th (600 s) billed per second 600 × 0.0120 / 60 =
# 0.1200. File 2 (same month, not invoiced yet) holds a call on 1 October (earlier) to a new
# number B (300 s): B becomes the 1st number, the old 99th (1 000 s) becomes the 100th →
# 1 000 × 0.0120 / 60 = 0.2000, the old 100th is the 101st → 0.1200, B is free.
# October's invoice: 0.2000 + 0.1200 = 0.3200 → 0.32.
def test_use3_earlier_calls_in_a_second_file_take_the_first_slots():
    sip = account("sip-unl")
    client = sip.contract.client
    run_import(sip_unl_100(sip))
    assert cost(sip_account=sip) == Decimal("0.1200")

    run_import([row(sip, "+33155555555", start=at(1, 9), duration=300)], filename="2.csv")

    assert cost(sip_account=sip, called="+33155555555") == 0
    assert cost(sip_account=sip, called=fixed(98)) == Decimal("0.2000")
    assert cost(sip_account=sip, called=fixed(99)) == Decimal("0.1200")
    billing.run_month_sync(month=OCT)
    assert consumption(client, OCT) == {OCT: Decimal("0.32")}


# USE-3 / BIL-1 — the same, but October was invoiced between the files: October's invoice
# billed 0.12 (the 100th); the earlier call of file 2 is a late record; it moves the slots:
# October is now 0.3200, so November's run bills the difference 0.2000 → 0.20 on a line of
# October, and October's issued invoice keeps its 0.12.
def test_use3_earlier_late_record_moves_the_slots_difference_on_the_next_run():
    sip = account("sip-unl")
    client = sip.contract.client
    run_import(sip_unl_100(sip))
    billing.run_month_sync(month=OCT)
    assert consumption(client, OCT) == {OCT: Decimal("0.12")}

    run_import([row(sip, "+33155555555", start=at(1, 9), duration=300)], filename="2.csv")

    late = CallRecord.objects.get(called="+33155555555")
    assert (late.late, late.cost) == (True, Decimal("0"))
    assert cost(sip_account=sip, billing_month=OCT) == Decimal("0.3200")
    billing.run_month_sync(month=NOV)
    assert consumption(client, OCT) == {OCT: Decimal("0.12")}
    assert consumption(client, NOV) == {OCT: Decimal("0.20")}


# USE-3 / BIL-1 — a late record that LOWERS an invoiced month. File 1: 100 numbers, the 99th
# (n=98) 300 s, the 100th (n=99) 600 s → October invoiced 600 × 0.0120 / 60 = 0.1200 → 0.12.
# File 2 (after invoicing): a call on 1 October to the 100th number itself. That number is now
# the 1st dialled: its calls are free; the old 99th becomes the 100th → 300 × 0.0120 / 60 =
# 0.0600. October's correct total is 0.06; 0.12 was invoiced: 0.06 must come back to the
# customer (a credit note or a negative line on the next run), never be kept.
def test_use3_late_record_lowering_an_invoiced_month_is_credited():
    sip = account("sip-unl")
    client = sip.contract.client
    rows = sip_unl_100(sip)
    rows[98] = row(sip, fixed(98), start=at(2, 8) + seconds(60 * 98), duration=300)
    run_import(rows)
    billing.run_month_sync(month=OCT)
    assert consumption(client, OCT) == {OCT: Decimal("0.12")}

    run_import([row(sip, fixed(99), start=at(1, 9), duration=300)], filename="2.csv")
    assert cost(sip_account=sip, billing_month=OCT) == Decimal("0.0600")
    billing.run_month_sync(month=NOV)

    credited = sum((n.total_net for n in credit_notes(client)), Decimal(0))
    on_november = consumption(client, NOV).get(OCT, Decimal(0))
    # what the customer paid for October in all: 0.12 − credits + November's line = 0.06
    assert Decimal("0.12") - credited + on_november == Decimal("0.06")
    assert (credited, on_november) == (Decimal("0.06"), Decimal(0))  # a credit note of 0.06
    # the run again, or the next: nothing more
    billing.run_month_sync(month=NOV)
    assert sum((n.total_net for n in credit_notes(client)), Decimal(0)) == Decimal("0.06")


# --- (b) HOSTED-W: a breach waived, then more calls of that month -----------------------


def hosted_w_151(sip, start=None):
    """151 distinct French fixed numbers, 30 s each, one a minute from 2 October 08:00: a
    breach (USE-4 "plus de 150 numéros") — each call billed per minute 60 s × 0.0120 / 60 =
    0.0120 → 151 × 0.0120 = 1.8120."""
    start = start or at(2, 8)
    return [row(sip, fixed(i), start=start + seconds(60 * i), duration=30) for i in range(151)]


# USE-4 ("a waived breach is never re-opened by later records") — waived before invoicing,
# then a file of calls after the stored ones (a 152nd number, a mobile of 120 s), then a late
# record before them (1 October, a 153rd number, 90 s) which re-rates the whole month: the
# breach stays the one, waived; no new breach; every call included → October bills 0.
def test_use4_waiver_holds_against_later_files_and_late_records(admin_user):
    sip = account("hosted-w")
    client = sip.contract.client
    run_import(hosted_w_151(sip))
    assert cost(sip_account=sip) == Decimal("1.8120")
    breach = FairUseBreach.objects.get(sip_account=sip, month=OCT)
    breach_waive(breach=breach, note="Bonne foi", actor=admin_user)
    assert cost(sip_account=sip) == 0

    run_import(
        [
            row(sip, fixed(151), start=at(20, 9), duration=30),
            row(sip, "0612345678", start=at(20, 10), duration=120),
        ],
        filename="2.csv",
    )
    run_import([row(sip, fixed(152), start=at(1, 9), duration=90)], filename="3.csv")

    assert [(b.status, b.month) for b in FairUseBreach.objects.filter(sip_account=sip)] == [
        ("waived", OCT)
    ]
    assert cost(sip_account=sip) == 0
    billing.run_month_sync(month=OCT)
    assert consumption(client, OCT) == {}


# --- (c) a waiver after invoicing, then another late record of the same month -------------


# USE-4 / BIL-9 / BIL-1 — one HOSTED-W contract, two users. User A: 151 numbers → breach,
# 1.8120 → October invoiced 1.81 on the contract's "Fixe, France" line. Waived after invoicing
# → credit note 1.81 HT. Then a late record of October: user B (same contract) called a French
# fixed number for 3 599 s from a device not supplied by us → B's own breach: per minute
# 3 600 s × 0.0120 / 60 = 0.7200. November's run must bill 0.72 for October (A's credited
# 1.81 is not "already charged" any more).
def test_late_record_after_a_waiver_credit_note_is_billed(admin_user):
    a = account("hosted-w")
    client = a.contract.client
    b, _secret = telephony.sip_account_create(contract=a.contract, label="Poste B")
    run_import(hosted_w_151(a))
    billing.run_month_sync(month=OCT)
    assert consumption(client, OCT) == {OCT: Decimal("1.81")}
    [credit] = breach_waive(
        breach=FairUseBreach.objects.get(sip_account=a), note="Geste", actor=admin_user
    )
    assert credit.amount == Decimal("1.81")

    run_import(
        [row(b, "0123456789", start=at(20, 9), duration=3599, device="AA:BB:CC:DD:EE:FF")],
        filename="late.csv",
    )
    assert FairUseBreach.objects.get(sip_account=b).status == "open"
    assert cost(sip_account=b) == Decimal("0.7200")

    billing.run_month_sync(month=NOV)
    assert consumption(client, NOV) == {OCT: Decimal("0.72")}
    # B's breach waived in turn: only what the line still bills is credited — B's 0.72 on
    # November's invoice, not A's 1.81 again (1.81 + 0.72 invoiced − 1.81 credited − 0 = 0.72)
    [second] = breach_waive(
        breach=FairUseBreach.objects.get(sip_account=b), note="Geste", actor=admin_user
    )
    assert second.amount == Decimal("0.72")
    assert second.credit_note.corrects.month == NOV


# --- (d) HOSTED-A: tariff at the invoicing day, then a late record ------------------------


# USE-2 / HOSTED-A 6 ("au tarif en vigueur au jour de la facturation") — a HOSTED-A user calls
# a Moroccan fixed number (not among HOSTED-A 7's destinations; seeded 0.1500 €/min 60/60) on
# 5 October for 120 s: 120 × 0.1500 / 60 = 0.3000 at import. After the import, staff enter a
# price for +2125: 0.1500 until 15 October, 0.6000 from it. October's run re-rates at the
# tariff in force on 31 October: 120 × 0.6000 / 60 = 1.2000 → 1.20. Then a late record:
# another Moroccan fixed call of 3 October (before the change, and before the stored call),
# 60 s. Its month is invoiced at the tariff of 31 October too: 60 × 0.6000 / 60 = 0.6000 (at
# the 3 October tariff it would be 0.1500); the 5 October call keeps 1.2000. November's run
# bills 0.60 for October.
def test_hosted_a_late_record_after_a_tariff_change_takes_the_month_end_tariff():
    sip = account("hosted-a")
    client = sip.contract.client
    run_import([row(sip, "+212522123456", start=at(5, 9), duration=120)])
    assert cost(sip_account=sip) == Decimal("0.3000")
    price_change("+2125", "0.1500", "0.6000", date(2026, 10, 15))
    billing.run_month_sync(month=OCT)
    assert consumption(client, OCT) == {OCT: Decimal("1.20")}

    run_import([row(sip, "+212522123457", start=at(3, 9), duration=60)], filename="late.csv")

    assert (
        cost(sip_account=sip, called="+212522123456"),
        cost(sip_account=sip, called="+212522123457"),
    ) == (Decimal("1.2000"), Decimal("0.6000"))
    billing.run_month_sync(month=NOV)
    assert consumption(client, NOV) == {OCT: Decimal("0.60")}


# --- (e) the same call from a partner's batch, then from the carrier's file ---------------


# Import (dedup by call id, start, customer) — a partner's customer on PLATFORM; the partner
# sends a mobile call of 600 s (600 × 0.0450 / 60 = 0.4500), then the carrier's file carries
# the same record: one call, October bills 0.45 once.
def test_same_call_from_partner_batch_then_carrier_file_is_one_call():
    from tests.usage.core_helpers import platform

    partner = PartnerFactory()
    contract = platform(partner=partner)
    client = contract.client
    line = row(contract, "0612345678", start=at(6, 9), duration=600, call_id="PX-1")
    run_import([line], partner=partner, filename="partner.csv")
    run_import([line], filename="carrier.csv")
    assert CallRecord.objects.filter(client=client).count() == 1
    billing.run_month_sync(month=OCT)
    charges = PendingCharge.objects.filter(source_type="usage", client=client)
    assert [c.unit_price for c in charges] == [Decimal("0.4500")]


# --- (f) prepaid: a waiver after invoicing is given back once -----------------------------


# USE-8 / BIL-10 / BIL-9 — a prepaid HOSTED-W customer tops up 50.00. 151 numbers → breach
# 1.8120 HT, debited 1.8120 × 1.20 = 2.17 → 47.83. October's run invoices 1.81 + 0.36 VAT =
# 2.17, already paid. Waived after invoicing: a credit note of 1.81 HT / 2.17 TTC. The customer
# gets 2.17 back once, whatever follows: a November file (an included call) and November's
# run. The credit note is the give-back (set against the next invoices, BIL-9); the ledger
# is not refunded on top (47.83 stays: no refund entry of 2.17 as well).
def test_use8_prepaid_waiver_after_invoicing_given_back_once(admin_user, imported):
    client = customer(payment_method=PaymentMethod.PREPAID)
    sip = account("hosted-w", client=client)
    top_up(client, "50.00")
    imported(hosted_w_151(sip))
    assert balance(client) == Decimal("47.83")
    billing.run_month_sync(month=OCT)
    october = regular(client, OCT)
    assert consumption(client, OCT) == {OCT: Decimal("1.81")}

    [credit] = breach_waive(
        breach=FairUseBreach.objects.get(sip_account=sip), note="Geste", actor=admin_user
    )
    assert credit.credit_note.corrects == october
    assert credit.credit_note.total_gross == Decimal("2.17")

    imported([row(sip, "0123456789", start=at(3, 9, month=NOV), duration=60)], filename="n.csv")
    billing.run_month_sync(month=NOV)

    # the credit note (set against the next invoices, BIL-9) is the only give-back: the ledger
    # keeps 47.83 (the November call is included: nothing debited), one credit note of 2.17
    assert balance(client) == Decimal("47.83")
    assert [n.total_gross for n in credit_notes(client)] == [Decimal("2.17")]


# USE-8 / HOSTED-A 6 — the same re-rating for a prepaid HOSTED-A customer (top-up 10.00): the
# call is debited at import 0.3000 × 1.20 = 0.36 → 9.64. October's run re-rates it at the
# tariff of 31 October, 1.2000 € HT, before it brings the month's debits to what is invoiced:
# the invoice's calls, 1.20 + 0.24 VAT = 1.44, are paid in advance, and the ledger took exactly
# them, 10.00 − 1.44 = 8.56, by the run itself (no task after it).
def test_use8_prepaid_hosted_a_month_end_tariff_debited_by_the_run(imported):
    client = customer(payment_method=PaymentMethod.PREPAID)
    sip = account("hosted-a", client=client)
    top_up(client, "10.00")
    imported([row(sip, "+212522123456", start=at(5, 9), duration=120)])
    assert balance(client) == Decimal("9.64")
    price_change("+2125", "0.1500", "0.6000", date(2026, 10, 15))
    billing.run_month_sync(month=OCT)
    october = regular(client, OCT)
    assert consumption(client, OCT) == {OCT: Decimal("1.20")}
    assert october.paid_in_advance == Decimal("1.44")
    assert balance(client) == Decimal("8.56")
