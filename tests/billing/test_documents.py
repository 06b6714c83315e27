"""The invoice PDF and its Factur-X XML (BIL-3), credit notes (BIL-9), white label (ACC-3)."""

import hashlib
import re
from datetime import date
from decimal import Decimal
from io import BytesIO

import facturx
import pytest
import time_machine
from lxml import etree
from pypdf import PdfReader

from accounts.choices import BillingMode
from billing import documents, services
from billing.choices import ChargeKind, VatCategory
from billing.facturx_xml import NS, build_cii_xml
from billing.models import Invoice, InvoiceDocument
from tests.factories import ClientFactory, PartnerFactory

pytestmark = pytest.mark.django_db
OCT = date(2026, 10, 1)
LATE_PAYMENT_CLAUSE = (
    "En cas de retard de paiement, intérêts au taux BCE majoré de 10 points et indemnité "
    "forfaitaire pour frais de recouvrement de 40 € (art. L441-10 et D441-5 du Code de commerce)"
)


@pytest.fixture(autouse=True)
def _no_pdf_task(settings, tmp_path):
    settings.BILLING_RENDER_PDF = False
    settings.MEDIA_ROOT = str(tmp_path / "media")


def post(client, kind, price, *, source, quantity=1, vat="", start=date(2026, 11, 1), end=None):
    return services.charge_post(
        client=client,
        kind=kind,
        source_type="test",
        source_id=source,
        period_start=start,
        period_end=end,
        description=f"{ChargeKind(kind).label} {source}",
        unit_price=Decimal(price),
        quantity=quantity,
        vat_category=vat,
    )


def october_invoice(client) -> Invoice:
    services.run_month_sync(month=OCT)
    return Invoice.objects.get(client=client, kind="invoice", month=OCT, purpose="regular")


def pdf_text(pdf: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())


def xpath(xml: bytes, path: str) -> list[str]:
    return [
        node if isinstance(node, str) else node.text
        for node in etree.fromstring(xml).xpath(path, namespaces=NS)
    ]


@pytest.fixture
def mixed_invoice():
    """A 20 % subscription for November, with October's late-payment interest (outside VAT)
    pending: the regular invoice of the run (BIL-6: the interest goes on a late-charges invoice
    of its own, EN 16931 BR-O-11)."""
    client = ClientFactory(legal_name="Boulangerie Martin SAS")
    post(client, "subscription", "1562.5", source="sub-1", end=date(2026, 12, 1))
    post(
        client,
        "late_interest",
        "12.34",
        source="late-1",
        vat=VatCategory.OUTSIDE_SCOPE,
        start=date(2026, 10, 20),
    )
    return october_invoice(client)


# BIL-3 — the e-invoice XML of the regular invoice is valid Factur-X EN 16931 (XSD) and carries
# the amounts of the issued invoice; the interest outside the scope of VAT is not on it (BIL-6).
def test_invoice_xml_is_valid_en16931(mixed_invoice):
    xml = build_cii_xml(mixed_invoice)

    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    assert xpath(xml, "//rsm:ExchangedDocument/ram:TypeCode") == ["380"]
    assert xpath(xml, "//rsm:ExchangedDocument/ram:ID") == [mixed_invoice.number]
    assert xpath(xml, "//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID") == [
        "urn:cen.eu:en16931:2017"
    ]
    # 1 562,50 at 20 % → 312,50; TTC 1 875,00 (the 12,34 of interest is on its own invoice).
    summation = "//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:"
    assert xpath(xml, summation + "LineTotalAmount") == ["1562.50"]
    assert xpath(xml, summation + "TaxTotalAmount") == ["312.50"]
    assert xpath(xml, summation + "GrandTotalAmount") == ["1875.00"]
    assert xpath(xml, summation + "DuePayableAmount") == ["1875.00"]
    groups = "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:"
    assert xpath(xml, groups + "CategoryCode") == ["S"]
    assert xpath(xml, groups + "ExemptionReason") == []
    assert xpath(xml, "//ram:DueDateDateTime/udt:DateTimeString") == ["20261130"]
    # The stored period [2026-11-01, 2026-12-01) ends on 30 November.
    assert xpath(xml, "//ram:BillingSpecifiedPeriod/ram:EndDateTime/udt:DateTimeString") == [
        "20261130"
    ]
    buyer = "//ram:BuyerTradeParty/ram:SpecifiedLegalOrganization/ram:ID"
    assert xpath(xml, buyer) == [mixed_invoice.client.siren]
    assert xpath(xml, buyer + "/@schemeID") == ["0002"]


