"""Tenant isolation over every API endpoint and every portal page (ACC-2, ACC-3).

The matrices below must name every route: `test_every_route_is_covered` fails when an endpoint or
a page is added without its row, so later capabilities extend these lists.
"""

import importlib

import pytest
from django.urls import get_resolver, reverse
from rest_framework.test import APIClient

from accounts.choices import Role
from accounts.models import ApiKey, Client, Membership, Site
from billing import services as billing
from billing.models import Invoice, PendingCharge
from offers import services
from offers.models import Contract, Offer
from offers.periods import month_start
from tests.factories import make_api_key

pytestmark = pytest.mark.django_db


def _contract(t):
    """The tenant's contract (the tenant fixtures have none): created once, through the
    services, and cached on the tenant object."""
    if getattr(t, "contract", None) is None:
        today = services.paris_today()
        t.contract = services.contract_create(
            client=t.client,
            offer=Offer.objects.get(code="hosted-a"),
            site=t.site,
            signature_date=today,
            order_date=today,
        )
        services.contract_order(contract=t.contract)
    return t.contract


def _charge(t):
    """The tenant's pending charge (the fixtures have none): posted once through
    ``billing.services`` and cached on the tenant object."""
    if getattr(t, "charge", None) is None:
        t.charge = billing.charge_post(
            client=t.client,
            kind="setup",
            source_type="isolation",
            source_id=t.client.pk,
            period_start=month_start(services.paris_today()),
            description="Setup fee",
            unit_price="49.00",
        )
    return t.charge


def _partner_charge(t):
    """The tenant's partner's OWN pending charge (BIL-6: the 40 € indemnity of its late monthly
    invoice, partner-billed), posted through ``billing.services`` and cached on the tenant."""
    if getattr(t, "partner_charge", None) is None:
        t.partner_charge = billing.charge_post(
            partner=t.client.partner,
            kind="recovery_indemnity",
            source_type="isolation_partner",
            source_id=t.client.partner.pk,
            period_start=month_start(services.paris_today()),
            description="Indemnité forfaitaire de recouvrement",
            unit_price="40.00",
            vat_category="O",
        )
    return t.partner_charge


def _invoice(t):
    """The invoice of the tenant's charge, issued by the month's run (``billing.services``) and
    cached. The tenant's partner is partner-billed (the default), so it is the partner's monthly
    invoice (ACC-3)."""
    if getattr(t, "invoice", None) is None:
        charge = _charge(t)
        billing.run_month_sync(month=charge.period_start)
        charge.refresh_from_db()
        t.invoice = charge.invoice_line.invoice
    return t.invoice


def _customer_document(t):
    """A document of the tenant's customer itself, for the portal pages: the run invoices its
    partner-billed partner, not the customer, so this is a credit note issued to the customer
    (``billing.services``), cached."""
    if getattr(t, "customer_document", None) is None:
        t.customer_document = billing.credit_note_issue(
            client=t.client,
            lines=[billing.CreditLine(description="Goodwill gesture", amount="10.00")],
            reason="Isolation check",
        )
    return t.customer_document


