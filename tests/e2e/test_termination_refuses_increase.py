"""PLATFORM 28 / 7.2.1, CON-4 — the customer terminates its PLATFORM contract while an increase
it asked for awaits our acceptance, in a real Chromium against live_server with the `make run`
demo data (Boulangeries Durand's CT-2026-000004): the quote page warns that the request will be
refused; confirmed, the contract page reads it refused, with the termination as its reason.
"""

from datetime import timedelta

from playwright.sync_api import expect

from kernel.clock import paris_today
from offers.models import LineQuantityChange
from offers.services import line_quantity_change
from tests.e2e.pages import screenshot, sign_in
from tests.e2e.test_platform_decisions import CUSTOMER_EMAIL, _platform_contract, _staff_page


def test_the_termination_refuses_the_increase_asked(page, live_server, demo_data):
    contract = _platform_contract()
    line = contract.lines.get()
    admin = contract.client.memberships.get(user__email=CUSTOMER_EMAIL).user
    line_quantity_change(line=line, quantity=3, actor=admin)  # asked today: 1 → 3
    today = paris_today()
    requested = today + timedelta(days=200)

    sign_in(page, live_server, CUSTOMER_EMAIL)
    page.goto(f"{live_server.url}/contracts/{contract.pk}/terminate/")
    page.locator("[data-testid='quote-form'] input[name='requested_date']").fill(
        requested.isoformat()
    )
    page.locator("button[name='action'][value='quote']").click()
    warning = page.locator("[data-testid='increase-refused-by-termination']")
    expect(warning).to_have_text(
        f"Votre demande en attente de notre acceptation ({line.product.name} : 3 demandés le "
        f"{today:%d/%m/%Y}) sera refusée si vous confirmez : un contrat résilié ne change plus "
        "de quantités."
    )
    screenshot(page, "termination_quote_increase_asked.png")
    page.locator("[data-testid='confirm-form'] input[name='confirm']").check()
    page.locator("button[name='action'][value='confirm']").click()
    expect(page).to_have_url(f"{live_server.url}/contracts/{contract.pk}/")

    change = LineQuantityChange.objects.get(line=line)
    assert change.status == "refused"
    effective = contract.terminations.get().effective_date
    expect(page.locator("[data-testid='refused-increase']")).to_have_text(
        f"3 demandés le {today:%d/%m/%Y} : demande refusée par nous le {today:%d/%m/%Y}. "
        f"Motif : Le contrat est résilié au {effective:%d/%m/%Y} (premier jour sans service) : "
        "une hausse ne peut plus être acceptée."
    )
    expect(page.locator("[data-testid='requested-increase']")).to_have_count(0)
    screenshot(page, "termination_refused_increase_customer.png")


# The console's confirmation of our termination lists the increase it refuses, before anything
# is recorded.
def test_the_console_confirmation_lists_the_increase_refused(browser, live_server, demo_data):
    contract = _platform_contract()
    line = contract.lines.get()
    admin = contract.client.memberships.get(user__email=CUSTOMER_EMAIL).user
    line_quantity_change(line=line, quantity=3, actor=admin)  # asked today: 1 → 3
    context, staff = _staff_page(browser, live_server)
    try:
        staff.goto(f"{live_server.url}/console/customers/{contract.client_id}/")
        staff.locator("summary", has_text="Résilier un contrat").click()
        form = staff.locator(f"form[action='/console/customers/{contract.client_id}/terminate/']")
        form.locator("select[name='contract']").select_option(str(contract.pk))
        form.locator("select[name='reason']").select_option("breach_by_customer")
        form.locator("button").click()
        expect(staff.locator("[data-testid='quote-increases-refused']")).to_have_text(
            f"{line.product.name} : 3 demandés le {paris_today():%d/%m/%Y}"
        )
        screenshot(staff, "console_termination_increase_refused.png")
    finally:
        context.close()
    assert LineQuantityChange.objects.get(line=line).status == "requested"
