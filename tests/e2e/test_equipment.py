"""EQP-4 / EQP-5 in a real browser: the demo clinic's administrator reports a defective rented
phone with a photo; staff approve the RMA and ship the replacement in the back office; the
customer sees the RMA number, the replacement shipment and downloads the return label.

Driven in a real Chromium against live_server, with the `make run` demo data (load_demo)."""

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from accounts.demo import DEMO_STAFF_TOTP_SECRET, STAFF_PASSWORD
from equipment.choices import ItemState, RmaStatus
from equipment.models import Item, Rma
from tests.console.conftest import current_totp
from tests.e2e.pages import screenshot, sign_in
from tests.equipment.factories import ensure_rental_offers

ADMIN_EMAIL = "admin@clinique-alpes.example"
STAFF_EMAIL = "staff@azur-telecom.example"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64


def _staff_sign_in(page, live_server):
    """The demo staff member: password, then the TOTP code (the back office needs both)."""
    sign_in(page, live_server, STAFF_EMAIL, STAFF_PASSWORD, expect_home=False)
    expect(page).to_have_url(f"{live_server.url}/accounts/2fa/authenticate/")
    code = page.locator("input[name='code']")
    code.fill(current_totp(DEMO_STAFF_TOTP_SECRET))
    code.press("Enter")
    page.wait_for_load_state("load")


@pytest.fixture
def equipment_offers(transactional_db):
    """EQP-3's rental offers (data migration 0002 of equipment), before the demo data."""
    ensure_rental_offers()


def test_customer_reports_defect_staff_approve_customer_sees_rma_and_label(
    page, live_server, equipment_offers, demo_data, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    settings.BILLING_RENDER_PDF = False
    # The demo: two phones rented by the clinic, the first one already under RMA.
    phone = (
        Item.objects.filter(client__siren="834567893", state=ItemState.AT_CUSTOMER)
        .exclude(rmas__isnull=False)
        .get()
    )

    # The customer's administrator reports the defect, with a photo.
    sign_in(page, live_server, ADMIN_EMAIL)
    page.locator("nav.mainnav a[href='/equipment/']").click()
    expect(page).to_have_url(f"{live_server.url}/equipment/")
    screenshot(page, "equipment/items.png")
    page.locator(f"[data-serial='{phone.serial_number}'] a").click()
    expect(page.locator("[data-testid='warranty-end']")).to_be_visible()
    screenshot(page, "equipment/item.png")
    page.locator("[data-testid='report-defect']").click()
    form = page.locator("[data-testid='rma-form']")
    form.locator("textarea[name='description']").fill("Le téléphone redémarre en boucle.")
    form.locator("input[name='photos']").set_input_files(
        [{"name": "ecran.jpg", "mimeType": "image/jpeg", "buffer": JPEG}]
    )
    form.locator("button[type='submit']").click()
    expect(page.locator("[data-testid='rma-pending']")).to_contain_text("Le support vérifie")
    rma = Rma.objects.get(item=phone)
    assert rma.status == RmaStatus.REQUESTED
    screenshot(page, "equipment/rma_requested.png")

    # Staff approve it, then ship the replacement, in the back office.
    staff = page.context.browser.new_context(locale="fr-FR").new_page()
    _staff_sign_in(staff, live_server)
    staff.goto(f"{live_server.url}/backoffice/equipment/rma/")
    row = staff.locator("#result_list tbody tr", has_text=phone.serial_number)
    row.locator("input.action-select").check()
    staff.locator("select[name='action']").select_option("approve")
    staff.locator("button[name='index']").click()
    expect(staff.locator(".messagelist")).to_be_visible()
    rma.refresh_from_db()
    assert rma.status == RmaStatus.APPROVED and rma.number
    row = staff.locator("#result_list tbody tr", has_text=rma.number)
    row.locator("input.action-select").check()
    staff.locator("select[name='action']").select_option("ship_replacement")
    staff.locator("button[name='index']").click()
    staff.locator("input[name='tracking_number']").fill("6A12345678901")
    screenshot(staff, "equipment/backoffice_ship.png")
    staff.locator("input[type='submit'].default").click()
    expect(staff.locator(".messagelist")).to_be_visible()
    rma.refresh_from_db()
    assert rma.status == RmaStatus.SHIPPED and rma.replacement is not None
    staff.context.close()

    # The customer sees the RMA number, the replacement and the return label.
    page.reload()
    expect(page.locator("[data-testid='rma-number']")).to_have_text(rma.number)
    shipped = page.locator("[data-testid='rma-shipped']")
    expect(shipped).to_contain_text(rma.replacement.serial_number)
    expect(shipped).to_contain_text("6A12345678901")
    label = page.locator("[data-testid='return-label']")
    expect(label).to_be_visible()
    screenshot(page, "equipment/rma_shipped.png")
    pdf = page.request.get(f"{live_server.url}{label.get_attribute('href')}").body()
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "Retour Équipements Nova Connect" in text  # the clinic is a partner's customer
    assert rma.number in text and phone.serial_number in text
    assert "Clinique des Alpes SAS" in text
