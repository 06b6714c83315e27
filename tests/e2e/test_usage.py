"""The consumption page in a real browser (issue 15): the demo law firm's administrator sees the
month to date with its chart by day and the fair-use counters of its SIP-UNL accounts
("numéros distincts : n / 99"), last month with its 37 distinct numbers, downloads the month's
calls as CSV, and sets an alert threshold. Screenshots under ``usage/``.

Driven in Chromium against live_server with the `make run` demo data (load_demo imports a month
of calls through the CDR import, so they are rated)."""

import csv
import io

from playwright.sync_api import expect

from accounts.models import Client
from kernel.clock import paris_today
from offers.periods import add_months
from tests.e2e.pages import screenshot, sign_in
from usage import selectors
from usage.demo import DEMO_SIREN

ADMIN_EMAIL = "admin@martin-avocats.example"


def test_consumption_page_chart_fair_use_and_csv(page, live_server, demo_data):
    client = Client.objects.get(siren=DEMO_SIREN)
    month = paris_today().replace(day=1)
    calls = selectors.calls_of(client=client, month=month).count()
    assert calls > 0  # the demo holds this month's calls

    sign_in(page, live_server, ADMIN_EMAIL)
    card = page.locator("article", has_text="Consommation du mois")
    expect(card.get_by_test_id("consumption-total")).to_be_visible()
    screenshot(page, "usage/dashboard.png")
    assert page.locator("nav.mainnav a[href='/usage/']").count() == 1  # the menu entry
    card.get_by_role("link", name="Voir la consommation").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Consommation")
    expect(page.get_by_test_id("chart")).to_be_visible()
    assert page.get_by_test_id("chart-bar").count() >= 1
    fair = page.get_by_test_id("fair-use").first
    expect(fair).to_contain_text("numéros distincts\u00a0:")
    expect(fair).to_contain_text("/ 99")
    expect(page.get_by_test_id("call-count")).to_have_text(str(calls))
    screenshot(page, "usage/consumption.png")

    # The CSV of the month: one line per call, after the header.
    with page.expect_download() as info:
        page.get_by_test_id("csv-link").click()
    body = open(info.value.path(), encoding="utf-8-sig").read()
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert rows[0][:3] == ["Identifiant d'appel", "Début (heure de Paris)", "Compte"]
    assert len(rows) - 1 == calls

    # Last month: a full month of bars, the first account's 37 distinct numbers.
    previous = add_months(month, -1)
    page.goto(f"{live_server.url}/usage/?month={previous:%Y-%m}")
    expect(page.get_by_test_id("fair-use").filter(has_text="37 / 99")).to_have_count(1)
    assert page.get_by_test_id("chart-bar").count() >= 15
    screenshot(page, "usage/consumption-previous-month.png")
    # The chart's figures as a table, folded until asked for: one row a day with calls.
    figures = page.get_by_test_id("chart-figures")
    expect(figures.locator("table")).to_be_hidden()
    figures.get_by_text("Les chiffres du graphique, jour par jour").click()
    expect(figures.locator("tbody tr").first).to_be_visible()
    assert figures.locator("tbody tr").count() >= page.get_by_test_id("chart-bar").count()
    figures.scroll_into_view_if_needed()
    screenshot(page, "usage/consumption-figures.png")

    # The alert threshold (administrator): 50 € with the block at 100 %.
    form = page.get_by_test_id("threshold-form")
    # 0,50 € is refused: the reason under the field, what was typed still there
    form.locator("input[name='amount']").fill("0,50")
    form.get_by_role("button").click()
    expect(page.get_by_test_id("threshold-error")).to_have_text(
        "Le seuil est d'au moins 1\u00a0€ par mois."
    )
    expect(form.locator("input[name='amount']")).to_have_value("0,50")
    screenshot(page, "usage/threshold-refused.png")
    form.locator("input[name='amount']").fill("50")
    form.locator("input[name='block_outgoing']").check()
    form.get_by_role("button").click()
    expect(page.get_by_test_id("threshold-card")).to_contain_text("50,00")
    screenshot(page, "usage/threshold.png")
