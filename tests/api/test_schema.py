"""The OpenAPI document tells the truth (issue 13, defect 8): nullable fields are nullable, the
destination groups are a plain list, and every operation documents the error answers it can
give, all with the one error envelope of ``portal.api.errors`` (ACC-3: a partner's client is
generated from this document)."""

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from offers.api.serializers import ContractSerializer
from tests.offers.factories import make_contract
from tests.telephony.factories import make_sip_account

pytestmark = pytest.mark.django_db

ERROR_REF = "#/components/schemas/ApiError"
IDEMPOTENT = {
    ("post", "/api/v1/channel-orders/"),
    ("post", "/api/v1/channel-decreases/"),
    ("post", "/api/v1/contracts/{id}/lines/{line_id}/quantity/"),
    ("post", "/api/v1/webhook-endpoints/"),
    ("post", "/api/v1/numbers/assign/"),
    ("post", "/api/v1/port-requests/"),
    ("post", "/api/v1/equipment-orders/"),
    ("post", "/api/v1/rmas/"),
    ("post", "/api/v1/cdr-imports/"),
    ("post", "/api/v1/customers/"),
    ("post", "/api/v1/sites/"),
    ("post", "/api/v1/customer-users/"),
    ("post", "/api/v1/contracts/"),
    ("post", "/api/v1/tickets/"),
    ("post", "/api/v1/tickets/{id}/messages/"),
    ("post", "/api/v1/disputes/"),
}


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def _operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield method, path, operation


def _ref(response):
    return response["content"]["application/json"]["schema"].get("$ref")


# --- Nullable fields ---------------------------------------------------------------------------


# ACC-3 — a contract without a site, not in service yet, an outage not announced: null, and the
# schema says so.
@pytest.mark.parametrize(
    ("component", "field"),
    [
        ("Contract", "site"),
        ("Contract", "next_renewal"),
        ("ContractDetail", "site"),
        ("ContractDetail", "next_renewal"),
        ("Outage", "announced_at"),
        # BIL-6, ACC-3: a partner's own late charge has no customer; a customer's, no partner.
        ("PendingCharge", "client"),
        ("PendingCharge", "partner"),
    ],
)
def test_nullable_fields_documented(schema, component, field):
    prop = schema["components"]["schemas"][component]["properties"][field]
    assert prop["nullable"] is True
    assert prop["readOnly"] is True


def test_contract_without_site_nor_period_serializes_nulls(tenant):
    contract = make_contract(tenant.client, status="draft")
    contract.site = None
    contract.current_period_start = contract.current_period_end = None
    data = ContractSerializer(contract).data
    assert data["site"] is None and data["next_renewal"] is None


# --- Destinations: a plain list ----------------------------------------------------------------


# TRK-6 — GET destinations and (un)block answer a JSON array, not a paginated page; no page,
# page_size nor ordering parameter is documented.
@pytest.mark.parametrize("owner", ["trunks", "sip-accounts"])
@pytest.mark.parametrize(
    ("method", "suffix"),
    [("get", "destinations"), ("post", "block-destination"), ("post", "unblock-destination")],
)
def test_destinations_documented_as_array(schema, owner, method, suffix):
    operation = schema["paths"][f"/api/v1/{owner}/{{id}}/{suffix}/"][method]
    body = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert body == {"type": "array", "items": {"$ref": "#/components/schemas/Destination"}}
    assert [p["name"] for p in operation.get("parameters", [])] == ["id"]


def test_destinations_answer_is_an_array(api, tenant):
    sip = make_sip_account(tenant.client)[0]
    body = api.get(reverse("api:sip-account-destinations", args=[sip.pk])).json()
    assert isinstance(body, list) and {"group", "blocked"} <= set(body[0])
    url = reverse("api:sip-account-block-destination", args=[sip.pk])
    body = api.post(url, {"group": "premium-rate"}, format="json").json()
    assert isinstance(body, list)


# --- Error answers -----------------------------------------------------------------------------


def test_error_envelope_component(schema):
    components = schema["components"]["schemas"]
    error = components["ApiError"]["properties"]["error"]
    assert error["allOf"] == [{"$ref": "#/components/schemas/ApiErrorBody"}]
    assert error["description"] == "La cause de l'erreur."  # the schema's default language
    body = components["ApiErrorBody"]
    assert set(body["properties"]) == {"code", "message", "fields"}
    assert body["required"] == ["code", "message"]


# ACC-3 — every operation: no or a bad key (401), a key without the right (403), the rate limit
# (429); an operation on one object: another partner's id (404).
def test_every_operation_documents_auth_and_rate_limit(schema):
    operations = list(_operations(schema))
    assert len(operations) > 50
    for method, path, operation in operations:
        responses = operation["responses"]
        for code in ("401", "403", "429"):
            assert _ref(responses[code]) == ERROR_REF, (method, path, code)
        if "{" in path:
            assert "404" in responses, (method, path)


