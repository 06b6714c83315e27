"""Partner API of the accounts domain (ACC-1, ACC-2, ACC-3)."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accounts.api.throttling import ApiKeyRateThrottle
from accounts.choices import Role
from accounts.models import AuditLog, Client, Membership
from accounts.services import api_key_revoke
from tests.factories import ClientFactory, clear_own_cache, make_api_key

pytestmark = pytest.mark.django_db

NEW_CUSTOMER = {
    "legal_name": "Garage Lefèvre",
    "siren": "443 061 841",
    "address_line1": "8 rue Haute",
    "postal_code": "59000",
    "city": "Lille",
    "invoice_recipients": ["compta@lefevre.example"],
}


# ACC-3 — a partner creates a customer; it belongs to that partner and the creation is audited
# with the API key as the actor.
def test_create_customer(api, partner):
    response = api.post(reverse("api:customer-list"), NEW_CUSTOMER, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["siren"] == "443061841" and body["status"] == "active"
    client = Client.objects.get(pk=body["id"])
    assert client.partner == partner
    entry = AuditLog.objects.get(action="client.create")
    assert entry.actor_api_key == api.key and entry.partner == partner


# ACC-1 — bad identifiers: 400 with the error envelope naming each field; nothing written.
def test_create_customer_field_errors(api):
    response = api.post(
        reverse("api:customer-list"),
        {**NEW_CUSTOMER, "siren": "443061842", "vat_number": "FR00443061841"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert set(error["fields"]) == {"siren", "vat_number"}
    assert not Client.objects.exists()


# ACC-3 — keys only in the Authorization header: a key in the query string is refused.
def test_key_in_query_string_refused(partner):
    _key, raw = make_api_key(partner)
    for name in ("api_key", "key", "token"):
        response = APIClient().get(reverse("api:customer-list"), {name: raw})
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "api_key_in_url"


# ACC-3 — no key, a wrong key, a revoked key: 401 with the envelope.
def test_bad_and_revoked_keys(partner):
    key, raw = make_api_key(partner)
    assert APIClient().get(reverse("api:customer-list")).status_code == 401
    wrong = APIClient()
    wrong.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}x")
    assert wrong.get(reverse("api:customer-list")).status_code == 401
    ok = APIClient()
    ok.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert ok.get(reverse("api:customer-list")).status_code == 200
    api_key_revoke(api_key=key)
    response = ok.get(reverse("api:customer-list"))
    assert response.status_code == 401 and response.json()["error"]["code"] == "bad_key"


# ACC-3 — a read-only key reads but cannot write.
def test_read_only_key(read_only_api, tenant):
    assert read_only_api.get(reverse("api:customer-list")).status_code == 200
    response = read_only_api.post(reverse("api:customer-list"), NEW_CUSTOMER, format="json")
    assert response.status_code == 403
    response = read_only_api.patch(
        reverse("api:customer-detail", args=[tenant.client.pk]), {"city": "Lyon"}, format="json"
    )
    assert response.status_code == 403
    tenant.client.refresh_from_db()
    assert tenant.client.city == "Paris"


# ACC-3 — last use of a key is recorded.
def test_last_used_recorded(api):
    api.get(reverse("api:customer-list"))
    api.key.refresh_from_db()
    assert api.key.last_used_at is not None


# ACC-3 — lists are paginated and filterable.
def test_pagination_and_filters(api, partner):
    ClientFactory.create_batch(3, partner=partner)
    ClientFactory(partner=partner, legal_name="Zebra Telecom")
    body = api.get(reverse("api:customer-list"), {"page_size": 2}).json()
    assert body["count"] == 4 and len(body["results"]) == 2 and body["next"]
    body = api.get(reverse("api:customer-list"), {"legal_name": "zebra"}).json()
    assert [c["legal_name"] for c in body["results"]] == ["Zebra Telecom"]


# ACC-2 — a partner invites a user for its customer, changes the role, removes the user.
def test_customer_users_lifecycle(api, tenant):
    url = reverse("api:customer-user-list")
    response = api.post(
        url,
        {"client": tenant.client.pk, "email": "ops@acme.example", "role": "technical"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    member_id = response.json()["id"]
    detail = reverse("api:customer-user-detail", args=[member_id])
    assert api.patch(detail, {"role": "billing"}, format="json").json()["role"] == "billing"
    assert api.delete(detail).status_code == 204
    assert not Membership.objects.filter(pk=member_id).exists()


# ACC-2 — the last administrator cannot be demoted through the API either.
def test_last_admin_protected_in_api(api, tenant):
    admin = tenant.members[Role.ADMIN]
    response = api.patch(
        reverse("api:customer-user-detail", args=[admin.pk]), {"role": "read_only"}, format="json"
    )
    assert response.status_code == 400 and "role" in response.json()["error"]["fields"]


# ACC-2 — PATCH of a customer user changes its role, the one thing it changes: a PATCH without
# a role is a 400 naming it, and nothing changes; the schema says role is required.
def test_customer_user_patch_needs_the_role(api, tenant):
    member = tenant.members[Role.TECHNICAL]
    url = reverse("api:customer-user-detail", args=[member.pk])
    response = api.patch(url, {"first_name": "X"}, format="json")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert fields["role"] == ["Ce champ est obligatoire."]
    # SPEC §9: a field the operation does not have is named, not ignored
    assert fields["first_name"] == ["Champ inconnu. Les champs de cette requête sont\xa0: role."]
    member.refresh_from_db()
    member.user.refresh_from_db()
    assert member.role == Role.TECHNICAL and member.user.first_name != "X"
    assert api.patch(url, {"role": "billing"}, format="json").json()["role"] == "billing"
    schema = SchemaGenerator().get_schema(request=None, public=True)
    body = schema["paths"]["/api/v1/customer-users/{id}/"]["patch"]["requestBody"]
    assert body["required"] is True
    ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert schema["components"]["schemas"][ref]["required"] == ["role"]


# ACC-1 — a site stays with its customer: moving it is a 400 in the partner's language.
@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("fr", "Un site ne peut pas passer à un autre client."),
        ("en", "A site cannot move to another customer."),
    ],
)
def test_site_cannot_move_to_another_customer(api, partner, tenant, language, message):
    other_customer = ClientFactory(partner=partner)
    response = api.patch(
        reverse("api:site-detail", args=[tenant.site.pk]),
        {"client": other_customer.pk},
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"client": [message]}
    tenant.site.refresh_from_db()
    assert tenant.site.client == tenant.client


def _post_site(api, client_pk, **headers):
    site = {
        "client": client_pk,
        "name": "Intrusion",
        "address_line1": "x",
        "postal_code": "75001",
        "city": "Paris",
        "insee_code": "75101",
    }
    return api.post(reverse("api:site-list"), site, format="json", **headers)


# ACC-3 — a site cannot be created for another partner's customer (the id "does not exist").
def test_site_for_other_partner_customer_refused(api, other_tenant):
    response = _post_site(api, other_tenant.client.pk)
    assert response.status_code == 400 and "client" in response.json()["error"]["fields"]


# ACC-3 — an unknown id in a body reads as the filters' "unknown" messages do, in the partner's
# language (DRF's own French said « Clé primaire « 5 » non valide - l'objet n'existe pas. »);
# another partner's customer is just as unknown.
@pytest.mark.parametrize(
    "language,message",
    [
        ("fr", "Objet inconnu\u00a0: aucun objet n'a l'identifiant {pk}."),
        ("en", 'Invalid pk "{pk}" - object does not exist.'),
    ],
)
def test_unknown_id_in_a_body_named_plainly(api, other_tenant, language, message):
    pk = other_tenant.client.pk
    response = _post_site(api, pk, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["client"] == [message.format(pk=pk)]


def test_site_insee_validated(api, tenant):
    response = api.post(
        reverse("api:site-list"),
        {
            "client": tenant.client.pk,
            "name": "Annexe",
            "address_line1": "x",
            "postal_code": "75001",
            "city": "Paris",
            "insee_code": "7510",
        },
        format="json",
    )
    assert response.status_code == 400 and "insee_code" in response.json()["error"]["fields"]


# ACC-1 — the API refuses a site whose postal code is not French, on the field.
def test_site_postal_code_validated(api, tenant):
    response = api.post(
        reverse("api:site-list"),
        {
            "client": tenant.client.pk,
            "name": "Annexe",
            "address_line1": "x",
            "postal_code": "ABC",
            "city": "Paris",
            "insee_code": "75101",
        },
        format="json",
    )
    assert response.status_code == 400 and "postal_code" in response.json()["error"]["fields"]


# ACC-3 — requests are throttled per key in the shared cache.
def test_throttled(api, monkeypatch):
    clear_own_cache()
    monkeypatch.setattr(ApiKeyRateThrottle, "THROTTLE_RATES", {"api_key": "3/min"})
    codes = [api.get(reverse("api:customer-list")).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    clear_own_cache()


# The OpenAPI document builds without warnings and the docs page is served.
def test_schema_without_warnings(tmp_path, client):
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "s.yml"))
    assert "/api/v1/customers/" in (tmp_path / "s.yml").read_text()
    assert client.get(reverse("api:schema")).status_code == 200
    assert client.get(reverse("api:docs")).status_code == 200


# Query counts: a list endpoint does not grow with the number of rows (no N+1).
def test_list_query_count(api, partner, tenant, django_assert_max_num_queries):
    for _ in range(5):
        ClientFactory(partner=partner)
    with django_assert_max_num_queries(4):
        api.get(reverse("api:customer-list"))
    with django_assert_max_num_queries(4):
        api.get(reverse("api:customer-user-list"))
    with django_assert_max_num_queries(4):
        api.get(reverse("api:site-list"))


# ACC-1 / SPEC Money (the rate of every invoice follows the VAT regime) — a regime the billing
# address does not allow is refused with the field named, nothing changed: reverse charge (0 %)
# for a company in Paris; 8.5 % for Paris (only 971/972/974 have it); 20 % for an address in
# Réunion; reverse charge with a French VAT number for a German address. A German business with
# its DE number under reverse charge, and a Réunion company at 8.5 %, are accepted.
@pytest.mark.parametrize(
    "change,field",
    [
        ({"vat_regime": "reverse_charge"}, "vat_regime"),
        ({"vat_regime": "overseas"}, "vat_regime"),
        ({"vat_regime": "standard", "postal_code": "97400", "city": "Saint-Denis"}, "vat_regime"),
        ({"vat_regime": "reverse_charge", "country": "DE", "postal_code": "10115"}, "vat_number"),
    ],
)
def test_customer_vat_regime_must_fit_the_address(api, tenant, change, field):
    url = reverse("api:customer-detail", args=[tenant.client.pk])
    response = api.patch(url, change, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, response.json()
    assert list(response.json()["error"]["fields"]) == [field]
    tenant.client.refresh_from_db()
    assert (tenant.client.vat_regime, tenant.client.postal_code) == ("standard", "75002")


def test_customer_vat_regime_fitting_the_address_accepted(api, tenant):
    url = reverse("api:customer-detail", args=[tenant.client.pk])
    german = {
        "vat_regime": "reverse_charge",
        "country": "DE",
        "postal_code": "10115",
        "city": "Berlin",
        "vat_number": "DE136695976",
    }
    assert api.patch(url, german, format="json").status_code == 200
    reunion = {
        "vat_regime": "overseas",
        "country": "FR",
        "postal_code": "97400",
        "city": "Saint-Denis",
        "vat_number": "",
    }
    assert api.patch(url, reunion, format="json").status_code == 200
    tenant.client.refresh_from_db()
    assert (tenant.client.vat_regime, tenant.client.postal_code) == ("overseas", "97400")