# --- API ------------------------------------------------------------------------------------
# (list route, detail route, how to find the other tenant's object id, its model)
API_RESOURCES = [
    ("api:customer-list", "api:customer-detail", lambda t: t.client.pk, Client),
    ("api:site-list", "api:site-detail", lambda t: t.site.pk, Site),
    (
        "api:customer-user-list",
        "api:customer-user-detail",
        lambda t: t.members[Role.ADMIN].pk,
        Membership,
    ),
    ("api:contract-list", "api:contract-detail", lambda t: _contract(t).pk, Contract),
    ("api:invoice-list", "api:invoice-detail", lambda t: _invoice(t).pk, Invoice),
    ("api:charge-list", "api:charge-detail", lambda t: _charge(t).pk, PendingCharge),
    # BIL-6: a partner's own charge is its own, never another partner's.
    ("api:charge-list", "api:charge-detail", lambda t: _partner_charge(t).pk, PendingCharge),
    # The partner's own API keys (its `api` key is listed; keys:read/keys:write).
    (
        "api:api-key-list",
        "api:api-key-detail",
        lambda t: make_api_key(t.client.partner)[0].pk,
        ApiKey,
    ),
]
API_OTHER_ROUTES = {
    "api:schema",  # public documents, no tenant data
    "api:docs",
    "api:offer-list",  # the reseller's catalogue, not tenant data
    "api:offer-detail",
    # Contract commands: another partner's contract is a 404 on each, nothing written
    # (tests/offers/test_api.py::test_commands_on_other_partner_contract_404).
    "api:contract-termination-quote",
    "api:contract-terminate",
    "api:contract-cancel-termination",
    # An invoice's documents: another partner's invoice is a 404 on each
    # (tests/billing/test_api.py::test_other_partner_invoice_404).
    "api:invoice-pdf",
    "api:invoice-facturx",
    # Key commands: another partner's key is a 404 on each, nothing written
    # (tests/api/test_api_keys.py::test_other_partner_key_commands_404).
    "api:api-key-rotate",
    "api:api-key-revoke",
}


@pytest.fixture(autouse=True)
def _tenant_owns_api_rows(request):
    """The API matrix checks that our own rows are listed: the tenant's contract, charge or
    invoice must exist before the list is read (the fixtures create none)."""
    callspec = getattr(request.node, "callspec", None)
    if callspec is not None and callspec.params.get("model") in OWN_ROWS:
        OWN_ROWS[callspec.params["model"]](request.getfixturevalue("tenant"))


def _terminating_contract(t):
    """An active HOSTED-A contract of the tenant with a scheduled termination (CON-4), built by
    the offers test factory and cached on the tenant object: the cancellation page needs one."""
    if getattr(t, "terminating_contract", None) is None:
        from tests.offers.factories import make_contract

        t.terminating_contract = make_contract(t.client, status="terminating")
    return t.terminating_contract


