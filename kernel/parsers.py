"""The partner API's JSON and form parsers, with bounds: a body larger than Django's
``DATA_UPLOAD_MAX_MEMORY_SIZE`` (413, refused from its ``Content-Length`` before it is read, and
never read past the limit when the header lies or is absent) and a JSON document nested deeper
than ``MAX_DEPTH`` containers (400 ``parse_error``; 10 000 levels used to exhaust the
interpreter's stack) are refused.

DRF's own ``FormParser`` read a form-encoded body whole, whatever its size. A multipart body is
bounded by Django's parser (its fields: ``DATA_UPLOAD_MAX_MEMORY_SIZE``, ``RequestDataTooBig`` →
413 in ``portal.api.errors``); its files by each service's limits.
"""

import codecs
from json import JSONDecodeError

from django.conf import settings
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.utils import json

MAX_DEPTH = 64


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "request_too_large"


def json_depth(document) -> int:
    """How many containers deep ``document`` is (a scalar: 0, ``[]``: 1), without recursion:
    level by level, keeping only the containers (a body of 600 000 small objects took 2.2 s of
    a worker when every value was stacked with its level; 0.3 s so)."""
    containers = (dict, list)
    depth, level = 0, [document] if isinstance(document, containers) else []
    while level:
        depth += 1
        below = []
        keep = below.append
        for value in level:
            for child in value.values() if isinstance(value, dict) else value:
                if isinstance(child, containers):
                    keep(child)
        level = below
    return depth


def read_bounded(stream, parser_context, limit=None) -> bytes:
    """The body, refused (``RequestTooLarge``) over ``limit`` bytes (``DATA_UPLOAD_MAX_MEMORY_SIZE``
    unless given): from its ``Content-Length`` before anything is read, else after reading one
    byte past the limit."""
    limit = limit or settings.DATA_UPLOAD_MAX_MEMORY_SIZE  # None: no limit
    request = (parser_context or {}).get("request")
    meta = getattr(request, "META", {})
    try:
        declared = int(meta.get("CONTENT_LENGTH") or 0)
    except (TypeError, ValueError):
        declared = 0
    if limit is not None and declared > limit:
        raise RequestTooLarge()
    # Never more than the limit, whatever the header said (a chunked body has none).
    raw = stream.read(limit + 1) if limit is not None else stream.read()
    if limit is not None and len(raw) > limit:
        raise RequestTooLarge()
    return raw


def _parse_error(exc: ValueError) -> str:
    """A body that is not JSON, said in the request's language (Python's own message is
    English only): where the JSON breaks, when it is known."""
    if isinstance(exc, JSONDecodeError):
        return _("JSON parse error at line %(line)s, column %(column)s.") % {
            "line": exc.lineno,
            "column": exc.colno,
        }
    return _("JSON parse error: the body is not valid JSON.")


class BoundedJSONParser(JSONParser):
    """``rest_framework.parsers.JSONParser`` within the bounds above."""

    max_depth = MAX_DEPTH
    body_limit = None  # bytes; None: DATA_UPLOAD_MAX_MEMORY_SIZE

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        raw = read_bounded(stream, parser_context, self.body_limit)
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.decode(raw, encoding)
            parse_constant = json.strict_constant if self.strict else None
            data = self.trim(json.loads(text, parse_constant=parse_constant))
            too_deep = json_depth(data) > self.max_depth
        except RecursionError:  # deeper than the interpreter's stack
            too_deep = True
        except ValueError as exc:
            raise exceptions.ParseError(_parse_error(exc)) from exc
        if too_deep:
            raise exceptions.ParseError(
                _("JSON nested too deeply: at most %(depth)s levels.") % {"depth": self.max_depth}
            )
        return data

    def trim(self, data):
        """What of the document is kept and measured (a subclass may cut what it refuses
        anyway by its size); all of it by default."""
        return data


class BoundedFormParser(FormParser):
    """``rest_framework.parsers.FormParser`` within ``DATA_UPLOAD_MAX_MEMORY_SIZE``."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        return QueryDict(read_bounded(stream, parser_context), encoding=encoding)


# The parsers of every API view that takes a body (settings' DEFAULT_PARSER_CLASSES says the
# same): JSON and form-encoded bodies bounded here, multipart by Django.
PARSERS = [BoundedJSONParser, MultiPartParser, BoundedFormParser]
