"""BIL-3 / BIL-6 / BIL-9 — documents no other EN 16931 test issues, checked against the official
Schematron (``billing.en16931``) with **zero failed assertions**, warnings included:

- an invoice mixing VAT categories: an EU business's services reverse-charged (AE, 0 %) beside
  equipment sold to it at French VAT (S, 20 %);
- the supplementary invoice of late charges that also bills a penalty (category O alone,
  referencing the late invoice, BT-25/BT-26);
- credit notes (381) of each of them, and of an exempt customer's invoice (E).
"""

from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from billing import services
from billing.choices import ChargeKind, VatCategory
from billing.en16931 import validate
from billing.facturx_xml import NS, build_cii_xml
from billing.models import Invoice
from tests.billing.test_einvoice_rules import post
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db
SEP, OCT, NOV, DEC = date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)


@pytest.fixture(autouse=True)
def _no_pdf_task(settings):
    settings.BILLING_RENDER_PDF = False


def no_failed_assert(document: Invoice) -> bytes:
    xml = build_cii_xml(document)
    failures = validate(xml)
    assert failures == [], "\n".join(str(failure) for failure in failures)
    return xml


def xpath(xml: bytes, path: str) -> list[str]:
    return [node.text for node in etree.fromstring(xml).xpath(path, namespaces=NS)]


def credit(invoice, amount, **vat):
    return services.credit_note_issue(
        corrects=invoice,
        lines=[services.CreditLine("Correction", Decimal(amount), **vat)],
        reason="Correction",
        issue_date=date(2026, 11, 5),
    )


# BIL-3 — AE + S on one invoice: subscription 200.00 AE 0 %; 2 × 89.90 = 179.80 S 20 % → VAT
# 35.96; 379.80 HT, 415.76 TTC. Its credit note of 50.00 on the AE group: 50.00 TTC, 381,
# referencing the invoice; then 20.00 on the S group: 20.00 + 4.00 = 24.00.
def test_mixed_categories_invoice_and_its_credit_notes_pass_every_rule():
    client = ClientFactory(
        legal_name="Berliner Telefon GmbH",
        vat_regime="reverse_charge",
        vat_number="DE136695976",
        country="DE",
        postal_code="10115",
        city="Berlin",
    )
    post(client, "subscription", "200", source="de-sub", end=DEC)
    post(client, "equipment", "89.90", source="de-eq", start=date(2026, 10, 12), quantity=2)
    services.run_month_sync(month=OCT)
    invoice = Invoice.objects.get(client=client, month=OCT)

    assert (invoice.total_net, invoice.total_vat, invoice.total_gross) == (
        Decimal("379.80"),
        Decimal("35.96"),
        Decimal("415.76"),
    )
    xml = no_failed_assert(invoice)
    assert sorted(xpath(xml, "//ram:ApplicableTradeTax/ram:CategoryCode")) == [
        "AE",
        "AE",
        "S",
        "S",
    ]
    reverse = credit(invoice, "50", vat_category=VatCategory.REVERSE_CHARGE)
    standard = credit(invoice, "20", vat_category=VatCategory.STANDARD)
    assert (reverse.total_gross, standard.total_gross) == (Decimal("50.00"), Decimal("24.00"))
    for note in (reverse, standard):
        xml = no_failed_assert(note)
        assert xpath(xml, "//rsm:ExchangedDocument/ram:TypeCode") == ["381"]
        assert xpath(xml, "//ram:InvoiceReferencedDocument/ram:IssuerAssignedID") == [
            invoice.number
        ]


# BIL-6 — September's 100.05 HT invoice (120.06 TTC) paid late: October's run issues the
# supplementary late-charges invoice: a 100.00 penalty + 40.00 indemnity + 1.11 interest =
# 141.11, category O alone, referencing F…(September). Its credit note waiving the penalty:
# 100.00, category O, 381.
def test_late_charges_invoice_with_a_penalty_and_its_credit_note_pass_every_rule():
    from payments.services.late_charges import post_indemnity

    client = ClientFactory()
    post(client, "subscription", "100.05", source="sep", start=SEP, end=OCT)
    services.run_month_sync(month=SEP)
    september = Invoice.objects.get(client=client, month=SEP)
    post(client, "subscription", "100", source="nov", end=DEC)
    post(client, ChargeKind.PENALTY, "100", source="pen", start=date(2026, 10, 12))
    post_indemnity(september)
    post(
        client,
        ChargeKind.LATE_INTEREST,
        "1.11",
        source=september.pk,
        source_type="late_invoice_interest",
        start=september.due_date,
        vat=VatCategory.OUTSIDE_SCOPE,
    )
    services.run_month_sync(month=OCT)
    late = Invoice.objects.get(client=client, month=OCT, purpose="late_charges")

    assert (late.total_net, late.total_vat, late.total_gross) == (
        Decimal("141.11"),
        Decimal("0.00"),
        Decimal("141.11"),
    )
    xml = no_failed_assert(late)
    assert xpath(xml, "//ram:InvoiceReferencedDocument/ram:IssuerAssignedID") == [september.number]
    no_failed_assert(Invoice.objects.get(client=client, month=OCT, purpose="regular"))
    waived = credit(late, "100")
    assert (waived.total_gross, waived.vat_breakdown[0]["category"]) == (Decimal("100.00"), "O")
    no_failed_assert(waived)


# BIL-9 — an exempt customer's invoice (E, 0 %, "Exonération de TVA") and its credit note.
def test_exempt_invoice_and_its_credit_note_pass_every_rule():
    client = ClientFactory(legal_name="Association Exo", vat_regime="exempt")
    post(client, "subscription", "50", source="ex", end=DEC)
    services.run_month_sync(month=OCT)
    invoice = Invoice.objects.get(client=client, month=OCT)

    assert invoice.total_gross == Decimal("50.00")
    no_failed_assert(invoice)
    note = credit(invoice, "10")
    assert (note.total_gross, note.vat_breakdown[0]["category"]) == (Decimal("10.00"), "E")
    no_failed_assert(note)
