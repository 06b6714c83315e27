"""Errors of the partner API in the partner's language (issue 13): ``Accept-Language`` picks
English or French for every message — DRF's, django-filter's and ours, field errors included —
French without it, and a language cookie never overrides it on /api/ (ACC-3).

Each case computes its expected message from the message's source in the language asked
(``translation.override``), and the English and French answers must differ: a message left
untranslated, computed at import time or cached in another language fails here.
"""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext
from rest_framework import exceptions, serializers
from rest_framework.test import APIClient

from accounts import api_keys
from accounts import scopes as key_scopes
from accounts.api.authentication import ExpiredKey, IpNotAllowed
from accounts.api.throttling import ApiKeyRateThrottle
from kernel.parsers import RequestTooLarge
from tests.factories import clear_own_cache
from tests.offers.factories import make_contract

pytestmark = pytest.mark.django_db

ENVELOPE_400 = "Some fields are not valid."


def _keyed(raw, **extra):
    client = APIClient(**extra)
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


class Case:
    """One error: how to provoke it, and its messages (top message, then field messages)."""

    def __init__(self, status, call, message, fields=None):
        self.status, self.call, self.message, self.fields = status, call, message, fields or {}

    def expected(self, lang):
        with translation.override(lang):
            return str(self.message()), {k: [str(m())] for k, m in self.fields.items()}


def _cases(ctx):
    api = ctx.api
    drf = serializers.Field.default_error_messages
    return {
        # 400: DRF's own field messages, one DRF leaves untranslated, and our envelope.
        "400-drf-required": Case(
            400,
            lambda h: api.post("/api/v1/customers/", {}, format="json", **h),
            lambda: gettext(ENVELOPE_400),
            {"legal_name": lambda: drf["required"]},
        ),
        "400-drf-boolean": Case(
            400,
            lambda h: api.post(
                "/api/v1/customers/", {"is_telecom_professional": "maybe"}, format="json", **h
            ),
            lambda: gettext(ENVELOPE_400),
            {
                "is_telecom_professional": lambda: serializers.BooleanField.default_error_messages[
                    "invalid"
                ]
            },
        ),
        "400-drf-string": Case(
            400,
            lambda h: api.post("/api/v1/sites/", {"name": {"a": 1}}, format="json", **h),
            lambda: gettext(ENVELOPE_400),
            {"name": lambda: serializers.CharField.default_error_messages["invalid"]},
        ),
        "400-drf-list-length": Case(
            400,
            lambda h: api.post(
                "/api/v1/api-keys/",
                {"name": "x", "scopes": ["*:read"] * (key_scopes.MAX_SCOPES + 1)},
                format="json",
                **h,
            ),
            lambda: gettext(ENVELOPE_400),
            {
                "scopes": lambda: serializers.ListField.default_error_messages["max_length"].format(
                    max_length=key_scopes.MAX_SCOPES
                )
            },
        ),
        # 400: django-filter's (Django's) choice message, and ours in a filter.
        "400-filter-choice": Case(
            400,
            lambda h: api.get("/api/v1/customers/", {"status": "bogus"}, **h),
            lambda: gettext(ENVELOPE_400),
            {
                "status": lambda: gettext(
                    "Select a valid choice. %(value)s is not one of the available choices."
                )
                % {"value": "bogus"}
            },
        ),
        "400-filter-own": Case(
            400,
            lambda h: api.get("/api/v1/sites/", {"client": 999999}, **h),
            lambda: gettext(ENVELOPE_400),
            {"client": lambda: gettext("Unknown customer.")},
        ),
        # A body of JSON null: DRF's "No data provided" is written without gettext (it was
        # English in French answers).
        "400-drf-null-body": Case(
            400,
            lambda h: api.post("/api/v1/customers/", "null", content_type="application/json", **h),
            lambda: gettext(ENVELOPE_400),
            {"non_field_errors": lambda: gettext("No data provided")},
        ),
        "400-parse": Case(
            400,
            lambda h: api.post("/api/v1/customers/", "{x", content_type="application/json", **h),
            lambda: gettext("JSON parse error at line %(line)s, column %(column)s.")
            % {"line": 1, "column": 2},
        ),
        "401-none": Case(
            401,
            lambda h: APIClient().get("/api/v1/customers/", **h),
            lambda: exceptions.NotAuthenticated.default_detail,
        ),
        "401-bad": Case(
            401,
            lambda h: _keyed("nope.nope").get("/api/v1/customers/", **h),
            lambda: gettext("Invalid or revoked API key."),
        ),
        "401-expired": Case(
            401,
            lambda h: _keyed(ctx.expired).get("/api/v1/customers/", **h),
            lambda: ExpiredKey.default_detail,
        ),
        "403-scope": Case(
            403,
            lambda h: _keyed(ctx.reader).post("/api/v1/customers/", {}, format="json", **h),
            lambda: gettext("This API key does not have the scope %(scope)s.")
            % {"scope": "customers:write"},
        ),
        "403-ip": Case(
            403,
            lambda h: _keyed(ctx.fenced, REMOTE_ADDR="198.51.100.1").get("/api/v1/customers/", **h),
            lambda: IpNotAllowed.default_detail,
        ),
        "404": Case(
            404,
            lambda h: api.get("/api/v1/customers/999999/", **h),
            lambda: exceptions.NotFound.default_detail,
        ),
        "405": Case(
            405,
            lambda h: api.delete("/api/v1/customers/", **h),
            lambda: str(exceptions.MethodNotAllowed.default_detail).format(method="DELETE"),
        ),
        "406": Case(
            406,
            lambda h: api.get("/api/v1/customers/", HTTP_ACCEPT="text/html", **h),
            lambda: exceptions.NotAcceptable.default_detail,
        ),
        "409": Case(
            409,
            lambda h: api.post(f"/api/v1/contracts/{ctx.contract.pk}/cancel-termination/", **h),
            lambda: gettext("No termination is scheduled for this contract."),
        ),
        "413": Case(
            413,
            lambda h: api.post(
                "/api/v1/customers/",
                "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1),
                content_type="application/json",
                **h,
            ),
            lambda: RequestTooLarge.default_detail,
        ),
        "415": Case(
            415,
            lambda h: api.post("/api/v1/customers/", "x", content_type="text/plain", **h),
            lambda: str(exceptions.UnsupportedMediaType.default_detail).format(
                media_type="text/plain"
            ),
        ),
    }


