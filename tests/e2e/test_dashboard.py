"""ACC-2: a customer's user signs in to the portal, sees the dashboard of their company, switches
the language; a read-only user cannot invite; a wrong password is refused.

Driven in a real Chromium against live_server, with the `make run` demo data (load_demo).
"""

import re

from allauth.account.adapter import DefaultAccountAdapter
from playwright.sync_api import expect

from accounts.demo import DEMO_PASSWORD
from tests.e2e.pages import screenshot, sign_in, translated

ADMIN_EMAIL = "admin@martin-avocats.example"
READ_ONLY_EMAIL = "lecture@martin-avocats.example"
COMPANY = "Cabinet Martin Avocats"


def switch_language(page, code):
    page.locator(f".lang-switch button[name='language'][value='{code}']").click()
    expect(page.locator("html")).to_have_attribute("lang", code)


# ACC-2: sign in through the real form, land on the dashboard, switch FR → EN → FR.
def test_admin_signs_in_sees_dashboard_and_switches_language(page, live_server, demo_data):
    sign_in(page, live_server, ADMIN_EMAIL, DEMO_PASSWORD)

    expect(page).to_have_url(f"{live_server.url}/")
    html = page.locator("html")
    nav_dashboard = page.locator("nav.mainnav a[aria-current='page']")
    heading = page.locator("h1")

    # French first: the default language, and the browser asks for fr-FR.
    expect(html).to_have_attribute("lang", "fr")
    expect(page).to_have_title(re.compile(r"^Tableau de bord · "))
    expect(heading).to_contain_text(COMPANY)
    expect(nav_dashboard).to_have_text("Tableau de bord")
    expect(page.locator(".whoami")).to_have_text(ADMIN_EMAIL)
    expect(page.locator(".lang-switch button.active")).to_have_text("FR")

    switch_language(page, "en")
    expect(page).to_have_url(f"{live_server.url}/")
    expect(html).to_have_attribute("lang", "en")
    expect(page).to_have_title(re.compile(r"^Dashboard · "))
    expect(heading).to_contain_text(COMPANY)
    expect(nav_dashboard).to_have_text("Dashboard")
    expect(page.locator(".lang-switch button.active")).to_have_text("EN")

    # The screenshot of the README is taken in French, the product's first language.
    switch_language(page, "fr")
    expect(html).to_have_attribute("lang", "fr")
    expect(page).to_have_title(re.compile(r"^Tableau de bord · "))
    expect(nav_dashboard).to_have_text("Tableau de bord")
    expect(heading).to_contain_text(COMPANY)
    expect(page.locator(".lang-switch button.active")).to_have_text("FR")

    screenshot(page, "dashboard.png")


# ACC-2: a read-only member sees the users of the company but cannot invite anyone.
def test_read_only_user_has_no_invitation_form(page, live_server, demo_data):
    sign_in(page, live_server, READ_ONLY_EMAIL, DEMO_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/company/users/")
    expect(page.locator("table.table")).to_contain_text(ADMIN_EMAIL)
    expect(page.locator("table.table")).to_contain_text(READ_ONLY_EMAIL)
    expect(page.locator("input[name='email']")).to_have_count(0)
    expect(page.locator("main form[method='post']")).to_have_count(0)
    expect(page.locator("main select[name='role']")).to_have_count(0)


# ACC-2: a wrong password shows allauth's error and stays on the login page.
def test_wrong_password_is_refused(page, live_server, demo_data):
    sign_in(page, live_server, ADMIN_EMAIL, "not-the-password", expect_home=False)

    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    message = DefaultAccountAdapter.error_messages["email_password_mismatch"]
    expect(page.locator("main")).to_contain_text(translated(message, "fr"))
    expect(page.locator("input[name='password']")).to_be_visible()
    expect(page.locator(".whoami")).to_have_count(0)