# BIL-3 — the PDF embeds exactly the XML, and prints the mandatory mentions of a French invoice.
def test_pdf_embeds_the_xml_and_prints_the_mentions(mixed_invoice):
    pdf = documents.render_pdf(mixed_invoice)

    filename, embedded = facturx.get_xml_from_pdf(pdf, check_xsd=True)
    assert (filename, embedded) == ("factur-x.xml", build_cii_xml(mixed_invoice))
    text = pdf_text(pdf)
    assert mixed_invoice.number in text
    assert f"SIREN {mixed_invoice.seller['siren']}" in text
    assert f"SIREN {mixed_invoice.client.siren}" in text
    assert "Net à payer 1 875,00 €" in text
    assert "Total HT 1 562,50 €" in text
    assert LATE_PAYMENT_CLAUSE in text
    assert "Paiement à 30 jours date de facture" in text
    assert "du 01/11/2026 au 30/11/2026" in text
    assert "Hors champ d'application de la TVA" not in text  # BIL-6: on its own invoice
    assert "Prestations de services" in text
    assert "TVA sur les débits" not in text
    assert "Autoliquidation" not in text


# BIL-3 — a reverse-charge customer (EU business outside France): 0 %, "Autoliquidation".
def test_reverse_charge_invoice():
    client = ClientFactory(
        legal_name="Berliner Telefon GmbH",
        vat_regime="reverse_charge",
        vat_number="DE136695976",
        country="DE",
        postal_code="10115",
        city="Berlin",
    )
    post(client, "subscription", "200", source="sub-de", end=date(2026, 12, 1))
    invoice = october_invoice(client)

    xml = build_cii_xml(invoice)
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    groups = "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:"
    assert xpath(xml, groups + "CategoryCode") == ["AE"]
    assert xpath(xml, groups + "RateApplicablePercent") == ["0.00"]
    assert xpath(xml, groups + "ExemptionReason") == ["Autoliquidation"]
    assert xpath(xml, "//ram:BuyerTradeParty/ram:SpecifiedTaxRegistration/ram:ID") == [
        "DE136695976"
    ]
    text = pdf_text(documents.render_pdf(invoice))
    # BIL-2: a German business's services are taxed in Germany (art. 259-1 CGI), the customer
    # liable (art. 196 of Directive 2006/112/EC) — not art. 283-2 CGI (a foreign supplier)
    assert "Autoliquidation — article 196 de la directive 2006/112/CE (art. 259-1 du CGI)" in text
    assert "Allemagne" in text
    assert "Net à payer 200,00 €" in text


# BIL-3 — the buyer's address names its country in French, whichever it is (an Austrian
# customer's invoice read "AT", a Monegasque one "MC"); France is left out.
@pytest.mark.parametrize(
    "country, postcode, name, regime",
    [
        ("AT", "1010", "Autriche", "reverse_charge"),
        ("MC", "98000", "Monaco", "standard"),
        ("US", "10001", "États-Unis", "exempt"),
    ],
)
def test_buyer_country_in_french(country, postcode, name, regime):
    client = ClientFactory(
        legal_name="Foreign Buyer", vat_regime=regime,
        vat_number="ATU13585627" if country == "AT" else "", country=country,
        postal_code=postcode, city="Ville",
    )  # fmt: skip
    post(client, "subscription", "10", source=f"sub-{country}", end=date(2026, 12, 1))
    text = pdf_text(documents.render_pdf(october_invoice(client)))
    assert f"{postcode} Ville\n{name}" in text or f"{postcode} Ville {name}" in text, text[:600]


