"""SPEC §9 (ACC-3), input read one way: a GET naming a query parameter its endpoint does not
read is a 400 naming it and the parameters the endpoint takes — never silently ignored.
``GET /api/v1/tickets/?custmer=5`` (a misspelt ``customer``) answered 200 with every ticket of
every customer: the partner believed it had filtered.
"""

import re

import pytest
from django.urls import resolve, reverse
from drf_spectacular.generators import SchemaGenerator

from accounts.api.viewsets import KnownQueryParametersMixin
from tests.offers.factories import make_contract

pytestmark = pytest.mark.django_db


def _refused(response, name):
    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert list(error["fields"]) == [name]
    return error["fields"][name][0]


# ACC-3 — a misspelt filter on three lists: 400 naming it and what the list takes.
@pytest.mark.parametrize(
    "route, misspelt, meant, value",
    [
        ("api:invoice-list", "clent", "client", "tenant"),
        ("api:contract-list", "statuss", "status", "active"),
        ("api:ticket-list", "custmer", "customer", "tenant"),
    ],
)
def test_a_misspelt_filter_is_a_400_naming_it(api, tenant, route, misspelt, meant, value):
    value = tenant.client.pk if value == "tenant" else value
    make_contract(tenant.client, "sip-unl")  # a row the unfiltered list would show
    url = reverse(route)
    english = api.get(url, {misspelt: "5"}, HTTP_ACCEPT_LANGUAGE="en")  # 200 before, every row
    message = _refused(english, misspelt)
    assert message.startswith("Unknown parameter. The parameters of this request are: ")
    listed = message.removeprefix("Unknown parameter. The parameters of this request are: ")
    assert {meant, "ordering", "page", "page_size", "format"} <= set(listed.rstrip(".").split(", "))

    french = api.get(url, {misspelt: "5"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert _refused(french, misspelt).startswith(
        "Paramètre inconnu. Les paramètres de cette requête sont\u00a0: "
    )

    # The same list with its documented parameters still answers.
    listed = api.get(url, {meant: value, "page": "1", "page_size": "10"})
    assert listed.status_code == 200, listed.json()


# ACC-3 — every unknown name at once; an @action's own parameters are known on it only.
def test_every_unknown_parameter_is_named_and_actions_read_their_own(api, tenant):
    response = api.get(reverse("api:call-summary"), {"customer": tenant.client.pk, "mnth": "x"})
    assert _refused(response, "mnth").endswith("customer, month, format.")
    assert api.get(reverse("api:call-summary"), {"customer": tenant.client.pk}).status_code == 200
    response = api.get(reverse("api:customer-list"), {"month": "2026-01", "pge": "2"})
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"month", "pge"}
    # A detail page takes no filter nor page (the document says none).
    detail = reverse("api:customer-detail", args=[tenant.client.pk])
    refused = api.get(detail, {"page": "2"}, HTTP_ACCEPT_LANGUAGE="en")
    assert _refused(refused, "page").endswith("are: format.")
    assert api.get(detail, {"format": "json"}).status_code == 200


# ACC-3 — a request that is refused before (no key) stays refused as before: 401, not 400.
def test_authentication_is_checked_first(client):
    response = client.get(reverse("api:invoice-list"), {"customr": "5"})
    assert response.status_code == 401


# ACC-3 — every view of the API checks its parameters.
def test_every_api_view_checks_its_parameters():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path in schema["paths"]:
        match = resolve(re.sub(r"\{[^}]+\}", "1", path))
        assert issubclass(match.func.cls, KnownQueryParametersMixin), path


# ACC-3 — the parameters each GET takes are exactly those its OpenAPI operation documents
# (and ``format``): none documented is refused, none refused is documented.
def test_known_parameters_are_the_documented_ones():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    checked, wrong = 0, {}
    for path, methods in schema["paths"].items():
        if "get" not in methods:
            continue
        documented = {p["name"] for p in methods["get"].get("parameters", []) if p["in"] == "query"}
        match = resolve(re.sub(r"\{[^}]+\}", "1", path))
        view = match.func.cls(**match.func.initkwargs)
        view.action_map = match.func.actions
        view.action = match.func.actions["get"]
        known = set(view.known_query_parameters())
        if known != documented | {"format"}:
            wrong[path] = (sorted(known), sorted(documented))
        checked += 1
    assert wrong == {}
    assert checked > 40


# ACC-3 — a ticket's messages are listed oldest first and sort on nothing: ``?ordering=`` was
# documented and taken, and the list came back in the same order whatever it said; it is now a
# 400 naming it, as on the calls list, and the document no longer offers it.
def test_ticket_messages_take_no_ordering(api, tenant):
    from tests.support.test_api import open_question

    ticket = open_question(tenant.client)
    url = reverse("api:ticket-messages", args=[ticket.pk])
    assert _refused(api.get(url, {"ordering": "-created_at"}), "ordering").endswith("format.")
    assert api.get(url).status_code == 200
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/tickets/{id}/messages/"]["get"]
    assert [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"] == []
