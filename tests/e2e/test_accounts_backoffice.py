"""The accounts back office in a real Chromium (live_server, the demo data), at the window
width staff use (1 280 px)."""

from playwright.sync_api import expect

from accounts.models import Client
from tests.e2e.pages import screenshot
from tests.e2e.test_console import _sign_in_with_totp


# ACC-1 — a customer's page fits the window: its sites were a table of six 20em inputs, the
# page 2 172 px wide at 1 280 (staff scrolled sideways to reach the delete boxes).
def test_customer_page_fits_the_window(page, live_server, demo_data):
    customer = Client.objects.filter(sites__isnull=False).order_by("pk").first()
    site = customer.sites.first()
    _sign_in_with_totp(page, live_server)
    page.wait_for_load_state("load")
    page.goto(f"{live_server.url}/backoffice/accounts/client/{customer.pk}/change/")
    expect(page.locator("#sites-group input[name='sites-0-name']")).to_have_value(site.name)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    screenshot(page, "backoffice-customer.png")


# ACC-1 — staff setting a customer with contracts still running to « closed » read why it is
# refused (the contracts by reference), on the page they sent; the customer stays active.
def test_closing_a_customer_with_contracts_running_is_refused(page, live_server, demo_data):
    from offers.choices import LIVE_STATUSES
    from offers.models import Contract

    contract = Contract.objects.filter(status__in=LIVE_STATUSES).order_by("pk").first()
    customer = contract.client
    _sign_in_with_totp(page, live_server)
    page.wait_for_load_state("load")
    page.goto(f"{live_server.url}/backoffice/accounts/client/{customer.pk}/change/")
    page.select_option("select[name='status']", "closed")
    page.locator("input[name='_save']").click()
    errors = page.locator(".field-status .errorlist, .errornote + .errorlist, ul.errorlist")
    expect(errors.first).to_contain_text(contract.reference)
    screenshot(page, "backoffice-customer-closing-refused.png")
    customer.refresh_from_db()
    assert customer.status == "active"
