"""Partner API keys (issue 13): scopes per resource family, expiry, IP allowlist, last use,
rotation with two live keys, and the surfaces that manage them — the API itself
(``/api/v1/api-keys/``) and the back office (ACC-3, ACC-4)."""

from datetime import timedelta

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver, resolve, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import api_keys
from accounts.api import authentication
from accounts.api.permissions import view_family
from accounts.models import ApiKey, AuditLog, User
from accounts.scopes import FAMILIES, KEYS
from kernel.errors import InvalidTransition
from tests.factories import PASSWORD
from tests.offers.factories import make_contract

pytestmark = pytest.mark.django_db


def _client(raw: str, **extra) -> APIClient:
    client = APIClient(**extra)
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


def _key(partner, scopes, **kwargs):
    key, raw = api_keys.api_key_create(partner=partner, name="scoped", scopes=scopes, **kwargs)
    return key, _client(raw)


def _error(response) -> dict:
    return response.json()["error"]


# --- Scopes -------------------------------------------------------------------------------------

# A list endpoint of each family (and the family its views get, from their app): one place
# decides it (accounts.api.permissions), no viewset declares it.
FAMILY_URLS = [
    ("customers", "/api/v1/customers/"),
    ("customers", "/api/v1/sites/"),
    ("customers", "/api/v1/customer-users/"),
    ("contracts", "/api/v1/contracts/"),
    ("contracts", "/api/v1/offers/"),
    ("billing", "/api/v1/invoices/"),
    ("billing", "/api/v1/charges/"),
    ("payments", "/api/v1/payments/"),
    ("payments", "/api/v1/disputes/"),
    ("telephony", "/api/v1/trunks/"),
    ("telephony", "/api/v1/sip-accounts/"),
    ("support", "/api/v1/tickets/"),
    ("support", "/api/v1/outages/"),
    (KEYS, "/api/v1/api-keys/"),
]


# ACC-3 — a key scoped to one family reads that family and gets 403 insufficient_scope, naming
# the scope needed, everywhere else.
@pytest.mark.parametrize(("family", "url"), FAMILY_URLS)
def test_scope_per_family(partner, family, url):
    _own, allowed = _key(partner, [f"{family}:read"])
    assert allowed.get(url).status_code == 200
    other = "billing" if family != "billing" else "support"
    _other, refused = _key(partner, [f"{other}:write"])
    response = refused.get(url)
    assert response.status_code == 403
    assert _error(response)["code"] == "insufficient_scope"
    assert f"{family}:read" in _error(response)["message"]


# ACC-3 — every route of the API belongs to a documented family (a new app's views get theirs
# from the app: it is added to APP_FAMILIES, not to each viewset).
def test_every_api_view_has_a_documented_family():
    api = get_resolver().namespace_dict["api"][1]
    names = [n for n in api.reverse_dict if isinstance(n, str) and n.endswith("-list")]
    assert len(names) > 15
    for name in names:
        view = resolve(reverse(f"api:{name}")).func.cls()
        assert view_family(view) in (*FAMILIES, KEYS), name


# ACC-3 — write includes read; read never writes, and the 403 names the write scope.
def test_write_includes_read(partner):
    _key_w, writer = _key(partner, ["customers:write"])
    assert writer.get("/api/v1/customers/").status_code == 200
    body = {
        "legal_name": "Garage Lefèvre",
        "siren": "443 061 841",
        "address_line1": "8 rue Haute",
        "postal_code": "59000",
        "city": "Lille",
        "invoice_recipients": ["compta@lefevre.example"],
    }
    assert writer.post("/api/v1/customers/", body, format="json").status_code == 201
    _key_r, reader = _key(partner, ["customers:read"])
    response = reader.post("/api/v1/customers/", body, format="json")
    assert response.status_code == 403 and "customers:write" in _error(response)["message"]