@pytest.fixture
def ctx(api, partner, tenant):
    past = timezone.now() + timedelta(seconds=1)
    expired, expired_raw = api_keys.api_key_create(partner=partner, name="old", expires_at=past)
    expired.expires_at = timezone.now() - timedelta(days=1)
    expired.save(update_fields=["expires_at"])
    _r, reader = api_keys.api_key_create(partner=partner, name="reader", scopes=["*:read"])
    _f, fenced = api_keys.api_key_create(partner=partner, name="f", allowed_ips=["203.0.113.0/24"])
    api.raise_request_exception = False
    return type(
        "Ctx",
        (),
        {
            "api": api,
            "partner": partner,
            "expired": expired_raw,
            "reader": reader,
            "fenced": fenced,
            "contract": make_contract(tenant.client),
        },
    )


CASES = [
    "400-drf-required",
    "400-drf-boolean",
    "400-drf-string",
    "400-drf-list-length",
    "400-filter-choice",
    "400-filter-own",
    "400-drf-null-body",
    "400-parse",
    "401-none",
    "401-bad",
    "401-expired",
    "403-scope",
    "403-ip",
    "404",
    "405",
    "406",
    "409",
    "413",
    "415",
]


def _answer(case, headers):
    response = case.call(headers)
    assert response.status_code == case.status, response.content[:300]
    error = response.json()["error"]
    fields = {name: error.get("fields", {}).get(name) for name in case.fields}
    return error["message"], fields


