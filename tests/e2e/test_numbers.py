"""NUM-3 and NUM-2 in a real browser: the demo clinic's administrator brings two numbers with
the port-in wizard — line 2's RIO is wrong, the error shows on line 2, the fix, the request
sent; staff reject it for "holder mismatch"; the customer sees the reason, fixes the holder and
relaunches; staff accept and complete it; the numbers show as assigned on the numbers page.
Screenshots under ``numbers/``.

Driven in a real Chromium against live_server, with the `make run` demo data (load_demo: the
clinic's HOSTED-W contract already holds two numbers of the demo ranges).
"""

import importlib
from datetime import timedelta

from django.apps import apps
from playwright.sync_api import expect

from accounts.models import Client, User
from kernel.clock import paris_today
from numbering import services
from numbering.choices import NumberState, PortStatus, RejectionReason
from numbering.demo import DEMO_SIREN
from numbering.models import PhoneNumber, PortRequest
from numbering.porting_days import next_porting_day
from numbering.rio import check_key
from numbering.services import porting
from offers.choices import LIVE_STATUSES
from offers.models import Contract
from tests.e2e.pages import screenshot, sign_in, translated
from tests.factories import siret_for

ADMIN_EMAIL = "admin@clinique-alpes.example"
STAFF_EMAIL = "staff@azur-telecom.example"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FIXED, MOBILE = "0145678910", "0612345678"


def _rio(body, national):
    return body + check_key(body, national)


def _number_products():
    """The numbers' catalogue products of data migration 0003 (a transactional test's flush
    wipes them, like the offers' catalogue that tests/conftest.py puts back)."""
    importlib.import_module("numbering.migrations.0003_number_products").create(apps, None)


def _mandate():
    return {"name": "mandat-signe.pdf", "mimeType": "application/pdf", "buffer": PDF}


