"""Audit of what users see of usage (helper D): the consumption and tariff pages in a real
Chromium, in French and in English, on a desktop (1280 px) and a phone (390 px); the back
office's import report. Each test names the rule it proves.

Driven against live_server with the `make run` demo data where a signed-in customer is needed
(its month of rated calls); the Django test client where the browser adds nothing."""

import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse
from playwright.sync_api import expect

from accounts.choices import Role
from tests.e2e.pages import screenshot, sign_in
from tests.usage.money_helpers import call
from usage.services.retention import retention_purge
from usage.services.rollup import rollup_refresh

ADMIN_EMAIL = "admin@martin-avocats.example"
INVALID_CURSOR = "Curseur non valide\u00a0: utilisez le lien suivant ou précédent d'une page."
PHONE = {"width": 390, "height": 844}


def _context(browser, width, height=900):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
    context.set_default_timeout(10_000)
    return context


def _to_english(page):
    page.locator("form.lang-switch button[value='en']").click()
    page.wait_for_load_state("load")
    expect(page.locator("html")).to_have_attribute("lang", "en")


# Surfaces (docs/rules.md §4, "a chart by day"): on a phone the chart shrinks to the screen's
# width (624 viewBox units in ~330 px: × 0.53) and its day numbers, 9 units high, were drawn
# ~4.8 px high — unreadable. They must stay at least 8 px high on a 390 px phone, below the
# axis (not over the bars), and the page must not scroll sideways.
def test_phone_chart_day_numbers_are_readable(browser, live_server, demo_data):
    context = _context(browser, PHONE["width"], PHONE["height"])
    page = context.new_page()
    sign_in(page, live_server, ADMIN_EMAIL)
    page.goto(f"{live_server.url}/usage/")
    chart = page.get_by_test_id("chart")
    expect(chart).to_be_visible()
    axis = chart.locator("line.axis").bounding_box()
    # the scale (the highest bar's value, over the chart's top line): readable, not cut off
    scale, frame = chart.get_by_test_id("chart-top").bounding_box(), chart.bounding_box()
    assert scale["height"] >= 8 and scale["y"] >= frame["y"], (scale, frame)
    labels = chart.locator("text:not([data-testid='chart-top'])")
    assert labels.count() >= 6  # days 1, 5, 10, 15, 20, 25 (and 30)
    for index in range(labels.count()):
        box = labels.nth(index).bounding_box()
        assert box["height"] >= 8, (labels.nth(index).text_content(), box)
        assert box["y"] >= axis["y"], box  # under the axis, never over the bars
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "audit_consumption_phone.png")
    context.close()


# Surfaces (PLATFORM 24, "the tariffs in force, visible to the customer"), in English: the
# destinations were the grid's French names ("Allemagne fixe", "France surtaxé", "Reste
# du monde (zone 1)") under English headings. In English they are named in English (the
# country in English, the kind of number as the portal names it); in French the grid's own
# names stay.
def test_english_tariffs_page_names_destinations_in_english(browser, live_server, demo_data):
    context = _context(browser, 1280)
    page = context.new_page()
    sign_in(page, live_server, ADMIN_EMAIL)
    page.goto(f"{live_server.url}/usage/tariffs/")
    french = page.get_by_test_id("tariffs")
    expect(french.first).to_contain_text("France fixe")
    expect(page.locator("main")).to_contain_text("Allemagne fixe")
    # USE-3, USE-4 (AMABOO 2: the 41 destinations « sur la liste accessible sur le site »): the
    # demo customer's HOSTED-A and SIP-UNL plans list what they include
    included = page.get_by_test_id("included-destinations")
    expect(included).to_contain_text("Destinations incluses dans votre forfait")
    expect(included).to_contain_text("Belgique Fixe")
    expect(included.get_by_test_id("included-list")).to_have_count(2)
    included.scroll_into_view_if_needed()
    screenshot(page, "tariffs_included_fr.png")
    _to_english(page)
    page.goto(f"{live_server.url}/usage/tariffs/")
    names = page.locator("[data-testid='tariffs'] tbody tr td:first-child").all_text_contents()
    assert len(names) > 40
    assert "Germany — Fixed" in names and "France — Mobile" in names
    assert "France — Premium rate" in names
    assert "Satellite networks (+870)" in names  # a destination priced by its prefix (SPEC §9)
    french_words = re.compile(r"\b(fixe|Allemagne|Reste du monde|surtaxé|numéro|Réseaux)\b")
    assert [name for name in names if french_words.search(name)] == []
    screenshot(page, "audit_tariffs_en.png")
    context.close()