def test_post_commands_document_409(schema):
    commands = [
        (method, path, operation)
        for method, path, operation in _operations(schema)
        if method == "post" and "{" in path
    ]
    assert len(commands) >= 15
    for method, path, operation in commands:
        assert "409" in operation["responses"], (method, path)
    # A plain create cannot conflict: no 409 invented for it.
    assert "409" not in schema["paths"]["/api/v1/customers/"]["post"]["responses"]


def test_422_only_where_idempotency_key_honoured(schema):
    documented = {
        (method, path)
        for method, path, operation in _operations(schema)
        if "422" in operation["responses"]
    }
    assert documented == IDEMPOTENT
    for method, path in IDEMPOTENT:
        operation = schema["paths"][path][method]
        assert "Idempotency-Key" in {p["name"] for p in operation["parameters"]}


def test_400_field_errors_only_with_body_or_filters(schema):
    paths = schema["paths"]
    invalid_input = paths["/api/v1/customers/"]["post"]["responses"]["400"]["description"]
    for path, method in [
        ("/api/v1/customers/{id}/", "patch"),  # body
        ("/api/v1/invoices/", "get"),  # ?month=
        ("/api/v1/trunks/{id}/channel-quote/", "get"),  # ?add=
        ("/api/v1/trunks/", "get"),  # ?page= / ?page_size= (portal.api.pagination)
    ]:
        assert paths[path][method]["responses"]["400"]["description"] == invalid_input
    # Nothing to validate: nothing at all. A NUL character in the address or a parameter is
    # still a 400 (portal.middleware), documented as such.
    for path, method in [
        ("/api/v1/customers/{id}/", "get"),
        ("/api/v1/customer-users/{id}/", "delete"),
    ]:
        response = paths[path][method]["responses"]["400"]
        assert _ref(response) == ERROR_REF and response["description"] != invalid_input


# ACC-3 — every operation answers with or without its trailing slash (portal.api.routes), and
# the document lists each path once, with its slash.
def test_paths_listed_once_with_their_slash(schema):
    paths = list(schema["paths"])
    assert len(paths) > 50
    assert [path for path in paths if not path.endswith("/")] == []
    assert len({path.rstrip("/") for path in paths}) == len(paths)


# A page number or size that is not a whole number from 1 is a 400 naming it (documented: the
# parameters' minimum); only a page beyond the last one is a 404.
def test_page_parameters_documented(schema):
    operation = schema["paths"]["/api/v1/trunks/"]["get"]
    parameters = {p["name"]: p["schema"] for p in operation["parameters"]}
    assert parameters["page"] == {"type": "integer", "minimum": 1}
    assert parameters["page_size"] == {"type": "integer", "minimum": 1}
    assert operation["responses"]["404"]["description"] == (
        "Page inexistante\u00a0: au-delà de la dernière."
    )


def test_responses_documented_by_a_view_are_kept(schema):
    block = schema["paths"]["/api/v1/trunks/{id}/block-destination/"]["post"]["responses"]
    assert _ref(block["404"]) == "#/components/schemas/CommandError"
    order = schema["paths"]["/api/v1/channel-orders/"]["post"]["responses"]
    assert _ref(order["409"]) == "#/components/schemas/CommandError"
    assert "insufficient_balance" in order["409"]["description"]
    assert set(order) == {"201", "400", "401", "403", "404", "409", "413", "415", "422", "429"}


# The documented envelope is the one the API answers.
def test_documented_envelope_matches_answers(schema, api):
    props = schema["components"]["schemas"]["ApiErrorBody"]["properties"]
    unauthenticated = APIClient().get("/api/v1/customers/")
    assert unauthenticated.status_code == 401
    assert set(unauthenticated.json()) == {"error"}
    assert set(unauthenticated.json()["error"]) <= set(props)
    invalid = api.post("/api/v1/customers/", {}, format="json")
    assert invalid.status_code == 400
    assert set(invalid.json()["error"]) == set(props)
    missing = api.get("/api/v1/customers/999999/")
    assert missing.status_code == 404 and set(missing.json()["error"]) <= set(props)


# A document endpoint answers its errors in JSON too (billing.api.views._DocumentRenderer).
def test_document_endpoints_errors_are_json(schema, api):
    responses = schema["paths"]["/api/v1/invoices/{id}/pdf/"]["get"]["responses"]
    assert list(responses["200"]["content"]) == ["application/pdf"]
    assert list(responses["404"]["content"]) == ["application/json"]
    missing = api.get("/api/v1/invoices/999999/pdf/")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/json"
