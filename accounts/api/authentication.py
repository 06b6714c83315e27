"""ACC-3: partners authenticate with `Authorization: Api-Key <key>`, never with a URL."""

import functools
import hmac

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from accounts.models import ApiKey, Partner
from accounts.scopes import FAMILIES
from kernel import prepared
from kernel.http import client_ip

KEYWORD = "Api-Key"
# A key in a URL ends up in logs and browser histories: such requests are refused outright.
QUERY_KEY_NAMES = {"api_key", "apikey", "api-key", "key", "token", "access_token"}


class PartnerPrincipal:
    """The identity behind an API request: a partner, through one of its keys."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False

    def __init__(self, api_key: ApiKey):
        self.api_key = api_key
        self.partner = api_key.partner
        self.pk = None

    def __str__(self):
        return f"partner:{self.partner.name}"


class ExpiredKey(exceptions.AuthenticationFailed):
    default_detail = _("This API key has expired.")
    default_code = "expired_key"


class IpNotAllowed(exceptions.PermissionDenied):
    default_detail = _("This API key may not be used from this address.")
    default_code = "ip_not_allowed"


def _columns(model, alias: str) -> tuple[str, list]:
    """``alias.column`` of each concrete field, and for each its column expression and the
    converters the ORM would apply (the backend's, e.g. SQLite's decimals, then the field's,
    e.g. JSON), called as the ORM calls them: ``(value, expression, connection)``."""
    fields = model._meta.concrete_fields
    quote = connection.ops.quote_name
    converters = []
    for field in fields:
        column = field.get_col(alias)
        functions = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        converters.append((field, column, functions))
    return ", ".join(f"{alias}.{quote(f.column)}" for f in fields), converters


def _row(model, values, converters):
    converted = []
    for value, (_field, column, functions) in zip(values, converters, strict=True):
        for function in functions:
            value = function(value, column, connection)
        converted.append(value)
    names = [field.attname for field, _column, _functions in converters]
    return model.from_db(connection.alias, names, converted)


LOOKUP_LABEL = "api_key_by_prefix"  # the name of its prepared statement begins so


@functools.cache
def _lookup():
    keys, key_converters = _columns(ApiKey, "k")
    partners, partner_converters = _columns(Partner, "p")
    quote = connection.ops.quote_name
    sql = (
        f"SELECT {keys}, {partners} FROM {quote(ApiKey._meta.db_table)} k "
        f"JOIN {quote(Partner._meta.db_table)} p ON p.id = k.partner_id WHERE k.prefix = %s"
    )
    return sql, key_converters, partner_converters


def key_by_prefix(prefix: str) -> ApiKey | None:
    """The key with its partner, as ``select_related("partner")`` reads them, from SQL written
    once per process: the ORM would build and compile the same statement on every request
    (0.7 ms of the 2–6 ms a page costs, ``bench/api_load.py``). ``prefix`` is unique."""
    sql, key_converters, partner_converters = _lookup()
    found = prepared.rows(connection, sql, [prefix], label=LOOKUP_LABEL)  # planned once
    if not found:
        return None
    (row,) = found
    split = len(key_converters)
    key = _row(ApiKey, row[:split], key_converters)
    key.partner = _row(Partner, row[split:], partner_converters)
    return key


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """One indexed query per request (the key by its unique prefix, with its partner): the
    scopes and the allowlist are on the row. A wrong secret, a revoked key and an inactive
    partner answer alike (401 ``bad_key``); only the holder of the right secret learns that the
    key expired (401 ``expired_key``) or that the address is not allowed (403 ``ip_not_allowed``).
    """

    def authenticate(self, request):
        if QUERY_KEY_NAMES & {name.lower() for name in request.query_params}:
            raise exceptions.AuthenticationFailed(
                _("API keys are accepted only in the Authorization header, never in the URL."),
                code="api_key_in_url",
            )
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        keyword, _sep, raw = header.partition(" ")
        if keyword != KEYWORD or not raw.strip():
            return None
        raw = raw.strip()
        prefix = raw.split(".", 1)[0]
        key = key_by_prefix(prefix)
        if (
            key is None
            or not hmac.compare_digest(key.hashed_key, ApiKey.hash(raw))
            or key.revoked_at is not None
            or not key.partner.is_active
        ):
            raise exceptions.AuthenticationFailed(_("Invalid or revoked API key."), code="bad_key")
        now = timezone.now()
        if key.is_expired(now):
            raise ExpiredKey()
        ip = client_ip(request)
        if not key.allows_ip(ip):
            raise IpNotAllowed()
        # One write a minute at most per key, not one per request.
        if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now, last_used_ip=ip)
        return PartnerPrincipal(key), key

    def authenticate_header(self, request):
        return KEYWORD


SECURITY_DESCRIPTION = f"""`Api-Key <key>` — never in the URL (401 `api_key_in_url`).

**Scopes.** Each key has a list of scopes `<family>:<access>`. The families are
{", ".join(f"`{family}`" for family in FAMILIES)}; `*` stands for all of them (`*:read` reads
everything, `*:write` writes everything). `read` allows GET, HEAD and OPTIONS; `write` allows
every method (it includes `read`), commands included. The family `keys` (`/api-keys/`: list,
create, rotate, revoke the partner's keys) is outside `*`: only `keys:read` and `keys:write` grant
it, and a key creates or rotates only keys whose scopes it has itself, that expire at the latest
when it does and that are used only from addresses it may call from (400 on `scopes`,
`expires_at` or `allowed_ips`). A request outside the key's scopes answers 403
`insufficient_scope`, naming the scope needed.

**Expiry and addresses.** A key may have an expiry (past it: 401 `expired_key`) and a list of
allowed IP addresses or CIDR networks (a call from elsewhere: 403 `ip_not_allowed`). A wrong,
revoked or unknown key: 401 `bad_key`.

**Rotation.** `POST /api-keys/{{id}}/rotate/` returns a new key (shown once) with the same name,
scopes and addresses; the old key keeps working for the overlap (24 h by default, 7 days at
most). A chain of rotations has at most two live keys."""


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = ApiKeyAuthentication
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": SECURITY_DESCRIPTION,
        }