# --- Portal pages ---------------------------------------------------------------------------
# (route, args builder or None, methods to try, permission needed to write)
PORTAL_PAGES = [
    ("dashboard", None),
    ("accounts:company", None),
    ("accounts:sites", None),
    ("accounts:site_create", None),
    ("accounts:users", None),
    ("accounts:security", None),
    ("offers:list", None),
    ("billing:list", None),
]
PORTAL_OBJECT_PAGES = [
    ("accounts:site_edit", lambda t: [t.site.pk]),
    ("accounts:user_role", lambda t: [t.members[Role.TECHNICAL].pk]),
    ("accounts:user_remove", lambda t: [t.members[Role.TECHNICAL].pk]),
    ("accounts:user_compromised", lambda t: [t.members[Role.TECHNICAL].pk]),
    ("offers:detail", lambda t: [_contract(t).pk]),
    ("offers:terminate", lambda t: [_contract(t).pk]),
    ("offers:termination_cancel", lambda t: [_terminating_contract(t).pk]),
    ("billing:detail", lambda t: [_customer_document(t).pk]),
    ("billing:pdf", lambda t: [_customer_document(t).pk]),
]
# Pages that change something, with a valid POST body: a read-only user gets 403 and nothing
# changes.
PORTAL_WRITES = [
    (
        "accounts:company",
        lambda t: [],
        {
            "address_line1": "9 rue X",
            "postal_code": "75001",
            "city": "Paris",
            "vat_number": "",
            "invoice_recipients": "a@b.example",
        },
    ),
    (
        "accounts:site_create",
        lambda t: [],
        {
            "name": "New",
            "address_line1": "x",
            "postal_code": "75001",
            "city": "Paris",
            "insee_code": "75101",
        },
    ),
    (
        "accounts:site_edit",
        lambda t: [t.site.pk],
        {
            "name": "Renamed",
            "address_line1": "x",
            "postal_code": "75001",
            "city": "Paris",
            "insee_code": "75101",
        },
    ),
    (
        "accounts:users",
        lambda t: [],
        {"email": "intruder@x.example", "role": "admin", "language": "fr"},
    ),
    ("accounts:user_role", lambda t: [t.members[Role.TECHNICAL].pk], {"role": "admin"}),
    ("accounts:user_remove", lambda t: [t.members[Role.TECHNICAL].pk], {}),
    ("accounts:user_compromised", lambda t: [t.members[Role.TECHNICAL].pk], {}),
    # CON-4: only the admin role terminates or cancels a termination.
    (
        "offers:terminate",
        lambda t: [_contract(t).pk],
        {"action": "confirm", "requested_date": "", "confirm": "on"},
    ),
    ("offers:termination_cancel", lambda t: [_terminating_contract(t).pk], {}),
]
# Later apps keep their rows in ``tests/<app>/isolation_rows.py`` (same shapes as above; an
# optional ``OWN_ROWS`` maps a model to the builder that creates the tenant's own row; an
# optional ``TENANT_MARKS`` lists builders giving texts of the tenant's own data — its calls,
# say — that its pages show and another customer's pages must never show).
TENANT_MARKS = []
EXTRA_ROW_MODULES = [
    "tests.payments.isolation_rows",
    "tests.payments.isolation_rows_portal",
    "tests.telephony.isolation_rows",
    "tests.support.isolation_rows",
    "tests.offers.isolation_rows",
    "tests.webhooks.isolation_rows",
    "tests.numbering.isolation_rows",
    "tests.usage.isolation_rows",
    "tests.equipment.isolation_rows",
    "tests.numbering.isolation_rows_portal",
    "tests.console.isolation_rows",
]
OWN_ROWS = {Contract: _contract, Invoice: _invoice, PendingCharge: _charge}
for _name in EXTRA_ROW_MODULES:
    try:
        _rows = importlib.import_module(_name)
    except ModuleNotFoundError as exc:
        if not _name.startswith(exc.name or "?"):
            raise
        continue
    API_RESOURCES += getattr(_rows, "API_RESOURCES", [])
    API_OTHER_ROUTES |= set(getattr(_rows, "API_OTHER_ROUTES", ()))
    PORTAL_PAGES += getattr(_rows, "PORTAL_PAGES", [])
    PORTAL_OBJECT_PAGES += getattr(_rows, "PORTAL_OBJECT_PAGES", [])
    PORTAL_WRITES += getattr(_rows, "PORTAL_WRITES", [])
    OWN_ROWS.update(getattr(_rows, "OWN_ROWS", {}))
    TENANT_MARKS += getattr(_rows, "TENANT_MARKS", [])

# Routes outside the customer portal: allauth, i18n, the back office, the partner's logo
# (tested elsewhere).
NOT_TENANT_PAGES_PREFIXES = (
    "account_",
    "mfa_",
    "usersessions_",
    "admin:",
    "set_language",
    "javascript-catalog",
    "api:",
    # the partner's logo: public on the partner's sign-in page, each customer or host gets its
    # own partner's (tests/accounts/test_logo.py proves it, Nova's and Rival's)
    "accounts:brand_logo",
)


def _route_names():
    names = set()

    def walk(patterns, namespace=""):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, ns)
            elif p.name:
                names.add(namespace + p.name)

    walk(get_resolver().url_patterns)
    return names


def test_every_route_is_covered():
    names = _route_names()
    api_covered = {r for row in API_RESOURCES for r in row[:2]} | API_OTHER_ROUTES
    api_routes = {n for n in names if n.startswith("api:")}
    assert api_routes - api_covered == set(), "add the new API routes to API_RESOURCES"
    pages = {n for n in names if not n.startswith(NOT_TENANT_PAGES_PREFIXES)}
    covered = {p for p, _ in PORTAL_PAGES} | {p for p, _ in PORTAL_OBJECT_PAGES}
    assert pages - covered == set(), "add the new portal pages to PORTAL_PAGES"


