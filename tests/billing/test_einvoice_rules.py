"""BIL-3 / BIL-9 — every kind of document the portal issues passes the official EN 16931
business rules (the CEN Schematron, CII syntax, ``billing.en16931``), not only the Factur-X XSD:
what a buyer's platform checks before it accepts an e-invoice.

Each test issues a real document through the services (the month-end run, credit notes, the
SLA credit of support) and asserts that no ``fatal`` rule fails; on failure the rule ids and
their texts are printed. The last test proves the harness itself: a hand-built CII invoice with
an "O" VAT group beside an "S" group is rejected with BR-O-11.
"""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine

from accounts.choices import Role
from billing import services
from billing.choices import ChargeKind, VatCategory
from billing.en16931 import fatal
from billing.facturx_xml import build_cii_xml
from billing.models import Invoice
from tests.factories import ClientFactory, MembershipFactory, PartnerFactory, SiteFactory

pytestmark = pytest.mark.django_db
SEP, OCT, NOV = date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True)
def _no_pdf_task(settings):
    settings.BILLING_RENDER_PDF = False


def post(client, kind, price, *, source, start=NOV, end=None, vat="", is_paid=False, **extra):
    return services.charge_post(
        client=client,
        kind=kind,
        source_type=extra.pop("source_type", "test"),
        source_id=source,
        period_start=start,
        period_end=end,
        description=extra.pop("description", f"{ChargeKind(kind).label} {source}"),
        unit_price=Decimal(price),
        vat_category=vat,
        is_paid=is_paid,
        **extra,
    )


def run(month, **filters) -> Invoice:
    services.run_month_sync(month=month)
    return Invoice.objects.get(kind="invoice", month=month, **filters)


def assert_en16931(document: Invoice) -> bytes:
    """No fatal EN 16931 rule fails on the document's CII XML (else: every failure, printed)."""
    xml = build_cii_xml(document)
    failures = fatal(xml)
    report = "\n".join(str(failure) for failure in failures)
    assert failures == [], f"{document.number}: EN 16931 rejects it:\n{report}"
    return xml


# BIL-3 — a mainland customer at 20 %: 1 562.50 × 20 % = 312.50 → 1 875.00 TTC.
def test_plain_invoice_passes_en16931():
    client = ClientFactory()
    post(client, "subscription", "1562.50", source="sub-plain", end=date(2026, 12, 1))
    invoice = run(OCT, client=client)

    assert (invoice.total_vat, invoice.total_gross) == (Decimal("312.50"), Decimal("1875.00"))
    assert_en16931(invoice)


# BIL-3 — reverse charge (EU business outside France): category AE at 0 %, 200.00 HT = TTC,
# both VAT identifiers present (BR-AE-02).
def test_reverse_charge_invoice_passes_en16931():
    client = ClientFactory(
        legal_name="Berliner Telefon GmbH",
        vat_regime="reverse_charge",
        vat_number="DE136695976",
        country="DE",
        postal_code="10115",
        city="Berlin",
    )
    post(client, "subscription", "200", source="sub-de", end=date(2026, 12, 1))
    invoice = run(OCT, client=client)

    assert invoice.vat_breakdown[0]["category"] == VatCategory.REVERSE_CHARGE
    assert (invoice.total_vat, invoice.total_gross) == (Decimal("0.00"), Decimal("200.00"))
    assert_en16931(invoice)


# BIL-3 — Réunion (overseas regime): 8.5 %, 200.00 × 8.5 % = 17.00 → 217.00 TTC.
def test_reunion_invoice_passes_en16931():
    client = ClientFactory(vat_regime="overseas", postal_code="97400", city="Saint-Denis")
    post(client, "subscription", "200", source="sub-974", end=date(2026, 12, 1))
    invoice = run(OCT, client=client)

    assert invoice.vat_breakdown == [
        {"category": "S", "rate": "8.50", "taxable": "200.00", "vat": "17.00"}
    ]
    assert invoice.total_gross == Decimal("217.00")
    assert_en16931(invoice)


