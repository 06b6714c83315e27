"""USE-7 (PLATFORM 27) in a real Chromium (live_server, the demo data): staff pass on the
operator's surcharge of an unauthorised CLI at its own amount — « Surcharge des opérateurs ou du
régulateur répercutée — montant saisi », 347,50 € typed — and its page reads 347,50."""

from playwright.sync_api import expect

from offers.models import Contract
from tests.e2e.pages import screenshot
from tests.e2e.test_console import _sign_in_with_totp
from usage.models import Penalty


def test_staff_pass_on_an_operators_surcharge(page, live_server, demo_data):
    contract = Contract.objects.get(client__siren="823456785", offer__code="platform")
    _sign_in_with_totp(page, live_server)
    expect(page).to_have_url(f"{live_server.url}/console/")
    page.goto(f"{live_server.url}/backoffice/usage/penalty/add/")
    form = page.locator("form#penalty_form, form[method='post']").last
    form.locator("select[name='client']").select_option(str(contract.client_id))
    form.locator("select[name='kind']").select_option("operator_surcharge")
    expect(form.locator("select[name='kind'] option:checked")).to_have_text(
        "Surcharge des opérateurs ou du régulateur répercutée — montant saisi"
    )
    form.locator("input[name='occurred_on']").fill("12/10/2026")
    form.locator("input[name='amount']").fill("347,50")
    form.locator("textarea[name='evidence_note']").fill("Facture de l'opérateur n° OP-2026-991")
    form.locator("input[name='confirm']").check()
    screenshot(page, "usage-backoffice-penalty-surcharge-form.png")
    form.locator("[type='submit']").first.click()
    expect(page.locator(".messagelist")).to_contain_text("Pénalité de 347,50\u00a0€ enregistrée.")
    expect(page.locator(".field-amount")).to_contain_text("347,50")
    screenshot(page, "usage-backoffice-penalty-surcharge-recorded.png")
    penalty = Penalty.objects.get(kind="operator_surcharge")
    assert str(penalty.amount) == "347.50"
