"""One error envelope for the whole API:

{"error": {"code": "validation_error", "message": "...", "fields": {"siren": ["..."]}}}
"""

import logging
import math

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.exceptions import ErrorDetail
from rest_framework.views import exception_handler as drf_exception_handler

from kernel.errors import InvalidTransition
from kernel.parsers import RequestTooLarge
from portal.middleware import is_api

logger = logging.getLogger(__name__)


class Conflict(exceptions.APIException):
    """A command the object cannot take in its current state: 409, with a stable code."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("This cannot be done in the current state.")
    default_code = "invalid_transition"


def _as_drf(exc):
    if isinstance(exc, InvalidTransition):  # the one mapping of a state refusal (before 400)
        return Conflict(" ".join(exc.messages), code=exc.code)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return exceptions.ValidationError(exc.message_dict)
        return exceptions.ValidationError({"non_field_errors": exc.messages})
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, RequestDataTooBig):  # a form or multipart body over the limit
        return RequestTooLarge()
    if isinstance(exc, DataError):
        # The last net: a value the database refuses (out of range, NUL…) is the caller's
        # input, every known case of which a serializer or a filter refuses first with a field
        # error. Logged as an error: a new case is a missing bound to add there.
        logger.error("The database refused a value of an API request", exc_info=exc)
        return exceptions.ValidationError(
            {"non_field_errors": [_("A value is out of range or contains a forbidden character.")]}
        )
    return exc


def _message(exc) -> str:
    """The error's message, in the request's language. DRF's 429 formats its "expected available
    in N seconds" before looking it up in the catalogue, so that half stays in English: said
    again here with the catalogue's msgids."""
    throttled = isinstance(exc, exceptions.Throttled) and exc.wait is not None
    if throttled and str(exc.detail).startswith(str(exc.default_detail)):
        wait = math.ceil(exc.wait)
        later = ngettext(
            "Expected available in {wait} second.", "Expected available in {wait} seconds.", wait
        )
        return f"{_('Request was throttled.')} {later.format(wait=wait)}"
    return str(getattr(exc, "detail", exc))


def _no_data_translated(detail: dict) -> dict:
    """DRF's "No data provided" (a body of JSON null) is written without gettext: said in the
    request's language."""
    errors = detail.get("non_field_errors")
    if not isinstance(errors, list) or "No data provided" not in errors:
        return detail
    said = [
        ErrorDetail(_("No data provided"), code=error.code)
        if error == "No data provided"
        else error
        for error in errors
    ]
    return {**detail, "non_field_errors": said}


def exception_handler(exc, context):
    exc = _as_drf(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        detail = _no_data_translated(detail)
        body = {
            "code": "validation_error",
            "message": _("Some fields are not valid."),
            "fields": detail,
        }
        response.status_code = status.HTTP_400_BAD_REQUEST
    else:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        body = {
            "code": codes if isinstance(codes, str) else "error",
            "message": _message(exc),
        }
    response.data = {"error": body}
    return response


def page_not_found(request, exception):
    """``handler404``: an address under /api/ that matches no route (``/invoices/1.5/``, an
    unknown resource) is "not found" in the API's envelope, like an unknown id; elsewhere the
    portal's page."""
    if is_api(request):
        error = exceptions.NotFound()
        body = {"code": error.default_code, "message": str(error.detail)}
        return JsonResponse({"error": body}, status=status.HTTP_404_NOT_FOUND)
    return defaults.page_not_found(request, exception)