# ACC-3 — `*:read` reads every family but writes none; `*:write` writes every family but does
# not manage keys (keys:read / keys:write are outside `*`).
def test_star_scopes(partner, tenant):
    _r, reader = _key(partner, ["*:read"])
    for _family, url in FAMILY_URLS[:-1]:
        assert reader.get(url).status_code == 200, url
    response = reader.post("/api/v1/sites/", {}, format="json")
    assert response.status_code == 403 and "customers:write" in _error(response)["message"]
    _w, writer = _key(partner, ["*:write"])
    assert writer.post("/api/v1/sites/", {}, format="json").status_code == 400  # allowed: fields
    response = writer.get("/api/v1/api-keys/")
    assert response.status_code == 403 and "keys:read" in _error(response)["message"]
    response = writer.post("/api/v1/api-keys/", {"name": "x", "scopes": ["*:read"]}, format="json")
    assert response.status_code == 403 and "keys:write" in _error(response)["message"]


# ACC-3 — a command is a write: a read-only key gets 403 on it (insufficient_scope).
def test_command_needs_write(partner, tenant):
    contract = make_contract(tenant.client)
    _key_r, reader = _key(partner, ["contracts:read"])
    response = reader.post(reverse("api:contract-termination-quote", args=[contract.pk]))
    assert response.status_code == 403 and _error(response)["code"] == "insufficient_scope"


# ACC-3 — the scopes are validated: unknown ones, none at all.
@pytest.mark.parametrize("scopes", [[], ["customers:admin"], ["everything"], "customers:read"])
def test_bad_scopes_refused(partner, scopes):
    with pytest.raises(ValidationError) as error:
        api_keys.api_key_create(partner=partner, name="x", scopes=scopes)
    assert "scopes" in error.value.message_dict
    assert not ApiKey.objects.filter(name="x").exists()


# --- Expiry, allowlist, last use ----------------------------------------------------------------


# ACC-3 — an expired key answers 401 expired_key; before its expiry it works. A wrong secret
# for that key is still bad_key (the expiry is told to the key's holder only).
def test_expired_key(partner):
    expiry = timezone.now() + timedelta(days=1)
    key, client = _key(partner, ["*:read"], expires_at=expiry)
    assert client.get("/api/v1/customers/").status_code == 200
    with time_machine.travel(expiry + timedelta(seconds=1)):
        response = client.get("/api/v1/customers/")
        assert response.status_code == 401
        assert _error(response)["code"] == "expired_key"
        wrong = _client(f"{key.prefix}.wrong-secret").get("/api/v1/customers/")
        assert wrong.status_code == 401 and _error(wrong)["code"] == "bad_key"


def test_expiry_in_the_past_refused(partner):
    with pytest.raises(ValidationError) as error:
        api_keys.api_key_create(
            partner=partner, name="x", expires_at=timezone.now() - timedelta(minutes=1)
        )
    assert "expires_at" in error.value.message_dict


