"""PLATFORM 24, SPEC §9: the demo customer's contracts name their offers and products in the
page's language — « SIP illimité » / « Compte SIP illimité » in French, "Unlimited SIP" /
"Unlimited SIP account" in English — in a real Chromium against live_server (load_demo data).
"""

from playwright.sync_api import expect

from offers.models import Contract
from tests.e2e.pages import sign_in

ADMIN_EMAIL = "admin@martin-avocats.example"


def switch_language(page, code):
    page.locator(f".lang-switch button[name='language'][value='{code}']").click()
    expect(page.locator("html")).to_have_attribute("lang", code)


# PLATFORM 24 — the contract list and a contract's lines, in French then in English.
def test_contract_names_follow_the_page_language(page, live_server, demo_data, tmp_path):
    contract = Contract.objects.get(client__siren="812345676", offer__code="sip-unl")
    sign_in(page, live_server, ADMIN_EMAIL)
    page.goto(f"{live_server.url}/contracts/")
    table = page.locator("[data-testid='contract-table']")
    expect(table).to_contain_text("SIP illimité")
    page.goto(f"{live_server.url}/contracts/{contract.pk}/")
    expect(page.locator("main")).to_contain_text("Compte SIP illimité")
    page.screenshot(path=str(tmp_path / "contract_fr.png"), full_page=True)

    switch_language(page, "en")
    main = page.locator("main")
    expect(main).to_contain_text("Unlimited SIP account")
    expect(main).not_to_contain_text("illimité")
    page.screenshot(path=str(tmp_path / "contract_en.png"), full_page=True)
    page.goto(f"{live_server.url}/contracts/")
    expect(table).to_contain_text("Unlimited SIP")
    expect(table).to_contain_text("Hosted telephony Site")
    expect(table).not_to_contain_text("illimité")
    page.screenshot(path=str(tmp_path / "contracts_en.png"), full_page=True)
    switch_language(page, "fr")


# SPEC §9, EQP-1 — the demo law firm's DECT base, sold: « Yealink W73P (base DECT) » on the
# French equipment pages, "Yealink W73P (DECT base)" on the English ones (was French there).
def test_equipment_model_names_follow_the_page_language(page, live_server, demo_data, tmp_path):
    sign_in(page, live_server, ADMIN_EMAIL)
    page.goto(f"{live_server.url}/equipment/")
    main = page.locator("main")
    expect(main).to_contain_text("Yealink W73P (base DECT)")
    page.screenshot(path=str(tmp_path / "equipment_fr.png"), full_page=True)
    switch_language(page, "en")
    expect(main).to_contain_text("Yealink W73P (DECT base)")
    expect(main).not_to_contain_text("base DECT")
    page.screenshot(path=str(tmp_path / "equipment_en.png"), full_page=True)
    main.get_by_role("link", name="Yealink W73P (DECT base)").first.click()
    expect(page.locator("h1")).to_contain_text("Yealink W73P (DECT base)")
    page.screenshot(path=str(tmp_path / "equipment_item_en.png"), full_page=True)
    switch_language(page, "fr")
