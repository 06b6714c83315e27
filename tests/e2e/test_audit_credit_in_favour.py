"""BIL-4 / BIL-9: the payments page names the money in the customer's favour not set against an
invoice yet (paid beyond what was due, credit notes left), in a real Chromium on the demo data."""

from decimal import Decimal

from playwright.sync_api import expect

from accounts.models import Client
from payments import selectors, services
from tests.e2e.pages import french_money, screenshot, sign_in

BILLING_EMAIL = "compta@martin-avocats.example"


# BIL-4 — the demo customer pays everything it owes plus 30.00 €: the page says « En votre
# faveur : … € » (30.00 € and whatever its credit notes still hold) beside « nothing to pay ».
def test_payments_page_names_the_credit_in_favour(page, live_server, demo_data, settings):
    settings.BILLING_RENDER_PDF = False
    client = Client.objects.get(siren="812345676")
    today = services.paris_today()
    before = selectors.credit_in_favour(client)
    summary = selectors.account_summary(client, today)
    owed = sum((s.open for s in summary.open_invoices), Decimal("0.00"))
    services.payment_record(
        client=client,
        amount=owed + Decimal("30.00"),
        method="transfer",
        received_on=today,
        reference="VIR-E2E-CREDIT",
    )
    credit = selectors.credit_in_favour(client)
    assert credit == before + Decimal("30.00")
    sign_in(page, live_server, BILLING_EMAIL)
    page.goto(f"{live_server.url}/payments/")
    tile = page.locator("[data-testid='credit']")
    expect(tile).to_be_visible()
    text = tile.inner_text().replace("\u00a0", " ").replace("\u202f", " ")
    assert text.startswith(f"En votre faveur : {french_money(credit)}"), text
    screenshot(page, "payments/credit_in_favour.png")
