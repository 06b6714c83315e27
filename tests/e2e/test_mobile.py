"""Issue 17, "Sign-in, phones, accessibility" (Done-when 2): the portal on a phone, 390 × 844.

Below 800 px the menu hides behind a menu button (a <details> disclosure: no JavaScript needed);
no page scrolls sideways (tables scroll inside their own box); the dashboard, the invoices, the
support and a trunk are photographed (``mobile-*.png``) and every page of the navigation is
measured. The desktop look is photographed too (``desktop-dashboard.png``, 1280 px).
"""

import re

import pytest
from playwright.sync_api import expect

from telephony.models import Trunk
from tests.e2e.crawl import blocking_violations, walk
from tests.e2e.pages import open_first_availability_report, screenshot, sign_in

PHONE = {"width": 390, "height": 844}
ADMIN_EMAIL = "admin@martin-avocats.example"


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, locale="fr-FR", device_scale_factor=1)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def page_width(page):
    return page.evaluate("document.documentElement.scrollWidth")


def test_phone_pages_do_not_scroll_sideways(phone, live_server, demo_data):
    sign_in(phone, live_server, ADMIN_EMAIL)
    trunk = Trunk.objects.filter(contract__client__siren="812345676").order_by("pk").first()
    pages = {
        "dashboard": "/",
        "invoices": "/invoices/",
        "support": "/support/",
        "trunk": f"/telephony/trunks/{trunk.pk}/",
    }
    for name, path in pages.items():
        phone.goto(f"{live_server.url}{path}")
        assert page_width(phone) <= PHONE["width"], f"{path} is {page_width(phone)} px wide"
        screenshot(phone, f"mobile-{name}.png")

    # The header fits: the sign-out button ends inside the screen (it ended at 416 px).
    sign_out = phone.locator(".topbar a[href='/accounts/logout/']")
    right = sign_out.bounding_box()
    assert right["x"] + right["width"] <= PHONE["width"]

    # Up to 800 px the tables stack their rows (.table-stack); just above, on a small laptop, a
    # table wider than its card scrolls in its box: the invoices (884 px) at 820 px.
    phone.set_viewport_size({"width": 820, "height": 844})
    phone.goto(f"{live_server.url}/invoices/")
    box = phone.locator(".table-scroll").first
    assert box.evaluate("b => b.scrollWidth > b.clientWidth")
    expect(box).to_have_attribute("tabindex", "0")  # the arrow keys scroll it
    # The cue that the table goes on: its hidden edge fades — the right one at first, both once
    # scrolled a little, the left one alone at the end.
    expect(box).to_have_class(re.compile(r"\bscroll-more-right\b"))
    expect(box).not_to_have_class(re.compile(r"\bscroll-more-left\b"))
    assert "linear-gradient" in box.evaluate("b => getComputedStyle(b).maskImage")
    screenshot(phone, "mobile-table-cue.png")
    box.evaluate("b => { b.scrollLeft = 40; }")
    expect(box).to_have_class(re.compile(r"\bscroll-more-left\b"))
    expect(box).to_have_class(re.compile(r"\bscroll-more-right\b"))
    box.evaluate("b => { b.scrollLeft = b.scrollWidth; }")
    expect(box).to_have_class(re.compile(r"\bscroll-more-left\b"))
    expect(box).not_to_have_class(re.compile(r"\bscroll-more-right\b"))


# Phones (issue 17) — on a 390 px phone the contracts, the equipment, the disputes, the numbers,
# the company's users, the tariffs and the availability pages fitted the screen only because
# their tables scrolled sideways in their box, their last columns out of sight; on a 320 px
# screen the dispute form's « Annuler » ended at 336 px. At 390 px, at 320 px and at 640 px (a
# 1280 px screen zoomed to 200 %) no page is wider than the screen, no table scrolls in its box.
# One walk: each page, once loaded, is measured at each width in turn (the layout follows the
# window; the server's page is the same), instead of one walk of every page per width.
WIDTHS = (390, 320, 640)


def test_every_page_fits_a_phone(phone, live_server, demo_data):
    """The navigation, the sub-navigations and one page per pattern one level down (a contract,
    an invoice, a ticket, a trunk, the forms...): none is wider than the screen."""
    sign_in(phone, live_server, ADMIN_EMAIL)
    too_wide, scrolling, visited = {}, {}, []
    for path in walk(phone, live_server):
        visited.append(path)
        for width in WIDTHS:
            phone.set_viewport_size({"width": width, "height": 844})
            if page_width(phone) > width:
                too_wide[f"{path} at {width} px"] = page_width(phone)
            boxes = phone.eval_on_selector_all(
                ".table-scroll",
                "bs => bs.filter(b => b.scrollWidth > b.clientWidth + 1)"
                ".map(b => b.querySelector('table').dataset.testid || b.scrollWidth)",
            )
            if boxes:
                scrolling[f"{path} at {width} px"] = boxes
        phone.set_viewport_size(PHONE)  # the walk goes on as a phone
    assert len(visited) >= 25, visited
    assert too_wide == {}
    assert scrolling == {}


