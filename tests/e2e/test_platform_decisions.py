"""The two decisions our staff take on a PLATFORM contract, in a real Chromium against
live_server with the `make run` demo data (Boulangeries Durand's CT-2026-000004: one « Abonnement
plateforme voix » at 150,00 € HT a month):

- PLATFORM 28 / 7.2.1: the customer asks for more units in the portal; the request waits for
  our acceptance; staff accept it in the back office after a page showing what it bills; the
  customer then sees the units in service.
- PLATFORM 17.4.1: staff record, from the console, our termination for the customer's breach:
  a confirmation page (contract, reason, notice, effective date, fee) before anything is
  recorded; the customer then reads it on its contract page, without a cancel button.
"""

from datetime import timedelta

from playwright.sync_api import expect

from accounts.demo import DEMO_STAFF_TOTP_SECRET, STAFF_PASSWORD
from kernel.clock import paris_today
from offers.choices import ContractStatus, QuantityChangeStatus, TerminationReason
from offers.models import Contract, LineQuantityChange, Termination
from offers.services import line_quantity_quote, termination_quote
from tests.console.conftest import current_totp
from tests.e2e.pages import french_date, french_money, screenshot, sign_in, translated

CUSTOMER_EMAIL = "admin@durand.example"
STAFF_EMAIL = "staff@azur-telecom.example"


def _platform_contract():
    return Contract.objects.get(client__siren="823456785", offer__code="platform")


