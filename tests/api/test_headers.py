"""Response headers (issue 13, defect 9): a Content-Security-Policy on the portal's pages
(django-csp), ``Cache-Control: no-store`` on every partner API answer."""

import re

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from accounts.choices import Role
from accounts.models import User
from tests.factories import PASSWORD
from tests.offers.factories import make_contract

pytestmark = pytest.mark.django_db


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


# --- API: Cache-Control: no-store ---------------------------------------------------------------


@pytest.fixture
def api(api):
    api.raise_request_exception = False
    return api


# ACC-3 — customer data never stays in a cache: every answer of the API is no-store, the errors
# and the schema included.
@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/customers/", 200),
        ("/api/v1/customers/999999/", 404),
        ("/api/v1/invoices/?month=0000-01", 400),
        ("/api/v1/trunks/?format=api", 406),
        ("/api/v1/offers/%00/", 400),
        ("/api/v1/schema/", 200),
        ("/api/v1/docs/", 200),
    ],
)
def test_api_answers_not_stored(api, path, status):
    response = api.get(path)
    assert response.status_code == status
    assert response["Cache-Control"] == "no-store"


# ACC-3 — a JSON answer of the API is no document: it may load and frame nothing. The pages
# (the API's documentation included) keep the portal's policy.
def test_api_json_answers_allow_nothing(api):
    for path in ("/api/v1/customers/", "/api/v1/customers/999999/", "/api/v1/invoices/?month=0"):
        response = api.get(path)
        assert response["Content-Type"].startswith("application/json"), path
        assert _policy(response) == {"default-src": ["'none'"], "frame-ancestors": ["'none'"]}
    docs = _policy(api.get("/api/v1/docs/"))
    assert docs["default-src"] == ["'self'"] and docs["object-src"] == ["'none'"]


def test_api_without_key_not_stored(client):
    response = client.get("/api/v1/customers/")
    assert response.status_code == 401
    assert response["Cache-Control"] == "no-store"


# ACC-3 — a partner authenticates with its key on every request: the API neither reads nor
# writes a session, a cookie or messages (portal.middleware.PagesOnly), even when the
# caller's browser sends a signed-in person's cookies; the portal's pages still do.
def test_api_skips_the_pages_session_and_cookies(api, as_role):
    signed_in = as_role(Role.ADMIN)
    api.cookies = signed_in.cookies  # a person's session cookie, sent with the partner's key
    response = api.get("/api/v1/customers/")
    assert response.status_code == 200
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")
    assert not hasattr(response.wsgi_request, "session")
    assert not hasattr(response.wsgi_request, "_messages")
    page = signed_in.get(reverse("dashboard"))
    assert page.status_code == 200
    assert page.wsgi_request.user.is_authenticated and page.wsgi_request.session.session_key


def test_portal_pages_not_api_no_store(as_role):
    response = as_role(Role.ADMIN).get(reverse("dashboard"))
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


# --- Portal pages: Content-Security-Policy -----------------------------------------------------

PORTAL_PAGES = [
    "dashboard",
    "accounts:company",
    "accounts:sites",
    "accounts:users",
    "accounts:security",
    "offers:list",
    "billing:list",
    "payments:overview",
    "telephony:index",
    "support:tickets",
    "support:ticket_create",
    "support:availability",
]

INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
STYLE_TAG = re.compile(r"<style\b([^>]*)>", re.IGNORECASE)


def _assert_page_within_policy(response):
    policy = _policy(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no inline script, no eval
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in policy["style-src"]
    html = response.content.decode()
    for attributes in SCRIPT_TAG.findall(html):
        assert "src=" in attributes or 'type="application/json"' in attributes, attributes
    assert not INLINE_HANDLER.search(html)
    assert not STYLE_ATTRIBUTE.search(html)
    nonces = [f"'nonce-{n}'" for n in re.findall(r'nonce="([^"]+)"', html)]
    styles = STYLE_TAG.findall(html)
    assert len(nonces) == len(styles)  # every <style> block carries the nonce…
    for nonce in nonces:
        assert nonce in policy["style-src"]  # …the one the header allows


# The portal's pages, as a customer's administrator sees them: a strict policy, and nothing in
# the page that it would block.
@pytest.mark.parametrize("name", PORTAL_PAGES)
def test_portal_page_policy(as_role, tenant, name):
    make_contract(tenant.client)
    response = as_role(Role.ADMIN).get(reverse(name))
    assert response.status_code == 200
    _assert_page_within_policy(response)


def test_contract_pages_policy(as_role, tenant):
    contract = make_contract(tenant.client)
    browser = as_role(Role.ADMIN)
    for url in (reverse("offers:detail", args=[contract.pk]), reverse("offers:list")):
        response = browser.get(url)
        assert response.status_code == 200
        _assert_page_within_policy(response)


def test_sign_in_page_policy(client):
    response = client.get(reverse("account_login"))
    assert response.status_code == 200
    _assert_page_within_policy(response)


# Each response has its own nonce.
def test_nonce_changes_per_response(client):
    first = _policy(client.get(reverse("account_login")))["style-src"]
    second = _policy(client.get(reverse("account_login")))["style-src"]
    assert first != second


# The security page's confirmation is a static script now (no inline onsubmit).
def test_security_page_confirmation_script(as_role):
    html = as_role(Role.ADMIN).get(reverse("accounts:security")).content.decode()
    assert 'data-confirm="' in html
    assert "js/confirm.js" in html


# The back office: scripts from 'self' only as well; Django's admin needs inline styles.
def test_back_office_policy(client):
    staff = User.objects.create_user(
        email="ops@reseller.example", password=PASSWORD, is_staff=True, is_superuser=True
    )
    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(staff)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    policy = _policy(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]


# The API docs: the one page with an inline script (the Swagger UI's set-up), allowed by the
# response's nonce only; its style block carries the same nonce.
def test_api_docs_policy(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    policy = _policy(response)
    html = response.content.decode()
    nonce = re.search(r'<script nonce="([^"]+)">', html)[1]
    assert policy["script-src"] == ["'self'", f"'nonce-{nonce}'"]
    assert policy["style-src"] == ["'self'", f"'nonce-{nonce}'"]
    assert f'<style nonce="{nonce}">' in html
    for attributes in SCRIPT_TAG.findall(html):
        assert "src=" in attributes or f'nonce="{nonce}"' in attributes


# --- Permissions-Policy -------------------------------------------------------------------------


# The browser features the portal never uses are off on every answer: a page (signed in or not),
# the back office's login, an API answer.
def test_permissions_policy_on_every_answer(as_role, client, api):
    answers = [
        as_role(Role.ADMIN).get(reverse("dashboard")),
        client.get(reverse("account_login")),
        api.get(reverse("api:contract-list")),
    ]
    for response in answers:
        policy = dict(
            part.strip().split("=", 1) for part in response["Permissions-Policy"].split(",")
        )
        assert policy["camera"] == policy["microphone"] == policy["geolocation"] == "()"
        assert policy["payment"] == policy["usb"] == "()"
