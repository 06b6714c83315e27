"""BIL-3 / BIL-9 — unusual invoices no other test issues, each checked for its money (amounts
computed by hand below), against the official EN 16931 Schematron (``billing.en16931``, zero
failed assertions, warnings included) and for its PDF: the amounts the PDF prints are the
XML's (total excl. VAT, VAT, total incl. VAT, amount due).

- Réunion (8.5 %) mixing seven consumption lines at .xx5 (half-up once per line), equipment,
  a free subscription (0.00) and a penalty (outside the scope of VAT: its own invoice);
- an invoice whose total is zero;
- Guyane (exempt, category E with its exemption reason);
- an invoice with a credit note applied and consumption paid in advance (BT-113);
- a partner-billed partner established in Germany (reverse charge, its mention) with a
  wholesale discount, buying equipment for a site in France (20 %) and a penalty.
"""

from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from billing import documents, services
from billing.en16931 import validate
from billing.facturx_xml import NS, build_cii_xml
from billing.models import Invoice
from tests.billing.test_einvoice_rules import post
from tests.billing.test_pdf_mentions import page_texts
from tests.factories import ClientFactory, PartnerFactory

pytestmark = pytest.mark.django_db
OCT, NOV, DEC = date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)
SUMMATION = "//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:"


@pytest.fixture(autouse=True)
def _no_pdf_task(settings, tmp_path):
    settings.BILLING_RENDER_PDF = False
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _french(amount: str) -> str:
    whole, _dot, cents = amount.partition(".")
    return f"{whole},{cents} €"


def checked(document: Invoice) -> tuple[bytes, str]:
    """Zero failed Schematron assertion; the PDF prints the XML's totals."""
    xml = build_cii_xml(document)
    failures = validate(xml)
    assert failures == [], "\n".join(str(failure) for failure in failures)
    root = etree.fromstring(xml)

    def amount(tag):
        return root.xpath(f"{SUMMATION}{tag}", namespaces=NS)[0].text

    text = " ".join(page_texts(documents.render_pdf(document)))
    assert f"Total HT {_french(amount('TaxBasisTotalAmount'))}" in text
    assert f"Total TVA {_french(amount('TaxTotalAmount'))}" in text
    assert f"Total TTC {_french(amount('GrandTotalAmount'))}" in text
    due = _french(amount("DuePayableAmount"))
    if document.kind == "credit_note":
        assert f"Montant de l'avoir TTC {due}" in text
    else:
        assert f"Net à payer {due}" in text
    return xml, text


def totals(document: Invoice) -> tuple:
    return (document.total_net, document.total_vat, document.total_gross, document.amount_due)


# BIL-3 (SPEC Money: half-up once per line, VAT per rate on the total) — Réunion, 8.5 %:
# 7 × 0.125 → 0.13 each = 0.91; equipment 49.995 → 50.00; a free month 0.00 → 50.91 HT,
# VAT 50.91 × 8.5 % = 4.32735 → 4.33, 55.24 TTC (not 7 × 0.125 = 0.875 → 0.88 once: 50.88).
# The 100.00 penalty is outside the scope of VAT: an invoice of its own (BR-O-11), 100.00.
def test_overseas_rounding_equipment_free_month_and_penalty():
    client = ClientFactory(address_line1="1 rue de Paris", postal_code="97400", city="Saint-Denis")
    client.vat_regime = "overseas"
    client.save()
    for i in range(7):
        post(client, "consumption", "0.125", source=f"calls-{i}", start=OCT, end=NOV)
    post(client, "equipment", "49.995", source="phone")
    post(client, "subscription", "0", source="free-month", end=DEC)
    post(client, "penalty", "100", source="abusive-ticket")
    services.run_month_sync(month=OCT)
    regular, penalties = Invoice.objects.filter(client=client).order_by("sequence")

    assert totals(regular) == (
        Decimal("50.91"),
        Decimal("4.33"),
        Decimal("55.24"),
        Decimal("55.24"),
    )
    assert [line.net_amount for line in regular.lines.order_by("position")].count(
        Decimal("0.13")
    ) == 7
    _xml, text = checked(regular)
    assert "TVA 8,5 % 50,91 € 4,33 €" in text
    assert totals(penalties) == (
        Decimal("100.00"),
        Decimal("0.00"),
        Decimal("100.00"),
        Decimal("100.00"),
    )
    _xml, text = checked(penalties)
    assert "Hors champ d'application de la TVA" in text


# BIL-3 — a month billed nothing (a free subscription): an invoice of 0.00, valid as such.
def test_zero_total_invoice():
    client = ClientFactory()
    post(client, "subscription", "0", source="free", end=DEC)
    services.run_month_sync(month=OCT)
    invoice = Invoice.objects.get(client=client)

    assert totals(invoice) == (Decimal("0.00"),) * 4
    checked(invoice)


