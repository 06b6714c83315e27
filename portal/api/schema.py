"""The partner API's OpenAPI schema: the error answers of every operation, documented once.

Every answer that is not a success carries the envelope of ``portal.api.errors``::

    {"error": {"code": "validation_error", "message": "...", "fields": {"siren": ["..."]}}}

``PartnerAutoSchema`` (``DEFAULT_SCHEMA_CLASS``) adds to each operation the errors it can
answer, unless the view already documents that status (its own description wins):

- 400 ``validation_error``: operations with a request body, query filters or a page number or
  size (``portal.api.pagination``); and on every operation, a NUL character in the address or a
  query parameter (``portal.middleware``);
- 401 (no or a bad ``Api-Key``), 403 (a key without the right) and 429 (rate limit): all;
- 404: operations on one object (a path parameter: another partner's id is "not found"), and
  paginated lists (a page beyond the last one is "not found");
- 409 (the object's state refuses it, ``invalid_transition``…): POST commands (not creates);
- 413 (a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``) and 415 (a body of a media type the
  operation does not take, or of none): operations with a request body;
- 422 ``idempotency_key_reused``: operations that honour ``Idempotency-Key``.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from kernel import api_fields

# Query parameters that cannot make a request invalid: DRF ignores an unknown ordering.
_LENIENT_QUERY_PARAMETERS = frozenset({"ordering"})
IDEMPOTENCY_HEADER = "Idempotency-Key"
ERROR_MEDIA = ["application/json"]


class ApiErrorBodySerializer(api_fields.Serializer):
    code = serializers.CharField(
        help_text=_("A stable code for programs, e.g. validation_error, not_found.")
    )
    message = serializers.CharField(help_text=_("A message for a person, in the user's language."))
    fields = serializers.DictField(
        required=False,
        help_text=_(
            "400 only: each field's name (or non_field_errors) → the list of its messages."
        ),
    )


class ApiErrorSerializer(api_fields.Serializer):
    """The API's error envelope (portal.api.errors)."""

    error = ApiErrorBodySerializer(help_text=_("What went wrong."))


def _error(description) -> OpenApiResponse:
    return OpenApiResponse(ApiErrorSerializer, description=description)


ERRORS = {
    "400": _error(_("Invalid input: fields lists the messages of each field.")),
    "400-address": _error(
        _(
            "A NUL character in the address (code invalid_path) or in a query parameter "
            "(validation_error naming it)."
        )
    ),
    "401": _error(_("No API key, or an unknown, revoked or expired one.")),
    "403": _error(_("The API key does not allow this.")),
    "404": _error(_("Not yours, or no such id.")),
    "404-page": _error(_("No such page: beyond the last one.")),
    "409": _error(_("The object's current state does not allow it (code invalid_transition…).")),
    "413": _error(_("The request body is too large (code request_too_large).")),
    "415": _error(
        _("The request body's media type is not one this operation takes (unsupported_media_type).")
    ),
    "422": _error(_("This Idempotency-Key was already used for another request.")),
    "429": _error(_("Too many requests: retry after the Retry-After header's delay.")),
}


def _is_idempotent(view_method) -> bool:
    """A view method decorated with ``accounts.api.idempotency.idempotent``."""
    from accounts.api.idempotency import idempotent

    wrapper_code = idempotent(lambda *args, **kwargs: None).__code__
    func = getattr(view_method, "__func__", view_method)
    while func is not None:
        if getattr(func, "__code__", None) is wrapper_code:
            return True
        func = getattr(func, "__wrapped__", None)
    return False


class PartnerAutoSchema(AutoSchema):
    def _error_codes(self, operation) -> list[str]:
        parameters = operation.get("parameters", [])
        query = {p["name"] for p in parameters if p["in"] == "query"}
        codes = ["400", "401", "403", "429"]
        by_id = any(p["in"] == "path" for p in parameters)
        if by_id or "page" in query:
            codes.append("404")
        if "requestBody" in operation:
            codes += ["413", "415"]
        action = getattr(self.view, "action", None)
        if self.method == "POST" and action != "create" and not self._is_create_operation():
            codes.append("409")
        view_method = getattr(self.view, action or self.method.lower(), None)
        if any(p["in"] == "header" and p["name"] == IDEMPOTENCY_HEADER for p in parameters) or (
            view_method is not None and _is_idempotent(view_method)
        ):
            codes.append("422")
        return codes

    @staticmethod
    def _error_key(operation, code: str) -> str:
        """Which description of ``code`` fits the operation."""
        parameters = operation.get("parameters", [])
        if code == "400":
            query = {p["name"] for p in parameters if p["in"] == "query"}
            validates = "requestBody" in operation or query - _LENIENT_QUERY_PARAMETERS
            return code if validates else "400-address"
        if code == "404" and not any(p["in"] == "path" for p in parameters):
            return "404-page"  # a list: its only 404 is a page that does not exist
        return code

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        for code in self._error_codes(operation):
            if code not in responses:  # what the view documents itself stays
                # JSON whatever the operation renders (a PDF, an XML): see billing.api.views
                error = ERRORS[self._error_key(operation, code)]
                responses[code] = self._get_response_for_code(error, code, ERROR_MEDIA)
        operation["responses"] = dict(sorted(responses.items()))
        return operation
