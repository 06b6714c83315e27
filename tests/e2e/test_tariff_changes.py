"""Call tariff changes in a real browser (CON-6 for call tariffs, HOSTED-A 6): the demo law
firm's administrator sees an announced increase of Morocco mobile on the tariffs page, with the
price it replaces, opens the refusal of its HOSTED-A contract, is refused without the box ticked,
then refuses: the contract ends 30 days later without fee, its calls keep the eve's tariffs.
The page also fits a phone's width. Screenshots under ``usage/``.

Driven in Chromium against live_server with the `make run` demo data (the law firm holds an
active HOSTED-A contract); the tariffs are entered and announced here."""

from datetime import date, timedelta
from decimal import Decimal

from playwright.sync_api import expect

from accounts.models import Client
from kernel.clock import paris_today
from offers.models import Contract
from tests.e2e.pages import french_date, french_money, screenshot, sign_in
from usage.demo import DEMO_SIREN
from usage.models import Tariff, TariffRefusal
from usage.services import tariff_changes

ADMIN_EMAIL = "admin@martin-avocats.example"


def _announce(days=20):
    """Morocco mobile (+2126) 0.2000 → 0.3000 €/min from today + ``days``, told now."""
    fields = {"name": "Maroc mobile", "prefix": "+2126"}
    Tariff.objects.create(**fields, rate_per_minute=Decimal("0.2000"), valid_from=date(2025, 1, 1))
    Tariff.objects.create(
        **fields,
        rate_per_minute=Decimal("0.3000"),
        valid_from=paris_today() + timedelta(days=days),
    )
    announcement = tariff_changes.tariffs_announce()
    assert announcement is not None and announcement.increase
    return announcement


def _open_tariffs(page, live_server):
    """From the menu: the consumption page, then its link to the tariffs."""
    page.locator("nav.mainnav a[href='/usage/']").first.click()
    page.get_by_role("link", name="Voir nos tarifs").click()
    expect(page).to_have_url(f"{live_server.url}/usage/tariffs/")
    return page.get_by_test_id("tariff-changes")


# CON-6 / HOSTED-A 6: "le Client pourra de plein droit refuser toute augmentation des Frais
# d'Utilisation et résilier le Contrat en cours sans Frais de Résiliation Anticipée ... avec un
# préavis de trente (30) jours". The announced increase is shown with the price it replaces; the
# admin's refusal states the end date (today + 30) and a fee of 0,00 €, records nothing without
# the box, then a termination keeping the eve's tariffs; the answer is no longer offered.
def test_con6_hosted_a_refusal_of_a_tariff_increase(page, live_server, demo_data):
    client = Client.objects.get(siren=DEMO_SIREN)
    contract = Contract.objects.get(client=client, offer__code="hosted-a")
    announcement = _announce()
    today = paris_today()

    sign_in(page, live_server, ADMIN_EMAIL)
    card = _open_tariffs(page, live_server)
    expect(card.get_by_role("heading", level=2)).to_have_text("Changements annoncés")
    row = card.get_by_test_id("tariff-changes-table").locator("tbody tr", has_text="+2126")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Maroc mobile")
    expect(row).to_contain_text("0,2000")
    expect(row).to_contain_text("0,3000")
    expect(row.locator(".badge")).to_have_text("hausse")
    answer = card.get_by_test_id("tariff-answer").filter(has_text=contract.reference)
    expect(answer).to_have_count(1)
    expect(answer).to_contain_text(french_date(announcement.first_day - timedelta(days=1)))
    table = card.locator(".use-scroll").bounding_box()
    assert answer.bounding_box()["y"] - (table["y"] + table["height"]) >= 8  # not glued to it
    screenshot(page, "usage/tariff-changes.png")

    # The confirmation page: end date today + 30, last day the eve, no fee.
    answer.get_by_test_id("tariff-refuse-link").click()
    expect(page).to_have_url(
        f"{live_server.url}/usage/tariffs/{announcement.pk}/refuse/{contract.pk}/"
    )
    end = today + timedelta(days=30)
    expect(page.get_by_test_id("refusal-effective")).to_have_text(french_date(end))
    expect(page.get_by_test_id("refusal-last-day")).to_have_text(
        french_date(end - timedelta(days=1))
    )
    expect(page.get_by_test_id("refusal-fee")).to_have_text(french_money(Decimal("0")))
    refused = page.get_by_test_id("refused-tariffs").locator("tbody tr")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text("0,2000")
    expect(refused).to_contain_text("0,3000")
    # At a desktop's width the table fits its column (it was once clipped: "Nouveau prix"), and
    # the two cards of the column stand apart.
    box = page.get_by_test_id("refused-tariffs").locator("xpath=..")
    assert box.evaluate("e => e.scrollWidth <= e.clientWidth")
    first = page.get_by_test_id("refusal-consequences").bounding_box()
    form_card = page.locator("section.card", has=page.get_by_test_id("refusal-form"))
    second = form_card.bounding_box()
    assert second["y"] - (first["y"] + first["height"]) >= 8
    screenshot(page, "usage/tariff-refuse.png")

    # Without the box ticked: the reason, nothing recorded.
    form = page.get_by_test_id("refusal-form")
    confirm = page.get_by_test_id("confirm-refusal")
    expect(confirm).to_have_text("Refuser et mettre fin au contrat")
    confirm.click()
    expect(form.locator(".error")).to_have_text("Cochez la case pour confirmer.")
    assert TariffRefusal.objects.count() == 0
    screenshot(page, "usage/tariff-refuse-unticked.png")

    # Ticked: the refusal, told and recorded; no longer offered.
    form.locator("input[name='confirm']").check()
    page.get_by_test_id("confirm-refusal").click()
    expect(page).to_have_url(f"{live_server.url}/usage/tariffs/")
    message = page.get_by_text("Refus enregistré.")
    expect(message).to_be_visible()
    expect(message).to_contain_text(f"{contract.reference} prend fin le {french_date(end)}")
    expect(page.get_by_test_id("tariff-changes")).to_be_visible()
    expect(page.get_by_test_id("tariff-answer").filter(has_text=contract.reference)).to_have_count(
        0
    )
    refusal = TariffRefusal.objects.get()
    assert refusal.contract == contract and not refusal.objection
    assert refusal.keeps_day == announcement.first_day - timedelta(days=1)
    assert refusal.termination.effective_date == end
    assert refusal.termination.fee_amount == 0
    screenshot(page, "usage/tariff-refused.png")


# CON-6 on a phone: the announced changes fit the width; only the tables scroll, inside their
# own box (.use-scroll), never the page.
def test_con6_tariff_changes_fit_a_phone(page, live_server, demo_data):
    _announce()
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, ADMIN_EMAIL)
    page.goto(f"{live_server.url}/usage/tariffs/")
    card = page.get_by_test_id("tariff-changes")
    expect(card.get_by_test_id("tariff-changes-table")).to_contain_text("0,3000")
    expect(card.get_by_test_id("tariff-refuse-link").first).to_be_visible()
    overflow = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert overflow[0] <= overflow[1], overflow
    for box in card.locator(".notice-box, h2, p").all():
        right = box.evaluate("e => e.getBoundingClientRect().right")
        assert right <= 390, box.inner_text()
    screenshot(page, "usage/tariff-changes-mobile.png")
