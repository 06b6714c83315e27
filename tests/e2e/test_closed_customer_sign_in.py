"""ACC-1: the people of a closed customer can no longer sign in — the sign-in page says why and
where to ask, on a desktop and on a phone."""

from playwright.sync_api import expect

from accounts.models import Client
from tests.e2e.pages import screenshot, sign_in

PARTNER_CUSTOMER = "admin@clinique-alpes.example"


def test_closed_customer_sign_in_refused_with_the_reason(page, live_server, demo_data):
    customer = Client.objects.select_related("partner").get(
        memberships__user__email=PARTNER_CUSTOMER
    )
    Client.objects.filter(pk=customer.pk).update(status="closed")
    sign_in(page, live_server, PARTNER_CUSTOMER, expect_home=False)
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    message = page.locator(".messages")
    expect(message).to_contain_text(f"L'accès de {customer.legal_name} au portail est fermé")
    expect(message).to_contain_text(customer.partner.support_email)
    screenshot(page, "closed_customer_sign_in.png")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "closed_customer_sign_in_390.png")
