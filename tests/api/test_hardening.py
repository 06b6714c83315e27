"""Partner API hardening (issue 13): no 500 on any input, no id oracle (ACC-3).

Defect 2: HTML asked of the API; defect 3: bad input that reached the database; defect 6: the
``client`` filter answered differently for another partner's customer and for an id that does
not exist.
"""

import json
from datetime import date, timedelta

import pytest
from django.test import RequestFactory
from django.urls import get_resolver, resolve, reverse

from accounts.api.authentication import PartnerPrincipal
from accounts.choices import Role
from accounts.context_processors import brand
from kernel.inputs import years_ahead
from tests.offers.factories import make_contract

pytestmark = pytest.mark.django_db


def _api_list_urls() -> list[str]:
    """Every list endpoint of /api/v1/ (the routers' ``*-list`` names)."""
    api = get_resolver().namespace_dict["api"][1]
    names = sorted(
        name for name in api.reverse_dict if isinstance(name, str) and name.endswith("-list")
    )
    return [reverse(f"api:{name}") for name in names]


LIST_URLS = _api_list_urls()


@pytest.fixture
def api(api):
    api.raise_request_exception = False  # a 500 is an answer to assert on, not an exception
    return api


def _error(response) -> dict:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return response.json()["error"]


def test_every_resource_is_listed():
    assert len(LIST_URLS) >= 15 and "/api/v1/trunks/" in LIST_URLS


# --- Defect 2: Accept: text/html, ?format=api -----------------------------------------------------


# ACC-3 — the API speaks JSON only: HTML asked with a partner key is a clean 406 with the error
# envelope, on every list endpoint (it was a 500: the brand context processor looked up a
# customer membership for the partner's key).
@pytest.mark.parametrize("url", LIST_URLS)
def test_html_refused_with_406(api, url):
    response = api.get(url, HTTP_ACCEPT="text/html")
    assert response.status_code == 406
    assert _error(response)["code"] == "not_acceptable"


@pytest.mark.parametrize("url", ["/api/v1/trunks/", "/api/v1/customers/", "/api/v1/invoices/"])
def test_browsable_format_refused_with_406(api, url):
    response = api.get(url, {"format": "api"})
    assert response.status_code == 406
    assert _error(response)["code"] == "not_acceptable"


# A browser's Accept (HTML first, */* last) still gets JSON.
def test_browser_accept_gets_json(api):
    response = api.get("/api/v1/trunks/", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert response.status_code == 200 and response.json()["results"] == []


# ACC-3 — a page rendered for a request authenticated by a partner key shows that partner's brand
# and no customer membership (a key is not a person).
def test_brand_for_partner_key(api, partner):
    request = RequestFactory().get("/api/v1/trunks/")
    request.user = PartnerPrincipal(api.key)
    context = brand(request)
    assert context["membership"] is None
    assert context["brand"]["name"] == partner.name and context["brand"]["is_partner"]


# --- Defect 3: bad input answers 400 with field errors --------------------------------------------

# PostgreSQL keeps UTC offsets within ±15:59: beyond, the filter is refused before the query.
OFFSET_CASES = [
    ("/api/v1/tickets/", "reported_after"),
    ("/api/v1/tickets/", "reported_before"),
    ("/api/v1/outages/", "started_after"),
    ("/api/v1/outages/", "started_before"),
    ("/api/v1/customers/", "created_after"),
]


@pytest.mark.parametrize(("url", "field"), OFFSET_CASES)
@pytest.mark.parametrize("offset", ["+16:00", "-16:00", "+23:59", "-23:59"])
def test_datetime_filter_offset_out_of_range(api, url, field, offset):
    response = api.get(url, {field: f"2026-01-01T00:00:00{offset}"})
    assert response.status_code == 400
    assert field in _error(response)["fields"]


@pytest.mark.parametrize(("url", "field"), OFFSET_CASES)
@pytest.mark.parametrize("offset", ["+15:59", "-15:59", "+14:00", "Z"])
def test_datetime_filter_offset_in_range(api, url, field, offset):
    response = api.get(url, {field: f"2026-01-01T00:00:00{offset}"})
    assert response.status_code == 200, response.content[:300]


# A NUL character is never part of an address: 400 before any lookup, on the API (JSON
# envelope) and on the portal.
@pytest.mark.parametrize(
    "path",
    ["/api/v1/offers/%00/", "/api/v1/contracts/%00/", "/api/v1/customers/1%00/", "/api/v1/%00"],
)
def test_nul_in_api_path(api, path):
    response = api.get(path)
    assert response.status_code == 400
    assert _error(response)["code"] == "invalid_path"


@pytest.mark.parametrize("path", ["/offers/%00/", "/contracts/%00/", "/support/%00", "/%00"])
def test_nul_in_portal_path(client, path):
    assert client.get(path).status_code == 400


# A NUL in a query parameter is a field error naming the parameter.
@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/customers/", "legal_name"),
        ("/api/v1/offers/", "preset"),
        ("/api/v1/contracts/", "offer"),
        ("/api/v1/tickets/", "number"),
        ("/api/v1/charges/", "source_type"),
    ],
)
def test_nul_in_query_parameter(api, url, field):
    response = api.get(url, {field: "a\x00b"})
    assert response.status_code == 400
    assert field in _error(response)["fields"]


