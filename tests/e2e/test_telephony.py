"""TRK-3 in a real browser: the demo customer's administrator (ACC-2: the admin orders and pays;
the technical role gets quotes only) opens the trunk page, changes the number of channels and
sees the quote change without a reload (``channel_quote.js``), confirms, pays from the prepaid
balance and sees the new capacity. Also the SIP account page
(ACC-7, TRK-6). Screenshots: ``trunk.png`` and ``sip_account.png``.

Driven in a real Chromium against live_server, with the `make run` demo data (load_demo: an
8-channel trunk and a SIP account with a device for Cabinet Martin Avocats).
"""

from decimal import Decimal

from playwright.sync_api import expect

from offers.services import paris_today
from payments import selectors as payment_selectors
from telephony import selectors
from telephony.choices import OrderStatus
from telephony.demo import DEMO_SIREN
from telephony.models import ChannelOrder, SipAccount, Trunk
from tests.e2e.pages import screenshot, sign_in
from tests.telephony.factories import top_up

TECHNICAL_EMAIL = "technique@martin-avocats.example"
ADMIN_EMAIL = "admin@martin-avocats.example"


def test_admin_adds_channels_with_live_quote(page, live_server, demo_data, settings):
    settings.BILLING_RENDER_PDF = False
    trunk = Trunk.objects.select_related("contract__client").get(contract__client__siren=DEMO_SIREN)
    client = trunk.contract.client
    today = paris_today()
    current = selectors.trunk_capacity(trunk, today)
    assert current == 8
    top_up(client, "100.00")
    balance = payment_selectors.prepaid_balance(client)

    sign_in(page, live_server, ADMIN_EMAIL)
    page.locator(".mainnav a[href='/telephony/']").click()
    expect(page).to_have_url(f"{live_server.url}/telephony/")
    page.locator(f"a[href='/telephony/trunks/{trunk.pk}/']").click()
    trunk_url = f"{live_server.url}/telephony/trunks/{trunk.pk}/"
    expect(page).to_have_url(trunk_url)
    expect(page.locator("[data-testid='capacity']")).to_have_text("8")

    # The live quote: no reload (a marker on the window survives), the text follows the number.
    expect(page.locator("#channel-form[data-live='on']")).to_have_count(1)  # channel_quote.js ran
    page.evaluate("window.__sameDocument = true")
    total = page.locator("#channel-form input[name='total']")
    quote = page.locator("#tel-quote")
    total.fill("10")
    expect(quote.locator("[data-testid='quote-increase'][data-total='10']")).to_be_visible()
    first = quote.inner_text()
    assert (
        quote.locator("[data-testid='quote-packs']").inner_text().startswith("2 × ")
    )  # two 1-channel packs
    total.fill("12")
    expect(quote.locator("[data-testid='quote-increase'][data-total='12']")).to_be_visible()
    second = quote.inner_text()
    assert second != first  # the quote changed, in place
    assert (
        quote.locator("[data-testid='quote-packs']").inner_text().startswith("1 × ")
    )  # one 4-channel pack
    total.fill("3")
    expect(quote.locator("[data-testid='quote-decrease'][data-total='3']")).to_be_visible()
    total.fill("250")
    expect(quote.locator("[data-testid='quote-error']")).to_contain_text("200")
    total.fill("12")
    expect(quote.locator("[data-testid='quote-increase'][data-total='12']")).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True
    expect(page).to_have_url(trunk_url)
    screenshot(page, "trunk.png")

    # Confirm → the order, awaiting payment; pay from the prepaid balance.
    quote.locator("[data-testid='confirm-button']").click()
    order = ChannelOrder.objects.get(trunk=trunk)
    expect(page).to_have_url(f"{live_server.url}/telephony/orders/{order.pk}/")
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert selectors.trunk_capacity(trunk, today) == 8  # nothing active before payment
    page.locator("[data-testid='pay-prepaid'] button").click()

    expect(page).to_have_url(trunk_url)
    expect(page.locator(".msg-success")).to_contain_text("12")
    expect(page.locator("[data-testid='capacity']")).to_have_text("12")
    order.refresh_from_db()
    assert order.status == OrderStatus.ACTIVE
    assert selectors.trunk_capacity(trunk, today) == 12
    assert payment_selectors.prepaid_balance(client) == balance - order.amount_gross
    assert order.amount_gross > Decimal("0")


