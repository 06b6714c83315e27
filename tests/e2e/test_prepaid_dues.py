"""BIL-10 (PLATFORM 12.7.1): the demo's prepaid customer, Boulangeries Durand, reads on its
prepaid page what its balance pays (its calls) and what its invoices still ask — the amount its
dashboard and payments page name (180.00 + 220.73 + 1.08 = 401.81 € with the demo of December
2026). Driven in a real Chromium against live_server, with the demo data (load_demo)."""

from playwright.sync_api import expect

from accounts.demo import DEMO_PASSWORD
from tests.e2e.pages import screenshot, sign_in

DURAND = "admin@durand.example"


def test_bil10_prepaid_page_says_what_is_left_to_pay(page, live_server, demo_data):
    sign_in(page, live_server, DURAND, DEMO_PASSWORD)
    total = page.get_by_test_id("due-invoice-total").inner_text()
    page.goto(f"{live_server.url}/payments/prepaid/")
    expect(page.get_by_test_id("prepaid-not-invoices")).to_contain_text(
        "Ce solde ne paie que vos consommations"
    )
    expect(page.get_by_test_id("prepaid-invoices-due")).to_contain_text(total)
    screenshot(page, "prepaid_dues.png")