def _contract_payload(tenant, **extra):
    return {
        "client": tenant.client.pk,
        "site": tenant.site.pk,
        "offer": "hosted-a",
        "signature_date": "2026-01-05",
        "order_date": "2026-01-05",
        **extra,
    }


# CON-2 — a contract quantity is bounded (10 000): 2 147 483 648 overflowed the database column,
# and 2 147 483 647 was stored but made every later contract list fail on the monthly fees.
@pytest.mark.parametrize("quantity", [2_147_483_648, 2_147_483_647, 10_001, 10**30])
def test_contract_quantity_too_large(api, tenant, quantity):
    response = api.post(
        "/api/v1/contracts/", _contract_payload(tenant, quantity=quantity), format="json"
    )
    assert response.status_code == 400
    assert "quantity" in _error(response)["fields"]
    assert api.get("/api/v1/contracts/").json()["count"] == 0  # nothing written


def test_contract_quantity_at_bound(api, tenant):
    response = api.post(
        "/api/v1/contracts/", _contract_payload(tenant, quantity=10_000), format="json"
    )
    assert response.status_code == 201, response.json()
    assert api.get("/api/v1/contracts/").status_code == 200


def test_option_quantity_too_large(api, tenant):
    payload = _contract_payload(
        tenant, options=[{"product": "does-not-matter", "quantity": 2_147_483_648}]
    )
    response = api.post("/api/v1/contracts/", payload, format="json")
    assert response.status_code == 400


# BIL-1 / SLA-10 — a month filter is YYYY-MM with a year in 2000–2100.
@pytest.mark.parametrize("url", ["/api/v1/invoices/", "/api/v1/availability-reports/"])
@pytest.mark.parametrize("month", ["0000-01", "1999-12", "2101-01", "9999-12", "2026-13", "2026-1"])
def test_month_filter_out_of_range(api, url, month):
    response = api.get(url, {"month": month})
    assert response.status_code == 400
    assert "month" in _error(response)["fields"]


@pytest.mark.parametrize("url", ["/api/v1/invoices/", "/api/v1/availability-reports/"])
@pytest.mark.parametrize("month", ["2000-01", "2026-02", "2100-12"])
def test_month_filter_in_range(api, url, month):
    response = api.get(url, {"month": month})
    assert response.status_code == 200
    assert response.json()["count"] == 0


# CON-4 — a termination date more than 10 years ahead is refused with a field error (9999-12-31
# overflowed the date arithmetic); so is a date before 2000.
@pytest.mark.parametrize("action", ["termination-quote", "terminate"])
@pytest.mark.parametrize("requested", ["9999-12-31", "0001-01-01", "1999-12-31", "far"])
def test_termination_date_out_of_range(api, tenant, action, requested):
    contract = make_contract(tenant.client, signature=date(2025, 3, 1))
    response = api.post(
        f"/api/v1/contracts/{contract.pk}/{action}/", {"requested_date": requested}, format="json"
    )
    assert response.status_code == 400, response.content[:300]
    assert "requested_date" in _error(response)["fields"]
    contract.refresh_from_db()
    assert contract.status == "active"  # nothing written


