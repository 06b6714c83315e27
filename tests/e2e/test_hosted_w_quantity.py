"""CON-2 + HOSTED-W 9: a HOSTED-W customer's admin adds a user from the portal; the form's
help and the confirmation say the added user is billed from the 1st of the next month (the
month of an order is free), with its setup fee, never « pro rata »."""

from playwright.sync_api import expect

from offers.models import Contract
from tests.e2e.pages import screenshot, sign_in

ADMIN_EMAIL = "admin@clinique-alpes.example"


def test_hosted_w_admin_adds_a_user(page, live_server, demo_data):
    contract = Contract.objects.get(
        client__siren="834567893", offer__code="hosted-w", status="active"
    )
    line = contract.lines.get(product__code="hosted-w-user")
    sign_in(page, live_server, ADMIN_EMAIL)
    page.goto(f"{live_server.url}/contracts/{contract.pk}/lines/{line.pk}/quantity/")
    form = page.locator("[data-testid='quantity-form']")
    expect(form).to_contain_text("facturées en entier à partir du 1er du mois suivant")
    expect(form).not_to_contain_text("prorata")
    form.locator("input[name='quantity']").fill(str(line.quantity + 1))
    page.locator("button[name='action'][value='quote']").click()
    expect(page.locator("[data-testid='quote']")).to_be_visible()
    screenshot(page, "hosted_w_quantity_quote.png")
    page.locator("button[name='action'][value='confirm']").click()
    expect(page).to_have_url(f"{live_server.url}/contracts/{contract.pk}/")
    expect(page.locator("body")).to_contain_text("les unités ajoutées sont facturées à partir du")
    expect(page.locator("body")).not_to_contain_text("pour le reste du mois")
    screenshot(page, "hosted_w_quantity_done.png")
