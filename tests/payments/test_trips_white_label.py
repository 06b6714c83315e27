"""Issue 17 items 1 and 6: a partner-billed customer's payment pages speak of its partner only
(ACC-3, white label); a postpaid customer's prepaid page does not pretend its consumption is
debited from a balance nor shows a top-up IBAN (BIL-10); every IBAN shown is grouped by four."""

import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse

from accounts.choices import BillingMode, PaymentMethod, Role
from tests.payments.conftest import direct_customer

pytestmark = pytest.mark.django_db

GROUPED = "FR76 3000 6000 0112 3456 7890 189"  # settings' demo IBAN, by four


@pytest.fixture(autouse=True)
def _creditor(settings):
    settings.SEPA_CREDITOR = {
        **settings.SEPA_CREDITOR,
        "name": "Azur Telecom SAS",
        "IBAN": "FR7630006000011234567890189",
    }


def _page(client, user, name) -> str:
    client.force_login(user)
    response = client.get(reverse(name))
    assert response.status_code == 200
    return response.content.decode()


# issue 17 item 1 — ACC-3: Clinique des Alpes is billed by Nova Connect: its payment pages name
# Nova Connect and its support address, never the reseller, its IBAN or a prepaid balance.
@pytest.mark.parametrize("name", ["payments:overview", "payments:prepaid", "payments:disputes"])
def test_partner_billed_pages_speak_of_the_partner_only(client, tenant, name):
    partner = tenant.client.partner
    assert partner.billing_mode == BillingMode.PARTNER_BILLED
    html = _page(client, tenant.members[Role.BILLING].user, name)
    assert f"{partner.name} vous facture vos services" in html
    assert f'href="mailto:{partner.support_email}"' in html
    for reseller_word in (
        settings.SEPA_CREDITOR["name"],
        settings.RESELLER["name"],
        "FR76",
        GROUPED,
        "PREPAID-",
        "Recharger par virement",
    ):
        assert reseller_word not in html, reseller_word


# issue 17 item 1 — ACC-3: a reseller-billed partner's customer keeps our payment pages.
def test_reseller_billed_customer_keeps_our_payment_details(client, tenant):
    partner = tenant.client.partner
    partner.billing_mode = BillingMode.RESELLER_BILLED
    partner.save(update_fields=["billing_mode"])
    html = _page(client, tenant.members[Role.ADMIN].user, "payments:overview")
    assert "vous facture vos services" not in html
    assert GROUPED in html


# issue 17 item 6 — BIL-10: a postpaid customer's prepaid page says prepaid does not apply: no
# "débitées de ce solde" on a 0,00 € balance, no top-up IBAN; the sub-navigation hides the page.
def test_postpaid_prepaid_page_explains(client):
    customer = direct_customer()
    assert customer.payment_method == PaymentMethod.SEPA_DIRECT_DEBIT
    billing = customer.memberships.get(role=Role.BILLING).user
    html = _page(client, billing, "payments:prepaid")
    assert "Votre compte est en post-paiement" in html
    assert "Le compte prépayé ne vous concerne pas" in html
    assert "Vos consommations sont débitées de ce solde" not in html
    assert 'data-testid="topup-instructions"' not in html and GROUPED not in html
    assert 'data-testid="prepaid-balance"' not in html
    overview = _page(client, billing, "payments:overview")
    assert f'href="{reverse("payments:prepaid")}"' not in overview


# issue 17 item 6 — BIL-10: a prepaid customer sees its balance and the top-up IBAN, by four;
# a postpaid customer without mandate sees the transfer IBAN by four too.
def test_prepaid_customer_and_iban_by_four(client):
    prepaid = direct_customer(payment_method=PaymentMethod.PREPAID)
    html = _page(client, prepaid.memberships.get(role=Role.ADMIN).user, "payments:prepaid")
    assert "Vos consommations sont débitées de ce solde" in html
    assert f'<dd data-testid="iban">{GROUPED}</dd>' in html
    assert "FR7630006000011234567890189" not in html
    postpaid = direct_customer()
    html = _page(client, postpaid.memberships.get(role=Role.ADMIN).user, "payments:overview")
    assert f'<dd data-testid="iban">{GROUPED}</dd>' in html


# issue 17 item 6 — the ``iban`` filter: python-stdnum's grouping; anything else unchanged.
def test_iban_filter():
    template = Template("{% load iban %}[{{ a|iban }}][{{ b|iban }}][{{ c|iban }}]")
    out = template.render(
        Context({"a": "fr7630006000011234567890189", "b": "not an iban", "c": None})
    )
    assert out == f"[{GROUPED}][not an iban][]"