def test_sip_account_page(page, live_server, demo_data):
    # The demo's SIP-UNL contract has its 3 accounts (issue 17 item 8); the first has the devices.
    account = SipAccount.objects.filter(contract__client__siren=DEMO_SIREN).order_by("pk").first()
    sign_in(page, live_server, TECHNICAL_EMAIL)
    page.goto(f"{live_server.url}/telephony/sip/{account.pk}/")
    expect(page.locator("[data-testid='device-row']")).to_contain_text("Yealink")
    expect(
        page.locator("[data-testid='destination-premium-rate'] [data-testid='blocked']")
    ).to_be_visible()
    screenshot(page, "sip_account.png")
    # ACC-7: the reset is confirmed first; the new secret is shown once.
    page.locator("[data-testid='reset-credentials']").click()
    page.locator("[data-testid='confirm-button']").click()
    secret = page.locator("[data-testid='secret']").inner_text().strip()
    assert len(secret) == 24
    page.goto(f"{live_server.url}/telephony/sip/{account.pk}/")
    assert secret not in page.content()


def test_channels_typed_while_the_quote_script_loads_get_their_quote(page, live_server, demo_data):
    """TRK-3: a number typed before ``channel_quote.js`` has run (a slow connection) is not
    lost: the quote appears once the script runs, without a reload."""
    trunk = Trunk.objects.get(contract__client__siren=DEMO_SIREN)
    held = []

    def hold(route):  # the script's response waits
        held.append(route)

    page.route("**/js/channel_quote*.js", hold)
    sign_in(page, live_server, ADMIN_EMAIL)
    # "commit": the held deferred script holds DOMContentLoaded back
    page.goto(f"{live_server.url}/telephony/trunks/{trunk.pk}/", wait_until="commit")
    page.locator("#channel-form input[name='total']").fill("10")
    assert page.locator("#channel-form[data-live='on']").count() == 0  # not run yet
    page.evaluate("window.__sameDocument = true")
    assert held
    for route in held:
        route.continue_()
    quote = page.locator("#tel-quote [data-testid='quote-increase'][data-total='10']")
    expect(quote).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True


# TRK-3 — the order page was read before the amount changed (after midnight a whole month is
# due, not one day): paying it debits nothing, the page says the amount changed and shows the
# new one; paying again from that page pays it. (The page's amount is altered in the browser to
# stand for the day it was read.)
def test_order_paid_after_its_amount_changed_shows_the_new_amount(page, live_server, demo_data):
    trunk = Trunk.objects.select_related("contract__client").get(contract__client__siren=DEMO_SIREN)
    client = trunk.contract.client
    top_up(client, "100.00")
    balance = payment_selectors.prepaid_balance(client)
    sign_in(page, live_server, ADMIN_EMAIL)
    page.goto(f"{live_server.url}/telephony/trunks/{trunk.pk}/")
    page.locator("#channel-form input[name='total']").fill("12")
    quote = page.locator("#tel-quote")
    expect(quote.locator("[data-testid='quote-increase'][data-total='12']")).to_be_visible()
    quote.locator("[data-testid='confirm-button']").click()
    order = ChannelOrder.objects.get(trunk=trunk)
    page.evaluate(
        "document.querySelector(\"[data-testid='pay-prepaid'] input[name='expected_amount']\")"
        ".value = '0.68'"
    )
    page.locator("[data-testid='pay-prepaid'] button").click()
    expect(page).to_have_url(f"{live_server.url}/telephony/orders/{order.pk}/")
    expect(page.locator(".msg-error, .errorlist, [role='alert']").first).to_contain_text(
        "Le montant dû a changé"
    )
    screenshot(page, "telephony/order_amount_changed.png")
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert payment_selectors.prepaid_balance(client) == balance  # nothing debited
    page.locator("[data-testid='pay-prepaid'] button").click()
    expect(page.locator("[data-testid='capacity']")).to_have_text("12")
    order.refresh_from_db()
    assert order.status == OrderStatus.ACTIVE