def test_menu_button_opens_the_navigation(phone, live_server, demo_data):
    sign_in(phone, live_server, ADMIN_EMAIL)
    menu_button = phone.locator("summary.navmenu-button")
    invoices = phone.locator("nav.mainnav a[href='/invoices/']")
    expect(menu_button).to_be_visible()
    expect(menu_button).to_have_text(re.compile("Menu"))
    expect(invoices).to_be_hidden()  # the menu is closed on a phone
    screenshot(phone, "mobile-menu-closed.png")

    menu_button.click()
    expect(invoices).to_be_visible()
    expect(phone.locator("nav.mainnav a[href='/support/']")).to_be_visible()
    screenshot(phone, "mobile-menu-open.png")
    invoices.click()
    expect(phone).to_have_url(f"{live_server.url}/invoices/")
    expect(phone.locator("h1")).to_have_text("Factures")
    phone.wait_for_load_state("load")  # layout.js (deferred) has run: its Escape handler is on

    # Escape closes it again (static/js/layout.js).
    menu_button.click()
    expect(invoices).to_be_visible()
    phone.keyboard.press("Escape")
    expect(invoices).to_be_hidden()


def test_desktop_keeps_its_menu_bar(page, live_server, demo_data):
    sign_in(page, live_server, ADMIN_EMAIL)
    expect(page.locator("summary.navmenu-button")).to_be_hidden()
    expect(page.locator("nav.mainnav a[href='/invoices/']")).to_be_visible()
    assert page_width(page) <= 1280
    screenshot(page, "desktop-dashboard.png")


# SLA-6 — on a phone, the sentence above the monthly availability reports (« Disponibilité et
# crédit de chaque mois, du plus récent au plus ancien… Montants HT. ») was the table's caption,
# as wide as the table inside its scrolling box: one line cut at the screen's edge after « du
# plus r », the rest readable only by scrolling the table. Now it wraps within the screen.
def test_availability_reports_intro_fits_a_phone(phone, live_server, demo_data):
    sign_in(phone, live_server, ADMIN_EMAIL)
    open_first_availability_report(phone, live_server)
    intro = phone.get_by_text(re.compile("Disponibilité et crédit de chaque mois"))
    expect(intro).to_contain_text("Montants HT.")
    box = intro.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    screenshot(phone, "mobile-availability-reports.png")


# BIL-8 — on a 390 px phone, the payments page's « Factures non soldées » table was wider than
# its card: « Reste à payer » (the third column, 265 to 395 px) ran past the screen's edge,
# under the fading cue, until the table was scrolled. Each open invoice now stacks its cells
# under their headings: the amount to pay is on the screen, named, without scrolling.
def test_phone_shows_what_is_left_to_pay_without_scrolling(phone, live_server, demo_data):
    sign_in(phone, live_server, "compta@martin-avocats.example")
    phone.goto(f"{live_server.url}/payments/")
    row = phone.get_by_test_id("open-invoice").first
    left = row.get_by_test_id("open-invoice-left")
    expect(left).to_be_visible()
    box = left.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    assert re.search(r"\d,\d\d\u00a0€", left.inner_text()), left.inner_text()
    # the amount is named: « Reste à payer » is read beside it, not only in the header above
    assert left.evaluate("td => getComputedStyle(td, '::before').content") == '"Reste à payer"'
    table = phone.get_by_test_id("open-invoices")
    assert table.evaluate(
        "t => t.closest('.table-scroll').scrollWidth <= t.closest('.table-scroll').clientWidth"
    )
    assert page_width(phone) <= PHONE["width"]
    assert blocking_violations(phone) == []  # the stacked table still reads as one (axe-core)
    screenshot(phone, "mobile-payments.png")


# Phones (issue 17) — a page's tabs (nav.subnav) scrolled sideways in a strip with no cue: on
# /equipment/requests/ (four tabs, 446 px of tabs on a 390 px screen) the current tab
# « Demandes » showed as « Dem » at the screen's edge, on the prepaid customer's
# /payments/prepaid/ « Compte prépayé » as « Comp » (the tabs reached 493 px), and the tabs past
# the edge (« Porter mes numéros ») were not seen at all. The tabs now wrap: every one, the current
# one first, is whole on the screen.
@pytest.mark.parametrize(
    "email, path",
    [
        (ADMIN_EMAIL, "/equipment/requests/"),
        (ADMIN_EMAIL, "/numbers/ports/"),
        ("admin@durand.example", "/payments/prepaid/"),
    ],
)
def test_phone_shows_every_tab_of_a_page(phone, live_server, demo_data, email, path):
    sign_in(phone, live_server, email)
    phone.goto(f"{live_server.url}{path}")
    tabs = phone.locator("nav.subnav a")
    assert tabs.count() >= 3
    outside = [
        (tab.inner_text(), round(box["x"]), round(box["x"] + box["width"]))
        for tab in tabs.all()
        if (box := tab.bounding_box()) is None or box["x"] < 0 or box["x"] + box["width"] > 390
    ]
    assert outside == []
    current = phone.locator("nav.subnav a[aria-current='page']")
    expect(current).to_have_attribute("href", path)
    expect(current).to_be_in_viewport(ratio=1)
    strip = phone.locator("nav.subnav")
    assert strip.evaluate("n => n.scrollWidth <= n.clientWidth")
    assert page_width(phone) <= PHONE["width"]
    screenshot(phone, f"mobile-tabs-{path.strip('/').replace('/', '-')}.png")


