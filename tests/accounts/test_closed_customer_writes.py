"""ACC-1 — a closed customer has nothing left and its users can no longer sign in: nobody is
invited to it and no site is added to it, through the partner API as through the back office;
the refusal names the customer field, in the caller's language, and nothing is written."""

import pytest
from django.core import mail
from django.urls import reverse

from accounts.choices import ClientStatus
from accounts.models import AuditLog, Client, Membership, Site, User
from tests.accounts.test_client_closing import _form_data
from tests.factories import UserFactory, sign_in_staff

pytestmark = pytest.mark.django_db

MEMBER_REFUSED = {
    "fr": "Ce client est clôturé\u00a0: ses utilisateurs ne peuvent plus se connecter, personne "
    "ne peut y être invité.",
    "en": "This customer is closed: its users can no longer sign in, nobody can be invited to it.",
}
SITE_REFUSED = {
    "fr": "Ce client est clôturé\u00a0: aucun site ne peut lui être ajouté.",
    "en": "This customer is closed: no site can be added to it.",
}


@pytest.fixture
def closed(tenant):
    """The tenant's customer, closed by staff (nothing left to it)."""
    Client.objects.filter(pk=tenant.client.pk).update(status=ClientStatus.CLOSED)
    tenant.client.refresh_from_db()
    return tenant.client


def _writes(customer) -> tuple:
    return (
        Membership.objects.filter(client=customer).count(),
        Site.objects.filter(client=customer).count(),
        User.objects.count(),
        AuditLog.objects.count(),
    )


# ACC-1 — before: POST /customer-users/ on a closed customer answered 201, a membership its
# person could never use and an invitation e-mail to choose a password for a locked portal.
# Now: 400 on client, no user, no membership, no audit, no e-mail.
@pytest.mark.parametrize("language", ["fr", "en"])
def test_api_invitation_to_a_closed_customer_refused(api, closed, language):
    before = _writes(closed)
    response = api.post(
        reverse("api:customer-user-list"),
        {"client": closed.pk, "email": "new@acme.example", "role": "technical"},
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 400, response.json()
    assert response.json()["error"]["fields"] == {"client": [MEMBER_REFUSED[language]]}
    assert _writes(closed) == before
    assert not User.objects.filter(email="new@acme.example").exists()
    assert mail.outbox == []


NEW_SITE = {
    "name": "Entrepôt",
    "address_line1": "1 rue du Port",
    "postal_code": "13002",
    "city": "Marseille",
    "insee_code": "13202",
}


# ACC-1 — before: POST /sites/ on a closed customer answered 201 with a new site.
# Now: 400 on client, nothing written.
@pytest.mark.parametrize("language", ["fr", "en"])
def test_api_site_for_a_closed_customer_refused(api, closed, language):
    before = _writes(closed)
    response = api.post(
        reverse("api:site-list"),
        {"client": closed.pk, **NEW_SITE},
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 400, response.json()
    assert response.json()["error"]["fields"] == {"client": [SITE_REFUSED[language]]}
    assert _writes(closed) == before


# ACC-1 — an existing site of a closed customer can still be corrected (its history, its
# invoices' addresses): only a new one is refused.
def test_api_site_of_a_closed_customer_still_corrected(api, closed, tenant):
    response = api.patch(
        reverse("api:site-detail", args=[tenant.site.pk]), {"cost_centre": "CC-9"}, format="json"
    )
    assert response.status_code == 200, response.json()
    tenant.site.refresh_from_db()
    assert tenant.site.cost_centre == "CC-9"


@pytest.fixture
def staff(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return sign_in_staff(client)


# ACC-1 — the back office alike: staff adding a site to a closed customer (the site's page) or
# a person to it (the membership's page) are refused on « client », nothing written.
def test_back_office_site_for_a_closed_customer_refused(client, staff, closed):
    before = _writes(closed)
    page = client.post(
        reverse("admin:accounts_site_add"),
        {"client": closed.pk, **NEW_SITE},
    )
    assert page.status_code == 200
    assert page.context["adminform"].form.errors == {"client": [SITE_REFUSED["en"]]}
    assert _writes(closed) == before


def test_back_office_member_for_a_closed_customer_refused(client, staff, closed):
    person = UserFactory(email="new@acme.example")
    before = _writes(closed)
    page = client.post(
        reverse("admin:accounts_membership_add"),
        {"user": person.pk, "client": closed.pk, "role": "technical"},
    )
    assert page.status_code == 200
    assert page.context["adminform"].form.errors == {"client": [MEMBER_REFUSED["en"]]}
    assert _writes(closed) == before


# ACC-1 — a site block added on the closed customer's own page is refused as well.
def test_back_office_site_inline_for_a_closed_customer_refused(client, staff, closed):
    url = reverse("admin:accounts_client_change", args=[closed.pk])
    data = _form_data(client.get(url))
    prefix = "sites"
    rows = int(data[f"{prefix}-TOTAL_FORMS"])
    new = {
        "name": "Entrepôt",
        "address_line1": "1 rue du Port",
        "postal_code": "13002",
        "city": "Marseille",
        "insee_code": "13202",
    }
    data.update({f"{prefix}-{rows}-{name}": value for name, value in new.items()})
    data[f"{prefix}-TOTAL_FORMS"] = rows + 1
    before = _writes(closed)
    page = client.post(url, data)
    assert page.status_code == 200
    errors = [form.non_field_errors() for form in page.context["inline_admin_formsets"][0].formset]
    assert [list(e) for e in errors if e] == [[SITE_REFUSED["en"]]]
    assert _writes(closed) == before
