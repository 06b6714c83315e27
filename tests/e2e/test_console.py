"""Issue 17, Done-when 1: a member of staff signs in once (password, then the TOTP code), lands
on the console, opens the overdue ticket from its queue and answers it; decides a dispute from
its queue (previewed, confirmed) and sees the credit note; opens a customer 360 from a search.

Driven in a real Chromium against live_server, with the `make run` demo data plus the
console's demo items (an overdue failure notification, a dispute under review)."""

from decimal import Decimal

from playwright.sync_api import expect

from accounts.demo import DEMO_STAFF_TOTP_SECRET, STAFF_PASSWORD
from console import demo as console_demo
from payments.choices import DisputeStatus
from payments.models import Dispute
from support.choices import TicketStatus
from support.models import Ticket
from tests.console.conftest import current_totp
from tests.e2e.pages import french_money, screenshot, translated

STAFF_EMAIL = "staff@azur-telecom.example"  # the demo superuser: both teams' queues


def _sign_in_with_totp(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    form = page.locator("form:has(input[name='login'])")
    form.locator("input[name='login']").fill(STAFF_EMAIL)
    form.locator("input[name='password']").fill(STAFF_PASSWORD)
    form.locator("button[type='submit']").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/2fa/authenticate/")
    code = page.locator("input[name='code']")
    code.fill(current_totp(DEMO_STAFF_TOTP_SECRET))
    code.press("Enter")


def test_staff_console_ticket_dispute_and_360(page, live_server, demo_data, settings, tmp_path):
    settings.BILLING_RENDER_PDF = False
    settings.MEDIA_ROOT = tmp_path
    console_demo.load()
    overdue = Ticket.objects.get(subject=console_demo.OVERDUE)
    dispute = Dispute.objects.get(reason=console_demo.DISPUTE_REASON)

    _sign_in_with_totp(page, live_server)
    expect(page).to_have_url(f"{live_server.url}/console/")
    expect(page.locator("[data-testid='console-home']")).to_be_visible()
    nav = page.locator("[data-testid='console-nav']")
    expect(nav.locator("[data-testid='queue-support.tickets'] .console-count")).to_have_text("3")
    screenshot(page, "console-home.png")
    # The same sign-in opens the back office (no second password, no second code).
    page.goto(f"{live_server.url}/backoffice/")
    expect(page.locator("#site-name, h1").first).to_be_visible()
    assert "/accounts/" not in page.url
    page.goto(f"{live_server.url}/console/")

    # Tickets: the overdue one first, with its delay shown; answered from its page.
    page.locator("[data-testid='queue-support.tickets']").click()
    first = page.locator("[data-testid='queue-row']").first
    expect(first).to_contain_text(overdue.number)
    expect(first).to_contain_text("de retard")
    screenshot(page, "console-queue.png")
    first.locator(f"a:has-text('{overdue.number}')").click()
    expect(page.locator("[data-testid='time-left']")).to_contain_text("de retard")
    page.locator("textarea[name='body']").fill(
        "Bonjour, un technicien intervient sur votre ligne dans l'heure."
    )
    page.locator("select[name='status']").select_option(TicketStatus.IN_PROGRESS)
    page.locator("[data-testid='send-answer']").click()
    expect(page.locator(".msg-success")).to_have_text("Réponse envoyée au client.")
    expect(page.locator("[data-testid='ticket-status']")).to_have_text(
        translated(TicketStatus.IN_PROGRESS.label)
    )
    expect(page.locator("[data-testid='thread']")).to_contain_text("un technicien intervient")
    screenshot(page, "console-ticket.png")
    overdue.refresh_from_db()
    assert overdue.status == TicketStatus.IN_PROGRESS and overdue.first_response_at

    # Disputes: decided from the queue, previewed with its amounts, then confirmed.
    page.locator("[data-testid='queue-payments.disputes']").click()
    page.locator("[data-testid='queue-row'] a").first.click()
    expect(page).to_have_url(f"{live_server.url}/console/disputes/{dispute.pk}/")
    page.locator("input[name='decision'][value='accept']").check()
    page.locator("textarea[name='note']").fill("Frais en double : remboursés.")
    page.locator("[data-testid='preview-decision']").click()
    expect(page.locator("[data-testid='preview-credit']")).to_contain_text(
        french_money(Decimal("24.00"))
    )
    assert Dispute.objects.get(pk=dispute.pk).status == "open"  # the preview moved nothing
    screenshot(page, "console-decision.png")
    page.locator("[data-testid='confirm-decision']").click()
    dispute.refresh_from_db()
    assert dispute.status == "accepted" and dispute.credit_note.total_gross == Decimal("24.00")
    expect(page.locator("[data-testid='credit-note']")).to_contain_text(dispute.credit_note.number)
    expect(page.locator("[data-testid='dispute-status']")).to_have_text(
        translated(DisputeStatus.ACCEPTED.label)
    )

    # Customer 360 from the search (a SIREN: one match, straight to its page).
    page.locator("#console-q").fill(dispute.client.siren)
    page.locator("form.console-search button").click()
    expect(page).to_have_url(f"{live_server.url}/console/customers/{dispute.client_id}/")
    head = page.locator("[data-testid='customer-360']")
    expect(head).to_contain_text(dispute.client.legal_name)
    expect(page.locator("[data-testid='audit']")).to_contain_text("dispute.accept")
    screenshot(page, "console-360.png")
