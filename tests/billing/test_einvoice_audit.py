"""BIL-3 / BIL-9 — audit of the invoice as a legal document and e-invoice: what an issued
document, whatever it carries, must still give — a Factur-X XML that passes the official EN 16931
rules (``billing.en16931``) and a PDF whose totals agree with it and with the database."""

from datetime import date
from decimal import Decimal
from io import BytesIO

import facturx
import pytest
import time_machine
from lxml import etree
from pypdf import PdfReader

from billing import documents, services
from billing.en16931 import fatal
from billing.facturx_xml import NS, build_cii_xml
from billing.models import Invoice
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db
OCT, NOV, DEC = date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)
LATE_KINDS = ("late_interest", "recovery_indemnity")


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
    assert "Motif de l'avoir\u00a0: Incident du 12/10 coupure" in xpath(
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


# BIL-3 / BIL-6 — invoices are French legal documents: the late-payment interest and the recovery
# indemnity of a late invoice were worded in the language of the staff member whose payment
# record made it late (the console in English: « Recovery indemnity — invoice F2026-… »,
# « Late-payment interest — …, paid 30 days late ») and went so on the French late-charges
# invoice. 120.00 TTC due 30/11/2026, paid 30/12/2026 (30 days), ECB 2.15 % + 10 = 12.15 %:
# 120.00 × 12.15 % × 30 / 365 = 1.198… → 1.20 of interest, + the 40.00 indemnity, outside VAT.
def test_late_charges_are_worded_in_french_whatever_the_staff_language():
    from django.utils import translation

    from payments import services as payments

    payments.ecb_rate_set(effective_on=date(2026, 7, 1), rate="2.15")
    invoice = october_invoice(ClientFactory())
    assert (invoice.amount_due, invoice.due_date) == (Decimal("120.00"), date(2026, 11, 30))
    with translation.override("en"), time_machine.travel("2026-12-30 11:00Z", tick=False):
        payments.payment_record(
            client=invoice.client,
            amount="120.00",
            method="transfer",
            received_on=date(2026, 12, 30),
        )

    charges = {c.kind: c for c in invoice.client.charges.filter(kind__in=LATE_KINDS)}
    indemnity, interest = charges["recovery_indemnity"], charges["late_interest"]
    assert indemnity.description == (
        f"Indemnité forfaitaire pour frais de recouvrement — facture {invoice.number}"
    )
    assert interest.description == (
        f"Intérêts de retard — facture {invoice.number}, réglée avec 30 jours de retard"
    )
    assert (indemnity.unit_price, interest.unit_price) == (Decimal("40.00"), Decimal("1.20"))


# BIL-2 / ACC-3 — an issued document never changes: a partner-billed invoice names each line's
# end customer ("Client final …"), and that name was read from the customer's live row when the
# XML and PDF were rendered — so once the customer was renamed, the e-invoice served by the API
# and any re-render of the PDF named the new name on an invoice issued under the old one (and no
# longer matched the PDF sent). Frozen when issued, like the buyer block. 40.00 HT → 48.00 TTC;
# its credit note of 5.00 HT → 6.00 TTC.
def test_partner_invoice_keeps_the_end_customer_name_it_was_issued_with():
    from tests.factories import PartnerFactory

    partner = PartnerFactory(name="Orbit")
    customer = ClientFactory(partner=partner, legal_name="Cabinet Durand SARL")
    services.charge_post(
        client=customer,
        kind="subscription",
        source_type="test",
        source_id="sub-durand",
        period_start=NOV,
        period_end=DEC,
        description="Abonnement",
        unit_price=Decimal("40"),
    )
    services.run_month_sync(month=OCT)
    invoice = Invoice.objects.get(partner=partner, kind="invoice")
    note = services.credit_note_issue(
        client=customer,
        lines=[services.CreditLine(description="Crédit SLA", amount=Decimal("5"))],
        reason="SLA",
        issue_date=date(2026, 11, 5),
    )
    assert (invoice.total_gross, note.total_gross) == (Decimal("48.00"), Decimal("6.00"))
    issued = {doc.pk: build_cii_xml(doc) for doc in (invoice, note)}

    customer.legal_name = "Durand & Associés SAS"
    customer.save()

    for document in (invoice, note):
        document = Invoice.objects.get(pk=document.pk)
        xml = build_cii_xml(document)
        assert xml == issued[document.pk]
        assert xpath(xml, "//ram:SpecifiedTradeProduct/ram:Description") == [
            "Client final Cabinet Durand SARL"
        ]
        assert "Client final Cabinet Durand SARL" in pdf_text(documents.render_pdf(document))


# BIL-9 / BIL-3 — a credit note line that says nothing (a blank description) was issued, numbered
# for ever, and its e-invoice failed EN 16931 BR-25 (every line names its item, BT-153): refused
# with the line's field error, nothing written (no number taken: the next one is A2026-000001).
def test_credit_note_line_without_description_is_refused():
    from django.core.exceptions import ValidationError

    client = ClientFactory()
    for description in ("", "   "):
        with pytest.raises(ValidationError) as refused:
            services.credit_note_issue(
                client=client,
                lines=[services.CreditLine(description=description, amount=Decimal("10"))],
                reason="Geste commercial",
            )
        assert "lines" in refused.value.message_dict
    assert not Invoice.objects.filter(kind="credit_note").exists()
    note = services.credit_note_issue(
        client=client,
        lines=[services.CreditLine(description="Geste", amount=Decimal("10"))],
        reason="Geste commercial",
    )
    assert (note.number[-6:], note.total_gross) == ("000001", Decimal("12.00"))
    assert fatal(build_cii_xml(note)) == []


# BIL-9 — an amount under half a cent (0.004 € typed or computed) rounds to 0.00: it was issued
# and numbered as a credit note of 0.00 €; refused with the lines' error, no number taken.
# 0.005 rounds half-up to 0.01: a credit note of 0.01 HT = 0.01 TTC (0.002 of VAT rounds to 0.00).
def test_credit_note_of_less_than_half_a_cent_is_refused():
    from django.core.exceptions import ValidationError

    client = ClientFactory()
    with pytest.raises(ValidationError) as refused:
        services.credit_note_issue(
            client=client,
            lines=[services.CreditLine(description="Arrondi", amount=Decimal("0.004"))],
            reason="Geste commercial",
        )
    assert "lines" in refused.value.message_dict
    assert not Invoice.objects.filter(kind="credit_note").exists()
    note = services.credit_note_issue(
        client=client,
        lines=[services.CreditLine(description="Arrondi", amount=Decimal("0.005"))],
        reason="Geste commercial",
    )
    assert (note.number[-6:], note.total_net, note.total_gross) == (
        "000001",
        Decimal("0.01"),
        Decimal("0.01"),
    )


# BIL-3 / SPEC Money, the law winning: reverse charge (art. 259-1 CGI, art. 196 of the VAT
# directive) is for the services bought by a business of another EU state. Equipment sold is
# goods, delivered to the customer's site — in France (ACC-1): a supply of goods taxable in
# France (CGI art. 258 I a), French VAT at 20 % whatever the buyer's establishment (the reverse
# charge of art. 283-2 only applies to a supplier established abroad). The equipment went out
# at 0 % "Autoliquidation — article 196…". Now: 2 × 89.90 = 179.80 HT at 20 % → 35.96 VAT;
# the subscription 200.00 stays AE at 0 %; 379.80 HT, 35.96 VAT, 415.76 TTC.
def test_equipment_sold_to_an_eu_business_bears_french_vat():
    client = ClientFactory(
        legal_name="Berliner Telefon GmbH",
        vat_regime="reverse_charge",
        vat_number="DE136695976",
        country="DE",
        postal_code="10115",
        city="Berlin",
    )
    services.charge_post(
        client=client,
        kind="equipment",
        source_type="test",
        source_id="sale-de",
        period_start=date(2026, 10, 12),
        description="Vente : routeur",
        unit_price=Decimal("89.90"),
        quantity=2,
    )
    invoice = october_invoice(client, price="200")

    lines = {line.kind: line for line in invoice.lines.all()}
    assert (lines["equipment"].vat_category, lines["equipment"].vat_rate) == ("S", Decimal("20"))
    assert (lines["subscription"].vat_category, lines["subscription"].vat_rate) == (
        "AE",
        Decimal("0"),
    )
    assert (invoice.total_net, invoice.total_vat, invoice.total_gross) == (
        Decimal("379.80"),
        Decimal("35.96"),
        Decimal("415.76"),
    )
    xml = build_cii_xml(invoice)
    assert fatal(xml) == []
    text = pdf_text(documents.render_pdf(invoice))
    assert "TVA 20 % 179,80 € 35,96 €" in text
    assert "Autoliquidation 200,00 € 0,00 €" in text
    assert "Net à payer 415,76 €" in text


# BIL-9 / BIL-8 — a credit note's reason is printed on it (255 characters at most): staff
# accepting a dispute in the console may type up to 10 000 characters of note, which became the
# reason — PostgreSQL refused the row (DataError: a 500, the dispute left open). Refused with a
# field error instead, nothing written; with a short note the credit note of the 12.00 TTC
# disputed is issued (10.00 HT + 2.00 VAT).
def test_credit_note_reason_too_long_is_a_field_error():
    from django.core.exceptions import ValidationError

    from payments.services import disputes

    invoice = october_invoice(ClientFactory())
    dispute = disputes.dispute_open(
        invoice=invoice, amount="12.00", reason="x", today=date(2026, 11, 3)
    )
    with pytest.raises(ValidationError) as refused:
        disputes.dispute_accept(dispute=dispute, note="Trop long. " * 30)
    assert "reason" in refused.value.message_dict
    assert not Invoice.objects.filter(kind="credit_note").exists()
    with pytest.raises(ValidationError) as refused:
        services.credit_note_issue(
            corrects=invoice,
            lines=[services.CreditLine(description="x" * 256, amount=Decimal("1"))],
            reason="Geste",
        )
    assert "lines" in refused.value.message_dict

    note = disputes.dispute_accept(dispute=dispute, note="Contestation fondée")
    assert (note.total_net, note.total_vat, note.total_gross) == (
        Decimal("10.00"),
        Decimal("2.00"),
        Decimal("12.00"),
    )


# BIL-3 — French typography on the legal mentions (a no-break space before € and before a
# colon): the late-payment clause of every PDF and the recovery-indemnity note of every XML read
# « 40 € » with an ordinary space (the PDF could break the line between « 40 » and « € »), and
# the credit note's note « Motif de l'avoir : … » likewise. 100.00 HT → 120.00 TTC; its credit
# note 10.00 HT → 12.00 TTC.
def test_legal_mentions_keep_their_no_break_spaces():
    invoice = october_invoice(ClientFactory())
    note = services.credit_note_issue(
        corrects=invoice,
        lines=[services.CreditLine(description="Geste", amount=Decimal("10"))],
        reason="Incident",
        issue_date=date(2026, 11, 5),
    )

    clause = documents.invoice_context(invoice)["late_payment_clause"]
    assert "recouvrement de 40\u00a0€ (art." in clause
    notes = xpath(build_cii_xml(invoice), "//ram:IncludedNote/ram:Content")
    assert any("recouvrement de 40\u00a0€ en cas" in text for text in notes)
    assert "Motif de l'avoir\u00a0: Incident" in xpath(
        build_cii_xml(note), "//ram:IncludedNote/ram:Content"
    )
    assert (invoice.total_gross, note.total_gross) == (Decimal("120.00"), Decimal("12.00"))


# BIL-9 ("referencing the invoice they correct when there is one"; CGI art. 242 nonies A: a
# credit note refers to the initial invoice) — an SLA or goodwill credit names the service and
# the day it credits, and billing finds the invoice line that billed it (for its VAT rate), but
# the credit note referred to no invoice: no BT-25 in its XML, no « Avoir sur la facture … » on
# its PDF. Now it names that invoice: October's service was billed by September's run
# (F2026-000001 of 30/09/2026, 20 %): a credit of 50.00 HT + 10.00 VAT = 60.00 refers to it.
def test_service_credit_note_refers_to_the_invoice_that_billed_the_service():
    from tests.billing.test_credit_note_vat import contract_of, customer

    client = customer()
    contract = contract_of(client, "100.00")
    services.run_month_sync(month=date(2026, 9, 1))
    billed = Invoice.objects.get(client=client, kind="invoice")
    note = services.credit_note_issue(
        client=client,
        lines=[
            services.CreditLine(
                "Crédit SLA octobre 2026", Decimal("50"), contract=contract, service_date=OCT
            )
        ],
        reason="SLA",
        issue_date=date(2026, 11, 5),
    )

    assert (note.total_net, note.total_vat, note.total_gross) == (
        Decimal("50.00"),
        Decimal("10.00"),
        Decimal("60.00"),
    )
    xml = build_cii_xml(note)
    assert fatal(xml) == []
    assert xpath(xml, "//ram:InvoiceReferencedDocument/ram:IssuerAssignedID") == [billed.number]
    assert xpath(xml, "//ram:InvoiceReferencedDocument//qdt:DateTimeString") == ["20260930"]
    text = pdf_text(documents.render_pdf(note))
    assert f"Avoir sur la facture N° {billed.number} du 30/09/2026" in text


# BIL-9 / SLA-12 — a goodwill credit for an event names its service (the contract) but not the
# day, so its credit note took the VAT of the customer's latest line and referred to no invoice.
# The event of 15 October concerns October's service, billed by September's run (30/09/2026):
# 100.00 HT + 20 % = 120.00, referring to that invoice.
def test_goodwill_credit_note_refers_to_the_invoice_of_the_event(tenant):
    from accounts.models import User
    from tests.support import test_goodwill as goodwill

    customer = goodwill.reseller_billed(tenant.client)
    staff = User.objects.create_user(email="ops@reseller.example", password="x", is_staff=True)
    contract = goodwill.platform(customer)
    invoices = goodwill.invoices_of(customer, (goodwill.JUL, goodwill.AUG, goodwill.SEP))
    for invoice in invoices.values():
        goodwill.pay(invoice, staff)
    ticket = goodwill.failure(tenant, contract)

    note = goodwill.grant("100.00", staff, ticket=ticket).credit_note

    assert (note.total_net, note.total_gross) == (Decimal("100.00"), Decimal("120.00"))
    xml = build_cii_xml(note)
    assert fatal(xml) == []
    assert xpath(xml, "//ram:InvoiceReferencedDocument/ram:IssuerAssignedID") == [
        invoices[goodwill.SEP].number
    ]


# BIL-3 (2026 reform: whether the document covers goods, services or both; French CIUS BT-23) —
# a credit note's lines are all "other", so every credit note said « Prestations de services »
# (S1), even the one correcting an equipment sale (B1 « Livraison de biens »). A credit note
# now has the nature of the invoice it refers to: 2 × 89.90 = 179.80 HT sold, 179.80 credited
# (+ 35.96 VAT = 215.76).
def test_credit_note_has_the_nature_of_the_invoice_it_corrects():
    client = ClientFactory()
    services.charge_post(
        client=client,
        kind="equipment",
        source_type="test",
        source_id="sale",
        period_start=date(2026, 10, 12),
        description="Vente : routeur",
        unit_price=Decimal("89.90"),
        quantity=2,
    )
    services.run_month_sync(month=OCT)
    invoice = Invoice.objects.get(client=client, kind="invoice")
    note = services.credit_note_issue(
        corrects=invoice,
        lines=[services.CreditLine(description="Retour", amount=Decimal("179.80"))],
        reason="Routeurs retournés",
        issue_date=date(2026, 11, 5),
    )

    assert note.total_gross == Decimal("215.76")
    path = "//ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID"
    assert xpath(build_cii_xml(invoice), path) == ["B1"]
    assert xpath(build_cii_xml(note), path) == ["B1"]
    assert documents.invoice_context(note)["nature"] == "Livraison de biens"


# BIL-9 / SLA-10 (CGI art. 289 I: a credit note refers to the initial invoice "de manière
# spécifique et non équivoque"; French CIUS BR-FR-CO-05: a 381 without BT-25 is rejected) — an
# SLA credit names the contract and the month it credits (its 1st day). A first month billed
# pro rata has no line covering the 1st: HOSTED-A in service from 16 October, October's run
# bills 16/31 of 300.00 = 154.84 (line 16/10–31/10) on F2026-000001. 600 minutes down on 20/10
# → 98.655 % → 5 % × 154.84 = 7.74 HT + 1.55 VAT = 9.29 TTC: the credit note referred to no
# invoice at all (no BT-25, no « Avoir sur la facture … »). It refers to F2026-000001.
def test_sla_credit_of_a_prorata_first_month_refers_to_its_invoice(tenant):
    from support import services as support
    from tests.offers.factories import make_contract
    from tests.support.factories import incident, make_staff, paris, reseller_billed

    customer = reseller_billed(tenant.client)
    staff = make_staff()
    contract = make_contract(
        customer,
        "hosted-a",
        monthly_price="300.00",
        signature=date(2026, 10, 1),
        service_start=date(2026, 10, 16),
    )
    services.run_month_sync(month=OCT)
    billed = Invoice.objects.get(client=customer, kind="invoice", month=OCT)
    with time_machine.travel(paris(2026, 10, 31, 12), tick=False):
        incident(contract, paris(2026, 10, 20, 9), paris(2026, 10, 20, 19), staff=staff)
    with time_machine.travel(paris(2026, 11, 1, 1), tick=False):
        report = support.availability_report_compute(contract=contract, month=OCT)
        report = support.credit_request(report=report, actor=tenant.members["admin"].user)
        report = support.credit_approve(report=report, actor=staff)

    note = report.credit_note
    assert (note.total_net, note.total_vat, note.total_gross) == (
        Decimal("7.74"),
        Decimal("1.55"),
        Decimal("9.29"),
    )
    xml = build_cii_xml(note)
    assert fatal(xml) == []
    assert xpath(xml, "//ram:InvoiceReferencedDocument/ram:IssuerAssignedID") == [billed.number]
    text = pdf_text(documents.render_pdf(note))
    assert f"Avoir sur la facture N° {billed.number} du 31/10/2026" in text


# BIL-3 (2026 reform, CGI ann. II art. 242 nonies A: "l'option pour le paiement de la taxe
# d'après les débits" when the seller chose it; French CIUS: BT-8 = 5 in CII) — a reseller that
# opted for VAT on debits had no way to say so: its invoices (services, 100.00 HT + 20.00 VAT =
# 120.00 TTC) carried neither the mention on the PDF nor BT-8 in the XML. The option is a
# setting (RESELLER["vat_on_debits"], off by default), frozen on the document when issued like
# the other seller mentions: an invoice issued before the option keeps its bytes.
def test_vat_on_debits_option_is_stated_when_chosen(settings):
    before = october_invoice(ClientFactory())
    settings.RESELLER = {**settings.RESELLER, "vat_on_debits": True}
    client = ClientFactory()
    services.charge_post(
        client=client,
        kind="subscription",
        source_type="test",
        source_id="sub-debits",
        period_start=DEC,
        period_end=date(2027, 1, 1),
        description="Abonnement",
        unit_price=Decimal("100"),
    )
    services.run_month_sync(month=NOV)
    after = Invoice.objects.get(kind="invoice", client=client, month=NOV)

    assert after.total_gross == Decimal("120.00")
    mention = "Option pour le paiement de la taxe d'après les débits"
    code = "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:DueDateTypeCode"
    xml = build_cii_xml(after)
    assert fatal(xml) == []
    assert xpath(xml, code) == ["5"]
    assert mention in pdf_text(documents.render_pdf(after))
    assert xpath(build_cii_xml(before), code) == []
    assert mention not in pdf_text(documents.render_pdf(before))
