"""ACC-1 — a closed customer's page in the back office, in a real Chromium (live_server, the
demo data): a site block added to it is refused in words staff read above the block."""

from playwright.sync_api import expect

from accounts.choices import ClientStatus
from accounts.models import Client, Site
from tests.e2e.pages import screenshot
from tests.e2e.test_console import _sign_in_with_totp


# ACC-1 — before: the new site was saved on the closed customer. Now refused above the block,
# « Ce client est clôturé : aucun site ne peut lui être ajouté. », nothing written; at 1 280
# and 390 px.
def test_a_site_added_to_a_closed_customer_is_refused(page, live_server, demo_data):
    customer = Client.objects.filter(sites__isnull=False).order_by("pk").first()
    Client.objects.filter(pk=customer.pk).update(status=ClientStatus.CLOSED)
    sites = Site.objects.filter(client=customer).count()
    _sign_in_with_totp(page, live_server)
    page.wait_for_load_state("load")
    page.goto(f"{live_server.url}/backoffice/accounts/client/{customer.pk}/change/")
    page.locator("#sites-group .add-row a").click()
    block = page.locator(f"#sites-{sites}")
    block.locator(f"input[name='sites-{sites}-name']").fill("Entrepôt")
    block.locator(f"input[name='sites-{sites}-address_line1']").fill("1 rue du Port")
    block.locator(f"input[name='sites-{sites}-postal_code']").fill("13002")
    block.locator(f"input[name='sites-{sites}-city']").fill("Marseille")
    block.locator(f"input[name='sites-{sites}-insee_code']").fill("13202")
    page.locator("input[name='_save']").click()
    refusal = page.locator("#sites-group .errorlist")
    expect(refusal.first).to_contain_text("Ce client est clôturé\u00a0: aucun site")
    screenshot(page, "backoffice-closed-customer-site-refused.png")
    page.set_viewport_size({"width": 390, "height": 844})
    refusal.first.scroll_into_view_if_needed()
    screenshot(page, "backoffice-closed-customer-site-refused-390.png")
    assert Site.objects.filter(client=customer).count() == sites
