"""``Idempotency-Key`` for the partner API's POSTs: a retried request returns the first response.

Decorate a viewset method with ``@idempotent``. With the header:

- the first request runs in one transaction with the insertion of an ``IdempotencyRecord``
  (partner, key, method, path, body hash) and stores its response there when it succeeds
  (2xx); an error response is not stored, so a retry after fixing the cause runs again;
- a retry with the same key and the same request gets the stored status and body back, with
  ``Idempotent-Replayed: true``, and nothing runs a second time;
- the same key with another method, path or body answers 422 ``idempotency_key_reused``;
- two requests racing with one key: the second's insertion waits on the unique index until the
  first commits, then replays it (if the first fails, the second runs).

Without the header the request runs as usual.

A record is kept ``RETENTION`` (7 days) from its request, then purged by the nightly
``accounts.tasks.purge_idempotency_records``: a retry sent later runs again.
"""

import functools
import hashlib
import json
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, status
from rest_framework.response import Response

from accounts.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
# How long a key answers its retries (docs/rules.md, "a POST retried"): longer than a partner's
# retries after an outage over a weekend; Stripe keeps its keys 24 hours.
RETENTION = timedelta(days=7)

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name=HEADER,
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description="A unique key (e.g. a UUID) per operation: a retry with the same key returns "
    "the first response instead of doing it again. Reusing a key for another request is a "
    "422 `idempotency_key_reused`.",
)


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _("This Idempotency-Key was already used for another request.")
    default_code = "idempotency_key_reused"


def _canonical(value):
    """A value of a parsed body as JSON: an uploaded file by its name and content (by its name
    alone, a key reused for another file of the same name would answer the first request)."""
    if hasattr(value, "chunks"):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return [value.name, digest.hexdigest()]
    return str(value)


def request_fingerprint(request) -> str:
    """A hash of what the request asks: its parsed body in canonical JSON — every value of a
    form's field (a multipart message's files), not the last one a ``QueryDict`` gives as its
    items: two messages differing in any file but the last were one request."""
    data = request.data
    if hasattr(data, "lists"):
        data = dict(data.lists())
    body = json.dumps(data, sort_keys=True, default=_canonical, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def _replay(record: IdempotencyRecord, request) -> Response:
    if (
        record.method != request.method
        # The same route with or without its trailing slash (portal.api.routes).
        or record.path.rstrip("/") != request.path.rstrip("/")
        or record.request_hash != request_fingerprint(request)
    ):
        raise IdempotencyKeyReused()
    response = Response(record.response_body, status=record.status_code)
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent_response(request, handler) -> Response:
    """Run ``handler()`` at most once per (partner, ``Idempotency-Key``)."""
    key = request.headers.get(HEADER, "").strip()
    if not key:
        return handler()
    if len(key) > MAX_KEY_LENGTH:
        raise exceptions.ValidationError(
            {HEADER: [_("At most %(n)s characters.") % {"n": MAX_KEY_LENGTH}]}
        )
    api_key = request.auth
    partner = api_key.partner
    existing = IdempotencyRecord.objects.filter(partner=partner, key=key).first()
    if existing is not None:
        return _replay(existing, request)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    partner=partner,
                    api_key=api_key,
                    key=key,
                    method=request.method,
                    path=request.path[:255],
                    request_hash=request_fingerprint(request),
                    status_code=0,
                )
        except IntegrityError:
            # Another request with this key committed meanwhile (we waited for it).
            record = IdempotencyRecord.objects.get(partner=partner, key=key)
            return _replay(record, request)
        response = handler()
        if not status.is_success(response.status_code):
            transaction.set_rollback(True)  # not kept: a retry runs again
            return response
        record.status_code = response.status_code
        record.response_body = json.loads(json.dumps(response.data, default=str))
        record.save(update_fields=["status_code", "response_body"])
        return response


def idempotent(view_method):
    """Decorator for a viewset method: honour the ``Idempotency-Key`` header."""

    @functools.wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        return idempotent_response(request, lambda: view_method(self, request, *args, **kwargs))

    return wrapper


def purge_expired(now=None) -> int:
    """Delete the records older than ``RETENTION``; how many. Idempotent: a second run deletes
    nothing more."""
    cutoff = (now or timezone.now()) - RETENTION
    deleted, _by_model = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