# Surfaces + retention (PLATFORM 6.7, docs/rules.md §4: traffic data are kept 12 months to
# the day; the roll-up goes with the calls). On 4 December 2026 the oldest month offered is
# December 2025, whose calls up to 4 December 2025 are purged: a call of 2 December (0.5000 €)
# is gone, the one of 20 December (0.2500 €) stays. The page showed "Total du mois 0,25 €" as
# if it were the whole month (its invoice said 0,75 €); it must say that the calls before
# 5 December 2025 are no longer kept. The month after it, whole, says nothing.
@pytest.mark.django_db
@time_machine.travel(datetime(2026, 12, 4, 11, tzinfo=UTC), tick=False)
def test_oldest_month_says_its_first_days_are_purged(as_role, tenant):
    december = date(2025, 12, 1)
    call(tenant.client, started_at=datetime(2025, 12, 2, 10, tzinfo=UTC), cost="0.5000")
    call(tenant.client, started_at=datetime(2025, 12, 20, 10, tzinfo=UTC), cost="0.2500")
    rollup_refresh([(tenant.client.pk, december)])
    retention_purge(date(2026, 12, 4))
    web = as_role(Role.READ_ONLY)
    page = web.get(reverse("usage:consumption"), {"month": "2025-12"}).content.decode()
    assert 'data-testid="month-total">0,25\u00a0€' in page  # 0.2500 → 0,25 €: the day kept only
    assert 'data-testid="purged-notice"' in page
    notice = page[page.index('data-testid="purged-notice"') :].split("</div>")[0]
    assert "5 décembre 2025" in notice
    january = web.get(reverse("usage:consumption"), {"month": "2026-01"}).content.decode()
    assert 'data-testid="purged-notice"' not in january


# Back office (docs/rules.md §4: "each import keeps ... its rejected rows"): the report of an
# import's rejected rows has three columns — the line number, the reason, the row as sent —
# whose French headers read "Ligne | Motif | Ligne": the first and the third are the same word
# (msgid "Line" and msgid "Row" were both "Ligne"): now "Ligne | Motif | Ligne reçue".
@pytest.mark.django_db
def test_import_report_columns_have_distinct_french_headers(client):
    from tests.factories import sign_in_staff
    from tests.usage.core_helpers import HEADER, seed
    from usage.choices import ImportSource
    from usage.services import imports

    seed()
    sign_in_staff(client)
    content = f"{HEADER}\nc1,nobody,2026-10-02T09:00:00Z,yes,60,+33100000000,0612345678,outbound,\n"
    batch = imports.import_create(
        source=ImportSource.UPLOAD, filename="rejets.csv", content=content.encode(), run=False
    )
    imports.import_run(batch.pk)
    page = client.get(
        reverse("admin:usage_importbatch_change", args=[batch.pk]), HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    report = page[page.index("<th>Motif</th>") - 200 :]
    headers = re.findall(r"<th>([^<]*)</th>", report)[:3]
    assert headers[1] == "Motif" and len(set(headers)) == 3, headers


# Surfaces (docs/rules.md §4: "A cursor is only what a page's next or previous link carries
# (anything else: 400 on cursor)"): a cursor that decodes to words DRF never writes —
# "page=2", a partner guessing page numbers, or "x=1" — was read as no cursor at all and
# answered 200 with the first page again (a client looping on it re-reads page 1 for ever). It
# is a 400 on ``cursor`` with the clear message; a real next link still works.
@pytest.mark.django_db
def test_api_cursor_of_unknown_words_is_a_400(api, tenant):
    from base64 import b64encode

    from tests.usage.test_surfaces import this_month_calls

    this_month_calls(tenant.client, 3, cost="0.0100")
    url = reverse("api:call-list")
    for words in ("page=2", "x=1", "o=1&page=2"):
        response = api.get(url, {"cursor": b64encode(words.encode()).decode()})
        assert response.status_code == 400, (words, response.content)
        assert response.json()["error"]["fields"] == {"cursor": [INVALID_CURSOR]}
    first = api.get(url, {"page_size": 2}).json()
    second = api.get(first["next"])
    assert second.status_code == 200 and len(second.json()["results"]) == 1
    previous = api.get(second.json()["previous"])
    assert previous.status_code == 200 and len(previous.json()["results"]) == 2


# Surfaces, the threshold form (accessibility basics): Django points the amount field's
# aria-describedby at "id_amount_helptext" (and "id_amount_error" once refused), but the page
# gave neither element that id — a screen reader announced the field without its help ("Leave
# empty to remove the alerts") nor, after 0,50 € was refused, the reason (at least 1 €). Both
# are the field's accessible description.
def test_threshold_field_describes_its_help_and_its_error(page, live_server, demo_data):
    sign_in(page, live_server, ADMIN_EMAIL)
    page.goto(f"{live_server.url}/usage/")
    form = page.get_by_test_id("threshold-form")
    amount = form.get_by_label("Seuil mensuel (€ HT)")
    expect(amount).to_have_accessible_description("Laissez vide pour supprimer les alertes.")
    amount.fill("0,50")
    form.get_by_role("button").click()
    expect(page.get_by_test_id("threshold-error")).to_be_visible()
    amount = page.get_by_test_id("threshold-form").get_by_label("Seuil mensuel (€ HT)")
    expect(amount).to_have_attribute("aria-invalid", "true")
    described = (
        r"^Laissez vide pour supprimer les alertes\. Le seuil est d'au moins 1\s€ par mois\.$"
    )
    expect(amount).to_have_accessible_description(re.compile(described))
