"""CON-4: the demo customer's admin terminates the HOSTED-A contract from the portal (quote, then
confirmation); a read-only user of the same customer cannot.

Driven in a real Chromium against live_server, with the `make run` demo data (load_demo).
"""

from playwright.sync_api import expect

from offers import services
from offers.choices import ContractStatus, TerminationStatus
from offers.models import Contract, Termination
from tests.e2e.pages import french_date, french_money, screenshot, sign_in, translated

ADMIN_EMAIL = "admin@martin-avocats.example"
READ_ONLY_EMAIL = "lecture@martin-avocats.example"


# CON-4, CON-5: list → HOSTED-A contract → quote (effective date, fee) → confirmation →
# the contract is terminating. ACC-2: the read-only user sees no button and is refused.
def test_admin_terminates_hosted_a_read_only_cannot(page, browser, live_server, demo_data):
    contract = Contract.objects.get(client__siren="812345676", offer__code="hosted-a")
    expected = services.termination_quote(contract=contract)
    assert expected.fee_amount > 0  # 20 months into a 36-month commitment

    sign_in(page, live_server, ADMIN_EMAIL)
    page.locator("nav.mainnav a[href='/contracts/']").click()
    expect(page).to_have_url(f"{live_server.url}/contracts/")
    table = page.locator("[data-testid='contract-table']")
    expect(table).to_contain_text(contract.reference)
    expect(table.locator("tbody tr")).to_have_count(
        Contract.objects.filter(client=contract.client).count()
    )

    table.get_by_role("link", name=contract.reference).click()
    expect(page).to_have_url(f"{live_server.url}/contracts/{contract.pk}/")
    expect(page.locator("h1")).to_contain_text(contract.reference)
    expect(page.locator("[data-testid='next-renewal']")).to_have_text(
        french_date(contract.current_period_end)
    )
    expect(page.locator("[data-testid='terms']")).to_contain_text("36")
    expect(page.locator("[data-testid='sla-applicability']")).to_be_visible()
    screenshot(page, "contract_detail.png")

    page.locator("[data-testid='terminate-button']").click()
    expect(page).to_have_url(f"{live_server.url}/contracts/{contract.pk}/terminate/")
    page.locator("button[name='action'][value='quote']").click()
    quote = page.locator("[data-testid='quote']")
    expect(quote).to_be_visible()
    expect(page.locator("[data-testid='quote-effective']")).to_have_text(
        french_date(expected.effective_date)
    )
    expect(page.locator("[data-testid='quote-fee']")).to_have_text(
        french_money(expected.fee_amount)
    )
    line = expected.fee.lines[-1]
    expect(page.locator("[data-testid='fee-breakdown']")).to_contain_text(
        f"× 50 % × 250,00 € = {french_money(line.amount)}"
    )
    screenshot(page, "termination_quote.png")

    # The checkbox is required: submitting without it keeps the quote and records nothing.
    page.locator("button[name='action'][value='confirm']").click()
    expect(page.locator("[data-testid='confirm-form'] .error")).to_be_visible()
    assert not Termination.objects.filter(contract=contract).exists()
    page.locator("[data-testid='confirm-form'] input[name='confirm']").check()
    page.locator("button[name='action'][value='confirm']").click()

    expect(page).to_have_url(f"{live_server.url}/contracts/{contract.pk}/")
    expect(page.locator("[data-testid='contract-status']")).to_have_text(
        translated(ContractStatus.TERMINATING.label)
    )
    expect(page.locator("[data-testid='termination-effective']")).to_have_text(
        french_date(expected.effective_date)
    )
    expect(page.locator("[data-testid='terminate-button']")).to_have_count(0)
    termination = Termination.objects.get(contract=contract)
    assert (termination.status, termination.effective_date, termination.fee_amount) == (
        TerminationStatus.SCHEDULED,
        expected.effective_date,
        expected.fee_amount,
    )

    # ACC-2: a read-only member of the same customer, in a browser of their own.
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    try:
        reader = context.new_page()
        sign_in(reader, live_server, READ_ONLY_EMAIL)
        other = Contract.objects.get(client__siren="812345676", offer__code="trunk")
        for shown in (contract, other):
            reader.goto(f"{live_server.url}/contracts/{shown.pk}/")
            expect(reader.locator("h1")).to_contain_text(shown.reference)
            expect(reader.locator("[data-testid='terminate-button']")).to_have_count(0)
            expect(reader.locator("[data-testid='cancel-termination']")).to_have_count(0)
        token = reader.locator("input[name='csrfmiddlewaretoken']").first.input_value()
        for path in (f"/contracts/{other.pk}/terminate/", f"/contracts/{contract.pk}/terminate/"):
            response = reader.request.post(
                f"{live_server.url}{path}",
                form={"csrfmiddlewaretoken": token, "action": "confirm", "confirm": "on"},
                headers={"Referer": reader.url},
            )
            assert response.status in (403, 404), response.status
        response = reader.request.post(
            f"{live_server.url}/contracts/{contract.pk}/terminate/cancel/",
            form={"csrfmiddlewaretoken": token},
            headers={"Referer": reader.url},
        )
        assert response.status == 403
        response = reader.request.get(f"{live_server.url}/contracts/{other.pk}/terminate/")
        assert response.status == 403
    finally:
        context.close()
    other.refresh_from_db()
    assert other.status == ContractStatus.ACTIVE
    assert Termination.objects.filter(contract__client=contract.client).count() == 1
    assert Termination.objects.get(contract=contract).status == TerminationStatus.SCHEDULED
