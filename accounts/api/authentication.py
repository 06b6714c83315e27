"""ACC-3: partners authenticate with `Authorization: Api-Key <key>`, never with a URL."""

import hmac

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from accounts.models import ApiKey

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


class ApiKeyAuthentication(authentication.BaseAuthentication):
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
        key = ApiKey.objects.select_related("partner").filter(prefix=prefix).first()
        if (
            key is None
            or not hmac.compare_digest(key.hashed_key, ApiKey.hash(raw))
            or key.revoked_at is not None
            or not key.partner.is_active
        ):
            raise exceptions.AuthenticationFailed(_("Invalid or revoked API key."), code="bad_key")
        now = timezone.now()
        # One write a minute at most per key, not one per request.
        if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        return PartnerPrincipal(key), key

    def authenticate_header(self, request):
        return KEYWORD


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = ApiKeyAuthentication
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <key>` — never in the URL.",
        }