# BIL-9 — a credit note is a 381 referencing the invoice it corrects, valid EN 16931.
def test_credit_note_xml_and_pdf(mixed_invoice):
    note = services.credit_note_issue(
        corrects=mixed_invoice,
        lines=[services.CreditLine(description="Geste commercial", amount=Decimal("100"))],
        reason="Incident du 12/10/2026",
        issue_date=date(2026, 11, 5),
    )

    xml = build_cii_xml(note)
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    assert xpath(xml, "//rsm:ExchangedDocument/ram:TypeCode") == ["381"]
    reference = "//ram:InvoiceReferencedDocument/"
    assert xpath(xml, reference + "ram:IssuerAssignedID") == [mixed_invoice.number]
    assert xpath(xml, reference + "ram:FormattedIssueDateTime/qdt:DateTimeString") == ["20261031"]
    # BR-CO-16: what the credit note credits, 100 + 20 % VAT.
    assert xpath(xml, "//ram:DuePayableAmount") == ["120.00"]
    pdf = documents.render_pdf(note)
    assert facturx.get_xml_from_pdf(pdf)[1] == xml
    text = pdf_text(pdf)
    assert f"Avoir N° {note.number}" in text.replace("AVOIR", "Avoir")
    assert f"Avoir sur la facture N° {mixed_invoice.number} du 31/10/2026" in text
    assert "Motif : Incident du 12/10/2026" in text


# BIL-9 — a credit note is set against the next invoice, shown below its total.
def test_credit_note_applied_on_the_next_invoice():
    client = ClientFactory()
    services.credit_note_issue(
        client=client,
        lines=[services.CreditLine(description="Crédit SLA septembre", amount=Decimal("10"))],
        reason="SLA-10",
        issue_date=date(2026, 10, 10),
    )
    post(client, "subscription", "100", source="sub-credit", end=date(2026, 12, 1))
    invoice = october_invoice(client)
    assert invoice.credit_applied == Decimal("12.00")

    xml = build_cii_xml(invoice)
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    assert xpath(xml, "//ram:TotalPrepaidAmount") == ["12.00"]
    assert xpath(xml, "//ram:DuePayableAmount") == ["108.00"]
    text = pdf_text(documents.render_pdf(invoice))
    assert re.search(r"Total TTC 120,00 € Avoirs imputés −12,00 € Net à payer 108,00 €", text)


# BIL-3 — equipment sold: title retention, nature "goods and services".
def test_equipment_prints_title_retention():
    client = ClientFactory()
    post(client, "equipment", "89.90", source="order-1", quantity=2, start=date(2026, 10, 12))
    post(client, "subscription", "30", source="sub-eq", end=date(2026, 12, 1))
    text = pdf_text(documents.render_pdf(october_invoice(client)))
    assert "Les équipements vendus restent la propriété du vendeur jusqu'au paiement intégral" in (
        text
    )
    assert "Mixte : biens et services" in text


# ACC-3 — reseller-billed partner: the partner appears as distributor; partner-billed: the
# partner is invoiced and every line names its end customer.
def test_white_label_branding_and_end_customers():
    reseller_billed = PartnerFactory(name="Nova Télécom", billing_mode=BillingMode.RESELLER_BILLED)
    direct = ClientFactory(partner=reseller_billed)
    post(direct, "subscription", "50", source="sub-nova", end=date(2026, 12, 1))
    partner_billed = PartnerFactory(name="Orbit")
    end_client = ClientFactory(partner=partner_billed, legal_name="Cabinet Durand SARL")
    post(end_client, "subscription", "40", source="sub-orbit", end=date(2026, 12, 1))
    services.run_month_sync(month=OCT)

    direct_text = pdf_text(documents.render_pdf(Invoice.objects.get(client=direct)))
    assert "Distribué par Nova Télécom" in direct_text
    partner_invoice = Invoice.objects.get(partner=partner_billed)
    partner_text = pdf_text(documents.render_pdf(partner_invoice))
    assert "Client final Cabinet Durand SARL" in partner_text
    assert f"SIREN {partner_billed.siren}" in partner_text
    assert facturx.xml_check_xsd(build_cii_xml(partner_invoice), level="en16931")