# BIL-3 — on a 390 px phone, an invoice's lines were a table of eight columns in a box that
# scrolled sideways: the description, the contract and the site filled the screen, and every
# amount (« Montant HT » 250,00 € on the demo's F2026-000005 first line, from 740 px on) was
# past the edge, under the fading cue. Each line now stacks its cells, each named by its column:
# the description on top, then « Montant HT  250,00 € » and the others, nothing to scroll.
def test_phone_shows_the_amount_of_each_invoice_line(phone, live_server, demo_data):
    from billing.models import Invoice

    invoice = (
        Invoice.objects.filter(client__siren="812345676", lines__isnull=False)
        .distinct()
        .order_by("-pk")
        .first()
    )
    sign_in(phone, live_server, "compta@martin-avocats.example")
    phone.goto(f"{live_server.url}/invoices/{invoice.pk}/")
    lines = phone.get_by_test_id("invoice-line")
    expect(lines).to_have_count(invoice.lines.count())
    for line in lines.all():
        amount = line.get_by_test_id("line-amount")
        box = amount.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
        assert re.search(r"\d,\d\d\u00a0€", amount.inner_text()), amount.inner_text()
    first = lines.first.get_by_test_id("line-amount")
    assert first.evaluate("td => getComputedStyle(td, '::before').content") == '"Montant HT"'
    title = lines.first.locator("td").first
    assert title.evaluate("td => getComputedStyle(td).textAlign") == "left"
    table = phone.get_by_test_id("invoice-lines")
    assert table.evaluate(
        "t => t.closest('.table-scroll').scrollWidth <= t.closest('.table-scroll').clientWidth"
    )
    assert page_width(phone) <= PHONE["width"]
    assert blocking_violations(phone) == []
    screenshot(phone, "mobile-invoice-lines.png")


# BIL-1 — on a 390 px phone the invoice list showed the number, the kind and the issue date;
# the totals were past the screen's edge under the fading cue (« Net à payer » 449,21 € of
# F2026-000005 from 600 px on), with the status and the PDF link. Each document now stacks its
# cells, each named by its column (« Net à payer  449,21 € »), nothing to scroll.
def test_phone_shows_the_amount_due_of_each_invoice(phone, live_server, demo_data):
    sign_in(phone, live_server, "compta@martin-avocats.example")
    phone.goto(f"{live_server.url}/invoices/")
    rows = phone.get_by_test_id("invoice-row")
    expect(rows.first).to_be_visible()
    for row in rows.all():
        for cell in (row.get_by_test_id("invoice-amount-due"), row.locator("a[download]")):
            box = cell.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    due = rows.first.get_by_test_id("invoice-amount-due")
    assert re.search(r"\d,\d\d\u00a0€", due.inner_text()), due.inner_text()
    assert due.evaluate("td => getComputedStyle(td, '::before').content") == '"Net à payer"'
    table = phone.get_by_test_id("invoice-table")
    assert table.evaluate(
        "t => t.closest('.table-scroll').scrollWidth <= t.closest('.table-scroll').clientWidth"
    )
    assert page_width(phone) <= PHONE["width"]
    assert blocking_violations(phone) == []
    screenshot(phone, "mobile-invoice-list.png")


# TRK-2 — on a 390 px phone the trunk's channels table ran past its card: its headings never
# wrapped (« Prix par pack », « Mensuel »), so the monthly column began at 327 px and the
# monthly price (« Prix mensuel (HT) » 34,00 € for the demo's 2 × 4-channel packs) was cut at the
# screen's edge, under the fading cue. Each pack now stacks its cells: the price shows whole.
def test_phone_shows_the_monthly_price_of_a_trunk(phone, live_server, demo_data):
    trunk = Trunk.objects.filter(contract__client__siren="812345676").order_by("pk").first()
    sign_in(phone, live_server, ADMIN_EMAIL)
    phone.goto(f"{live_server.url}/telephony/trunks/{trunk.pk}/")
    price = phone.get_by_test_id("monthly-price")
    expect(price).to_have_text("34,00\u00a0€")
    box = price.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] - 12, box
    packs = phone.get_by_test_id("packs")
    assert packs.evaluate(
        "t => t.closest('.table-scroll').scrollWidth <= t.closest('.table-scroll').clientWidth"
    )
    assert page_width(phone) <= PHONE["width"]
    screenshot(phone, "mobile-trunk-packs.png")