# ACC-3 — another partner's objects are never listed and answer 404 on every verb.
@pytest.mark.parametrize("list_route, detail_route, other_id, model", API_RESOURCES)
def test_api_other_partner_invisible(
    api, tenant, other_tenant, list_route, detail_route, other_id, model
):
    body = api.get(reverse(list_route), {"page_size": 200}).json()
    ids = {row["id"] for row in body["results"]}
    theirs = other_id(other_tenant)
    assert theirs not in ids and ids  # our own rows are there, theirs are not
    url = reverse(detail_route, args=[theirs])
    assert api.get(url).status_code == 404
    assert (
        api.patch(url, {"name": "x", "city": "x", "role": "admin"}, format="json").status_code
        == 404
    )
    assert api.delete(url).status_code in (404, 405)
    assert model.objects.filter(pk=theirs).exists()


# ACC-3 — the Allow header (on every answer) and OPTIONS list only the methods that work on
# one's own object: a method left out answers 405 (whose Allow leaves it out too), a method
# listed does not. (Another partner's object answers 404 on every verb: above.)
@pytest.mark.parametrize("list_route, detail_route, own_id, model", API_RESOURCES)
def test_api_allow_lists_what_works(api, tenant, list_route, detail_route, own_id, model):
    url = reverse(detail_route, args=[own_id(tenant)])
    read = api.get(url)
    assert read.status_code == 200, (detail_route, read.content[:200])
    allowed = {method.strip() for method in read["Allow"].split(",")}
    assert {"GET", "OPTIONS"} <= allowed
    assert set(api.options(url).json().get("actions", {})) <= allowed
    for method in ("put", "patch", "delete"):  # DELETE last: it may remove the object
        response = getattr(api, method)(url, {}, format="json")
        if method.upper() in allowed:
            assert response.status_code != 405, (detail_route, method)
        else:
            assert response.status_code == 405, (detail_route, method, response.status_code)
            assert method.upper() not in response["Allow"], (detail_route, method)


# ACC-3 — no API key works in a query string, on any endpoint.
@pytest.mark.parametrize("list_route, detail_route, own_id, model", API_RESOURCES)
def test_api_key_in_query_string_never_works(
    partner, tenant, list_route, detail_route, own_id, model
):
    _key, raw = make_api_key(partner)
    anonymous = APIClient()
    assert anonymous.get(reverse(list_route), {"api_key": raw}).status_code == 401
    assert (
        anonymous.get(reverse(detail_route, args=[own_id(tenant)]), {"key": raw}).status_code == 401
    )


# ACC-2 — every page: anonymous → sign-in; another customer's member sees only their own data.
@pytest.mark.parametrize("route, args", PORTAL_PAGES)
def test_portal_pages_scoped(client, tenant, other_tenant, route, args):
    marks = [mark for build in TENANT_MARKS for mark in build(tenant)]
    url = reverse(route)
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(other_tenant.members[Role.ADMIN].user)
    page = client.get(url).content.decode()
    assert tenant.client.legal_name not in page
    assert tenant.site.name not in page.replace(other_tenant.site.name, "")
    assert tenant.members[Role.ADMIN].user.email not in page
    assert [mark for mark in marks if mark in page] == []


# The marks above are data the tenant's own pages show (else their absence proves nothing).
def test_tenant_marks_show_on_its_own_pages(client, tenant):
    marks = {mark for build in TENANT_MARKS for mark in build(tenant)}
    client.force_login(tenant.members[Role.ADMIN].user)
    pages = "".join(client.get(reverse(route)).content.decode() for route, _a in PORTAL_PAGES)
    assert marks and {mark for mark in marks if mark not in pages} == set()