# CON-4 — the bound itself: today + 10 years is quoted, the day after is refused.
def test_termination_date_ten_years_ahead_bound(api, tenant):
    contract = make_contract(tenant.client, signature=date(2025, 3, 1))
    url = f"/api/v1/contracts/{contract.pk}/termination-quote/"
    limit = years_ahead(10)
    response = api.post(url, {"requested_date": limit.isoformat()}, format="json")
    assert response.status_code == 200, response.content[:300]
    response = api.post(
        url, {"requested_date": (limit + timedelta(days=1)).isoformat()}, format="json"
    )
    assert response.status_code == 400
    assert "requested_date" in _error(response)["fields"]


# CON-4 — the portal's termination form has the same bound (its quote overflowed as well).
@pytest.mark.parametrize("requested", ["9999-12-31", "2037-01-01"])
def test_portal_termination_date_too_far(as_role, tenant, requested):
    contract = make_contract(tenant.client, signature=date(2025, 3, 1))
    browser = as_role(Role.ADMIN)
    browser.raise_request_exception = False
    response = browser.post(
        reverse("offers:terminate", args=[contract.pk]),
        {"action": "quote", "requested_date": requested},
    )
    assert response.status_code == 200
    assert response.context["request_form"].errors["requested_date"]
    contract.refresh_from_db()
    assert contract.status == "active"


def test_years_ahead_from_29_february():
    assert years_ahead(10, date(2028, 2, 29)) == date(2038, 2, 28)
    assert years_ahead(10, date(2028, 3, 1)) == date(2038, 3, 1)


@pytest.fixture
def staff_client(client):
    from tests.factories import sign_in_staff

    sign_in_staff(client)
    client.raise_request_exception = False
    return client


# BIL-1 — the back office's month filters: a year outside 2000–2100 filters nothing / is a form
# error (year 0 and 9999-12 were 500s).
@pytest.mark.parametrize("month", ["0000-01", "9999-12", "2026-13", "x"])
def test_back_office_month_filters(staff_client, month):
    listing = staff_client.get(reverse("admin:billing_invoice_changelist"), {"issued": month})
    assert listing.status_code in (200, 302)
    preview = staff_client.get(reverse("admin:billing_invoicerun_preview"), {"month": month})
    assert preview.status_code == 200
    assert preview.context["form"].errors["month"]


# Nesting deeper than 64 levels is refused by the parser (10 000 levels exhausted the stack).
@pytest.mark.parametrize(
    ("url", "content_type"),
    [
        ("/api/v1/customers/", "application/json"),
        ("/api/v1/contracts/", "application/json"),
        ("/api/v1/disputes/", "application/json"),
    ],
)
def test_deep_json_refused(api, url, content_type):
    body = "[" * 10_000 + "]" * 10_000
    response = api.post(url, body, content_type=content_type)
    assert response.status_code == 400
    assert _error(response)["code"] == "parse_error"