# ACC-3 — a key with an allowlist works from its addresses only (403 ip_not_allowed elsewhere);
# the address is the client's behind the trusted proxies (kernel.http.client_ip).
def test_ip_allowlist(partner, settings):
    key, raw = api_keys.api_key_create(
        partner=partner, name="office", allowed_ips=["203.0.113.0/24", "2001:db8::1"]
    )
    assert key.allowed_ips == ["203.0.113.0/24", "2001:db8::1/128"]
    inside = _client(raw, REMOTE_ADDR="203.0.113.9").get("/api/v1/customers/")
    assert inside.status_code == 200
    assert _client(raw, REMOTE_ADDR="2001:db8::1").get("/api/v1/customers/").status_code == 200
    outside = _client(raw, REMOTE_ADDR="198.51.100.1").get("/api/v1/customers/")
    assert outside.status_code == 403 and _error(outside)["code"] == "ip_not_allowed"
    settings.TRUSTED_PROXY_COUNT = 1
    proxied = _client(raw, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.50")
    assert proxied.get("/api/v1/customers/").status_code == 200
    spoofed = _client(raw, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5, 8.8.8.8")
    assert spoofed.get("/api/v1/customers/").status_code == 403


@pytest.mark.parametrize("value", ["not-an-ip", "300.1.1.1", "10.0.0.0/33", ""])
def test_bad_allowlist_refused(partner, value):
    with pytest.raises(ValidationError) as error:
        api_keys.api_key_create(partner=partner, name="x", allowed_ips=[value])
    assert "allowed_ips" in error.value.message_dict


# ACC-3 — the last use (time and address) is recorded, at most one write a minute; checking a
# key is one indexed query (scopes and allowlist are on the row).
def test_last_use_and_one_query(partner):
    key, raw = api_keys.api_key_create(partner=partner, name="k", allowed_ips=["203.0.113.0/24"])
    client = _client(raw, REMOTE_ADDR="203.0.113.7")
    with CaptureQueriesContext(connection) as first:
        assert client.get("/api/v1/api-keys/").status_code == 200
    key.refresh_from_db()
    assert key.last_used_at is not None and key.last_used_ip == "203.0.113.7"
    with CaptureQueriesContext(connection) as second:
        client.get("/api/v1/customers/")
    # On PostgreSQL the look-up is a statement prepared once per session (kernel.prepared).
    lookup, _key_columns, _partner_columns = authentication._lookup()
    assert lookup.startswith("SELECT") and '"accounts_partner"' in lookup  # with its partner
    key_queries = [
        q["sql"]
        for q in second
        if '"accounts_apikey"' in q["sql"].split("WHERE")[0]
        or f"EXECUTE {authentication.LOOKUP_LABEL}_" in q["sql"]
    ]
    assert len(key_queries) == 1
    assert not any(q["sql"].startswith('UPDATE "accounts_apikey"') for q in second)
    updates = [q for q in first if q["sql"].startswith('UPDATE "accounts_apikey"')]
    assert len(updates) == 1


# --- Rotation ------------------------------------------------------------------------------------


# ACC-3 — rotation: a new key (same name, scopes, allowlist) shown once; the old one works during
# the overlap, then answers expired_key; rotating the old key again is a 409.
def test_rotate_overlap(partner):
    old, raw_old = api_keys.api_key_create(
        partner=partner, name="shop", scopes=["billing:read"], allowed_ips=["203.0.113.0/24"]
    )
    new, raw_new = api_keys.api_key_rotate(api_key=old, overlap=timedelta(hours=2))
    assert (new.name, new.scopes, new.allowed_ips) == (old.name, old.scopes, old.allowed_ips)
    assert new.rotated_from == old and raw_new != raw_old
    old.refresh_from_db()
    assert timedelta(hours=1, minutes=59) < old.expires_at - timezone.now() <= timedelta(hours=2)
    for raw in (raw_old, raw_new):
        assert _client(raw, REMOTE_ADDR="203.0.113.1").get("/api/v1/invoices/").status_code == 200
    with time_machine.travel(old.expires_at + timedelta(seconds=1)):
        late = _client(raw_old, REMOTE_ADDR="203.0.113.1").get("/api/v1/invoices/")
        assert late.status_code == 401 and _error(late)["code"] == "expired_key"
        fresh = _client(raw_new, REMOTE_ADDR="203.0.113.1").get("/api/v1/invoices/")
        assert fresh.status_code == 200
    with pytest.raises(InvalidTransition) as error:
        api_keys.api_key_rotate(api_key=old)
    assert error.value.code == "already_rotated"
    entry = AuditLog.objects.get(action="api_key.rotate")
    assert entry.object_id == str(old.pk) and entry.after["successor"] == new.prefix


# ACC-3 — never more than two live keys per rotation chain: rotating the new key during the
# overlap ends the oldest at once.
def test_rotation_keeps_two_live_keys(partner):
    first, raw_first = api_keys.api_key_create(partner=partner, name="chain")
    second, _raw = api_keys.api_key_rotate(api_key=first)
    third, _raw = api_keys.api_key_rotate(api_key=second)
    live = [k for k in ApiKey.objects.filter(name="chain") if k.is_live()]
    assert {k.pk for k in live} == {second.pk, third.pk}
    assert _client(raw_first).get("/api/v1/customers/").status_code == 401


# ACC-3 — the overlap is 24 h by default, 7 days at most; an expired or revoked key is not
# rotated; a key with a lifetime passes it on.
def test_rotate_bounds(partner):
    key, _raw = api_keys.api_key_create(partner=partner, name="k")
    with pytest.raises(ValidationError):
        api_keys.api_key_rotate(api_key=key, overlap=timedelta(days=7, seconds=1))
    with pytest.raises(ValidationError):
        api_keys.api_key_rotate(api_key=key, overlap=timedelta(seconds=-1))
    new, _raw = api_keys.api_key_rotate(api_key=key)
    key.refresh_from_db()
    assert abs(key.expires_at - timezone.now() - timedelta(hours=24)) < timedelta(minutes=1)
    assert new.expires_at is None
    revoked, _raw = api_keys.api_key_create(partner=partner, name="r")
    api_keys.api_key_revoke(api_key=revoked)
    with pytest.raises(InvalidTransition) as error:
        api_keys.api_key_rotate(api_key=revoked)
    assert error.value.code == "key_not_live"
    dated, _raw = api_keys.api_key_create(
        partner=partner, name="d", expires_at=timezone.now() + timedelta(days=90)
    )
    successor, _raw = api_keys.api_key_rotate(api_key=dated)
    expected = timezone.now() + (dated.expires_at - dated.created_at)
    assert abs(successor.expires_at - expected) < timedelta(minutes=1)


# --- The partner's own admin: /api/v1/api-keys/ --------------------------------------------------

KEY_FIELDS = {
    "id",
    "name",
    "prefix",
    "scopes",
    "expires_at",
    "allowed_ips",
    "rotated_from",
    "is_live",
    "created_at",
    "last_used_at",
    "last_used_ip",
    "revoked_at",
}


# ACC-3 — the partner lists its own keys (never the hash, never the key itself).
def test_list_own_keys(api, partner, other_partner):
    api_keys.api_key_create(partner=other_partner, name="theirs")
    api_keys.api_key_create(partner=partner, name="mine", scopes=["billing:read"])
    body = api.get("/api/v1/api-keys/").json()
    assert {row["name"] for row in body["results"]} == {"test key", "mine"}
    for row in body["results"]:
        assert set(row) == KEY_FIELDS
    text = str(body)
    for key in ApiKey.objects.all():
        assert key.hashed_key not in text


# ACC-3, ACC-4 — creating a key through the API: the key itself is in the 201 answer only; it
# works with the scopes asked; the creation is audited with the creating key.
def test_create_key(api, partner):
    payload = {
        "name": "billing robot",
        "scopes": ["billing:read", "customers:write"],
        "allowed_ips": ["203.0.113.0/24"],
        "expires_at": (timezone.now() + timedelta(days=30)).isoformat(),
    }
    response = api.post("/api/v1/api-keys/", payload, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == KEY_FIELDS | {"key"} and body["key"].startswith(body["prefix"] + ".")
    assert body["scopes"] == ["customers:write", "billing:read"]
    key = ApiKey.objects.get(pk=body["id"])
    assert key.partner == partner and key.hashed_key == ApiKey.hash(body["key"])
    detail = api.get(f"/api/v1/api-keys/{key.pk}/").json()
    assert "key" not in detail and body["key"] not in str(detail)
    robot = _client(body["key"], REMOTE_ADDR="203.0.113.4")
    assert robot.get("/api/v1/invoices/").status_code == 200
    assert robot.get("/api/v1/trunks/").status_code == 403
    entry = AuditLog.objects.get(action="api_key.create", object_id=str(key.pk))
    assert entry.actor_api_key == api.key and entry.partner == partner


# ACC-3 — a key never mints a bigger key: the new key's scopes are within the creator's.
@pytest.mark.parametrize(
    ("creator", "asked"),
    [
        (["customers:read", "keys:write"], ["*:read"]),
        (["customers:read", "keys:write"], ["customers:write"]),
        (["*:read", "keys:write"], ["billing:write"]),
        (["*:write", "keys:write"], ["*:write", "keys:write", "support:read"]),
    ],
)
def test_created_scopes_within_creator(partner, creator, asked):
    _key_c, client = _key(partner, creator)
    response = client.post("/api/v1/api-keys/", {"name": "x", "scopes": asked}, format="json")
    if asked[-1] == "support:read":  # covered by *:write
        assert response.status_code == 201
        return
    assert response.status_code == 400 and "scopes" in _error(response)["fields"]
    assert not ApiKey.objects.filter(name="x").exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"name": "x"},  # ACC-3: through the API a key names its scopes (no default to full)
        {"name": "x", "scopes": []},
        {"name": "x", "scopes": ["root"]},
        {"name": "x", "scopes": ["*:read"], "allowed_ips": ["example.com"]},
        {"name": "x", "scopes": ["*:read"], "expires_at": "2020-01-01T00:00:00Z"},
        {"name": "x" * 101, "scopes": ["*:read"]},
    ],
)
def test_create_key_field_errors(api, payload):
    response = api.post("/api/v1/api-keys/", payload, format="json")
    assert response.status_code == 400
    assert set(_error(response)["fields"]) & {"scopes", "allowed_ips", "expires_at", "name"}
    assert not ApiKey.objects.filter(name__startswith="x").exists()


