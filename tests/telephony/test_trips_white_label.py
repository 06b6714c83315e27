"""Issue 17 items 1 and 6 on a channel order (TRK-3): a partner-billed customer is sent to its
partner to pay, never to our IBAN (ACC-3); a direct customer sees our IBAN grouped by four."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from accounts.choices import BillingMode, Role
from telephony import services
from tests.telephony.factories import make_trunk

pytestmark = pytest.mark.django_db
NOV = date(2026, 11, 1)
GROUPED = "FR76 3000 6000 0112 3456 7890 189"


@pytest.fixture(autouse=True)
def _creditor(settings):
    settings.SEPA_CREDITOR = {
        **settings.SEPA_CREDITOR,
        "name": "Azur Telecom SAS",
        "IBAN": "FR7630006000011234567890189",
    }


def _order_page(as_role, tenant) -> str:
    trunk = make_trunk(tenant.client, channels=8, start=date(2026, 10, 1), renew_to=NOV)
    with time_machine.travel("2026-11-21 10:00 +01:00", tick=False):
        order = services.channel_order_create(trunk=trunk, add=2)
        response = as_role(Role.ADMIN).get(reverse("telephony:order", args=[order.pk]))
    assert response.status_code == 200
    return response.content.decode()


# issue 17 item 1 — ACC-3: the partner-billed customer's order names its partner and its
# support address as the way to pay; no reseller name, no IBAN.
def test_partner_billed_order_points_to_the_partner(as_role, tenant):
    partner = tenant.client.partner
    assert partner.billing_mode == BillingMode.PARTNER_BILLED
    html = _order_page(as_role, tenant)
    assert 'data-testid="pay-partner"' in html
    assert partner.name in html and f'href="mailto:{partner.support_email}"' in html
    assert "Azur Telecom SAS" not in html and "FR76" not in html


# issue 17 item 6 — a direct (postpaid, no mandate) customer: the transfer IBAN by four, and no
# "top up your prepaid balance" link (prepaid does not apply to it).
def test_direct_customer_order_shows_iban_by_four(as_role, tenant):
    partner = tenant.client.partner
    partner.billing_mode = BillingMode.RESELLER_BILLED
    partner.save(update_fields=["billing_mode"])
    html = _order_page(as_role, tenant)
    assert f'<dd data-testid="iban">{GROUPED}</dd>' in html
    assert reverse("payments:prepaid") not in html.split('data-testid="payment"')[1]
