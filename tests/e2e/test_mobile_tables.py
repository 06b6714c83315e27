"""Phones (issue 17): the tables whose amounts hid past a 390 px screen's edge, under the fading
cue, now stack each row's cells (``.table-stack``, as the invoices): each cell on its own line,
named by its column (data-label), the amount on the screen without scrolling. Screenshots
``mobile-*.png``; the desktop keeps its columns."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.crawl import blocking_violations
from tests.e2e.pages import open_first_availability_report, screenshot, sign_in

PHONE = {"width": 390, "height": 844}
ADMIN_EMAIL = "admin@martin-avocats.example"
MONEY = re.compile(r"\d,\d\d\u00a0€")


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, locale="fr-FR", device_scale_factor=1)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def assert_on_screen(cell):
    cell.scroll_into_view_if_needed()
    box = cell.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box


def assert_named(cell, label):
    assert cell.evaluate("td => getComputedStyle(td, '::before').content") == f'"{label}"'


def assert_table_fits(page, table):
    assert table.evaluate(
        "t => t.closest('.table-scroll').scrollWidth <= t.closest('.table-scroll').clientWidth"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def assert_rows_show(page, rows, cell_id, label, pattern=MONEY):
    expect(rows.first).to_be_visible()
    for row in rows.all():
        cell = row.get_by_test_id(cell_id)
        assert_on_screen(cell)
        assert pattern.search(cell.inner_text()), cell.inner_text()
    assert_named(rows.first.get_by_test_id(cell_id), label)
    head = rows.first.locator("td").first
    assert head.evaluate("td => getComputedStyle(td).textAlign") == "left"


# USE-1 — on a 390 px phone the consumption page's « Par destination » and « Par compte » tables
# ran past their cards: « Montant » (the fourth column) began past the screen's edge, under the
# fading cue. Each destination and each account now stacks its cells, « Montant » and the
# amount on the screen (« Mobile, France … Montant 5,05 € » in the demo).
def test_phone_shows_the_amount_of_each_destination_and_account(phone, live_server, demo_data):
    sign_in(phone, live_server, ADMIN_EMAIL)
    phone.goto(f"{live_server.url}/usage/")
    for table_id, row_id, amount_id in (
        ("by-class", "class-row", "class-amount"),
        ("by-account", "account-row", "account-amount"),
    ):
        table = phone.get_by_test_id(table_id)
        rows = table.get_by_test_id(row_id)
        expect(rows.first).to_be_visible()
        for row in rows.all():
            amount = row.get_by_test_id(amount_id)
            assert_on_screen(amount)
            assert MONEY.search(amount.inner_text()), amount.inner_text()
        assert_named(rows.first.get_by_test_id(amount_id), "Montant")
        head = rows.first.locator("td").first
        assert head.evaluate("td => getComputedStyle(td).textAlign") == "left"
        assert_table_fits(phone, table)
    assert blocking_violations(phone) == []
    screenshot(phone, "mobile-usage-tables.png")


# CON-2 — on a 390 px phone a contract's lines ran past the card: « Total mensuel » (the fourth
# column, 250,00 € for the demo's HOSTED-A « Téléphonie hébergée par site ») was past the
# screen's edge, under the fading cue. Each line now stacks its cells; the footer's « Abonnement
# mensuel (HT) » and its amount fit too.
def test_phone_shows_the_monthly_total_of_each_contract_line(phone, live_server, demo_data):
    from offers.models import Contract

    contract = Contract.objects.get(client__siren="812345676", offer__code="hosted-a")
    sign_in(phone, live_server, ADMIN_EMAIL)
    phone.goto(f"{live_server.url}/contracts/{contract.pk}/")
    rows = phone.get_by_test_id("contract-line")
    assert_rows_show(phone, rows, "line-monthly-total", "Total mensuel")
    fees = phone.get_by_test_id("monthly-fees")
    assert_on_screen(fees)
    assert MONEY.search(fees.inner_text())
    assert_table_fits(phone, phone.get_by_test_id("contract-lines"))
    assert blocking_violations(phone) == []
    screenshot(phone, "mobile-contract-lines.png")


# USE-8 — on a 390 px phone the prepaid account's movements showed the date, the kind and the
# description; « Montant » and « Solde après opération » were past the screen's edge, under the
# fading cue. Each movement now stacks its cells under its date: both amounts on the screen.
def test_phone_shows_the_amount_of_each_prepaid_movement(phone, live_server, demo_data):
    sign_in(phone, live_server, "admin@durand.example")
    phone.goto(f"{live_server.url}/payments/prepaid/")
    rows = phone.get_by_test_id("prepaid-entry")
    assert_rows_show(phone, rows, "prepaid-amount", "Montant")
    assert_rows_show(phone, rows, "prepaid-balance-after", "Solde après opération")
    assert_table_fits(phone, phone.get_by_test_id("prepaid-entries"))
    assert blocking_violations(phone) == []
    screenshot(phone, "mobile-prepaid-movements.png")


# TRK-1 — on a 390 px phone the telephony page's trunk table showed the trunk, its site and its
# status; « Canaux » and « Prix mensuel (HT) » (34,00 € for the demo's 2 × 4-channel packs) were
# past the screen's edge, under the fading cue. Each trunk (and each SIP account) now stacks.
def test_phone_shows_the_channels_and_price_of_each_trunk(phone, live_server, demo_data):
    sign_in(phone, live_server, ADMIN_EMAIL)
    phone.goto(f"{live_server.url}/telephony/")
    rows = phone.get_by_test_id("trunk-row")
    assert_rows_show(phone, rows, "trunk-capacity", "Canaux", re.compile(r"^\d+$"))
    assert_rows_show(phone, rows, "trunk-monthly-price", "Prix mensuel (HT)")
    expect(rows.first.get_by_test_id("trunk-monthly-price")).to_have_text("34,00\u00a0€")
    assert_table_fits(phone, phone.get_by_test_id("trunk-table"))
    sip = phone.get_by_test_id("sip-row")
    assert_rows_show(phone, sip, "device-count", "Terminaux", re.compile(r"^\d+$"))
    assert_table_fits(phone, phone.get_by_test_id("sip-table"))
    assert blocking_violations(phone) == []
    screenshot(phone, "mobile-telephony.png")


# SLA-1 — on a 390 px phone the ticket list showed the number, the subject and the type; the
# status, the deadlines and the last update (from 600 px on) were past the screen's edge,
# under the fading cue. Each ticket now stacks its cells: « Statut  Nouveau » on the screen.
def test_phone_shows_the_status_and_dates_of_each_ticket(phone, live_server, demo_data):
    sign_in(phone, live_server, ADMIN_EMAIL)
    phone.goto(f"{live_server.url}/support/")
    rows = phone.get_by_test_id("ticket-row")
    assert_rows_show(phone, rows, "ticket-status-cell", "Statut", re.compile(r"\w"))
    day_time = re.compile(r"\d\d/\d\d/\d{4} \d\d:\d\d")
    assert_rows_show(phone, rows, "ticket-updated", "Dernière mise à jour", day_time)
    for row in rows.all():
        assert_on_screen(row.get_by_test_id("ticket-deadline"))
    assert_table_fits(phone, phone.get_by_test_id("ticket-table"))
    assert blocking_violations(phone) == []
    screenshot(phone, "mobile-tickets.png")


# SLA-6 — the availability chart's bars were labelled « 100,000 », « 90,321 »: no unit, where the
# axis and the table say « 99,850 % ». Each bar's value now ends with « % » after a no-break space.
def test_availability_chart_bars_read_as_percentages(phone, live_server, demo_data):
    sign_in(phone, live_server, ADMIN_EMAIL)
    open_first_availability_report(phone, live_server)
    labels = phone.locator("svg text.sup-value:not(.none)")
    expect(labels.first).to_be_visible()
    texts = labels.all_text_contents()
    assert texts and all(re.fullmatch(r"\d{1,3},\d{3}\u00a0%", t) for t in texts), texts
    screenshot(phone, "mobile-availability-chart.png")


# BIL-1 — the invoice list's PDF links all read « Télécharger », with nothing to tell a screen
# reader's list of links which document each one downloads. Each now names its document.
def test_invoice_pdf_links_name_their_document(phone, live_server, demo_data):
    sign_in(phone, live_server, "compta@martin-avocats.example")
    phone.goto(f"{live_server.url}/invoices/")
    rows = phone.get_by_test_id("invoice-row")
    expect(rows.first).to_be_visible()
    for row in rows.all():
        number = row.locator("td").first.inner_text().strip()
        document = "l'avoir" if number.startswith("A") else "la facture"
        link = row.get_by_role("link", name=f"Télécharger {document} {number}", exact=True)
        expect(link).to_have_text("Télécharger")
        assert_on_screen(link)


def cells_without_their_label(table):
    """The visible cells of ``table`` that do not show their column's heading (data-label) before
    their content, and how many were checked. The row's head (.stack-head: the reference, the
    name) titles the card; a cell under a heading hidden to the eye (a button's column) and a
    cell across columns (a note) have no label to show."""
    return table.evaluate(
        """t => {
      const norm = s => s.replace(/\\s+/g, " ").trim();
      const heads = [...t.tHead.rows[0].cells].map(th => ({
        text: norm(th.textContent), hidden: !!th.querySelector(".sr-only, .visually-hidden")}));
      const missing = []; let checked = 0;
      for (const body of t.tBodies) for (const row of body.rows) {
        let col = 0;
        for (const cell of row.cells) {
          const head = heads[col]; col += cell.colSpan;
          if (cell.tagName !== "TD" || cell.colSpan > 1 || head.hidden) continue;
          if (cell.classList.contains("stack-head")) continue;
          if (getComputedStyle(cell).display === "none") continue;
          checked += 1;
          const label = getComputedStyle(cell, "::before").content;
          if (label !== JSON.stringify(head.text)) {
            missing.push(`row ${row.rowIndex}, ${head.text}: ${label}`);
          }
        }
      }
      return {missing, checked};
    }"""
    )


def cells_cut_or_off_screen(table):
    """The cells of ``table`` whose content is cut (wider than the cell) or that end past the
    screen's right edge."""
    return table.evaluate(
        """t => [...t.querySelectorAll("tbody td, tbody th")].filter(c => {
      if (getComputedStyle(c).display === "none") return false;
      const box = c.getBoundingClientRect();
      return c.scrollWidth > c.clientWidth + 1 || box.left < -1
        || box.right > document.documentElement.clientWidth + 1;
    }).map(c => c.textContent.trim().slice(0, 40))"""
    )


def open_first_trunk(page, live_server):
    from telephony.models import Trunk

    trunk = Trunk.objects.filter(contract__client__siren="812345676").order_by("pk").first()
    page.goto(f"{live_server.url}/telephony/trunks/{trunk.pk}/")


def open_first_sip_account(page, live_server):
    page.goto(f"{live_server.url}/telephony/")
    page.locator("[data-testid='sip-row'] a[href^='/telephony/sip/']").first.click()
    page.wait_for_url(re.compile(r"/telephony/sip/\d+/$"))


CLINIC_EMAIL = "admin@clinique-alpes.example"
FITS_ITS_BOX = "t => (b => b.scrollWidth <= b.clientWidth)(t.closest('.table-scroll'))"
# Phones (issue 17) — tables that still scrolled sideways on a 390 px phone, in a box past whose
# right edge their last columns hid under the fading cue (widths measured on the demo). Each row
# now stacks its cells under its head (the reference, the name), each cell named by its column,
# from 800 px down: on a 320 px phone and at 640 px (a 1280 px screen zoomed to 200 %) too.
STACKED_PAGES = {
    # 710 px: the period, the renewal and « Abonnement mensuel (HT) » unseen
    "contracts": (ADMIN_EMAIL, "/contracts/", ["contract-table"]),
    # 645 px: the state and the warranty unseen
    "equipment": (ADMIN_EMAIL, "/equipment/", ["item-table"]),
    # 701 px: the status and « Remplacement attendu avant le » unseen
    "equipment-rma": (CLINIC_EMAIL, "/equipment/rma/", ["rma-table"]),
    # 644 px: the status and the outcome unseen
    "disputes": (ADMIN_EMAIL, "/payments/disputes/", ["dispute-table"]),
    # 660 px: both prices unseen
    "number-search": (ADMIN_EMAIL, "/numbers/search/", ["result-table"]),
    # 625 px: the assignment date and « Libérer » unseen
    "numbers": (CLINIC_EMAIL, "/numbers/", ["number-table"]),
    # 509 px: the actions unseen
    "company-users": (ADMIN_EMAIL, "/company/users/", ["user-table"]),
    # 363 px: « Modifier » cut
    "company-sites": (ADMIN_EMAIL, "/company/sites/", ["site-table"]),
    # 474 px: « Minimum » unseen; the announced changes, 631 px: the new price cut
    "tariffs": (ADMIN_EMAIL, "/usage/tariffs/", ["tariff-changes-table", "tariffs"]),
    # 724 px: last month and the credit unseen; the outages, 582 px: « Exonérée » unseen
    "availability": (ADMIN_EMAIL, "/support/availability/", ["availability-table", "outage-table"]),
    # 817 px: the credit and its status unseen
    "availability-reports": (ADMIN_EMAIL, open_first_availability_report, ["report-table"]),
    # 335 px: the « Bloquer » buttons cut; at 320 px the packs' « Mensuel » column too
    "trunk-destinations": (ADMIN_EMAIL, open_first_trunk, ["destination-table", "packs"]),
    "sip-destinations": (ADMIN_EMAIL, open_first_sip_account, ["destination-table"]),
}


# One test per person (the demo's admin, the clinic's), each page of theirs in turn: a sign-in
# and a copy of the demo a person, not a page.
@pytest.mark.parametrize("email", [ADMIN_EMAIL, CLINIC_EMAIL], ids=["admin", "clinic"])
def test_phone_stacks_the_rows_of_every_table(phone, live_server, demo_data, email):
    sign_in(phone, live_server, email)
    pages = [name for name, (owner, _path, _ids) in STACKED_PAGES.items() if owner == email]
    assert pages
    for name in pages:
        _check_stacked(phone, live_server, name)


def _check_stacked(phone, live_server, name):
    _email, path, table_ids = STACKED_PAGES[name]
    phone.set_viewport_size(PHONE)
    if callable(path):
        path(phone, live_server)
    else:
        phone.goto(f"{live_server.url}{path}")
    # a phone, the narrowest phone, a 1280 px screen zoomed to 200 %
    viewports = {
        "": PHONE,
        "-320": {"width": 320, "height": 740},
        "-zoom": {"width": 640, "height": 800},
    }
    for suffix, viewport in viewports.items():
        phone.set_viewport_size(viewport)
        for table_id in table_ids:
            for table in phone.get_by_test_id(table_id).all():
                expect(table.locator("tbody tr").first).to_be_visible()
                labels = cells_without_their_label(table)
                assert labels["checked"] > 0 and labels["missing"] == [], (name, labels)
                assert cells_cut_or_off_screen(table) == [], name
                assert table.evaluate(FITS_ITS_BOX), (
                    f"{name}: {table_id} scrolls at {viewport['width']} px"
                )
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"{name} is {width} px wide at {viewport['width']} px"
        screenshot(phone, f"mobile-stacked-{name}{suffix}.png")
    assert blocking_violations(phone) == [], name

    # The desktop keeps its columns: the headings show, no cell repeats its heading.
    phone.set_viewport_size({"width": 1280, "height": 800})
    for table_id in table_ids:
        table = phone.get_by_test_id(table_id).first
        assert table.evaluate("t => getComputedStyle(t).display") == "table", name
        expect(table.locator("thead th").first).to_be_visible()
        labels = cells_without_their_label(table)
        assert len(labels["missing"]) == labels["checked"] > 0, (name, labels)


# Phones (issue 17) — the staff console on a 390 px phone: a queue (672 px, the demo's overdue
# failure notification) hid its deadline, its assignee and « Me l'attribuer » past the screen's
# edge; a customer's 360 its audit trail's objects and authors (576 px). Each item, invoice,
# contract and audit entry now stacks its cells, each named by its column.
def test_phone_stacks_the_console_queue_and_customer(phone, live_server, demo_data):
    from accounts.models import Client
    from console import demo as console_demo
    from tests.e2e.test_console import _sign_in_with_totp

    console_demo.load()
    _sign_in_with_totp(phone, live_server)
    phone.wait_for_load_state("load")
    client = Client.objects.get(siren="812345676")
    pages = {
        "/console/queues/support.tickets/": ["queue-table"],
        f"/console/customers/{client.pk}/": ["latest-invoices", "contracts", "audit"],
    }
    for path, table_ids in pages.items():
        phone.goto(f"{live_server.url}{path}")
        for table_id in table_ids:
            table = phone.get_by_test_id(table_id)
            expect(table.locator("tbody tr").first).to_be_visible()
            labels = cells_without_their_label(table)
            assert labels["checked"] > 0 and labels["missing"] == [], labels
            assert cells_cut_or_off_screen(table) == []
            assert table.evaluate(FITS_ITS_BOX), f"{table_id} scrolls on {path}"
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        name = "queue" if "queues" in path else "customer"
        screenshot(phone, f"mobile-stacked-console-{name}.png")
