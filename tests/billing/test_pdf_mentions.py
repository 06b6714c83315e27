"""BIL-3 / BIL-4 — what the invoice PDF must print beyond the lines and totals, and how a long
invoice is laid out:

- the seller's mandatory mentions (Code de commerce R123-237 and R123-238): legal form and share
  capital, SIREN with "RCS <city>", head office address — on every page;
- for a customer paying by SEPA direct debit, the pre-notification of the debit: its date, the
  mandate reference (RUM) and the creditor identifier (ICS), told to billing by the payments app
  through ``billing.documents.payment_instructions`` (billing never imports payments);
- a long invoice: pages numbered "Page n / N", the column header on every page of lines, the
  VAT summary and totals together on the last page, numeric columns aligned.
"""

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
import time_machine
from pypdf import PdfReader

from billing import documents, services
from billing.models import Invoice
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db
OCT = date(2026, 10, 1)
MENTIONS = (
    "SAS au capital de 50 000 €",
    "Siège social : 12 rue de la République, 13001 Marseille",
    "SIREN 732829320",
    "RCS Marseille 732 829 320",
)


@pytest.fixture(autouse=True)
def _no_pdf_task(settings, tmp_path):
    settings.BILLING_RENDER_PDF = False
    settings.MEDIA_ROOT = str(tmp_path / "media")


def page_texts(pdf: bytes) -> list[str]:
    spaces = str.maketrans({"\u202f": " ", "\u00a0": " ", "\u2007": " ", "\u2008": " "})
    return [
        " ".join(page.extract_text().translate(spaces).split())
        for page in PdfReader(BytesIO(pdf)).pages
    ]


def pdf_text(document: Invoice) -> str:
    return " ".join(page_texts(documents.render_pdf(document)))


def invoice_of(client, *charges: tuple[str, str]) -> Invoice:
    """October's invoice of ``client`` for subscriptions of November (description, price)."""
    for n, (description, price) in enumerate(charges):
        services.charge_post(
            client=client,
            kind="subscription",
            source_type="test",
            source_id=f"{client.pk}-{n}",
            period_start=date(2026, 11, 1),
            period_end=date(2026, 12, 1),
            description=description,
            unit_price=Decimal(price),
        )
    services.run_month_sync(month=OCT)
    return Invoice.objects.get(kind="invoice", client=client, month=OCT)


# --- The seller's mandatory mentions (R123-237, R123-238) ------------------------------------


# BIL-3 — R123-237/238: legal form and capital, head office, SIREN and RCS city, on the seller
# block and in the footer of every page (a 90-line invoice: 3 pages).
def test_seller_mentions_on_every_page():
    client = ClientFactory()
    invoice = invoice_of(client, *[(f"Ligne SIP {n}", "10") for n in range(90)])

    pages = page_texts(documents.render_pdf(invoice))
    assert len(pages) >= 3
    for number, text in enumerate(pages, start=1):
        for mention in MENTIONS:
            assert mention in text, (number, mention)


# BIL-3 — the mentions are frozen on the invoice when it is issued: a change of the settings
# shows on the next invoices, not on those already issued.
def test_mentions_are_those_of_the_issue(settings):
    before = invoice_of(ClientFactory(), ("Compte SIP", "100"))
    settings.RESELLER = {
        **settings.RESELLER,
        "legal_form": "SAS au capital de 80 000 €",
        "address": "5 quai du Port, 13002 Marseille",
    }
    after = invoice_of(ClientFactory(), ("Compte SIP", "100"))

    assert "SAS au capital de 50 000 €" in pdf_text(before)
    text = pdf_text(after)
    assert "SAS au capital de 80 000 €" in text
    assert "Siège social : 5 quai du Port, 13002 Marseille" in text


# BIL-3 — a document issued before the mentions were frozen on it (no legal form, no RCS in its
# seller block) still prints them, from the settings.
def test_mentions_of_an_older_invoice_come_from_the_settings():
    invoice = invoice_of(ClientFactory(), ("Compte SIP", "100"))
    # As a row from before (issued rows are immutable: changed in memory only).
    invoice.seller = {k: v for k, v in invoice.seller.items() if k not in {"legal_form", "rcs"}}

    text = pdf_text(invoice)
    for mention in MENTIONS:
        assert mention in text


# --- SEPA pre-notification (BIL-4) -----------------------------------------------------------


@pytest.fixture
def payments_hook():
    """The payments app's receiver (``payments.instructions.sepa_notice``), connected at ready."""
    receivers = documents.payment_instructions.receivers
    assert any(entry[0][0] == "payments.sepa_notice" for entry in receivers)


def sign_mandate(client, reference="RUM-TEST-0001"):
    from payments import services as payments

    with time_machine.travel(date(2026, 9, 15), tick=False):
        return payments.mandate_create(
            client=client,
            account_holder=client.legal_name,
            iban="FR7630006000011234567890189",
            bic="AGRIFRPP",
            signed_on=date(2026, 9, 15),
            reference=reference,
        )


