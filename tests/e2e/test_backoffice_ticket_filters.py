"""The back office's tickets list in a real Chromium (live_server, the demo data): a customer
found by its SIREN, the tickets reported in the past 7 days."""

from playwright.sync_api import expect

from support.models import Ticket
from tests.e2e.pages import screenshot
from tests.e2e.test_console import _sign_in_with_totp


# SLA-1 — support narrows the queue to a customer (its SIREN) and the tickets reported lately.
def test_tickets_by_siren_and_reported_date(page, live_server, demo_data):
    ticket = Ticket.objects.select_related("client").order_by("pk").first()
    _sign_in_with_totp(page, live_server)
    page.wait_for_load_state("load")
    page.goto(f"{live_server.url}/backoffice/support/ticket/?q={ticket.client.siren}")
    page.get_by_role("link", name="Les 7 derniers jours").click()
    expect(page.locator("#result_list, p.paginator").first).to_be_visible()
    assert "reported_at__gte" in page.url
    screenshot(page, "backoffice-tickets-filters.png")