# ACC-3 / BIL-3 — a partner-billed partner is invoiced for its end customers' lines, each
# naming its end customer: 40.00 + 60.00 = 100.00 HT (no wholesale discount) → 120.00 TTC.
def test_partner_billed_invoice_passes_en16931():
    partner = PartnerFactory(name="Orbit")
    durand = ClientFactory(partner=partner, legal_name="Cabinet Durand SARL")
    martin = ClientFactory(partner=partner, legal_name="Martin & Fils SAS")
    post(durand, "subscription", "40", source="sub-durand", end=date(2026, 12, 1))
    post(martin, "subscription", "60", source="sub-martin", end=date(2026, 12, 1))
    invoice = run(OCT, partner=partner)

    assert invoice.total_gross == Decimal("120.00")
    xml = assert_en16931(invoice)
    assert b"Client final Cabinet Durand SARL" in xml
    assert b"Client final Martin &amp; Fils SAS" in xml


# BIL-9 — a credit note (381) referencing the invoice it corrects (BT-25, BT-26): 100.00 HT +
# 20 % = 120.00 credited.
def test_credit_note_passes_en16931():
    client = ClientFactory()
    post(client, "subscription", "500", source="sub-cn", end=date(2026, 12, 1))
    invoice = run(OCT, client=client)
    note = services.credit_note_issue(
        corrects=invoice,
        lines=[services.CreditLine(description="Geste commercial", amount=Decimal("100"))],
        reason="Incident du 12/10/2026",
        issue_date=date(2026, 11, 5),
    )

    assert (note.corrects, note.total_gross) == (invoice, Decimal("120.00"))
    xml = assert_en16931(note)
    assert b"<ram:TypeCode>381</ram:TypeCode>" in xml
    assert invoice.number.encode() in xml


# SLA-10 / BIL-9 — the credit note support issues for an SLA credit (no invoice referenced):
# HOSTED-W, 10 users × 14.90 = 149.00 invoiced for November; 65 minutes down of 43 200 →
# 99.8495 % < 99.85 % → 5 % of 149.00 = 7.45 HT, + 20 % = 1.49 → 8.94 TTC.
def test_sla_credit_note_passes_en16931():
    from support import services as support
    from support.choices import ReportStatus
    from tests.offers.factories import make_contract
    from tests.support.factories import make_staff, paris

    customer = ClientFactory()
    SiteFactory(client=customer)
    billing_member = MembershipFactory(client=customer, role=Role.BILLING).user
    contract = make_contract(customer, "hosted-w", quantity=10)
    staff = make_staff()
    services.run_month_sync(month=OCT)
    with time_machine.travel(paris(2026, 11, 30, 12), tick=False):
        support.outage_record(
            title="Core network failure",
            started_at=paris(2026, 11, 3, 10),
            ended_at=paris(2026, 11, 3, 11, 5),
            contracts=[contract],
            actor=staff,
        )
    with time_machine.travel(paris(2026, 12, 1, 1), tick=False):
        report = support.availability_report_compute(contract=contract, month=NOV)
    assert report.credit_amount == Decimal("7.45")
    report = support.credit_request(report=report, actor=billing_member)
    report = support.credit_approve(report=report, actor=staff)

    note = report.credit_note
    assert report.status == ReportStatus.APPROVED
    assert (note.total_net, note.total_vat, note.total_gross) == (
        Decimal("7.45"),
        Decimal("1.49"),
        Decimal("8.94"),
    )
    assert_en16931(note)


# BIL-10 / BIL-3 — consumption already paid from the prepaid balance: 100.00 subscription +
# 50.00 prepaid consumption = 150.00 HT, 30.00 VAT, 180.00 TTC; paid in advance 50.00 × 1.2 =
# 60.00 (TotalPrepaidAmount) → 120.00 due (BR-CO-16: 180.00 − 60.00).
def test_invoice_with_prepaid_amounts_passes_en16931():
    client = ClientFactory()
    post(client, "subscription", "100", source="sub-prepaid", end=date(2026, 12, 1))
    post(
        client, "consumption", "50", source="calls-prepaid", start=date(2026, 10, 15), is_paid=True
    )
    invoice = run(OCT, client=client)

    assert (invoice.total_gross, invoice.paid_in_advance, invoice.amount_due) == (
        Decimal("180.00"),
        Decimal("60.00"),
        Decimal("120.00"),
    )
    xml = assert_en16931(invoice)
    assert b"<ram:TotalPrepaidAmount>60.00</ram:TotalPrepaidAmount>" in xml
    assert b"<ram:DuePayableAmount>120.00</ram:DuePayableAmount>" in xml


