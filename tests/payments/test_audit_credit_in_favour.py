"""BIL-4 / BIL-9: money of a customer's not set against an invoice yet — paid beyond its
invoices, or left on a credit note — was shown nowhere: the payments page said « nothing left
to pay » and the partner API's balance had no figure for it, while it goes to the next invoices.

The invoice: 100.00 € HT + 20 % VAT = 120.00 € TTC, issued 30/09/2026, due 30/10/2026.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.choices import BillingMode, Role
from billing import services as billing
from payments import selectors, services
from tests.payments.conftest import direct_customer, issue_invoice
from tests.payments.test_direct_debit_lateness import paris

pytestmark = pytest.mark.django_db


def overpay_and_credit(client):
    """150.00 € paid on 20/10 for the 120.00 € invoice: 30.00 € on account; a goodwill credit
    note of 20.00 € HT + 4.00 € VAT = 24.00 €, no invoice to set it against yet → 54.00 €."""
    invoice = issue_invoice(client, "100.00")
    with paris(date(2026, 10, 20)):
        services.payment_record(
            client=client, amount="150.00", method="transfer", received_on=date(2026, 10, 20)
        )
        billing.credit_note_issue(
            lines=[billing.CreditLine(description="Geste commercial", amount=Decimal("20.00"))],
            reason="Geste commercial",
            client=client,
        )
    assert services.invoice_state(invoice).open == 0
    return invoice


# BIL-4 / BIL-9 — the payments page (French) says « En votre faveur : 54,00 € » beside « nothing
# left to pay » (before: nothing about the 54.00 €); a 10.00 € refund of the credit note leaves
# 44.00 €; a rejected debit or money for an order is not counted.
def test_bil4_payments_page_shows_the_credit_in_favour(client):
    customer = direct_customer()
    overpay_and_credit(customer)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    client.force_login(customer.memberships.get(role=Role.BILLING).user)
    with paris(date(2026, 10, 21)):
        page = client.get(reverse("payments:overview")).content.decode()
    assert "En votre faveur\u00a0: 54,00\u00a0€ pas encore imputés sur une facture" in page
    note = customer.invoices.get(kind="credit_note")
    with paris(date(2026, 10, 22)):
        billing.credit_note_refund(
            credit_note=note, amount="10.00", refunded_on=date(2026, 10, 22), reference="RB-1"
        )
    assert selectors.credit_in_favour(customer) == Decimal("44.00")
    other = direct_customer()
    assert selectors.credit_in_favour(other) == Decimal("0.00")
    client.force_login(other.memberships.get(role=Role.BILLING).user)
    with paris(date(2026, 10, 22)):
        assert "En votre faveur" not in client.get(reverse("payments:overview")).content.decode()
    # The 44.00 € go to the next invoice: October's 60.00 € (50.00 € HT) less the 14.00 € left
    # of the credit note (24.00 − 10.00, set against it by the run) = 46.00 € due, less the
    # 30.00 € on account (the daily job) = 16.00 € left; nothing more in the customer's favour.
    october = issue_invoice(customer, "50.00", month=date(2026, 10, 1), source="oct")
    with paris(date(2026, 11, 1)):
        services.collection_run(today=date(2026, 11, 1))
    assert services.invoice_state(october).open == Decimal("16.00")
    assert selectors.credit_in_favour(customer) == Decimal("0.00")


# BIL-4 / BIL-9 — the partner API's balance of a customer gives it: "credit": "54.00", not in
# "due" ("0.00"); another partner's customer is 404.
def test_bil4_balance_api_gives_the_credit_in_favour(
    api, tenant, other_tenant, partner, django_assert_max_num_queries
):
    partner.billing_mode = BillingMode.RESELLER_BILLED
    partner.save(update_fields=["billing_mode"])
    overpay_and_credit(tenant.client)
    with paris(date(2026, 10, 21)):
        with django_assert_max_num_queries(14):
            body = api.get(reverse("api:customer-balance", args=[tenant.client.pk])).json()
        assert (body["due"], body["credit"]) == ("0.00", "54.00")
        other = api.get(reverse("api:customer-balance", args=[other_tenant.client.pk]))
    assert other.status_code == 404