# BIL-4 — a customer with a SEPA mandate: the invoice (issued 31/10, due 30 days later) tells
# the debit of 100.00 + 20 % = 120.00 on its due date 30/11/2026, the RUM and the ICS.
def test_direct_debit_pre_notification(payments_hook):
    client = ClientFactory()
    sign_mandate(client)
    invoice = invoice_of(client, ("Compte SIP", "100"))

    text = pdf_text(invoice)
    assert "Prélèvement SEPA le 30/11/2026 de 120,00 €" in text
    assert "Référence unique de mandat (RUM) : RUM-TEST-0001" in text
    assert "Identifiant créancier SEPA (ICS) : FR72ZZZ123456" in text


# BIL-4 — once the invoice is in a direct-debit batch, the date printed is the batch's
# collection date (04/12/2026), the amount the one debited.
def test_direct_debit_date_of_the_batch(payments_hook):
    from payments import services as payments

    client = ClientFactory()
    sign_mandate(client)
    invoice = invoice_of(client, ("Compte SIP", "100"))
    with time_machine.travel(date(2026, 12, 1), tick=False):
        payments.debit_batch_create(collection_date=date(2026, 12, 4))

    text = pdf_text(invoice)
    assert "Prélèvement SEPA le 04/12/2026 de 120,00 €" in text
    assert "Prélèvement SEPA le 30/11/2026" not in text


# BIL-4 — no mandate (payment by transfer), or a credit note: no pre-notification.
def test_no_pre_notification_without_mandate_nor_on_a_credit_note(payments_hook):
    by_transfer = invoice_of(ClientFactory(), ("Compte SIP", "100"))
    client = ClientFactory()
    sign_mandate(client, reference="RUM-TEST-0002")
    invoice = invoice_of(client, ("Compte SIP", "100"))
    note = services.credit_note_issue(
        corrects=invoice,
        lines=[services.CreditLine(description="Geste commercial", amount=Decimal("10"))],
        reason="Geste",
        issue_date=date(2026, 11, 5),
    )

    assert "Prélèvement SEPA" not in pdf_text(by_transfer)
    assert "Prélèvement SEPA" not in pdf_text(note)
    assert "RUM-TEST-0002" not in pdf_text(note)


# BIL-4 — a failing answer fails the render (the task retries), rather than a PDF silently
# without the pre-notification the customer is owed.
def test_a_failing_payments_hook_fails_the_render():
    def broken(sender, invoice, **kwargs):
        raise RuntimeError("payments unavailable")

    invoice = invoice_of(ClientFactory(), ("Compte SIP", "100"))
    documents.payment_instructions.connect(broken, dispatch_uid="test-broken")
    try:
        with pytest.raises(RuntimeError, match="payments unavailable"):
            documents.render_pdf(invoice)
    finally:
        documents.payment_instructions.disconnect(dispatch_uid="test-broken")


# --- A long invoice ---------------------------------------------------------------------------


# BIL-3 — 90 lines of 10.00 → 900.00 HT, 180.00 VAT, 1 080.00 TTC over several pages: each
# page says "Page n / N"; the column header is on every page of lines; the VAT summary and the
# totals are together on the last page only; no line is lost (first and last present, each
# with its amount on its own row).
def test_long_invoice_layout():
    client = ClientFactory()
    invoice = invoice_of(client, *[(f"Ligne SIP {n:02d}", "10") for n in range(90)])

    pages = page_texts(documents.render_pdf(invoice))
    count = len(pages)
    # About 20 lines fit on the first page (under the header) and 32 on the next ones:
    # 90 = 20 + 32 + 32 + 6 → 4 pages; at least 3 whatever the font's exact metrics.
    assert count >= 3
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} / {count}" in text
        assert "Désignation Qté P.U. HT Montant HT TVA" in text  # the last page has lines too
    assert all("DÉTAIL DE LA TVA" not in text.upper() for text in pages[:-1])
    last = pages[-1]
    assert "DÉTAIL DE LA TVA" in last.upper() and "Net à payer 1 080,00 €" in last
    assert "TVA 20 % 900,00 € 180,00 €" in last
    every = " ".join(pages)
    assert "1 · Ligne SIP 00 1 10,00 € 10,00 € 20 %" in every
    assert "90 · Ligne SIP 89 1 10,00 € 10,00 € 20 %" in every


# BIL-3 — the numeric columns are right-aligned by invisible padding: in the PDF's font (DejaVu
# Sans, tabular digits) every padded amount, price and quantity is as wide as its column.
@pytest.mark.parametrize(
    ("values", "field"),
    [
        (["0,01 €", "12,34 €", "1 234,56 €", "9 999 999,99 €"], documents.AMOUNT_FIELD),
        (["0,0123 €", "12,50 €", "99 999,9999 €"], documents.PRICE_FIELD),
        (["1", "2,5", "1 000", "99 999,99"], documents.QUANTITY_FIELD),
    ],
)
def test_numeric_columns_are_aligned(values, field):
    from fontTools.ttLib import TTFont

    path = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    try:
        font = TTFont(path)
    except FileNotFoundError:
        pytest.skip("DejaVu Sans is not installed")
    glyphs, advances = font.getBestCmap(), font["hmtx"]

    def width(text: str) -> int:
        return sum(advances[glyphs[ord(char)]][0] for char in text)

    french = str.maketrans({" ": "\u202f"})
    padded = [
        documents.right_aligned(v.translate(french).replace("\u202f€", "\u00a0€"), field)
        for v in values
    ]
    assert {width(text) for text in padded} == {width(field)}
