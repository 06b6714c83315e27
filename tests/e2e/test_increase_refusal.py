"""PLATFORM 28 / 7.2.1 — our staff refuse an increase the customer asked for, in a real Chromium
against live_server with the `make run` demo data (Boulangeries Durand's CT-2026-000004: one
« Abonnement plateforme voix » at 150,00 € HT a month): a confirmation page with the reason the
customer will read; the customer then sees the request refused, with its day and reason, on its
contract page and its dashboard.
"""

from playwright.sync_api import expect

from kernel.clock import paris_today
from offers.choices import QuantityChangeStatus
from offers.models import LineQuantityChange
from offers.services import line_quantity_change
from tests.e2e.pages import screenshot, sign_in
from tests.e2e.test_platform_decisions import CUSTOMER_EMAIL, _platform_contract, _staff_page

REASON = "Capacité insuffisante sur votre interconnexion jusqu'en janvier."


def test_staff_refuse_a_requested_increase_with_a_reason(page, browser, live_server, demo_data):
    contract = _platform_contract()
    line = contract.lines.get()
    admin = contract.client.memberships.get(user__email=CUSTOMER_EMAIL).user
    line_quantity_change(line=line, quantity=3, actor=admin)  # asked today: 1 → 3
    today = f"{paris_today():%d/%m/%Y}"

    context, staff = _staff_page(browser, live_server)
    try:
        staff.goto(f"{live_server.url}/backoffice/offers/contract/?increase_asked=yes")
        staff.locator("#result_list tbody tr input.action-select").check()
        staff.locator("select[name='action']").select_option("refuse_quantity_increases")
        staff.locator("button[name='index']").click()
        expect(staff.locator("[data-testid='increase-to-refuse']")).to_contain_text("1 → 3")
        staff.locator("textarea[name='reason']").fill(REASON)
        screenshot(staff, "platform_increase_refuse.png")
        assert LineQuantityChange.objects.get(line=line).status == QuantityChangeStatus.REQUESTED
        staff.locator("input[type='submit'][value='Confirmer']").click()
        expect(staff.locator(".messagelist")).to_contain_text("1 hausse de quantité refusée.")
    finally:
        context.close()
    change = LineQuantityChange.objects.get(line=line)
    assert (change.status, change.refusal_reason) == (QuantityChangeStatus.REFUSED, REASON)

    sign_in(page, live_server, CUSTOMER_EMAIL)
    page.goto(f"{live_server.url}/contracts/{contract.pk}/")
    expect(page.locator("[data-testid='refused-increase']")).to_have_text(
        f"3 demandés le {today} : demande refusée par nous le {today}. Motif : {REASON}"
    )
    expect(page.locator("[data-testid='requested-increase']")).to_have_count(0)
    screenshot(page, "platform_increase_refused_customer.png")
    page.goto(f"{live_server.url}/")
    expect(page.locator("[data-testid='quantity-decision']")).to_contain_text(
        f"{line.product.name} 1 → 3 : demande refusée le {today}"
    )
    screenshot(page, "platform_increase_refused_dashboard.png")