# ACC-3 — rotate through the API: 201 with the new key (shown once), the old key works on for
# the overlap asked; a second rotation of the old key is a 409.
def test_rotate_through_api(api, partner):
    old, raw_old = api_keys.api_key_create(partner=partner, name="shop", scopes=["*:read"])
    url = reverse("api:api-key-rotate", args=[old.pk])
    assert api.post(url, {"overlap_hours": 169}, format="json").status_code == 400
    response = api.post(url, {"overlap_hours": 1}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["rotated_from"] == old.pk and body["scopes"] == ["*:read"]
    assert _client(body["key"]).get("/api/v1/customers/").status_code == 200
    assert _client(raw_old).get("/api/v1/customers/").status_code == 200
    old.refresh_from_db()
    assert timedelta(minutes=59) < old.expires_at - timezone.now() <= timedelta(hours=1)
    again = api.post(url, {}, format="json")
    assert again.status_code == 409 and _error(again)["code"] == "already_rotated"


# ACC-3 — a key cannot rotate a key with more scopes than its own (that would hand it the
# bigger key's secret).
def test_rotate_bigger_key_refused(partner):
    big, _raw = api_keys.api_key_create(partner=partner, name="big", scopes=["*:write"])
    _small, small_client = _key(partner, ["customers:read", "keys:write"])
    response = small_client.post(reverse("api:api-key-rotate", args=[big.pk]), format="json")
    assert response.status_code == 400
    assert not ApiKey.objects.filter(rotated_from=big).exists()


# ACC-3 — a key never mints a bigger key, in time and in addresses either: a key given for a
# day (expiring tomorrow) created a key with no expiry, and a key usable from the partner's
# office network only created one usable from anywhere, both with its full scopes: whoever held
# the short-lived or fenced key kept a permanent, unfenced one. The new key now expires at the
# latest when its creator does and is used only from addresses its creator may call from; a
# rotation by such a key gives no successor beyond them either.
def test_created_key_neither_outlives_nor_outreaches_its_creator(partner):
    tomorrow = timezone.now() + timedelta(days=1)
    _temp, temp = _key(partner, ["*:write", "keys:write"], expires_at=tomorrow)
    for asked in ({}, {"expires_at": (tomorrow + timedelta(days=30)).isoformat()}):
        response = temp.post(
            "/api/v1/api-keys/", {"name": "forever", "scopes": ["*:write"], **asked}, format="json"
        )
        assert response.status_code == 400 and "expires_at" in _error(response)["fields"]
    within = (tomorrow - timedelta(hours=1)).isoformat()
    response = temp.post(
        "/api/v1/api-keys/",
        {"name": "short", "scopes": ["*:read"], "expires_at": within},
        format="json",
    )
    assert response.status_code == 201
    _fenced, fenced = _key(
        partner, ["*:write", "keys:write"], allowed_ips=["127.0.0.0/24", "203.0.113.0/24"]
    )
    for asked in ([], ["198.51.100.7"], ["127.0.0.0/8"]):
        response = fenced.post(
            "/api/v1/api-keys/",
            {"name": "open", "scopes": ["*:write"], "allowed_ips": asked},
            format="json",
        )
        assert response.status_code == 400 and "allowed_ips" in _error(response)["fields"]
    response = fenced.post(
        "/api/v1/api-keys/",
        {"name": "office", "scopes": ["*:read"], "allowed_ips": ["127.0.0.1", "203.0.113.0/25"]},
        format="json",
    )
    assert response.status_code == 201
    assert not ApiKey.objects.filter(name__in=["forever", "open"]).exists()
    # nor by rotating a permanent or unfenced key of the partner
    permanent, _raw = api_keys.api_key_create(partner=partner, name="permanent", scopes=["*:read"])
    for client in (temp, fenced):
        response = client.post(reverse("api:api-key-rotate", args=[permanent.pk]), format="json")
        assert response.status_code == 400
    assert not ApiKey.objects.filter(rotated_from=permanent).exists()
    # a key rotating itself keeps its own terms (the same lifetime, the same addresses)
    response = temp.post(reverse("api:api-key-rotate", args=[_temp.pk]), format="json")
    assert response.status_code == 201


# ACC-3, ACC-4 — revoke through the API: the key stops at once; audited.
def test_revoke_through_api(api, partner):
    key, raw = api_keys.api_key_create(partner=partner, name="leaked")
    response = api.post(reverse("api:api-key-revoke", args=[key.pk]))
    assert response.status_code == 200 and response.json()["revoked_at"] is not None
    assert not response.json()["is_live"]
    refused = _client(raw).get("/api/v1/customers/")
    assert refused.status_code == 401 and _error(refused)["code"] == "bad_key"
    entry = AuditLog.objects.get(action="api_key.revoke")
    assert entry.actor_api_key == api.key and entry.object_id == str(key.pk)


# ACC-3 — another partner's key: 404 on rotate and revoke, nothing written; keys are never
# edited or deleted through the API (405 on our own).
def test_other_partner_key_commands_404(api, partner, other_partner):
    theirs, _raw = api_keys.api_key_create(partner=other_partner, name="theirs")
    for route in ("api:api-key-rotate", "api:api-key-revoke"):
        assert api.post(reverse(route, args=[theirs.pk]), {}, format="json").status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_live() and not ApiKey.objects.filter(rotated_from=theirs).exists()
    own = reverse("api:api-key-detail", args=[api.key.pk])
    assert api.patch(own, {"scopes": ["*:write"]}, format="json").status_code == 405
    assert api.delete(own).status_code == 405


# ACC-3 — managing keys needs keys:read to list and keys:write to change.
def test_keys_read_cannot_write(partner):
    target, _raw = api_keys.api_key_create(partner=partner, name="target")
    _key_r, reader = _key(partner, ["keys:read"])
    assert reader.get("/api/v1/api-keys/").status_code == 200
    for route in ("api:api-key-rotate", "api:api-key-revoke"):
        response = reader.post(reverse(route, args=[target.pk]))
        assert response.status_code == 403 and "keys:write" in _error(response)["message"]
    assert target.revoked_at is None


# The OpenAPI security scheme documents the scopes and the key errors.
def test_schema_documents_scopes(client):
    schema = client.get(reverse("api:schema"), HTTP_ACCEPT="application/json").json()
    description = schema["components"]["securitySchemes"]["ApiKeyAuth"]["description"]
    for word in (*FAMILIES, "keys:write", "*:read", "insufficient_scope", "ip_not_allowed"):
        assert word in description
    assert "expired_key" in description
    assert "/api/v1/api-keys/{id}/rotate/" in schema["paths"]


# --- Back office ---------------------------------------------------------------------------------


@pytest.fixture
def staff(client):
    user = User.objects.create_user(
        email="ops@reseller.example", password=PASSWORD, is_staff=True, is_superuser=True
    )
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(user)
    return user


# ACC-3, ACC-4 — the back office shows the scopes, expiry, allowlist and last use of each key.
def test_back_office_shows_key_fields(client, staff, partner):
    key, raw = api_keys.api_key_create(
        partner=partner, name="shop", scopes=["billing:read"], allowed_ips=["203.0.113.0/24"]
    )
    _client(raw, REMOTE_ADDR="203.0.113.8").get("/api/v1/invoices/")
    page = client.get(reverse("admin:accounts_apikey_changelist")).content.decode()
    assert "billing:read" in page and "203.0.113.0/24" in page and "203.0.113.8" in page
    detail = client.get(reverse("admin:accounts_apikey_change", args=[key.pk]))
    assert detail.status_code == 200 and "billing:read" in detail.content.decode()
    assert key.hashed_key not in detail.content.decode()


# ACC-3 — a key added in the back office gets the scopes, expiry and allowlist asked.
def test_back_office_adds_scoped_key(client, staff, partner):
    response = client.post(
        reverse("admin:accounts_apikey_add"),
        {
            "partner": partner.pk,
            "name": "erp",
            "scopes": ["customers:read", "keys:read"],
            "allowed_ips": "203.0.113.0/24\n2001:db8::/48",
        },
        follow=True,
    )
    assert response.status_code == 200
    key = ApiKey.objects.get(name="erp")
    assert key.scopes == ["customers:read", "keys:read"]
    assert key.allowed_ips == ["203.0.113.0/24", "2001:db8::/48"]
    assert AuditLog.objects.filter(action="api_key.create", actor=staff).exists()
    bad = client.post(
        reverse("admin:accounts_apikey_add"),
        {"partner": partner.pk, "name": "bad", "allowed_ips": "nowhere"},
    )
    assert bad.status_code == 200 and not ApiKey.objects.filter(name="bad").exists()


# ACC-3, ACC-4 — back-office actions: rotate (overlap asked first, the new key shown once) and
# revoke, both audited with the staff member.
def test_back_office_rotate_and_revoke(client, staff, partner):
    key, _raw = api_keys.api_key_create(partner=partner, name="shop")
    url = reverse("admin:accounts_apikey_changelist")
    form = client.post(url, {"action": "rotate", ACTION_CHECKBOX_NAME: [key.pk]})
    assert form.status_code == 200 and "overlap_hours" in form.content.decode()
    done = client.post(
        url,
        {"action": "rotate", ACTION_CHECKBOX_NAME: [key.pk], "apply": "1", "overlap_hours": 2},
        follow=True,
    )
    successor = ApiKey.objects.get(rotated_from=key)
    assert f"{successor.prefix}." in done.content.decode()
    assert AuditLog.objects.get(action="api_key.rotate").actor == staff
    client.post(url, {"action": "revoke", ACTION_CHECKBOX_NAME: [successor.pk]})
    successor.refresh_from_db()
    assert successor.revoked_at is not None
    assert AuditLog.objects.get(action="api_key.revoke").actor == staff


# --- Data migration ------------------------------------------------------------------------------


# ACC-3 — existing keys keep what they could do: read-only → `*:read`, others → `*:write`.
# In a scratch database migrated to accounts 0003 alone (unapplying every later migration of the
# test database and applying them again took two minutes of the suite), then to 0004.
@pytest.mark.django_db(transaction=True)
def test_migration_maps_read_only_to_scopes():
    alias = "acc3_migration"
    name = f"{connection.settings_dict['NAME']}_acc3"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    # a connection made here, not one of the settings' (those the test case guards)
    scratch = connections["default"].__class__({**connection.settings_dict, "NAME": name}, alias)
    connections[alias] = scratch
    try:
        executor = MigrationExecutor(scratch)
        executor.migrate([("accounts", "0003_idempotency")])
        old_apps = executor.loader.project_state([("accounts", "0003_idempotency")]).apps
        partner = (
            old_apps.get_model("accounts", "Partner")
            .objects.using(alias)
            .create(name="Old", support_email="s@old.example")
        )
        old_keys = old_apps.get_model("accounts", "ApiKey").objects.using(alias)
        old_keys.create(
            partner=partner, name="ro", prefix="aaaa0001", hashed_key="1", read_only=True
        )
        old_keys.create(partner=partner, name="rw", prefix="aaaa0002", hashed_key="2")
        executor = MigrationExecutor(scratch)
        executor.migrate([("accounts", "0004_api_key_scopes")])
        new_apps = executor.loader.project_state([("accounts", "0004_api_key_scopes")]).apps
        keys = new_apps.get_model("accounts", "ApiKey").objects.using(alias)
        assert dict(keys.values_list("name", "scopes")) == {"ro": ["*:read"], "rw": ["*:write"]}
    finally:
        scratch.close()
        del connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')


# ACC-3 — a key added in the back office is shown once on the next page, but never travels in a
# cookie: Django's default message storage put « Copy this key now…: <key> » in a signed, not
# encrypted, « messages » cookie (readable by anyone who sees the browser's cookies or a
# proxy's log of them). The message is kept in the session, server side.
def test_back_office_new_key_never_in_a_cookie(client, staff, partner):
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.test import RequestFactory

    response = client.post(
        reverse("admin:accounts_apikey_add"), {"partner": partner.pk, "name": "erp"}
    )
    assert response.status_code == 302
    key = ApiKey.objects.get(name="erp")
    cookie = response.cookies.get("messages")
    decoded = CookieStorage(RequestFactory().get("/"))._decode(cookie.value) if cookie else None
    assert not decoded or not any(key.prefix in str(m) for m in decoded)
    page = client.get(response["Location"]).content.decode()
    assert f"{key.prefix}." in page  # shown once, on the next page
    assert f"{key.prefix}." not in client.get(response["Location"]).content.decode()