# BIL-3 — Guyane (outside the 8.5 % and 20 % territories: exempt): 100.00 HT, category E at 0 %,
# 100.00 TTC, with its exemption reason (BR-E-10) in the XML and on the PDF.
def test_exempt_overseas_invoice():
    client = ClientFactory(address_line1="1 rue de Cayenne", postal_code="97300", city="Cayenne")
    client.vat_regime = "exempt"
    client.save()
    post(client, "subscription", "100", source="sub", end=DEC)
    services.run_month_sync(month=OCT)
    invoice = Invoice.objects.get(client=client)

    assert totals(invoice) == (
        Decimal("100.00"),
        Decimal("0.00"),
        Decimal("100.00"),
        Decimal("100.00"),
    )
    xml, text = checked(invoice)
    assert "Exonération de TVA" in text
    assert b"<ram:ExemptionReason>Exon\xc3\xa9ration de TVA</ram:ExemptionReason>" in xml


# ACC-3 / BIL-3 — a partner-billed partner in Berlin (reverse charge), 12.5 % wholesale discount:
# subscription 3 × 33.33 → 33.33 × 0.875 = 29.16375 → 29.1638 (4 decimals) × 3 = 87.4914 →
# 87.49 AE; equipment delivered in France 100.00 → 87.50 at 20 % = 17.50 (goods taxed in
# France); 174.99 HT, 17.50 VAT, 192.49 TTC, the reverse-charge mention. Its customer's 10.00
# penalty (not a sale: no discount) is on its own invoice, outside the scope of VAT.
def test_partner_abroad_reverse_charge_with_goods_and_penalty():
    partner = PartnerFactory(
        name="Berliner",
        address_line1="Hauptstrasse 1",
        postal_code="10115",
        city="Berlin",
        country="DE",
        vat_number="DE136695976",
        wholesale_discount_percent=Decimal("12.5"),
    )
    partner.vat_regime = "reverse_charge"
    partner.save()
    customer = ClientFactory(partner=partner)
    post(customer, "subscription", "33.33", source="sub", end=DEC, quantity=3)
    post(customer, "equipment", "100", source="phone")
    post(customer, "penalty", "10", source="abusive-ticket")
    services.run_month_sync(month=OCT)
    regular, penalties = Invoice.objects.filter(partner=partner).order_by("sequence")

    assert totals(regular) == (
        Decimal("174.99"),
        Decimal("17.50"),
        Decimal("192.49"),
        Decimal("192.49"),
    )
    _xml, text = checked(regular)
    assert "Autoliquidation — article 196 de la directive 2006/112/CE" in text
    assert "N° TVA intracommunautaire DE136695976" in text
    assert totals(penalties) == (
        Decimal("10.00"),
        Decimal("0.00"),
        Decimal("10.00"),
        Decimal("10.00"),
    )
    checked(penalties)


# BIL-9 / BIL-10 — a goodwill credit of 25.00 HT at the 20 % last charged (30.00 TTC), then
# November: subscription 100.00 + consumption 10.05 paid from the prepaid balance = 110.05 HT,
# VAT 22.01, 132.06 TTC; already paid 10.05 + 2.01 = 12.06; credit notes applied 30.00; due
# 132.06 − 12.06 − 30.00 = 90.00 (XML: TotalPrepaidAmount 42.06, DuePayableAmount 90.00).
def test_credit_applied_and_paid_in_advance():
    client = ClientFactory()
    post(client, "subscription", "100", source="sub-nov", end=DEC)
    services.run_month_sync(month=OCT)
    note = services.credit_note_issue(
        client=client,
        lines=[services.CreditLine("Geste commercial", Decimal("25.00"))],
        reason="Geste commercial",
    )
    assert (note.total_net, note.total_vat, note.total_gross) == (
        Decimal("25.00"),
        Decimal("5.00"),
        Decimal("30.00"),
    )
    checked(note)
    post(client, "subscription", "100", source="sub-dec", start=DEC, end=date(2027, 1, 1))
    post(client, "consumption", "10.05", source="calls-nov", start=NOV, end=DEC, is_paid=True)
    services.run_month_sync(month=NOV)
    invoice = Invoice.objects.get(client=client, month=NOV)

    assert totals(invoice) == (
        Decimal("110.05"),
        Decimal("22.01"),
        Decimal("132.06"),
        Decimal("90.00"),
    )
    assert (invoice.paid_in_advance, invoice.credit_applied) == (Decimal("12.06"), Decimal("30.00"))
    xml, text = checked(invoice)
    assert b"<ram:TotalPrepaidAmount>42.06</ram:TotalPrepaidAmount>" in xml
    assert "Avoirs imputés \u221230,00 €" in text
    assert "Déjà réglé \u221212,06 €" in text
