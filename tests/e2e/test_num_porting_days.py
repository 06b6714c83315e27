"""NUM-3 in a real browser: a desired porting date on a public holiday is refused on its field,
naming the holiday and the next business day; the field says which days are porting days.
Screenshots ``numbers/port-holiday.png`` (desktop) and ``numbers/port-holiday-390.png``."""

from datetime import date

from playwright.sync_api import expect

from kernel.clock import paris_today
from numbering.porting_days import next_porting_day
from tests.e2e.pages import screenshot, sign_in

ADMIN_EMAIL = "admin@clinique-alpes.example"


def _next_national_day() -> date:
    today = paris_today()
    day = date(today.year, 7, 14)
    return day if day >= today else date(today.year + 1, 7, 14)


def test_port_form_refuses_a_public_holiday_with_the_next_business_day(
    page, live_server, demo_data
):
    holiday = _next_national_day()
    sign_in(page, live_server, ADMIN_EMAIL)
    for width, name in ((1280, "numbers/port-holiday.png"), (390, "numbers/port-holiday-390.png")):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/numbers/ports/new/")
        form = page.locator("[data-testid='port-form']")
        expect(form).to_contain_text(
            "Un jour ouvré\u00a0: du lundi au vendredi, hors jours fériés."
        )
        form.locator("input[name='desired_date']").fill(holiday.isoformat())
        form.locator("[data-testid='save-draft']").click()
        error = page.locator("[data-testid='error-desired_date']")
        expect(error).to_contain_text(f"Le {holiday:%d/%m/%Y} est un jour férié (Fête nationale)")
        expect(error).to_contain_text(f"Le prochain est le {next_porting_day(holiday):%d/%m/%Y}.")
        screenshot(page, name)