# BIL-3 — rendering is reproducible: same invoice, same bytes.
def test_two_renders_give_identical_bytes(mixed_invoice):
    first = documents.render_pdf(mixed_invoice)
    second = documents.render_pdf(Invoice.objects.get(pk=mixed_invoice.pk))
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(second).hexdigest()
    reader = PdfReader(BytesIO(first))
    assert reader.metadata["/CreationDate"] == "D:20261031000000+00'00'"
    assert b"2026-10-31T00:00:00+00:00" in reader.xmp_metadata.stream.get_data()


# BIL-3 — no clock in the bytes, whichever library subsets the fonts (WeasyPrint uses HarfBuzz
# when it can, fontTools otherwise, whose font subsets were dated the second of the render).
@pytest.mark.parametrize("subsetter", ["harfbuzz", "fonttools"])
def test_renders_a_year_apart_give_identical_bytes(mixed_invoice, subsetter, monkeypatch):
    if subsetter == "fonttools":
        monkeypatch.setattr("weasyprint.pdf.fonts.harfbuzz_subset", None)
    renders = []
    for moment in ("2026-11-02 09:00:00", "2027-11-02 17:31:07"):
        with time_machine.travel(moment, tick=False):
            renders.append(documents.render_pdf(Invoice.objects.get(pk=mixed_invoice.pk)))
    assert renders[0] == renders[1]


# BIL-3 — storing twice keeps one document with the PDF's hash; reads return the stored file.
def test_render_and_store_is_idempotent(mixed_invoice):
    first = documents.render_and_store(mixed_invoice.pk)
    second = documents.render_and_store(mixed_invoice.pk)

    assert InvoiceDocument.objects.filter(invoice=mixed_invoice).count() == 1
    assert first.pk == second.pk and first.pdf.name == second.pdf.name
    stored = documents.invoice_pdf_bytes(mixed_invoice)
    assert hashlib.sha256(stored).hexdigest() == second.sha256
    assert stored == documents.render_pdf(mixed_invoice)
    mixed_invoice.refresh_from_db()
    assert mixed_invoice.is_issued  # the invoice row is untouched


# BIL-3 — the storage fails once while the worker stores an issued invoice's PDF (a full disk, a
# network share away for a moment): the task tries again and the invoice gets its one PDF. Before,
# the task gave up at the first error and the invoice stayed without a stored PDF.
def test_pdf_render_is_retried_after_a_storage_error(mixed_invoice, settings, monkeypatch):
    from django.core.files.storage import FileSystemStorage

    from billing.tasks import render_invoice_pdf

    settings.CELERY_TASK_ALWAYS_EAGER = True
    save, failures = FileSystemStorage._save, []

    def save_once_failing(storage, name, content):
        if not failures:
            failures.append(name)
            raise OSError(28, "No space left on device")
        return save(storage, name, content)

    monkeypatch.setattr(FileSystemStorage, "_save", save_once_failing)
    monkeypatch.setattr(render_invoice_pdf, "retry_backoff", False)  # no wait in the test
    render_invoice_pdf.apply(args=[mixed_invoice.pk])  # the retry runs eagerly too

    assert len(failures) == 1
    document = InvoiceDocument.objects.get(invoice=mixed_invoice)
    assert document.pdf.read()[:5] == b"%PDF-"
