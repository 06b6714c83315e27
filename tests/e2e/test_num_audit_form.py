"""NUM-3 in a real browser: the port-in form names every error at once — a line whose number
cannot be read shows its RIO's error too, next to the missing holder and contract.
Screenshot ``numbers/port-every-error.png``."""

from playwright.sync_api import expect

from tests.e2e.pages import screenshot, sign_in

ADMIN_EMAIL = "admin@clinique-alpes.example"


def test_port_form_shows_every_error_at_once(page, live_server, demo_data):
    sign_in(page, live_server, ADMIN_EMAIL)
    page.goto(f"{live_server.url}/numbers/ports/new/")
    form = page.locator("[data-testid='port-form']")
    form.locator("input[name='lines-0-number']").fill("01 72")
    form.locator("input[name='lines-0-rio']").fill("12345")
    form.locator("[data-testid='save-draft']").click()
    line = page.locator("tr[data-line='1'] [data-testid='line-error']")
    expect(line).to_have_count(2)  # the number's and the RIO's
    expect(page.locator("tr[data-line='1'] td").nth(2)).to_contain_text("12 caractères")
    expect(page.locator("[data-testid='error-holder_name']")).to_be_visible()
    expect(page.locator("[data-testid='error-contract']")).to_be_visible()
    screenshot(page, "numbers/port-every-error.png")