# ACC-3 — every error kind in English with `Accept-Language: en` (and `en-GB`), in French with
# `fr` or without the header; English, French, English again: nothing is cached in the first
# language asked.
@pytest.mark.parametrize("name", CASES)
def test_error_in_partners_language(ctx, name):
    case = _cases(ctx)[name]
    english = case.expected("en")
    french = case.expected("fr")
    assert english[0] != french[0], f"{name}: no French for {english[0]}"
    for field, messages in english[1].items():
        assert messages != french[1][field], f"{name}: no French for {messages}"
    assert _answer(case, {"HTTP_ACCEPT_LANGUAGE": "en"}) == english
    assert _answer(case, {"HTTP_ACCEPT_LANGUAGE": "fr-FR,fr;q=0.9"}) == french
    assert _answer(case, {}) == french
    assert _answer(case, {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.8"}) == english
    assert _answer(case, {"HTTP_ACCEPT_LANGUAGE": "de, en;q=0.5"}) == english  # first we speak


# ACC-3 — 429 too: "Expected available in N seconds" was English in French answers (DRF formats
# it before looking it up).
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_throttled_in_partners_language(api, monkeypatch, lang):
    clear_own_cache()
    monkeypatch.setattr(ApiKeyRateThrottle, "THROTTLE_RATES", {"api_key": "1/min"})
    api.get("/api/v1/customers/")
    response = api.get("/api/v1/customers/", HTTP_ACCEPT_LANGUAGE=lang)
    clear_own_cache()
    assert response.status_code == 429
    wait = int(response["Retry-After"])
    with translation.override(lang):
        later = ngettext(
            "Expected available in {wait} second.", "Expected available in {wait} seconds.", wait
        ).format(wait=wait)
        expected = f"{gettext('Request was throttled.')} {later}"
    assert response.json()["error"]["message"] == expected
    if lang == "fr":
        assert not re.search(r"Expected|throttled", expected)


# ACC-3 — a language cookie (the portal's language switch, in the same browser) does not change
# the API's language: Accept-Language alone does, French without it. The pages still follow it.
def test_language_cookie_does_not_override_api(api, client):
    api.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("fr"):
        french = str(exceptions.NotFound.default_detail)
    with translation.override("en"):
        english = str(exceptions.NotFound.default_detail)
    assert english != french
    answer = api.get("/api/v1/customers/999999/", HTTP_ACCEPT_LANGUAGE="fr")
    assert answer.json()["error"]["message"] == french
    assert api.get("/api/v1/customers/999999/").json()["error"]["message"] == french
    api.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    answer = api.get("/api/v1/customers/999999/", HTTP_ACCEPT_LANGUAGE="en")
    assert answer.json()["error"]["message"] == english
    assert answer["Content-Language"] == "en"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="fr")
    assert page["Content-Language"] == "en"


# --- Every operation ------------------------------------------------------------------------------

BAD_BODY_VALUES = [
    "x" * 30000,
    -(10**12),
    {"a": 1},
    [1] * 300,
    "",
    None,
    "2026-13-45",
    10**30,
    "２",
]
BAD_QUERY_VALUES = ["x" * 300, "-1", "２", "2026-13-45", "0001-01-01"]


def _messages(response) -> list[tuple[str, str]]:
    """(where, message) of every message of an error answer: the top one and each field's."""
    try:
        error = response.json().get("error", {})
    except ValueError:
        return []
    found = [("message", error.get("message", ""))]

    def walk(node, where):
        if isinstance(node, dict):
            for key, child in node.items():
                walk(child, f"{where}.{key}")
        elif isinstance(node, list):
            for child in node:
                walk(child, where)
        else:
            found.append((where, str(node)))

    walk(error.get("fields", {}), "fields")
    return found


def _requests(schema):
    """(method, url, body or query) for every operation: each input field with each bad value."""
    components = schema["components"]["schemas"]
    for path, operations in schema["paths"].items():
        url = re.sub(r"\{[^}]+\}", "999999999", path)
        for method, operation in operations.items():
            if method == "get":
                names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
                if names:
                    for value in BAD_QUERY_VALUES:
                        yield method, url, dict.fromkeys(names, value)
                continue
            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if content is None:
                continue
            ref = content["schema"].get("$ref", "").rsplit("/", 1)[-1]
            names = list(components.get(ref, {}).get("properties", {}))
            for value in BAD_BODY_VALUES:
                yield method, url, dict.fromkeys(names, value)


# ACC-3 — every error message of every operation (its input refused field by field: too long,
# wrong type, out of range, full-width digits…) differs between English and French: none is
# left untranslated, computed at import time or cached in the first language asked.
def test_every_operation_answers_in_both_languages(api, tenant):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    api.raise_request_exception = False
    same = set()
    requests = 0
    for method, url, data in _requests(schema):
        answers = {}
        for lang in ("en", "fr"):
            call = getattr(api, method)
            if method == "get":
                response = call(url, data, HTTP_ACCEPT_LANGUAGE=lang)
            else:
                response = call(url, data, format="json", HTTP_ACCEPT_LANGUAGE=lang)
            answers[lang] = _messages(response)
        requests += 1
        for (where, english), (_where, french) in zip(answers["en"], answers["fr"], strict=False):
            if english and english == french:
                same.add((method, url, where, english[:100]))
    assert requests > 300
    assert sorted(same) == []
