"""The partner API's JSON parser, with bounds: a body larger than Django's
``DATA_UPLOAD_MAX_MEMORY_SIZE`` (413, refused from its ``Content-Length`` before it is read) and
a document nested deeper than ``MAX_DEPTH`` containers (400 ``parse_error``; 10 000 levels used
to exhaust the interpreter's stack) are refused."""

import codecs

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser
from rest_framework.utils import json

MAX_DEPTH = 64


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "request_too_large"


def json_depth(document) -> int:
    """How many containers deep ``document`` is (a scalar: 0, ``[]``: 1), without recursion."""
    depth = 0
    stack = [(document, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        depth = max(depth, level)
        stack.extend((child, level + 1) for child in children)
    return depth


class BoundedJSONParser(JSONParser):
    """``rest_framework.parsers.JSONParser`` within the bounds above."""

    max_depth = MAX_DEPTH

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE  # None: no limit
        request = parser_context.get("request")
        meta = getattr(request, "META", {})
        try:
            declared = int(meta.get("CONTENT_LENGTH") or 0)
        except (TypeError, ValueError):
            declared = 0
        if limit is not None and declared > limit:
            raise RequestTooLarge()
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        # Never more than the limit, whatever the header said (a chunked body has none).
        raw = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(raw) > limit:
            raise RequestTooLarge()
        try:
            text = codecs.decode(raw, encoding)
            parse_constant = json.strict_constant if self.strict else None
            data = json.loads(text, parse_constant=parse_constant)
            too_deep = json_depth(data) > self.max_depth
        except RecursionError:  # deeper than the interpreter's stack
            too_deep = True
        except ValueError as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from exc
        if too_deep:
            raise exceptions.ParseError(
                _("JSON nested too deeply: at most %(depth)s levels.") % {"depth": self.max_depth}
            )
        return data
