"""Audit of usage on invoices (helper B): consumption lines and their revisions, credit notes of
lowered months, staff penalties, the partner wholesale case, the pages of an invoice."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.choices import BillingMode
from billing import services as billing
from billing.models import Invoice, InvoiceLine, InvoicePurpose, PendingCharge
from tests.factories import PartnerFactory
from tests.offers.factories import make_contract
from tests.telephony.factories import customer, make_sip_account
from tests.usage.money_helpers import DEC, NOV, OCT, at, breached_month, call
from usage.models import Penalty
from usage.services.billing import breach_waive

pytestmark = pytest.mark.django_db

JAN = date(2027, 1, 1)
FEB = date(2027, 2, 1)


@pytest.fixture(autouse=True)
def _no_pdf(settings, tmp_path):
    settings.BILLING_RENDER_PDF = False
    settings.MEDIA_ROOT = str(tmp_path / "media")


def platform(client):
    return make_contract(
        client, "platform", signature=date(2026, 9, 1), service_start=date(2026, 9, 1)
    )


def _penalty_month():
    """A PLATFORM customer's October: a mobile call of 0.5000 € and a regulator penalty of
    10 000.00 €, invoiced (the regular invoice and the invoice outside the scope of VAT)."""
    from usage.money_choices import PenaltyKind
    from usage.services import penalties

    target = customer()
    contract = platform(target)
    call(target, contract=contract, cost="0.5000", line_type="mobile")
    penalties.penalty_record(
        client=target, kind=PenaltyKind.REGULATOR, occurred_on=date(2026, 10, 12),
        evidence_note="Décision ARCEP n° 2026-1234",
    )  # fmt: skip
    billing.run_month_sync(month=OCT)
    return target


def usage_lines(month_of_calls):
    """The consumption invoice lines billing the calls of ``month_of_calls`` (every run)."""
    return list(
        InvoiceLine.objects.filter(
            kind="consumption", period_start=month_of_calls, invoice__kind="invoice"
        ).order_by("invoice__issue_date", "position")
    )


def credit_notes(client):
    return list(Invoice.objects.filter(kind="credit_note", client=client).order_by("pk"))


# USE-2 / BIL-1 (a line rounded once; "a second run of the same month posts nothing", "a second
# run credits nothing more") — October: one mobile call of 1.0050 € → line 1.01 (half-up). A
# late record of October, 1.0050 €, arrives: the month's billable total is 2.0100 € = 2.01 €,
# 1.01 € of it invoiced already, so November's run bills 2.01 − 1.01 = 1.00 € (before: the
# revision rounded its own 1.0050 again → 1.01, 2.02 € billed for 2.01 €). Then nothing moves:
# December's run credited the 0.01 € "overbilled" (a credit note) and January's billed it again
# (a 0.01 € line), and so on every other month.
def test_use2_revision_of_a_month_rounded_once_with_what_was_invoiced():
    client = customer()
    contract = platform(client)
    call(client, contract=contract, cost="1.0050", line_type="mobile")
    billing.run_month_sync(month=OCT)
    call(client, contract=contract, cost="1.0050", line_type="mobile", late=True)
    billing.run_month_sync(month=NOV)
    billing.run_month_sync(month=DEC)
    billing.run_month_sync(month=JAN)
    billing.run_month_sync(month=FEB)

    assert [line.net_amount for line in usage_lines(OCT)] == [Decimal("1.01"), Decimal("1.00")]
    assert credit_notes(client) == []


# USE-4 / BIL-9 / ACC-3 — a partner-billed customer (wholesale discount 20 %). October: a
# HOSTED-W user in breach, 10 calls of 1.5000 € = 15.0000 € retail → the partner's line
# 15.0000 × 0.80 = 12.00 €. The breach is waived after invoicing: a credit note of 12.00 €
# (what the line carried). Then a late record of another user of the same contract line
# (fixed France, 0.7200 € retail, not included: breach) arrives: the line now bills
# 0.7200 retail → 0.5760 wholesale → 0.58 € on November's invoice. Before: the run measured
# 0.72 (retail) against 15.00 invoiced (retail) less 12.00 credited (wholesale): −2.28, never
# billed.
def test_use4_partner_waiver_then_late_record_of_the_line_is_billed():
    partner = PartnerFactory(
        billing_mode=BillingMode.PARTNER_BILLED, wholesale_discount_percent=Decimal("20")
    )
    client = customer(partner=partner)
    account, breach = breached_month(client)
    billing.run_month_sync(month=OCT)
    [october] = usage_lines(OCT)
    assert (october.invoice.partner, october.net_amount) == (partner, Decimal("12.00"))

    [credit] = breach_waive(breach=breach, note="Geste commercial", actor=None)
    assert credit.credit_note.total_net == Decimal("12.00")

    other, _secret = make_sip_account(client, contract=account.contract)
    call(
        client, sip_account=other, started_at=at(20, 10), called="+33140000099",
        cost="0.7200", breach=True, late=True,
    )  # fmt: skip
    billing.run_month_sync(month=NOV)

    lines = usage_lines(OCT)
    assert [line.net_amount for line in lines] == [Decimal("12.00"), Decimal("0.58")]
    assert lines[1].invoice.month == NOV


# USE-7 / ACC-4 — a penalty entered in the back office and submitted twice (a double click, a
# resubmitted form): one penalty of 200.00 €, one charge, never 400.00 € on the next invoice.
def test_use7_penalty_form_submitted_twice_records_one_penalty(staff):
    target = customer()
    platform(target)  # PLATFORM 27: the contract stating the penalties
    url = reverse("admin:usage_penalty_add")
    data = {
        "client": target.pk,
        "kind": "consumer_complaint",
        "occurred_on": "2026-10-12",
        "quantity": "1",
        "evidence_note": "Plainte DGCCRF n° 77",
        "confirm": "on",
    }
    first = staff.post(url, data)
    second = staff.post(url, data)

    assert first.status_code == 302
    assert second.status_code in (200, 302)
    assert Penalty.objects.count() == 1
    charges = PendingCharge.objects.filter(source_type="usage_penalty")
    assert [(c.unit_price, c.quantity) for c in charges] == [(Decimal("200.00"), Decimal(1))]


# BIL-3 / USE-7 — the invoice of charges outside the scope of VAT (a regulator penalty of
# 10 000.00 €) bills no call: its page offers no call-detail annex (before: "Détail des appels"
# listed October's calls, 0.5000 €, on a document that bills none — they are on the regular
# invoice's annex).
def test_bil3_outside_scope_invoice_page_has_no_call_annex(client):
    target = _penalty_month()
    regular = Invoice.objects.get(client=target, month=OCT, purpose=InvoicePurpose.REGULAR)
    extra = Invoice.objects.get(client=target, month=OCT, purpose=InvoicePurpose.LATE_CHARGES)
    admin = target.memberships.get().user
    client.force_login(admin)

    page = client.get(reverse("billing:detail", args=[extra.pk])).content.decode()
    assert 'data-testid="annex-link"' not in page
    page = client.get(reverse("billing:detail", args=[regular.pk])).content.decode()
    assert 'data-testid="annex-link"' in page


# BIL-3 (the invoice is a French legal document: its PDF's labels are French) / USE-7 — a
# penalty entered by a staff member whose back office is in English reads in French on the
# customer's invoice: "Pénalité : Plainte de consommateur (12/10/2026)" (before: "Penalty:
# Consumer complaint (12/10/2026)", the staff member's language).
def test_use7_penalty_line_in_french_whatever_the_staff_language(staff):
    target = customer()
    platform(target)  # PLATFORM 27: the contract stating the penalties
    staff.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = staff.post(
        reverse("admin:usage_penalty_add"),
        {
            "client": target.pk,
            "kind": "consumer_complaint",
            "occurred_on": "2026-10-12",
            "quantity": "1",
            "evidence_note": "Plainte DGCCRF n° 78",
            "confirm": "on",
        },
    )
    assert response.status_code == 302
    charge = PendingCharge.objects.get(source_type="usage_penalty")
    assert charge.description.startswith("Pénalité\u00a0: ") or charge.description.startswith(
        "Pénalité : "
    )
    assert "(12/10/2026)" in charge.description
    assert "Penalty" not in charge.description


# BIL-3 / USE-4 — a breach waived after invoicing by a staff member working in English: the
# credit note (15.00 € HT, 18.00 € TTC) reads in French, "Renonciation au dépassement de …,
# communications de 10/2026" (before: "Fair-use breach of … waived, calls of 10/2026").
def test_use4_waiver_credit_note_in_french_whatever_the_staff_language():
    from django.utils import translation

    client = customer()
    account, breach = breached_month(client)
    billing.run_month_sync(month=OCT)
    with translation.override("en"):
        [credit] = breach_waive(breach=breach, note="Goodwill", actor=None)
    note = credit.credit_note
    assert note.total_gross == Decimal("18.00")
    [line] = note.lines.all()
    assert line.description.startswith("Renonciation au dépassement de ")
    assert line.description.endswith("communications de 10/2026")


# BIL-3 — the call-detail annex of the invoice outside the scope of VAT (penalties only) lists
# no call: that invoice billed none (0.5000 € of October's calls are on the regular invoice's
# annex).
def test_bil3_annex_of_the_outside_scope_invoice_lists_no_call(client):
    target = _penalty_month()
    extra = Invoice.objects.get(client=target, month=OCT, purpose=InvoicePurpose.LATE_CHARGES)
    client.force_login(target.memberships.get().user)
    response = client.get(reverse("usage:invoice_annex", args=[extra.pk]))
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 404 or len(body.decode().strip().splitlines()) <= 1


def _french_line(month):
    from django.utils import translation

    with translation.override("fr"):
        billing.run_month_sync(month=month)
    [line] = usage_lines(month)
    return line.description


# USE-2 / BIL-3 ("the line names the month, the calls and the minutes") — two mobile calls billed
# 30 s and 120 s (per second: 0.0225 + 0.0900 = 0.1125 → 0.11 €): 150 s = 2.5 min, shown as
# the consumption page counts them, every started minute: "3 min" (before: "2 min", 2.5
# rounded half-even; a lone 30 s call read "0 min").
def test_use2_line_names_the_minutes_started():
    client = customer()
    contract = platform(client)
    call(client, contract=contract, cost="0.0225", line_type="mobile", duration=30)
    call(client, contract=contract, cost="0.0900", line_type="mobile", duration=120)
    description = _french_line(OCT)
    assert description.startswith("Communications de 10/2026 — Mobile, France")
    assert description.endswith("(2 appels, 3\u00a0min)")


# BIL-3 — a line of one call reads "(1 appel, 1 min)", not "(1 appels, …)": French needs the
# singular.
def test_bil3_line_of_one_call_in_the_singular():
    client = customer()
    contract = platform(client)
    call(client, contract=contract, cost="0.0225", line_type="mobile", duration=30)
    assert _french_line(OCT).endswith("(1 appel, 1\u00a0min)")


# BIL-3 / USE-7 / ACC-3 — the e-invoices of a partner-billed buyer's month (discount 20 %): the
# regular invoice with a consumption line (mobile 1.2345 € → wholesale 0.9876 → 0.99 €, VAT
# 20 % on the group) and the invoice outside the scope of VAT with a 200.00 € penalty
# (wholesale 160.00 €, "O", no VAT identifiers) both pass the EN 16931 Schematron; an overseas
# customer's (8.5 %) regular invoice too.
@pytest.mark.parametrize("mode", ["partner", "overseas"])
def test_bil3_einvoices_with_usage_and_penalty_lines_pass_en16931(mode):
    from billing.en16931 import fatal
    from billing.facturx_xml import build_cii_xml
    from usage.money_choices import PenaltyKind
    from usage.services import penalties

    if mode == "partner":
        partner = PartnerFactory(
            billing_mode=BillingMode.PARTNER_BILLED, wholesale_discount_percent=Decimal("20")
        )
        target = customer(partner=partner)
        buyer = {"partner": partner}
    else:
        target = customer(vat_regime="overseas")
        buyer = {"client": target}
    contract = platform(target)
    call(target, contract=contract, cost="1.2345", line_type="mobile")
    penalties.penalty_record(
        client=target, kind=PenaltyKind.CONSUMER_COMPLAINT, occurred_on=date(2026, 10, 12),
        evidence_note="Plainte n° 9",
    )  # fmt: skip
    billing.run_month_sync(month=OCT)
    regular = Invoice.objects.get(month=OCT, purpose=InvoicePurpose.REGULAR, **buyer)
    extra = Invoice.objects.get(month=OCT, purpose=InvoicePurpose.LATE_CHARGES, **buyer)
    usage = regular.lines.get(kind="consumption")
    assert usage.net_amount == (Decimal("0.99") if mode == "partner" else Decimal("1.23"))
    # ACC-3 / USE-7: the penalty is damages, not a sale — 200.00 to the partner too, no discount
    assert extra.total_net == Decimal("200.00")
    assert fatal(build_cii_xml(regular)) == []
    assert fatal(build_cii_xml(extra)) == []


# BIL-1 / BIL-9 / ACC-3 — a partner-billed customer's (discount 20 %) October line was invoiced
# to the partner: mobile 1.0000 € retail → 0.80 €. A late record re-rates the month lower (an
# earlier call took the slot: the call now costs 0.4000 € retail → 0.32 € wholesale).
# November's run credits the partner 0.80 − 0.32 = 0.48 € HT (+ 20 % = 0.58 € TTC) on the
# invoice that carried the line, and every buyer's November invoice is issued. Before: the
# re-rating credit was recorded without its customer (the partner's invoice has none): an
# integrity error aborted the run for every buyer, at every retry.
def test_bil9_partner_month_lowered_after_invoicing_credited_at_wholesale():
    from usage.models import CallRecord, RerateCredit

    partner = PartnerFactory(
        billing_mode=BillingMode.PARTNER_BILLED, wholesale_discount_percent=Decimal("20")
    )
    client = customer(partner=partner)
    contract = platform(client)
    lowered = call(client, contract=contract, cost="1.0000", line_type="mobile")
    billing.run_month_sync(month=OCT)
    [october] = usage_lines(OCT)
    assert october.net_amount == Decimal("0.80")
    CallRecord.objects.filter(pk=lowered.pk).update(cost=Decimal("0.4000"))  # re-rated lower
    other = customer()
    call(other, contract=platform(other), cost="2.0000", started_at=at(3, month=NOV))

    billing.run_month_sync(month=NOV)

    [credit] = RerateCredit.objects.all()
    assert (credit.client, credit.amount) == (client, Decimal("0.48"))
    note = credit.credit_note
    assert (note.partner, note.corrects, note.total_net, note.total_gross) == (
        partner, october.invoice, Decimal("0.48"), Decimal("0.58"),
    )  # fmt: skip
    assert Invoice.objects.filter(client=other, month=NOV, purpose="regular").exists()
    from billing.en16931 import fatal
    from billing.facturx_xml import build_cii_xml

    assert fatal(build_cii_xml(note)) == []  # a type 381 credit note to the partner


# USE-7 — a penalty "noted on" a day still to come (a typo: 12/10/2062) is a form error on its
# date, not a 10 000.00 € charge waiting for the run of 2062 — nor one billed by the run of a
# month before the breach happened.
def test_use7_penalty_noted_in_the_future_is_refused(staff):
    target = customer()
    response = staff.post(
        reverse("admin:usage_penalty_add"),
        {
            "client": target.pk,
            "kind": "regulator",
            "occurred_on": "2062-10-12",
            "quantity": "1",
            "evidence_note": "Décision ARCEP",
            "confirm": "on",
        },
    )
    assert response.status_code == 200
    assert "occurred_on" in response.context["form"].errors
    assert not Penalty.objects.exists() and not PendingCharge.objects.exists()


# USE-6 / BIL-3 (each line's service period) — the hour 10h–11h UTC of 05/10/2026: 10 attempts,
# 4 answered of 60 s → ASR 40 % → 10 × 0.02 = 0.20 € on October's invoice outside the scope of
# VAT. Its line covers the month measured, 01/10/2026 to 31/10/2026 (before: "le 01/10/2026",
# a day the hour it names — 05/10 — is not).
def test_use6_quality_penalty_line_period_is_its_month():
    from billing.facturx_xml import line_period

    client = customer()
    contract = platform(client)
    for i in range(10):
        call(
            client, contract=contract, started_at=at(5, 10, i), answered=i < 4,
            duration=60 if i < 4 else 0,
        )  # fmt: skip
    billing.run_month_sync(month=OCT)
    extra = Invoice.objects.get(client=client, month=OCT, purpose=InvoicePurpose.LATE_CHARGES)
    [line] = extra.lines.all()
    assert line.net_amount == Decimal("0.20")
    assert line_period(line) == (date(2026, 10, 1), date(2026, 10, 31))


# USE-7 / ACC-4 — a "penalty" typed as a manual charge in the billing back office (500.00 €, VAT
# left blank) is refused: a penalty is recorded with its evidence at the contract's amount
# (before: accepted, and billed with 20 % VAT — 600.00 € TTC — on the regular invoice).
def test_use7_manual_charge_of_kind_penalty_refused(staff):
    target = customer()
    response = staff.post(
        reverse("admin:billing_pendingcharge_add"),
        {
            "client": target.pk, "contract": "", "kind": "penalty",
            "description": "Pénalité", "period_start": "2026-10-15", "period_end": "",
            "quantity": "1", "unit_price": "500.00", "vat_category": "",
        },
    )  # fmt: skip
    assert response.status_code == 200
    assert "kind" in response.context["adminform"].form.errors
    assert not PendingCharge.objects.exists()


# USE-7 (penalties are outside the scope of VAT, "O", on the invoice of "O" charges) — a penalty
# charge posted without a VAT category (100.00 €) is invoiced "O", 0.00 € VAT, on its own
# invoice, never with 20 % VAT beside the taxable lines (before: 120.00 € TTC on the regular
# invoice).
def test_use7_penalty_charge_always_outside_the_scope_of_vat():
    from billing.choices import ChargeKind

    target = customer()
    platform(target)
    billing.charge_post(
        client=target, kind=ChargeKind.PENALTY, source_type="test_penalty", source_id="1",
        period_start=date(2026, 10, 12), description="Pénalité", unit_price=Decimal("100"),
    )  # fmt: skip
    billing.run_month_sync(month=OCT)
    line = InvoiceLine.objects.get(kind="penalty")
    assert (line.vat_category, line.invoice.purpose) == ("O", InvoicePurpose.LATE_CHARGES)
    assert (line.invoice.total_net, line.invoice.total_vat) == (Decimal("100.00"), Decimal("0.00"))
