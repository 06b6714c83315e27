"""ACC-3 / USE-8: a customer billed through its partner cannot be prepaid.

The partner of a partner-billed customer is invoiced for its consumption (wholesale) and collects
its payments; staff record no top-up for such a customer. Set to prepaid, its calls were debited
from a ledger nobody fills (retail price, VAT included), the service suspended at zero, and the
partner's invoice showed the same consumption as already paid: the reseller was paid by nobody.
"""

import pytest
from django.urls import reverse

from accounts.choices import BillingMode, PaymentMethod
from accounts.models import Client

from .test_api import NEW_CUSTOMER

pytestmark = pytest.mark.django_db


# ACC-3, USE-8 — the partner API refuses a prepaid customer for a partner-billed partner (400 on
# the field, nothing written); the existing customer cannot be switched to prepaid either.
def test_partner_billed_customer_cannot_be_prepaid(api, partner, tenant):
    assert partner.billing_mode == BillingMode.PARTNER_BILLED
    response = api.post(
        reverse("api:customer-list"),
        {**NEW_CUSTOMER, "payment_method": "prepaid"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400, response.json()
    fields = response.json()["error"]["fields"]
    assert list(fields) == ["payment_method"]
    assert "billed through its partner" in str(fields["payment_method"])
    assert not Client.objects.filter(legal_name="Garage Lefèvre").exists()

    response = api.patch(
        reverse("api:customer-detail", args=[tenant.client.pk]),
        {"payment_method": "prepaid"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 400, response.json()
    assert "facturé par son partenaire" in str(response.json()["error"]["fields"])
    tenant.client.refresh_from_db()
    assert tenant.client.payment_method == PaymentMethod.SEPA_DIRECT_DEBIT


# ACC-3, USE-8 — a reseller-billed partner's customer (invoiced by us) may be prepaid.
def test_reseller_billed_partner_customer_can_be_prepaid(api, partner):
    partner.billing_mode = BillingMode.RESELLER_BILLED
    partner.save(update_fields=["billing_mode"])
    response = api.post(
        reverse("api:customer-list"),
        {**NEW_CUSTOMER, "payment_method": "prepaid"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert Client.objects.get(pk=response.json()["id"]).payment_method == PaymentMethod.PREPAID


# ACC-3 — a direct customer may be prepaid (the demo's Boulangeries Durand).
def test_direct_customer_can_be_prepaid():
    client = Client(
        legal_name="Boulangerie Test",
        siren="443061841",
        address_line1="1 rue A",
        postal_code="59000",
        city="Lille",
        payment_method=PaymentMethod.PREPAID,
    )
    client.full_clean()


# ACC-3, USE-8 — the other way round: a reseller-billed partner with a prepaid customer cannot be
# switched to partner-billed in the back office while that customer is prepaid (its calls would
# then be invoiced to the partner at wholesale and debited from the customer's ledger at retail:
# paid twice). The form names how many customers to move first; nothing changes.
def test_partner_with_a_prepaid_customer_cannot_become_partner_billed(client, partner):
    from tests.factories import ClientFactory

    from .test_views import _staff_with_mfa

    partner.billing_mode = BillingMode.RESELLER_BILLED
    partner.legal_name, partner.siren, partner.address_line1 = "Nova SAS", "443061841", "1 rue A"
    partner.save()
    ClientFactory(partner=partner, payment_method=PaymentMethod.PREPAID)
    ClientFactory(partner=partner, payment_method=PaymentMethod.SEPA_DIRECT_DEBIT)
    _staff_with_mfa(client)
    form = {
        "name": partner.name,
        "primary_color": "#000000",
        "secondary_color": "#ffffff",
        "support_email": partner.support_email,
        "billing_mode": "partner_billed",
        "wholesale_discount_percent": "0",
        "is_active": "on",
        "host_name": "",
        "legal_name": "Nova SAS",
        "siren": "443061841",
        "address_line1": "1 rue A",
        "postal_code": "75001",
        "city": "Paris",
        "country": "FR",
        "vat_regime": "standard",
    }
    url = reverse("admin:accounts_partner_change", args=[partner.pk])
    response = client.post(url, form, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    assert "1 client de ce partenaire est prépayé" in response.content.decode()
    partner.refresh_from_db()
    assert partner.billing_mode == BillingMode.RESELLER_BILLED

    Client.objects.filter(partner=partner).update(payment_method=PaymentMethod.SEPA_DIRECT_DEBIT)
    assert client.post(url, form).status_code == 302
    partner.refresh_from_db()
    assert partner.billing_mode == BillingMode.PARTNER_BILLED
