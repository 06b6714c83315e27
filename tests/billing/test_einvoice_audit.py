"""BIL-3 / BIL-9 — audit of the invoice as a legal document and e-invoice: what an issued
document, whatever it carries, must still give — a Factur-X XML that passes the official EN 16931
rules (``billing.en16931``) and a PDF whose totals agree with it and with the database."""

from datetime import date
from decimal import Decimal
from io import BytesIO

import facturx
import pytest
from lxml import etree
from pypdf import PdfReader

from billing import documents, services
from billing.en16931 import fatal
from billing.facturx_xml import NS, build_cii_xml
from billing.models import Invoice
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db
OCT, NOV, DEC = date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)


@pytest.fixture(autouse=True)
def _no_pdf_task(settings, tmp_path):
    settings.BILLING_RENDER_PDF = False
    settings.MEDIA_ROOT = str(tmp_path / "media")


def pdf_text(pdf: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())


def xpath(xml: bytes, path: str) -> list[str]:
    return [node.text for node in etree.fromstring(xml).xpath(path, namespaces=NS)]


def october_invoice(client, description="Abonnement", price="100") -> Invoice:
    services.charge_post(
        client=client,
        kind="subscription",
        source_type="test",
        source_id=f"sub-{client.pk}",
        period_start=NOV,
        period_end=DEC,
        description=description,
        unit_price=Decimal(price),
    )
    services.run_month_sync(month=OCT)
    return Invoice.objects.get(kind="invoice", client=client, month=OCT)


# BIL-3 / BIL-2 — text pasted from a word processor carries control characters (Word's manual
# line break is U+000B, a page break U+000C): in the customer's name and address (typed by a
# partner through the API), a line's description, a credit note's reason. XML 1.0 cannot hold
# them: the document was issued (and can never change) but its XML and PDF failed for ever
# ("All strings must be XML compatible"). Written as a space: 100.00 HT + 20 % = 120.00 TTC.
def test_control_characters_do_not_make_an_issued_document_unrenderable():
    client = ClientFactory(legal_name="Plomberie\x0bDurand SARL", address_line1="3 rue\x0cdu Port")
    invoice = october_invoice(client, description="Abonnement\x0bligne principale")
    note = services.credit_note_issue(
        corrects=invoice,
        lines=[services.CreditLine(description="Geste\x0bcommercial", amount=Decimal("10"))],
        reason="Incident du 12/10\x0bcoupure",
        issue_date=date(2026, 11, 5),
    )

    for document in (invoice, note):
        xml = build_cii_xml(document)
        assert fatal(xml) == []
        assert xpath(xml, "//ram:BuyerTradeParty/ram:Name") == ["Plomberie Durand SARL"]
        assert facturx.get_xml_from_pdf(documents.render_pdf(document))[1] == xml
    xml = build_cii_xml(invoice)
    assert xpath(xml, "//ram:SpecifiedTradeProduct/ram:Name") == ["Abonnement ligne principale"]
    assert xpath(xml, "//ram:GrandTotalAmount") == ["120.00"]
    assert "Motif de l'avoir : Incident du 12/10 coupure" in xpath(
        build_cii_xml(note), "//ram:IncludedNote/ram:Content"
    )


# BIL-3 — the mentions the Code de commerce asks of a company's invoices (R123-237, R123-238:
# legal form and share capital, RCS and its city) were printed on the PDF but missing from the
# e-invoice itself, whose data the buyer's platform reads: EN 16931 carries them as the seller's
# additional legal information (BT-33, ``SellerTradeParty/Description``), as the French CIUS
# asks. On an invoice (100.00 HT → 120.00 TTC) and on the credit note of 10.00 HT that corrects it.
def test_seller_legal_mentions_in_the_xml():
    invoice = october_invoice(ClientFactory())
    note = services.credit_note_issue(
        corrects=invoice,
        lines=[services.CreditLine(description="Geste commercial", amount=Decimal("10"))],
        reason="Incident",
        issue_date=date(2026, 11, 5),
    )

    for document in (invoice, note):
        xml = build_cii_xml(document)
        assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
        assert fatal(xml) == []
        assert xpath(xml, "//ram:SellerTradeParty/ram:Description") == [
            "SAS au capital de 50 000 € — RCS Marseille 732 829 320"
        ]
        assert xpath(xml, "//ram:BuyerTradeParty/ram:Description") == []
    assert xpath(build_cii_xml(invoice), "//ram:GrandTotalAmount") == ["120.00"]
