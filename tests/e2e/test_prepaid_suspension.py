"""USE-8 / CON-8 and TRK-6 in a real Chromium (live_server, the demo data): the contract page of a
prepaid customer whose contract, under notice, was suspended for its exhausted balance; the
back office's page of a destination group with its history."""

from datetime import date
from decimal import Decimal

from django.db import transaction
from playwright.sync_api import expect

from accounts.choices import PaymentMethod
from offers import services as offers
from payments.services import prepaid_consume
from telephony.models import DestinationGroup
from telephony.services import destination_group_save
from tests.e2e.pages import screenshot, sign_in
from tests.e2e.test_console import _sign_in_with_totp
from tests.factories import PASSWORD
from tests.telephony.factories import customer, make_trunk, top_up


# USE-8 / CON-8 — 5.00 € on the balance, 12.00 € of calls debited: the trunk contract ending on
# 1 January shows its suspension ("Crédit prépayé épuisé") above its scheduled termination.
def test_terminating_contract_suspended_for_its_balance_shows_both(page, live_server, demo_data):
    buyer = customer(payment_method=PaymentMethod.PREPAID)
    contract = make_trunk(buyer, start=date(2026, 9, 1)).contract
    top_up(buyer, "5.00")
    offers.contract_request_termination(contract=contract, requested_date=date(2027, 1, 1))
    with transaction.atomic():
        prepaid_consume(
            client=buyer,
            amount_net=Decimal("10.0000"),
            source_type="usage_consumption",
            source_id="e2e",
            description="Appels",
        )
    sign_in(page, live_server, buyer.memberships.get().user.email, PASSWORD)
    page.goto(f"{live_server.url}/contracts/{contract.pk}/")
    expect(page.locator("[data-testid='suspension']")).to_contain_text("Crédit prépayé épuisé")
    expect(page.locator("[data-testid='termination']")).to_be_visible()
    expect(page.locator("[data-testid='contract-status']")).to_have_text("En cours de résiliation")
    screenshot(page, "contract-terminating-suspended.png")


# TRK-6 — the group's page lists what each change replaced.
def test_destination_group_page_shows_its_history(page, live_server, demo_data):
    group = DestinationGroup.objects.get(code="premium-rate")
    group.blocked_by_default = False
    destination_group_save(group=group)
    _sign_in_with_totp(page, live_server)
    page.wait_for_load_state("load")
    page.goto(f"{live_server.url}/backoffice/telephony/destinationgroup/{group.pk}/change/")
    expect(page.locator("#changes-group")).to_be_visible()
    screenshot(page, "backoffice-destination-group.png")