def test_ticket_message_deep_json_refused(api, tenant):
    from tests.support.factories import open_failure

    contract = make_contract(tenant.client)
    ticket = open_failure(tenant, contract)
    body = '{"body": ' + "[" * 10_000 + "]" * 10_000 + "}"
    response = api.post(
        f"/api/v1/tickets/{ticket.pk}/messages/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert _error(response)["code"] == "parse_error"


def _nested(depth: int) -> str:
    """A JSON document ``depth`` containers deep: {"legal_name": [[…]]}."""
    return '{"legal_name": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}"


def test_json_depth_bound(api):
    at_bound = api.post("/api/v1/customers/", _nested(64), content_type="application/json")
    assert at_bound.status_code == 400 and _error(at_bound)["code"] == "validation_error"
    beyond = api.post("/api/v1/customers/", _nested(65), content_type="application/json")
    assert beyond.status_code == 400 and _error(beyond)["code"] == "parse_error"


# A body over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) is refused with 413 from its Content-Length,
# before it is read.
def test_large_json_body_refused(api):
    body = json.dumps({"legal_name": "x" * (30 * 1024 * 1024)})
    response = api.post("/api/v1/customers/", body, content_type="application/json")
    assert response.status_code == 413
    assert _error(response)["code"] == "request_too_large"


def test_large_body_not_read(settings):
    from rest_framework.exceptions import APIException

    from kernel.parsers import BoundedJSONParser

    class Exploding:
        def read(self, *args):
            raise AssertionError("the body was read")

    request = RequestFactory().post(
        "/", data=b"{}", content_type="application/json", HTTP_CONTENT_LENGTH="31457280"
    )
    request.META["CONTENT_LENGTH"] = str(30 * 1024 * 1024)
    with pytest.raises(APIException) as refused:
        BoundedJSONParser().parse(Exploding(), "application/json", {"request": request})
    assert refused.value.status_code == 413


# Every list: a page size or a page number that is not a whole number from 1 is a 400 naming
# it (DRF ignored the size and answered the number 404). The calls' list pages by cursor: its
# page size is checked the same way. (Refused before any query of the list.)
@pytest.mark.parametrize("url", LIST_URLS)
def test_bad_page_size_and_number(api, url):
    message = ["Indiquez un nombre entier, 1 ou plus."]
    for value in ["abc", "0", "-1", "1.5", "１２"]:
        response = api.get(url, {"page_size": value})
        if url == "/api/v1/webhook-event-types/":  # not paginated: no page size (ACC-3)
            unknown = _error(response)["fields"]["page_size"][0]
            assert unknown.startswith("Paramètre inconnu."), url
            return
        assert _error(response)["fields"] == {"page_size": message}, (url, value)
    if url != "/api/v1/calls/":  # a cursor, not a page number
        assert _error(api.get(url, {"page": "abc"}))["fields"] == {"page": message}, url


# Every operation answers without its trailing slash as with it: the same view and actions, on
# a route without a name (the one with the slash is named, and the only one in the schema).
@pytest.mark.parametrize("url", LIST_URLS)
def test_list_without_trailing_slash(url):
    named, copy = resolve(url), resolve(url.rstrip("/"))
    assert (copy.func.cls, copy.func.actions) == (named.func.cls, named.func.actions)
    assert named.url_name and copy.url_name is None


# --- Defect 6: no id oracle on ?client= -----------------------------------------------------------

CLIENT_FILTERS = [
    ("/api/v1/sites/", "client"),
    ("/api/v1/customer-users/", "client"),
    ("/api/v1/contracts/", "client"),
    ("/api/v1/invoices/", "client"),
    ("/api/v1/charges/", "client"),
    ("/api/v1/payments/", "client"),
    ("/api/v1/disputes/", "client"),
    ("/api/v1/prepaid-entries/", "client"),
    ("/api/v1/tickets/", "customer"),
    ("/api/v1/availability-reports/", "customer"),
]


# ACC-3 — another partner's customer and an id that does not exist get the same answer: 400
# "unknown customer" on the filter (the partner's own customer filters as usual).
@pytest.mark.parametrize(("url", "param"), CLIENT_FILTERS)
def test_client_filter_no_oracle(api, tenant, other_tenant, url, param):
    missing = other_tenant.client.pk + 1000
    other = api.get(url, {param: other_tenant.client.pk})
    unknown = api.get(url, {param: missing})
    assert other.status_code == unknown.status_code == 400
    assert param in _error(other)["fields"]
    assert other.json() == unknown.json()
    assert api.get(url, {param: tenant.client.pk}).status_code == 200


@pytest.mark.parametrize("url", ["/api/v1/sites/", "/api/v1/customer-users/"])
def test_client_filter_own_customer(api, tenant, other_tenant, url):
    body = api.get(url, {"client": tenant.client.pk}).json()
    assert body["count"] >= 1
    assert {row["client"] for row in body["results"]} == {tenant.client.pk}
