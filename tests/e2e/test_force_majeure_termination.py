"""PLATFORM 16.4 / 17.5, CON-4 — in a real Chromium against live_server with the `make run` demo
data (Boulangeries Durand's CT-2026-000004, 150,00 € HT a month): the customer's letter, received
2 days ago, ends the contract for a force majeure notified 40 days before it (more than a month):
staff record it from the console, giving the day the force majeure was notified; the
confirmation shows it with the date asked (in 10 days) and 0,00 € of fee; the customer then
reads why on its contract page, and may cancel its own termination.
"""

from datetime import timedelta

from playwright.sync_api import expect

from kernel.clock import paris_today
from offers.choices import TerminationReason
from offers.models import Termination
from tests.e2e.pages import french_date, screenshot, sign_in, translated
from tests.e2e.test_platform_decisions import CUSTOMER_EMAIL, _platform_contract, _staff_page


def test_staff_record_the_customers_termination_for_force_majeure(
    page, browser, live_server, demo_data
):
    contract = _platform_contract()
    notice = paris_today() - timedelta(days=2)
    notified = notice - timedelta(days=40)
    asked = paris_today() + timedelta(days=10)
    reason = TerminationReason.FORCE_MAJEURE_BY_CUSTOMER

    context, staff = _staff_page(browser, live_server)
    try:
        staff.goto(f"{live_server.url}/console/customers/{contract.client_id}/")
        staff.locator("summary", has_text="Résilier un contrat").click()
        form = staff.locator(f"form[action='/console/customers/{contract.client_id}/terminate/']")
        form.locator("select[name='contract']").select_option(str(contract.pk))
        form.locator("select[name='reason']").select_option(reason)
        form.locator("input[name='requested_date']").fill(asked.isoformat())
        form.locator("input[name='notice_date']").fill(notice.isoformat())
        form.locator("input[name='force_majeure_notified_on']").fill(notified.isoformat())
        form.locator("button").click()

        expect(staff.locator("[data-testid='quote-reason']")).to_have_text(translated(reason.label))
        expect(staff.locator("[data-testid='quote-force-majeure']")).to_have_text(
            french_date(notified)
        )
        expect(staff.locator("[data-testid='quote-date']")).to_have_text(french_date(asked))
        expect(staff.locator("[data-testid='quote-fee']")).to_have_text("0,00 € HT")
        screenshot(staff, "platform_force_majeure_termination_confirm.png")
        assert not Termination.objects.filter(contract=contract).exists()
        staff.locator("[data-testid='confirm-action']").click()
        expect(staff.locator(".msg-success")).to_have_text(
            f"Résiliation de {contract.reference} enregistrée, effective le {asked:%d/%m/%Y}."
        )
    finally:
        context.close()
    termination = Termination.objects.get(contract=contract)
    assert (termination.reason, termination.fee_amount) == (reason, 0)
    assert termination.force_majeure_notified_on == notified

    sign_in(page, live_server, CUSTOMER_EMAIL)
    page.goto(f"{live_server.url}/contracts/{contract.pk}/")
    expect(page.locator("[data-testid='termination-reason']")).to_have_text(
        "Vous avez mis fin à ce contrat car un cas de force majeure dure depuis plus d'un mois "
        "après sa notification (article 16.4 des conditions générales)."
    )
    expect(page.locator("[data-testid='termination-fee']")).to_have_text("0,00 €")
    expect(page.locator("[data-testid='cancel-termination']")).to_have_count(1)
    screenshot(page, "platform_force_majeure_termination_customer.png")