def test_port_in_wrong_rio_fix_reject_relaunch_complete(
    page, live_server, demo_data, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    settings.BILLING_RENDER_PDF = False
    _number_products()
    client = Client.objects.get(siren=DEMO_SIREN)
    contract = (
        Contract.objects.filter(client=client, offer__code="hosted-w", status__in=LIVE_STATUSES)
        .order_by("pk")
        .first()
    )
    staff = User.objects.get(email=STAFF_EMAIL)

    # The numbers page: the demo's two numbers, per site and service.
    sign_in(page, live_server, ADMIN_EMAIL)
    page.locator("nav.mainnav a[href='/numbers/']").click()
    expect(page).to_have_url(f"{live_server.url}/numbers/")
    expect(page.locator("[data-testid='number-row']")).to_have_count(2)
    screenshot(page, "numbers/numbers.png")

    # The wizard: line 2's RIO is the key of line 1's number.
    page.locator("nav.subnav a[href='/numbers/ports/']").click()
    page.locator("[data-testid='new-port']").click()
    expect(page).to_have_url(f"{live_server.url}/numbers/ports/new/")
    lines = page.locator("tbody[data-lines] tr")
    expect(lines).to_have_count(3)
    # port_lines.js ran (a click before it would post the form: the no-JS path)
    expect(page.locator("[data-testid='add-line'][data-live='on']")).to_have_count(1)
    page.evaluate("window.__sameDocument = true")
    page.locator("[data-testid='add-line']").click()  # in place (port_lines.js), no reload
    expect(lines).to_have_count(4)
    assert page.evaluate("window.__sameDocument") is True
    expect(page.locator("input[name='lines-TOTAL_FORMS']")).to_have_value("4")
    form = page.locator("[data-testid='port-form']")
    form.locator("input[name='lines-0-number']").fill("01 45 67 89 10")
    form.locator("input[name='lines-0-rio']").fill(_rio("02F" + "AB1234", FIXED))
    form.locator("input[name='lines-1-number']").fill("06 12 34 56 78")
    form.locator("input[name='lines-1-rio']").fill(_rio("01P" + "123456", FIXED))  # wrong key
    form.locator("input[name='holder_name']").fill("Clinique des Alpes")
    form.locator("input[name='holder_siret']").fill(siret_for(DEMO_SIREN))
    form.locator("input[name='current_operator']").fill("Opérateur historique")
    desired = next_porting_day(paris_today() + timedelta(days=21))
    form.locator("input[name='desired_date']").fill(desired.isoformat())
    form.locator("select[name='contract']").select_option(str(contract.pk))
    form.locator("input[name='mandate']").set_input_files(_mandate())
    expect(page.locator("[data-testid='expected-delay']")).to_contain_text("10")
    form.locator("[data-testid='submit-port']").click()

    # The error is on line 2, and only there; nothing was written.
    expect(page.locator("tr[data-line='2'] [data-testid='line-error']")).to_be_visible()
    expect(page.locator("tr[data-line='2'] [data-testid='line-error']")).to_contain_text(MOBILE)
    expect(page.locator("tr[data-line='1'] [data-testid='line-error']")).to_have_count(0)
    expect(page.locator("tr[data-line='2']")).to_have_class("num-line-error")
    expect(page.locator("[data-testid='file-dropped']")).to_be_visible()
    assert not PortRequest.objects.filter(client=client).exists()
    screenshot(page, "numbers/port_wrong_rio.png")

    # The fix: line 2's own RIO, the mandate attached again; sent.
    form.locator("input[name='lines-1-rio']").fill("01 p 123456 36q")  # spaces, lower case
    form.locator("input[name='mandate']").set_input_files(_mandate())
    form.locator("[data-testid='submit-port']").click()
    port = PortRequest.objects.get(client=client)
    detail = f"{live_server.url}/numbers/ports/{port.pk}/"
    expect(page).to_have_url(detail)
    expect(page.locator(".msg-success")).to_contain_text(port.reference)
    expect(page.locator("[data-testid='port-status']")).to_have_text(
        translated(PortStatus.SUBMITTED.label)
    )
    expect(page.locator("[data-testid='port-line']")).to_have_count(2)
    assert port.status == PortStatus.SUBMITTED
    assert sorted(line.rio for line in port.lines.all())[0] == "01P12345636Q"
    screenshot(page, "numbers/port_submitted.png")

    # Staff reject it: the holder does not match (the back office calls this service).
    porting.port_request_reject(
        request=port,
        reason=RejectionReason.HOLDER_MISMATCH,
        note="Le nom du titulaire doit être la raison sociale exacte.",
        actor=staff,
    )
    page.reload()
    expect(page.locator("[data-testid='rejection-reason']")).to_have_text(
        translated(RejectionReason.HOLDER_MISMATCH.label)
    )
    expect(page.locator("[data-testid='rejection-note']")).to_contain_text("raison sociale exacte")
    expect(page.locator("[data-testid='step']")).to_have_count(3)
    screenshot(page, "numbers/port_rejected.png")

    # The customer fixes the holder's name and relaunches.
    page.locator("[data-testid='edit-port']").click()
    expect(page).to_have_url(f"{detail}edit/")
    expect(page.locator("[data-testid='rejection-reason']")).to_be_visible()
    expect(page.locator("[data-testid='mandate-kept']")).to_be_visible()
    page.locator("input[name='holder_name']").fill(client.legal_name)
    screenshot(page, "numbers/port_fix.png")
    page.locator("[data-testid='submit-port']").click()
    expect(page).to_have_url(detail)
    expect(page.locator("[data-testid='port-status']")).to_have_text(
        translated(PortStatus.SUBMITTED.label)
    )
    expect(page.locator("[data-testid='rejection']")).to_have_count(0)
    port.refresh_from_db()
    assert port.status == PortStatus.SUBMITTED and port.holder_name == client.legal_name
    assert [s.status for s in port.steps.all()] == ["draft", "submitted", "rejected", "submitted"]

    # Staff accept it for a date, then complete it on that date.
    porting.port_request_accept(
        request=port, scheduled_date=next_porting_day(paris_today()), actor=staff
    )
    porting.port_request_complete(request=port, actor=staff)
    page.reload()
    expect(page.locator("[data-testid='completed-notice']")).to_be_visible()
    expect(page.locator("[data-testid='step']")).to_have_count(6)
    screenshot(page, "numbers/port_completed.png")

    # The numbers page: both ported numbers, assigned to the contract.
    page.locator("[data-testid='completed-notice'] a[href='/numbers/']").click()
    expect(page).to_have_url(f"{live_server.url}/numbers/")
    for e164 in ("+33145678910", "+33612345678"):
        row = page.locator(f"[data-testid='number-row'][data-number='{e164}']")
        expect(row.locator("[data-testid='number-state']")).to_have_text(
            translated(NumberState.ASSIGNED.label)
        )
        expect(row).to_contain_text(contract.reference)
        assert PhoneNumber.objects.get(e164=e164).contract == contract
    expect(page.locator("[data-testid='number-row']")).to_have_count(4)
    screenshot(page, "numbers/numbers_after_port.png")


def test_search_assign_taken_meanwhile_then_release(page, live_server, demo_data, settings):
    # NUM-2: search the pool, see the prices before confirming; a number taken meanwhile by
    # another customer is named; the rest is assigned; one number released to quarantine.
    settings.BILLING_RENDER_PDF = False
    _number_products()
    client = Client.objects.get(siren=DEMO_SIREN)
    contract = (
        Contract.objects.filter(client=client, offer__code="hosted-w", status__in=LIVE_STATUSES)
        .order_by("pk")
        .first()
    )
    rival = (
        Contract.objects.filter(status__in=LIVE_STATUSES)
        .exclude(client=client)
        .order_by("pk")
        .first()
    )
    sign_in(page, live_server, ADMIN_EMAIL)
    page.goto(f"{live_server.url}/numbers/")
    page.locator("[data-testid='get-numbers']").click()
    expect(page).to_have_url(f"{live_server.url}/numbers/search/")
    filters = page.locator("[data-testid='search-filters']")
    filters.locator("input[name='ends_with']").fill("10")
    filters.locator("[data-testid='search-button']").click()
    expect(page.locator("[data-testid='result-row'][data-number='+33172700010']")).to_be_visible()
    for e164 in ("+33172700010", "+33974400010"):
        page.locator(f"[data-testid='result-row'][data-number='{e164}'] input").check()
    page.locator("select[name='service']").select_option(f"contract:{contract.pk}")
    screenshot(page, "numbers/search.png")
    page.locator("[data-testid='review']").click()
    expect(page.locator("[data-testid='review-row']")).to_have_count(2)
    expect(page.locator("[data-testid='monthly-total']")).to_have_text("2,50 €")  # 1,00 + 1,50
    screenshot(page, "numbers/assign_review.png")

    # Meanwhile another customer takes one of them.
    services.assign_numbers(client=rival.client, numbers=["+33974400010"], contract=rival)
    page.locator("[data-testid='confirm-assign']").click()
    error = page.locator("[data-testid='assign-error']")
    expect(error).to_be_visible()
    expect(error).to_contain_text("09 74 40 00 10")
    expect(page.locator("[data-testid='result-row'][data-number='+33974400010']")).to_have_count(0)
    expect(
        page.locator("[data-testid='result-row'][data-number='+33172700010'] input")
    ).to_be_checked()
    assert not PhoneNumber.objects.filter(e164="+33172700010", client=client).exists()
    screenshot(page, "numbers/assign_taken.png")

    page.locator("[data-testid='review']").click()
    expect(page.locator("[data-testid='review-row']")).to_have_count(1)
    page.locator("[data-testid='confirm-assign']").click()
    expect(page).to_have_url(f"{live_server.url}/numbers/")
    expect(page.locator(".msg-success")).to_be_visible()
    row = page.locator("[data-testid='number-row'][data-number='+33172700010']")
    expect(row.locator("[data-testid='number-state']")).to_have_text(
        translated(NumberState.ASSIGNED.label)
    )

    # Released: the confirmation says the quarantine; the number leaves the list.
    row.locator("[data-testid='release']").click()
    expect(page.locator("[data-testid='quarantine-warning']")).to_contain_text("90")
    screenshot(page, "numbers/release.png")
    page.locator("[data-testid='confirm-release']").click()
    expect(page).to_have_url(f"{live_server.url}/numbers/")
    expect(page.locator(".msg-success")).to_be_visible()
    expect(row).to_have_count(0)
    assert PhoneNumber.objects.get(e164="+33172700010").state == NumberState.QUARANTINE
