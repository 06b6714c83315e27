"""Every field of the partner API has a documented bound (issue 13, defect 4): dates within
2000–2100, integers within a minimum and a maximum (the trunk's 200-channel cap, 10 000 of a
quantity, a positive id), texts within a length (10 000 characters of a ticket's or a message's
body), ASCII digits only (``"１２"`` is not 12), a trunk that is not the caller's is a field
error, and the OpenAPI document says every bound."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from kernel.inputs import MAX_EMAIL, MAX_ID, MAX_TEXT
from telephony.packs import DEFAULT_CAP
from tests.offers.factories import make_contract
from tests.support.factories import open_failure
from tests.telephony.factories import make_trunk

pytestmark = pytest.mark.django_db


def _wide(value) -> str:
    """``value`` in full-width digits: ``_wide(12)`` is "１２", which ``int()`` reads as 12."""
    return str(value).translate(str.maketrans("0123456789", "０１２３４５６７８９"))


FULL_WIDTH_DATE = _wide("2026-01-05")


@pytest.fixture
def api(api):
    api.raise_request_exception = False  # a 500 is an answer to assert on, not an exception
    return api


def _fields(response) -> dict:
    assert response.status_code == 400, (response.status_code, response.content[:300])
    return response.json()["error"]["fields"]


def _contract(tenant, **extra):
    return {
        "client": tenant.client.pk,
        "site": tenant.site.pk,
        "offer": "hosted-a",
        "signature_date": "2026-01-05",
        "order_date": "2026-01-05",
        **extra,
    }


# --- Dates: a year in 2000–2100, ASCII digits ------------------------------------------------


# CON-2 — a contract dated year 1 or 9999 was created (CT-1-000012): its dates are business
# dates, within 2000–2100.
@pytest.mark.parametrize("field", ["signature_date", "order_date"])
@pytest.mark.parametrize("value", ["0001-01-01", "1999-12-31", "2101-01-01", "9999-12-31"])
def test_contract_date_out_of_range(api, tenant, field, value):
    response = api.post("/api/v1/contracts/", _contract(tenant, **{field: value}), format="json")
    assert field in _fields(response)
    assert api.get("/api/v1/contracts/").json()["count"] == 0  # nothing written


@pytest.mark.parametrize("value", ["2000-01-01", "2026-01-05"])
def test_contract_date_in_range(api, tenant, value):
    payload = _contract(tenant, signature_date=value, order_date=value)
    assert api.post("/api/v1/contracts/", payload, format="json").status_code == 201


# SLA-4 — when a failure was detected: a datetime within 2000–2100 too. Without an offset
# ("0001-01-01", read as Paris time), year 1 was a 500: its UTC time is in year 0, out of
# Python's range, before the year was checked.
@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59+14:00",
        "0001-01-01",
        "0001-01-01T00:00:00",
        "0001-01-01T00:05:00",
    ],
)
def test_detected_at_out_of_range(api, tenant, value):
    payload = {"customer": tenant.client.pk, "kind": "question", "subject": "s", "body": "b"}
    response = api.post("/api/v1/tickets/", {**payload, "detected_at": value}, format="json")
    assert "detected_at" in _fields(response)


# ACC-3 — an API key's expiry without an offset in year 1 was a 500 (as detected_at above).
@pytest.mark.parametrize("value", ["0001-01-01", "0001-01-01T00:00:00"])
def test_api_key_expiry_out_of_range(api, value):
    response = api.post("/api/v1/api-keys/", {"name": "ERP", "expires_at": value}, format="json")
    assert "expires_at" in _fields(response)


DATE_FILTERS = [
    ("/api/v1/contracts/", "signed_after"),
    ("/api/v1/contracts/", "signed_before"),
    ("/api/v1/payments/", "received_after"),
    ("/api/v1/payments/", "received_before"),
    ("/api/v1/charges/", "period_after"),
    ("/api/v1/charges/", "period_before"),
    ("/api/v1/prepaid-entries/", "created_after"),
    ("/api/v1/prepaid-entries/", "created_before"),
    ("/api/v1/customers/", "created_after"),
    ("/api/v1/tickets/", "reported_after"),
]


# A date filter is within 2000–2100 too, and in ASCII digits.
@pytest.mark.parametrize(("url", "field"), DATE_FILTERS)
@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", FULL_WIDTH_DATE])
def test_date_filter_out_of_range(api, url, field, value):
    assert field in _fields(api.get(url, {field: value}))


# A date filter is ISO 8601 whatever the language: "02/06/2026" (2 June in French, 6 February in
# English) is a 400 in both; 2026-06-02 is read in both.
@pytest.mark.parametrize(("url", "field"), DATE_FILTERS)
@pytest.mark.parametrize("language", ["fr", "en"])
def test_date_filter_iso_whatever_the_language(api, url, field, language):
    for value in ["02/06/2026", "02/06/2026 10:00"]:
        assert field in _fields(api.get(url, {field: value}, HTTP_ACCEPT_LANGUAGE=language))
    assert api.get(url, {field: "2026-06-02"}, HTTP_ACCEPT_LANGUAGE=language).status_code == 200


# --- ASCII digits only ----------------------------------------------------------------------


# Full-width (or any non-ASCII) digits are refused wherever a number or a date is read:
# int("１２") is 12 in Python, and DRF's and Django's fields used to accept it.
@pytest.fixture
def trunk(tenant):
    return make_trunk(tenant.client, channels=8)


def _non_ascii_cases(tenant, trunk):
    contract = trunk.contract
    line = contract.lines.first()
    return [
        ("/api/v1/contracts/", _contract(tenant, quantity=_wide(12)), "quantity"),
        ("/api/v1/contracts/", _contract(tenant, signature_date=FULL_WIDTH_DATE), "signature_date"),
        ("/api/v1/contracts/", _contract(tenant, client=_wide(tenant.client.pk)), "client"),
        ("/api/v1/channel-orders/", {"trunk": trunk.pk, "add": _wide(12)}, "add"),
        ("/api/v1/channel-orders/", {"trunk": trunk.pk, "total": _wide(20)}, "total"),
        ("/api/v1/channel-orders/", {"trunk": _wide(trunk.pk), "add": 1}, "trunk"),
        ("/api/v1/channel-decreases/", {"trunk": trunk.pk, "new_total": _wide(4)}, "new_total"),
        (
            f"/api/v1/contracts/{contract.pk}/termination-quote/",
            {"requested_date": FULL_WIDTH_DATE},
            "requested_date",
        ),
        (
            f"/api/v1/contracts/{contract.pk}/lines/{line.pk}/quantity/",
            {"quantity": _wide(12)},
            "quantity",
        ),
        (
            f"/api/v1/contracts/{contract.pk}/refuse-price-change/",
            {"price_change": _wide(1)},
            "price_change",
        ),
        ("/api/v1/disputes/", {"invoice": 1, "amount": "１２.００", "reason": "x"}, "amount"),
        (
            "/api/v1/tickets/",
            _ticket(tenant, body="b", detected_at=f"{FULL_WIDTH_DATE}T10:00:00Z"),
            "detected_at",
        ),
    ]


def test_non_ascii_digits_refused(api, tenant, trunk):
    for url, payload, field in _non_ascii_cases(tenant, trunk):
        response = api.post(url, payload, format="json")
        assert field in _fields(response), (url, field)
    assert api.get("/api/v1/channel-orders/").json()["count"] == 0
    assert api.get("/api/v1/channel-decreases/").json()["count"] == 0


@pytest.mark.parametrize(
    ("url", "field"),
    [("/api/v1/contracts/", "client"), ("/api/v1/disputes/", "invoice")],
)
def test_non_ascii_digits_in_filters_refused(api, tenant, url, field):
    assert field in _fields(api.get(url, {field: _wide(tenant.client.pk)}))


# --- Integers: the trunk's cap, quantities, ids ---------------------------------------------


# TRK-1 — a trunk holds at most 200 channels (TRUNK 2): a quote, an order or a decrease asking
# for more is refused by the serializer (it accepted up to 1 000).
@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/channel-orders/", "add"),
        ("/api/v1/channel-orders/", "total"),
        ("/api/v1/channel-decreases/", "new_total"),
        ("/api/v1/channel-decreases/", "channels_to_remove"),
    ],
)
def test_channels_above_cap_refused(api, trunk, url, field):
    response = api.post(url, {"trunk": trunk.pk, field: DEFAULT_CAP + 1}, format="json")
    assert field in _fields(response)
    assert api.get(url).json()["count"] == 0


@pytest.mark.parametrize("field", ["add", "total"])
def test_channel_quote_above_cap_refused(api, trunk, field):
    url = reverse("api:trunk-channel-quote", args=[trunk.pk])
    assert field in _fields(api.get(url, {field: DEFAULT_CAP + 1}))
    assert field in _fields(api.get(url, {field: 1000}))


# An id beyond the database's range is a field error, not a server error.
@pytest.mark.parametrize(
    ("url", "field", "extra"),
    [
        ("/api/v1/contracts/", "client", {}),
        ("/api/v1/contracts/", "site", {}),
        ("/api/v1/sites/", "client", {"name": "HQ"}),
        ("/api/v1/tickets/", "customer", {"kind": "question", "subject": "s", "body": "b"}),
        ("/api/v1/disputes/", "invoice", {"amount": "1.00", "reason": "r"}),
        ("/api/v1/channel-orders/", "trunk", {"add": 1}),
    ],
)
@pytest.mark.parametrize("value", [MAX_ID + 1, 10**30, 0, -1])
def test_id_out_of_range(api, tenant, url, field, extra, value):
    payload = _contract(tenant) if url == "/api/v1/contracts/" else {}
    payload.update(extra, **{field: value})
    assert field in _fields(api.post(url, payload, format="json"))


@pytest.mark.parametrize("value", [MAX_ID + 1, 10**30])
def test_id_filter_out_of_range(api, value):
    assert "invoice" in _fields(api.get("/api/v1/disputes/", {"invoice": value}))


# --- Unknown trunk: a field error, no id oracle (ACC-3) --------------------------------------


# ACC-3 / TRK-3 — an order or a decrease naming a trunk that does not exist or is another
# partner's is a 400 on ``trunk`` saying it does not exist, the same answer for both.
@pytest.mark.parametrize(
    ("url", "payload"),
    [("/api/v1/channel-orders/", {"add": 1}), ("/api/v1/channel-decreases/", {"new_total": 2})],
)
def test_unknown_trunk_is_a_field_error(api, trunk, other_tenant, url, payload):
    theirs = make_trunk(other_tenant.client, channels=8)
    other = api.post(url, {**payload, "trunk": theirs.pk}, format="json")
    missing = api.post(url, {**payload, "trunk": theirs.pk + 1000}, format="json")
    assert "trunk" in _fields(other)
    assert other.json() == missing.json()
    assert api.post(url, {**payload, "trunk": trunk.pk}, format="json").status_code == 201


# --- Texts: a length each -------------------------------------------------------------------


@pytest.fixture
def ticket(tenant):
    return open_failure(tenant, make_contract(tenant.client))


def _ticket(tenant, **extra):
    return {"customer": tenant.client.pk, "kind": "question", "subject": "Fax", **extra}


# SLA-1 — a ticket's body and a message's body hold at most 10 000 characters (5 MB were
# stored); the bound itself is accepted.
def test_ticket_body_bound(api, tenant):
    too_long = api.post("/api/v1/tickets/", _ticket(tenant, body="x" * (MAX_TEXT + 1)))
    assert "body" in _fields(too_long)
    at_bound = api.post("/api/v1/tickets/", _ticket(tenant, body="x" * MAX_TEXT), format="json")
    assert at_bound.status_code == 201, at_bound.content[:300]


def test_message_body_bound(api, ticket):
    url = f"/api/v1/tickets/{ticket.pk}/messages/"
    assert "body" in _fields(api.post(url, {"body": "x" * (MAX_TEXT + 1)}, format="json"))
    assert api.post(url, {"body": "x" * MAX_TEXT}, format="json").status_code == 201


def test_message_attachments_count_bound(api, ticket):
    files = [SimpleUploadedFile(f"log{i}.txt", b"x", content_type="text/plain") for i in range(11)]
    url = f"/api/v1/tickets/{ticket.pk}/messages/"
    response = api.post(url, {"body": "logs", "attachments": files}, format="multipart")
    assert "attachments" in _fields(response)


def _base(tenant, url) -> dict:
    """A valid body for ``url`` but the field under test."""
    return {
        "/api/v1/contracts/": _contract(tenant),
        "/api/v1/tickets/": _ticket(tenant, body="b"),
        "/api/v1/disputes/": {"invoice": 1, "amount": "1.00", "reason": "r"},
        "/api/v1/customer-users/": {
            "client": tenant.client.pk,
            "email": "new@example.com",
            "role": "read_only",
        },
    }[url]


@pytest.mark.parametrize(
    ("url", "field", "length"),
    [
        ("/api/v1/tickets/", "subject", 201),
        ("/api/v1/disputes/", "reason", MAX_TEXT + 1),
        ("/api/v1/contracts/", "offer", 41),
        ("/api/v1/contracts/", "purchase_order_ref", 51),
        ("/api/v1/customer-users/", "first_name", 151),
        ("/api/v1/customer-users/", "last_name", 151),
        ("/api/v1/customer-users/", "email", MAX_EMAIL + 1),
    ],
)
def test_text_too_long(api, tenant, url, field, length):
    value = "x" * length if field != "email" else "x" * (length - 12) + "@example.com"
    response = api.post(url, {**_base(tenant, url), field: value}, format="json")
    assert field in _fields(response)


# CON-2 — at most 50 option lines in one order (maxItems in the schema).
def test_contract_options_bound(api, tenant):
    options = [{"product": "x", "quantity": 1}] * 51
    response = api.post("/api/v1/contracts/", _contract(tenant, options=options), format="json")
    assert "non_field_errors" in _fields(response)["options"]  # the list, not its items


def test_destination_group_too_long(api, trunk):
    url = reverse("api:trunk-block-destination", args=[trunk.pk])
    assert "group" in _fields(api.post(url, {"group": "x" * 1000}, format="json"))


def test_invoice_recipients_bound(api):
    payload = {
        "legal_name": "Acme",
        "siren": "732829320",
        "address_line1": "1 rue",
        "postal_code": "13001",
        "city": "Marseille",
        "invoice_recipients": [f"a{i}@example.com" for i in range(21)],
    }
    assert "invoice_recipients" in _fields(api.post("/api/v1/customers/", payload, format="json"))


# --- Bodies over the limit: 413 before they are read -----------------------------------------


# A body over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) is a 413 whatever its type (a form-encoded
# body was read whole by the form parser).
@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded"])
def test_large_body_refused(api, content_type):
    body = "legal_name=" + "x" * (30 * 1024 * 1024)
    response = api.post("/api/v1/customers/", body, content_type=content_type)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"


def test_large_multipart_field_refused(api):
    response = api.post(
        "/api/v1/customers/", {"legal_name": "x" * (3 * 1024 * 1024)}, format="multipart"
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"


# --- The schema says every bound -------------------------------------------------------------

# Strings whose values are bounded otherwise: a format, an enum, a file.
BOUNDED_FORMATS = {"date", "date-time", "email", "uuid", "uri", "binary", "decimal"}


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def _unbounded(schema, node, where, found):
    components = schema["components"]["schemas"]
    while "$ref" in node:
        node = components[node["$ref"].rsplit("/", 1)[1]]
    if len(node.get("allOf", [])) == 1:
        node = {**node, **node["allOf"][0]}
        return _unbounded(schema, node, where, found)
    if node.get("readOnly"):
        return
    kind = node.get("type")
    if kind == "object" or "properties" in node:
        for name, child in node.get("properties", {}).items():
            _unbounded(schema, child, f"{where}.{name}", found)
    elif kind == "array":
        if "maxItems" not in node:
            found.append((where, "maxItems"))
        _unbounded(schema, node.get("items", {}), f"{where}[]", found)
    elif kind == "integer":
        if "minimum" not in node or "maximum" not in node:
            found.append((where, "minimum/maximum"))
    elif kind == "string":
        if "enum" not in node and node.get("format") not in BOUNDED_FORMATS:
            if "maxLength" not in node:
                found.append((where, "maxLength"))


# Every integer of a request body has a minimum and a maximum, every string a maxLength (or an
# enum, or a format), every list a maxItems: the "documented bound" of each field.
def test_every_request_field_documents_its_bound(schema):
    found = []
    bodies = 0
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            for content_type, content in (
                operation.get("requestBody", {}).get("content", {}).items()
            ):
                bodies += 1
                _unbounded(schema, content["schema"], f"{method} {path} {content_type}", found)
    assert bodies > 20
    assert found == []


# TRK-1 — the schema says the cap the service applies (200 channels, TRUNK 2).
@pytest.mark.parametrize(
    ("component", "field", "minimum"),
    [
        ("ChannelOrderCreateRequest", "add", 1),
        ("ChannelOrderCreateRequest", "total", 1),
        ("ChannelDecreaseCreateRequest", "new_total", 1),  # TRK-4: at least one kept
        ("ChannelDecreaseCreateRequest", "channels_to_remove", 1),
    ],
)
def test_schema_channel_cap(schema, component, field, minimum):
    prop = schema["components"]["schemas"][component]["properties"][field]
    assert (prop["minimum"], prop["maximum"]) == (minimum, DEFAULT_CAP)


def test_schema_channel_quote_parameters(schema):
    operation = schema["paths"]["/api/v1/trunks/{id}/channel-quote/"]["get"]
    params = {p["name"]: p["schema"] for p in operation["parameters"]}
    assert params["add"]["maximum"] == params["total"]["maximum"] == DEFAULT_CAP


@pytest.mark.parametrize(
    ("component", "field", "bound"),
    [
        ("TicketCreateRequest", "body", MAX_TEXT),
        ("TicketMessageCreateRequest", "body", MAX_TEXT),
        ("DisputeCreateRequest", "reason", MAX_TEXT),
    ],
)
def test_schema_text_bounds(schema, component, field, bound):
    assert schema["components"]["schemas"][component]["properties"][field]["maxLength"] == bound