# ACC-2 — pages about one object of another customer answer 404 (GET and POST).
@pytest.mark.parametrize("route, args", PORTAL_OBJECT_PAGES)
def test_portal_object_pages_of_other_customer_404(client, tenant, other_tenant, route, args):
    client.force_login(other_tenant.members[Role.ADMIN].user)
    url = reverse(route, args=args(tenant))
    assert client.post(url, {"role": "admin", "name": "x"}).status_code == 404
    if route != "accounts:user_role":  # POST-only
        assert client.get(url).status_code == 404


def _company_state(t):
    t.members[Role.TECHNICAL].user.refresh_from_db()
    return (
        list(Site.objects.values_list("name", "address_line1")),
        list(Membership.objects.values_list("user__email", "role", "user__is_active")),
        Client.objects.values_list("address_line1", flat=True).get(pk=t.client.pk),
        t.members[Role.TECHNICAL].user.password,
    )


# ACC-2 — a read-only user cannot change anything: 403 and the data stays as it was.
@pytest.mark.parametrize("route, args, data", PORTAL_WRITES)
def test_read_only_user_cannot_write(client, tenant, route, args, data):
    client.force_login(tenant.members[Role.READ_ONLY].user)
    before = _company_state(tenant)
    assert client.post(reverse(route, args=args(tenant)), data).status_code == 403
    assert _company_state(tenant) == before


# ACC-2 (revised) — who of the billing and technical roles may send each write of
# ``PORTAL_WRITES``: the users, the company, orders that cost money and terminations are the
# administrator's; paying and invoices the billing role's; SIP accounts, credentials,
# destinations, devices, numbers and equipment defects the technical role's. The other of the
# two gets 403 and nothing changes (a write not named here is checked for read-only only).
WRITERS = {
    "payments:dispute_create": {Role.BILLING},
    "support:credit_request": {Role.BILLING},
    "telephony:order_pay": {Role.BILLING},
    "usage:threshold": {Role.BILLING},
    "support:ticket_detail": {Role.BILLING, Role.TECHNICAL},  # every role writes on tickets
    "support:ticket_status": {Role.BILLING, Role.TECHNICAL},
    **dict.fromkeys(
        [
            "equipment:rma_create",
            "numbering:port_cancel",
            "numbering:port_create",
            "numbering:port_edit",
            "numbering:port_submit",
            "numbering:release",
            "numbering:search",
            "telephony:sip_account_create",
            "telephony:sip_credentials",
            "telephony:sip_destination",
            "telephony:sip_device_remove",
            "telephony:trunk_credentials",
            "telephony:trunk_destination",
        ],
        {Role.TECHNICAL},
    ),
    **dict.fromkeys(
        [
            "accounts:company",
            "accounts:site_create",
            "accounts:site_edit",
            "accounts:users",
            "accounts:user_role",
            "accounts:user_remove",
            "accounts:user_compromised",
            "equipment:rental_end",
            "equipment:requests",
            "offers:line_quantity",
            "offers:terminate",
            "offers:termination_cancel",
            "telephony:decrease_cancel",
            "telephony:order_cancel",
            "telephony:trunk_change",
        ],
        set(),
    ),
}
ROLE_REFUSALS = [
    pytest.param(role, route, args, data, id=f"{role}-{route}")
    for route, args, data in PORTAL_WRITES
    if route in WRITERS
    for role in (Role.BILLING, Role.TECHNICAL)
    if role not in WRITERS[route]
]


@pytest.mark.parametrize("role, route, args, data", ROLE_REFUSALS)
def test_role_without_the_right_cannot_write(client, tenant, role, route, args, data):
    client.force_login(tenant.members[role].user)
    before = _company_state(tenant)
    assert client.post(reverse(route, args=args(tenant)), data).status_code == 403
    assert _company_state(tenant) == before