def _late_charges_invoice(client) -> Invoice | None:
    invoices = Invoice.objects.filter(kind="invoice", client=client, month=OCT).filter(
        lines__kind__in=[ChargeKind.LATE_INTEREST, ChargeKind.RECOVERY_INDEMNITY]
    )
    return invoices.distinct().first()


# BIL-6 / BIL-3 — September's invoice paid late: its interest (12.34) and the 40.00 recovery
# indemnity, posted as payments posts them (outside the scope of VAT), go on an invoice of
# their own in October's run — 52.34 HT = TTC, category O alone (BR-O-11) and no VAT
# identifier (BR-O-02..04) — while the customer's subscription goes on the regular invoice.
def test_late_charges_invoice_passes_en16931():
    from payments.services.late_charges import post_indemnity

    client = ClientFactory()
    post(client, "subscription", "100", source="sub-sep", start=SEP, end=OCT)
    september = run(SEP, client=client)
    post(client, "subscription", "100", source="sub-nov", end=date(2026, 12, 1))
    post_indemnity(september)
    post(
        client,
        ChargeKind.LATE_INTEREST,
        "12.34",
        source=september.pk,
        source_type="late_invoice_interest",
        start=september.due_date,
        vat=VatCategory.OUTSIDE_SCOPE,
        description=f"Late-payment interest — invoice {september.number}, paid 20 days late",
    )
    services.run_month_sync(month=OCT)
    late = _late_charges_invoice(client)

    assert late is not None
    assert {line.vat_category for line in late.lines.all()} == {VatCategory.OUTSIDE_SCOPE}
    assert (late.total_net, late.total_vat, late.total_gross) == (
        Decimal("52.34"),
        Decimal("0.00"),
        Decimal("52.34"),
    )
    assert_en16931(late)
    regular = Invoice.objects.exclude(pk=late.pk).get(kind="invoice", client=client, month=OCT)
    assert regular.total_gross == Decimal("120.00")
    assert_en16931(regular)


# The harness cannot pass by accident: a complete CII invoice built from a generated one (20 %
# subscription 100.00) with a late-interest line of 12.34 and its "O" VAT group added beside
# the "S" group, totals kept consistent (112.34 HT, 20.00 VAT, 132.34 TTC), is rejected with
# BR-O-11 — and only by the rules about "O" beside other categories.
def test_harness_rejects_o_beside_s():
    xml = (FIXTURES / "bad_o_beside_s.xml").read_bytes()

    rules = {failure.rule for failure in fatal(xml)}
    assert "BR-O-11" in rules
    assert rules <= {"BR-O-02", "BR-O-11", "BR-O-12"}, rules


# The same file, with the "O" line and group taken out again, passes: what fails above is the
# "O" beside "S", not the hand-built file.
def test_harness_accepts_the_fixture_without_its_o_line():
    from lxml import etree

    from billing.facturx_xml import NS

    root = etree.fromstring((FIXTURES / "bad_o_beside_s.xml").read_bytes())
    for item in root.xpath(
        "//ram:IncludedSupplyChainTradeLineItem[.//ram:CategoryCode='O']"
        " | //ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax[ram:CategoryCode='O']",
        namespaces=NS,
    ):
        item.getparent().remove(item)
    [summation] = root.xpath("//ram:SpecifiedTradeSettlementHeaderMonetarySummation", namespaces=NS)
    for tag, amount in (
        ("LineTotalAmount", "100.00"),
        ("TaxBasisTotalAmount", "100.00"),
        ("GrandTotalAmount", "120.00"),
        ("DuePayableAmount", "120.00"),
    ):
        summation.find(f"ram:{tag}", NS).text = amount

    assert fatal(etree.tostring(root)) == []
