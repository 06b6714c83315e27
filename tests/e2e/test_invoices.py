"""BIL-1, BIL-3, BIL-9, ACC-2: the demo customer's admin opens the invoices from the menu, filters
them, reads October's invoice and downloads its PDF; a read-only user has no access.

Driven in a real Chromium against live_server, with the `make run` demo data (load_demo) and
October 2026's billing run.
"""

from datetime import date
from decimal import Decimal
from pathlib import Path

from playwright.sync_api import expect

from billing import services
from billing.models import Invoice
from tests.e2e.pages import french_money, screenshot, sign_in

ADMIN_EMAIL = "admin@martin-avocats.example"
READ_ONLY_EMAIL = "lecture@martin-avocats.example"
OCT = date(2026, 10, 1)


# BIL-1, BIL-3, BIL-9: menu → list (invoice and credit note) → filter → detail (lines, VAT,
# totals) → PDF download. ACC-2: the read-only user sees no menu entry and is refused.
def test_admin_reads_invoices_read_only_cannot(page, browser, live_server, demo_data, settings):
    settings.BILLING_RENDER_PDF = False
    services.run_month_sync(month=OCT)  # idempotent: load_demo may have run it already
    invoice = Invoice.objects.get(client__siren="812345676", month=OCT, kind="invoice")
    note = services.credit_note_issue(
        corrects=invoice,
        lines=[services.CreditLine("Geste commercial — mise en service du trunk", Decimal("50"))],
        reason="Mise en service du SIP trunk livrée avec 5 jours de retard",
    )
    documents = Invoice.objects.filter(client=invoice.client).count()

    sign_in(page, live_server, ADMIN_EMAIL)
    page.locator("nav.mainnav a[href='/invoices/']").click()
    expect(page).to_have_url(f"{live_server.url}/invoices/")
    table = page.locator("[data-testid='invoice-table']")
    expect(table.locator("tbody tr")).to_have_count(documents)
    expect(table).to_contain_text(invoice.number)
    expect(table).to_contain_text(note.number)
    expect(table).to_contain_text(french_money(invoice.total_gross))
    screenshot(page, "invoices.png")

    page.locator("select[name='kind']").select_option("credit_note")
    page.locator("[data-testid='invoice-filters'] button[type='submit']").click()
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text(note.number)
    page.goto(f"{live_server.url}/invoices/")

    table.get_by_role("link", name=invoice.number, exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/invoices/{invoice.pk}/")
    expect(page.locator("h1")).to_contain_text(invoice.number)
    expect(page.locator("[data-testid='invoice-line']")).to_have_count(invoice.lines.count())
    expect(page.locator("[data-testid='total-net']")).to_have_text(french_money(invoice.total_net))
    expect(page.locator("[data-testid='total-gross']")).to_have_text(
        french_money(invoice.total_gross)
    )
    expect(page.locator("[data-testid='amount-due']")).to_have_text(
        french_money(invoice.amount_due)
    )
    # BIL-9: the credit note corrects this unpaid invoice: set against it at once, shown under
    # the amount due with what is left to pay after it
    corrected = sum(a.amount for a in invoice.credit_allocations.filter(credit_note=note))
    assert corrected == min(note.total_gross, invoice.amount_due)
    expect(page.locator("[data-testid='correction-row']")).to_contain_text(note.number)
    expect(page.locator("[data-testid='due-after-corrections']")).to_have_text(
        french_money(invoice.amount_due - corrected)
    )
    screenshot(page, "invoice_detail.png")

    with page.expect_download() as download:
        page.locator("[data-testid='pdf-link']").click()
    assert download.value.suggested_filename == f"{invoice.number}.pdf"
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")

    # ACC-2: a read-only member of the same customer, in a browser of their own.
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    try:
        reader = context.new_page()
        sign_in(reader, live_server, READ_ONLY_EMAIL)
        expect(reader.locator("nav.mainnav a[href='/invoices/']")).to_have_count(0)
        for path in ("/invoices/", f"/invoices/{invoice.pk}/", f"/invoices/{invoice.pk}/pdf/"):
            assert reader.request.get(f"{live_server.url}{path}").status == 403, path
    finally:
        context.close()
