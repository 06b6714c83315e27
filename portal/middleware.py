"""Request and response guards of the whole site (issue 13).

- ``RejectNulMiddleware``: a NUL character is never part of an address; it used to reach
  PostgreSQL (which refuses it in text) and answer 500. Refused with 400 before any view.
- ``ApiNoStoreMiddleware``: every partner API answer is ``Cache-Control: no-store`` (customer
  data must not stay in a proxy's or a browser's cache).
- ``ContentSecurityPolicyMiddleware``: django-csp's middleware with the back office's policy on
  the back office (Django's admin writes inline styles).
- ``LocaleMiddleware``: Django's, except that on /api/ the partner's ``Accept-Language`` alone
  picks the language of every message (French without it).
- ``PagesOnly``: a middleware of the portal's pages (sessions, the signed-in user,
  messages, allauth's user sessions, the staff second factor) that the partner API skips.
"""

from allauth.usersessions import middleware as usersessions
from csp.constants import SELF, UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.contrib.sessions import middleware as sessions
from django.core.exceptions import SuspiciousOperation
from django.core.validators import ProhibitNullCharactersValidator
from django.http import JsonResponse
from django.middleware import locale
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header
from django.views.defaults import bad_request

from accounts import middleware as second_factor

API_PREFIX = "/api/"
API_DOCS = API_PREFIX + "v1/docs/"  # a page (the Swagger UI), not an operation
NUL = "\x00"


def is_api(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


class RejectNulMiddleware:
    """400 for a NUL character in the path (code ``invalid_path``) or in a query parameter
    (a field error naming the parameter, as a filter would)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if NUL in request.path_info:
            message = _("The address contains a forbidden character.")
            return self._refuse(request, {"code": "invalid_path", "message": message})
        fields = {
            name.replace(NUL, ""): [str(ProhibitNullCharactersValidator.message)]
            for name, values in request.GET.lists()
            if NUL in name or any(NUL in value for value in values)
        }
        if fields:
            return self._refuse(
                request,
                {
                    "code": "validation_error",
                    "message": _("Some fields are not valid."),
                    "fields": fields,
                },
            )
        return self.get_response(request)

    @staticmethod
    def _refuse(request, error: dict):
        if is_api(request):
            response = JsonResponse({"error": error}, status=400)
            response["Cache-Control"] = "no-store"
            return response
        return bad_request(request, SuspiciousOperation(error["message"]))


class ApiNoStoreMiddleware:
    """``Cache-Control: no-store`` on every answer under /api/ (data, errors, schema)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if is_api(request):
            response["Cache-Control"] = "no-store"
        return response


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """``CONTENT_SECURITY_POLICY`` (settings) everywhere; on the back office, inline styles are
    allowed as well (Django's admin pages have ``<style>`` blocks and ``style`` attributes).
    Scripts stay 'self' only everywhere."""

    # The API's JSON answers are no document: nothing to load, nothing to frame (OWASP's REST
    # headers). One constant, not the pages' policy built per answer (~0.1 ms a request).
    API_POLICY = "default-src 'none'; frame-ancestors 'none'"

    def process_response(self, request, response):
        # The browser features the portal never uses are off for its pages and any frame or
        # script they would load (camera, microphone, location, payment, USB, sensors…).
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        if _partner_api(request) and response.get("Content-Type", "").startswith(
            "application/json"
        ):
            response.headers.setdefault("Content-Security-Policy", self.API_POLICY)
            return response
        return super().process_response(request, response)

    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if not report_only and request.path_info.startswith(reverse("admin:index")):
            parts.replace = {**(parts.replace or {}), "style-src": [SELF, UNSAFE_INLINE]}
        return parts


def api_language(request) -> str:
    """The first language of ``Accept-Language`` the portal speaks (``en-GB`` is English), else
    ``LANGUAGE_CODE`` (French)."""
    for code, _quality in parse_accept_lang_header(request.META.get("HTTP_ACCEPT_LANGUAGE", "")):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


class LocaleMiddleware(locale.LocaleMiddleware):
    """On /api/, the language of every message — DRF's, django-filter's, ours — is the one the
    partner's ``Accept-Language`` asks for (French or English; French without it). A language
    cookie, set by the portal's language switch in the same browser, is a person's choice for
    the pages: it never changes what the API answers. Elsewhere, Django's rules (cookie, then
    ``Accept-Language``)."""

    def process_request(self, request):
        if not is_api(request):
            return super().process_request(request)
        translation.activate(api_language(request))
        request.LANGUAGE_CODE = translation.get_language()
        return None


def _partner_api(request) -> bool:
    """The partner API's operations: a key in the ``Authorization`` header on every request,
    never a session or a cookie. The API's documentation page stays a page."""
    return is_api(request) and not request.path_info.startswith(API_DOCS)


class PagesOnly:
    """A middleware of the portal's pages, skipped by the partner API (mixed in first): a
    partner authenticates with its key alone (DRF's ``ApiKeyAuthentication``), so the session,
    signed-in user, messages and second-factor check are work without effect there
    (~10 % of a list's Python, ``bench/api_load.py``). Subclasses keep Django's classes, as its
    system checks look for them."""

    def __call__(self, request):
        if _partner_api(request):
            return self.get_response(request)
        return super().__call__(request)


class SessionMiddleware(PagesOnly, sessions.SessionMiddleware):
    pass


class AuthenticationMiddleware(PagesOnly, auth.AuthenticationMiddleware):
    pass


class MessageMiddleware(PagesOnly, messages.MessageMiddleware):
    pass


class UserSessionsMiddleware(PagesOnly, usersessions.UserSessionsMiddleware):
    pass


class StaffSecondFactorMiddleware(PagesOnly, second_factor.StaffSecondFactorMiddleware):
    pass