def _staff_page(browser, live_server):
    """A browser of the staff member's own, signed in with the password and the TOTP code."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    form = page.locator("form:has(input[name='login'])")
    form.locator("input[name='login']").fill(STAFF_EMAIL)
    form.locator("input[name='password']").fill(STAFF_PASSWORD)
    form.locator("button[type='submit']").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/2fa/authenticate/")
    code = page.locator("input[name='code']")
    code.fill(current_totp(DEMO_STAFF_TOTP_SECRET))
    code.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/console/")
    return context, page


# PLATFORM 28 / 7.2.1, CON-2 — asked today 1 → 3: nothing changes until we accept; the
# acceptance page shows 2 × 150,00 € × days left/days of the month (e.g. 26/31 on 6 December:
# 2 × 150 × 26 / 31 = 251,61 €) and 3 × 150,00 = 450,00 € a month from the 1st of next month;
# accepted, the customer's page shows 3 units, 450,00 € a month, and no request pending.
def test_staff_accept_a_requested_increase_the_customer_sees_it_in_service(
    page, browser, live_server, demo_data
):
    contract = _platform_contract()
    line = contract.lines.get()
    assert (line.quantity, line.unit_monthly_price) == (1, 150)
    today = paris_today()

    sign_in(page, live_server, CUSTOMER_EMAIL)
    page.goto(f"{live_server.url}/contracts/{contract.pk}/")
    page.locator("[data-testid='change-quantity']").click()
    page.locator("input[name='quantity']").fill("3")
    page.locator("button[name='action'][value='quote']").click()
    expect(page.locator("[data-testid='quote-acceptance']")).to_contain_text(
        "ils prennent effet une fois acceptés par nous"
    )
    page.locator("button[name='action'][value='confirm']").click()
    expect(page).to_have_url(f"{live_server.url}/contracts/{contract.pk}/")
    expect(page.locator("[data-testid='requested-increase']")).to_have_text(
        f"3 demandés le {today:%d/%m/%Y} : en attente de notre acceptation"
    )
    row = page.locator("tbody tr", has_text=line.product.name)
    expect(row.locator("td.num").first).to_contain_text("1")
    screenshot(page, "platform_increase_requested.png")
    change = LineQuantityChange.objects.get(line=line)
    assert (change.status, change.units) == (QuantityChangeStatus.REQUESTED, 2)

    expected = line_quantity_quote(line=line, quantity=3)  # what accepting today bills
    context, staff = _staff_page(browser, live_server)
    try:
        staff.goto(f"{live_server.url}/backoffice/offers/contract/?increase_asked=yes")
        result = staff.locator("#result_list tbody tr")
        expect(result).to_have_count(1)
        expect(result).to_contain_text(contract.reference)
        result.locator("input.action-select").check()
        staff.locator("select[name='action']").select_option("accept_quantity_increases")
        staff.locator("button[name='index']").click()
        shown = staff.locator("[data-testid='increase-to-accept']")
        expect(shown).to_contain_text("1 → 3")
        expect(shown.locator("[data-testid='prorata']")).to_have_text(
            f"2 × 150,00 € × {expected.prorata_days}/{expected.period_days} jours = "
            f"{french_money(expected.prorata_amount)}"
        )
        expect(shown).to_contain_text(
            f"{french_money(expected.from_monthly)} à partir du {french_date(expected.from_date)}"
        )
        screenshot(staff, "platform_increase_accept.png")
        change.refresh_from_db()
        assert change.status == QuantityChangeStatus.REQUESTED  # the page moved nothing
        staff.locator("input[type='submit'][value='Confirmer']").click()
        expect(staff.locator(".messagelist")).to_contain_text("1 hausse de quantité acceptée")
    finally:
        context.close()
    change.refresh_from_db()
    assert (change.status, change.prorata_amount) == (
        QuantityChangeStatus.APPLIED,
        expected.prorata_amount,
    )

    page.reload()
    row = page.locator("tbody tr", has_text=line.product.name)
    expect(row.locator("td.num").first).to_contain_text("3")
    expect(row.locator("td.num").nth(2)).to_have_text(french_money(expected.from_monthly))
    expect(page.locator("[data-testid='requested-increase']")).to_have_count(0)
    screenshot(page, "platform_increase_in_service.png")


# PLATFORM 17.4.1, 17.6, CON-4 — our letter for the customer's breach, received 2 days ago: a
# month's notice, effective the same day next month, without fee (0,00 €). The confirmation
# names the contract and shows the reason, the dates and the fee, recording nothing; confirmed,
# the contract is terminating; the customer reads why and has no cancel button.
def test_staff_record_a_termination_for_the_customers_breach(page, browser, live_server, demo_data):
    contract = _platform_contract()
    notice = paris_today() - timedelta(days=2)
    expected = termination_quote(
        contract=contract, notice_date=notice, reason=TerminationReason.BREACH_BY_CUSTOMER
    )
    assert expected.fee_amount == 0

    context, staff = _staff_page(browser, live_server)
    try:
        staff.goto(f"{live_server.url}/console/customers/{contract.client_id}/")
        staff.locator("summary", has_text="Résilier un contrat").click()
        form = staff.locator(f"form[action='/console/customers/{contract.client_id}/terminate/']")
        form.locator("select[name='contract']").select_option(str(contract.pk))
        form.locator("select[name='reason']").select_option(TerminationReason.BREACH_BY_CUSTOMER)
        form.locator("input[name='notice_date']").fill(notice.isoformat())
        form.locator("button").click()

        expect(staff.locator("[data-testid='quote-contract']")).to_have_text(
            f"{contract.reference} — {contract.offer.name}"
        )
        expect(staff.locator("[data-testid='quote-reason']")).to_have_text(
            translated(TerminationReason.BREACH_BY_CUSTOMER.label)
        )
        expect(staff.locator("[data-testid='quote-notice']")).to_have_text(french_date(notice))
        expect(staff.locator("[data-testid='quote-date']")).to_have_text(
            french_date(expected.effective_date)
        )
        expect(staff.locator("[data-testid='quote-fee']")).to_have_text("0,00 € HT")
        screenshot(staff, "platform_breach_termination_confirm.png")
        assert not Termination.objects.filter(contract=contract).exists()

        staff.locator("[data-testid='confirm-action']").click()
        expect(staff.locator(".msg-success")).to_have_text(
            f"Résiliation de {contract.reference} enregistrée, effective le "
            f"{expected.effective_date:%d/%m/%Y}."
        )
        expect(staff.locator("tr", has_text=contract.reference).first).to_contain_text(
            translated(ContractStatus.TERMINATING.label)
        )
    finally:
        context.close()
    termination = Termination.objects.get(contract=contract)
    assert (termination.reason, termination.effective_date, termination.fee_amount) == (
        TerminationReason.BREACH_BY_CUSTOMER,
        expected.effective_date,
        0,
    )

    sign_in(page, live_server, CUSTOMER_EMAIL)
    page.goto(f"{live_server.url}/contracts/{contract.pk}/")
    expect(page.locator("[data-testid='contract-status']")).to_have_text(
        translated(ContractStatus.TERMINATING.label)
    )
    expect(page.locator("[data-testid='termination-effective']")).to_have_text(
        french_date(expected.effective_date)
    )
    expect(page.locator("[data-testid='termination-fee']")).to_have_text("0,00 €")
    expect(page.locator("[data-testid='termination-reason']")).to_contain_text(
        "Nous mettons fin à ce contrat pour manquement à vos obligations "
        "(article 17.4 des conditions générales)."
    )
    expect(page.locator("[data-testid='cancel-termination']")).to_have_count(0)
    # our letter: its date is the day we notified it, not a notice « received » (CON-4)
    expect(page.locator("[data-testid='notice-label']")).to_have_text("Résiliation notifiée le")
    screenshot(page, "platform_breach_termination_customer.png")
