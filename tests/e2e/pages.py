"""What every browser test does the same way: sign in, take a screenshot, and compute the
texts a page shows (in the language the server renders, from the same catalogues)."""

import os
import re
from pathlib import Path

from django.conf import settings
from django.utils import translation
from django.utils.formats import date_format, number_format
from playwright.sync_api import expect

from accounts.demo import DEMO_PASSWORD

# Tests write their screenshots under var/ (untracked); `make screenshots` sets
# SCREENSHOT_DIR=docs/screenshots to refresh the README's pictures on purpose.
SCREENSHOTS = Path(
    os.environ.get("SCREENSHOT_DIR") or Path(settings.BASE_DIR) / "var" / "screenshots"
)


def sign_in(page, live_server, email, password=DEMO_PASSWORD, *, expect_home=True):
    page.goto(f"{live_server.url}/accounts/login/")
    form = page.locator("form:has(input[name='login'])")
    form.locator("input[name='login']").fill(email)
    form.locator("input[name='password']").fill(password)
    form.locator("button[type='submit']").click()
    if expect_home:
        expect(page).to_have_url(f"{live_server.url}/")
    else:
        page.wait_for_load_state("load")


def screenshot(page, name):
    path = SCREENSHOTS / name
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    return path


def translated(message, language="fr"):
    """A lazy message as the server renders it in ``language`` (same process, same catalogue)."""
    with translation.override(language):
        return str(message)


def french_date(day):
    with translation.override("fr"):
        return date_format(day, "DATE_FORMAT")


def french_money(amount):
    with translation.override("fr"):
        return f"{number_format(amount, 2, force_grouping=True)} €"


def open_first_availability_report(page, live_server):
    """The customer's first contract with availability reports, as its list links it (the
    references depend on the order the suite created contracts in)."""
    page.goto(f"{live_server.url}/support/availability/")
    page.locator("[data-testid='availability-row'] a[href^='/support/availability/']").first.click()
    expect(page).to_have_url(re.compile(r"/support/availability/\d+/$"))
