"""BIL-8, BIL-4, BIL-9: the demo customer's billing user opens last month's invoice, disputes part
of it with a PDF, sees the dispute under review and the undisputed balance due; staff accept the
dispute and the user sees the credit note and the reduced balance.

Driven in a real Chromium against live_server, with the `make run` demo data (load_demo runs last
month's billing run, so the invoice is always within its 60-day dispute period).
"""

from decimal import Decimal

from playwright.sync_api import expect

from billing.models import Invoice
from payments import selectors, services
from payments.models import Dispute
from tests.e2e.pages import french_money, screenshot, sign_in

BILLING_EMAIL = "compta@martin-avocats.example"
DISPUTED = Decimal("50.00")


def test_billing_user_disputes_then_sees_credit_note(
    page, live_server, demo_data, settings, tmp_path
):
    settings.BILLING_RENDER_PDF = False
    settings.MEDIA_ROOT = tmp_path
    # The latest invoice that nobody disputes yet (the console's demo opens a dispute too).
    invoice = (
        Invoice.objects.filter(client__siren="812345676", kind="invoice", disputes__isnull=True)
        .order_by("-issue_date", "-sequence")
        .first()
    )
    client = invoice.client
    today = services.paris_today()
    before = selectors.account_summary(client, today)
    assert services.invoice_state(invoice).open > DISPUTED

    sign_in(page, live_server, BILLING_EMAIL)
    page.goto(f"{live_server.url}/invoices/{invoice.pk}/")
    page.locator("[data-testid='dispute-link']").click()
    expect(page).to_have_url(f"{live_server.url}/payments/invoices/{invoice.pk}/dispute/")
    expect(page.locator("[data-testid='dispute-deadline']")).to_be_visible()
    page.locator("input[name='amount']").fill(str(DISPUTED))
    page.locator("textarea[name='reason']").fill(
        "Les frais de mise en service du trunk SIP sont facturés deux fois."
    )
    page.locator("input[name='documents']").set_input_files(
        [{"name": "releve.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n% test\n"}]
    )
    page.locator("[data-testid='dispute-form'] button[type='submit']").click()

    dispute = Dispute.objects.get(invoice=invoice)
    detail_url = f"{live_server.url}/payments/disputes/{dispute.pk}/"
    expect(page).to_have_url(detail_url)
    expect(page.locator(".msg-success")).to_be_visible()
    expect(page.locator("[data-testid='dispute-status']")).to_have_text(
        dispute.get_status_display()
    )
    assert dispute.status == "open"
    expect(page.locator("[data-testid='dispute-amount']")).to_have_text(french_money(DISPUTED))
    expect(page.locator("[data-testid='dispute-documents']")).to_contain_text("releve.pdf")

    # The overview: the undisputed balance due, the disputed part on hold.
    page.locator("nav.mainnav a[href='/payments/']").click()
    expect(page).to_have_url(f"{live_server.url}/payments/")
    expect(page.locator("[data-testid='amount-due']")).to_have_text(
        french_money(before.due - DISPUTED)
    )
    expect(page.locator("[data-testid='amount-disputed']")).to_have_text(
        french_money(before.disputed + DISPUTED)
    )
    row = page.locator("[data-testid='open-invoice']", has_text=invoice.number)
    expect(row.locator("[data-testid='open-invoice-state']")).to_have_class("badge off")
    screenshot(page, "payments.png")

    # Staff accept (the back office is another page): a credit note set against the invoice.
    note = services.dispute_accept(dispute=dispute, note="Doublon confirmé, merci.")
    assert note.number.startswith(f"A{today.year}-")  # A2026-…

    page.goto(detail_url)
    link = page.locator("[data-testid='credit-note-link']")
    expect(link).to_have_text(note.number)
    expect(page.locator("[data-testid='decision-note']")).to_contain_text("Doublon confirmé")
    screenshot(page, "dispute.png")
    link.click()
    expect(page).to_have_url(f"{live_server.url}/invoices/{note.pk}/")
    expect(page.locator("h1")).to_contain_text(note.number)

    page.goto(f"{live_server.url}/payments/")
    after = selectors.account_summary(client, today)
    assert after.due == before.due - DISPUTED and after.disputed == before.disputed
    expect(page.locator("[data-testid='amount-due']")).to_have_text(french_money(after.due))
    expect(page.locator("[data-testid='amount-disputed']")).to_have_text(
        french_money(before.disputed)
    )


# Issue: at 1280 px the mandate reference and the IBAN of « Mode de paiement » and the invoice
# card of the dispute form ran past their card's right border (.facts: max-content labels).
OVERFLOWING_VALUES = """() => [...document.querySelectorAll('.card .facts dd')].filter(dd => {
    const card = dd.closest('.card').getBoundingClientRect();
    return dd.getBoundingClientRect().right > card.right + 0.5 || dd.scrollWidth > dd.clientWidth;
}).map(dd => dd.textContent.trim())"""


def test_long_values_stay_in_their_card(page, live_server, demo_data):
    invoice = Invoice.objects.filter(client__siren="812345676", kind="invoice").first()
    sign_in(page, live_server, BILLING_EMAIL)
    for path in ("/payments/", f"/payments/invoices/{invoice.pk}/dispute/"):
        page.goto(f"{live_server.url}{path}")
        assert page.locator(".card .facts dd").count() > 0
        assert page.evaluate(OVERFLOWING_VALUES) == [], path


# BIL-4 (SEPA Core pre-notification): the bank rejects the debit of the demo firm's invoice;
# the payments page shows, under the invoice's badge, the day it is presented again — 14 days
# after the reject was told, on a TARGET2 business day, and not before the invoice is due — as
# the reject e-mail announced.
def test_rejected_debit_shows_when_it_is_presented_again(page, live_server, demo_data):
    from payments import sepa
    from payments.models import DirectDebit

    today = services.paris_today()
    invoice = (
        Invoice.objects.filter(client__siren="812345676", kind="invoice")
        .order_by("-issue_date", "-sequence")
        .first()
    )
    assert services.invoice_state(invoice).open > 0
    collect_on = sepa.next_target2_day(max(sepa.earliest_collection_date(today), invoice.due_date))
    services.debit_batch_create(collection_date=collect_on)
    debit = DirectDebit.objects.get(invoice=invoice)
    services.debit_reject(debit=debit, reason="AM04", bank_fee="0")
    # 14 days after the reject (a TARGET2 day), and never before the invoice is due
    again = max(sepa.represent_date(today), invoice.due_date)

    sign_in(page, live_server, BILLING_EMAIL)
    page.goto(f"{live_server.url}/payments/")
    row = page.locator("[data-testid='open-invoice']", has_text=invoice.number)
    expect(row.get_by_test_id("represent-from")).to_have_text(
        f"Nouveau prélèvement à partir du {again:%d/%m/%Y}"
    )
    screenshot(page, "payments/represented.png")
