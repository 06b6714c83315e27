"""Partner API of usage (reads): the rated calls of the partner's customers, newest first with
cursor pagination (stable under inserts, cheap at any depth: the index (client, started_at,
id)), filtered by customer, dates, month, call type or account; and the consumption summary of
one customer for a month. CDR upload is ``usage.api.upload`` (ucore)."""

import binascii
from base64 import b64decode
from collections import OrderedDict
from datetime import UTC
from decimal import Decimal
from urllib.parse import parse_qs

from django.db import connections
from django.db.models import Q
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.response import Response

from accounts.api.viewsets import PartnerReadOnlyViewSet
from billing.api.views import LookupBeforeRefusingMixin
from kernel import api_fields, prepared
from kernel.inputs import parse_month, parse_whole_number
from usage import selectors
from usage.api.filtersets import CallFilterSet
from usage.api.serializers import CallSerializer, SummarySerializer
from usage.models import CallRecord


class CallCursorPagination(CursorPagination):
    ordering = ("-started_at", "-id")
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
    invalid_cursor_message = _("Invalid cursor: use the next or previous link of a page.")

    def get_page_size(self, request):
        """From 1 (more than ``max_page_size`` gives ``max_page_size``); anything else is a
        400 naming ``page_size``, as on the other lists (``portal.api.pagination``)."""
        value = request.query_params.get(self.page_size_query_param, "")
        if value == "":
            return self.page_size
        return min(
            parse_whole_number(value, parameter=self.page_size_query_param), self.max_page_size
        )

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        return api_fields.page_schema(schema, counted=False)

    def decode_cursor(self, request):
        """A cursor that does not decode is bad input (400 on the ``cursor`` field), not a
        missing page (DRF answers 404) — nor the first page (DRF's base64 decoding skips what
        is not base64: "!!!!" was an empty cursor), nor a database error (a position that is
        not a start time, or one of an offset PostgreSQL refuses: it is read in UTC — nor a
        server error for one that leaves the calendar in UTC, year 1 at +01:00)."""
        encoded = request.query_params.get(self.cursor_query_param)
        try:
            # only what a page's link carries: an offset, a direction, a position (a cursor of
            # other words — "page=2" — was read as no cursor: the first page again)
            if encoded is not None and not _cursor_words(b64decode(encoded, validate=True)):
                raise NotFound
            cursor = super().decode_cursor(request)
            if cursor is None or cursor.position is None:
                return cursor
            when, _sep, pk = cursor.position.partition(POSITION_SEP)
            moment = parse_datetime(when)
            if moment is None or moment.tzinfo is None:
                raise NotFound
            if _sep and not (pk.isascii() and pk.isdigit() and 0 < int(pk) < 2**63):
                raise NotFound
            position = moment.astimezone(UTC).isoformat() + (
                f"{POSITION_SEP}{int(pk)}" if _sep else ""
            )
            return Cursor(cursor.offset, cursor.reverse, position)
        except (NotFound, ValueError, OverflowError, binascii.Error):
            raise serializers.ValidationError(
                {self.cursor_query_param: [self.invalid_cursor_message]}
            ) from None

    def paginate_queryset(self, queryset, request, view=None):
        """DRF's; the first page (no cursor) without a filter reads its rows with a statement
        kept per view, partner and parameters (``FirstPage``), as the page-number lists do.
        A page after a cursor starts after the call its link names (``Keyset``)."""
        if self.cursor_query_param in request.query_params:
            return super().paginate_queryset(Keyset(queryset), request, view)
        key = getattr(view, "page_statement_key", lambda: None)()
        if key is not None:
            queryset = FirstPage(queryset, key)
        return super().paginate_queryset(queryset, request, view)

    def _get_position_from_instance(self, instance, ordering):
        """A call's place in the list: its start time and its id (``Keyset``). DRF's position
        is the start time alone, with an offset among the calls of that second: a call of the
        same second recorded between two pages took a place in that offset — a call already
        shown came back, the next one was never shown."""
        return f"{instance.started_at.astimezone(UTC).isoformat()}{POSITION_SEP}{instance.pk}"


POSITION_SEP = "|"


class Keyset:
    """What ``CursorPagination`` asks of a queryset for a page after a cursor — ``order_by``,
    ``filter(started_at__lt|gt=position)`` then a slice — with the position read as the pair
    (start time, id) of the list's order, so that calls of the same second never share a
    position (a cursor of a start time alone still reads as one: the calls before it)."""

    def __init__(self, queryset):
        self.queryset = queryset

    def order_by(self, *ordering):
        return Keyset(self.queryset.order_by(*ordering))

    def filter(self, **kwargs):
        [(lookup, position)] = kwargs.items()
        when, sep, pk = position.partition(POSITION_SEP)
        op = lookup.rsplit("__", 1)[1]  # "lt" or "gt"
        if not sep:
            return self.queryset.filter(**{f"started_at__{op}": when})
        # started_at <= t AND (started_at < t OR id < pk): a range of the (client, started_at,
        # id) index, the calls of the cursor's second ordered by id
        return self.queryset.filter(
            Q(**{f"started_at__{op}e": when}),
            Q(**{f"started_at__{op}": when}) | Q(started_at=when, **{f"id__{op}": int(pk)}),
        )

    def __getitem__(self, page):
        return self.queryset[page]


def _cursor_words(raw: bytes) -> bool:
    """Whether a decoded cursor holds words, and only those DRF writes (o, r, p)."""
    words = parse_qs(raw.decode(), keep_blank_values=True)
    return bool(words) and set(words) <= {"o", "r", "p"}


class FirstPage:
    """What ``CursorPagination`` asks of a queryset for a first page — ``order_by`` then a
    slice — answered by the statement of that page compiled once and kept per ``key``
    (as the page-number lists' keys: prepared, its values written in; the ORM compiles a scoped,
    ordered call query in ~0.5 ms). A position filter (a cursor) goes to the queryset."""

    def __init__(self, queryset, key, ordering=()):
        self.queryset, self.key, self.ordering = queryset, key, ordering

    def order_by(self, *ordering):
        return FirstPage(self.queryset, self.key, ordering)

    def filter(self, *args, **kwargs):
        return self.queryset.order_by(*self.ordering).filter(*args, **kwargs)

    def __getitem__(self, page: slice) -> list:
        queryset = self.queryset.order_by(*self.ordering)
        connection = connections[queryset.db]
        if not _plain(queryset, connection):
            return list(queryset[page])
        compiled = prepared.kept(
            _FIRST_PAGES,
            (self.key, self.ordering, page.start, page.stop),
            connection,
            lambda: queryset[page].query.sql_with_params(),
        )
        model, db = queryset.model, queryset.db
        names = [field.attname for field in model._meta.concrete_fields]
        return [model.from_db(db, names, row) for row in prepared.rows(connection, *compiled)]


def _plain(queryset, connection) -> bool:
    """Rows of every concrete column in the model's order, none converted after reading (as a
    ``JSONField`` is): what ``from_db`` makes instances of as the ORM would."""
    query, model = queryset.query, queryset.model
    if (model, connection.alias) not in _CONVERTED:
        _CONVERTED[model, connection.alias] = any(
            field.get_db_converters(connection)
            or connection.ops.get_db_converters(field.get_col(model._meta.db_table))
            for field in model._meta.concrete_fields
        )
    return (
        not _CONVERTED[model, connection.alias]
        and query.default_cols
        and not query.select
        and not query.annotation_select
        and not query.select_related
        and not query.deferred_loading[0]
        and not query.extra_select
    )


_FIRST_PAGES: OrderedDict = OrderedDict()  # (page key, order, slice) -> kept statement
_CONVERTED: dict = {}  # (model, database) -> whether a column is converted after reading


class SummaryQuery(api_fields.Serializer):
    customer = api_fields.IntegerField(min_value=1, max_value=2**63 - 1)
    month = serializers.CharField(required=False, max_length=10)

    def validate_month(self, value):
        from django.core.exceptions import ValidationError

        try:
            return parse_month(value)
        except ValidationError as error:
            raise serializers.ValidationError(error.messages) from None


class CallViewSet(LookupBeforeRefusingMixin, PartnerReadOnlyViewSet):
    """Rated calls (USE-1..4) of the partner's customers."""

    queryset = CallRecord.objects.all()
    serializer_class = CallSerializer
    filterset_class = CallFilterSet
    pagination_class = CallCursorPagination
    partner_lookup = "client__partner"
    filter_backends = [
        b for b in PartnerReadOnlyViewSet.filter_backends if "Ordering" not in b.__name__
    ]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "customer", int, required=True, description="The id of one of your customers."
            ),
            OpenApiParameter("month", str, description="YYYY-MM (default: the current month)"),
        ],
        responses={200: SummarySerializer},
        summary="Consumption summary of a customer for a month",
    )
    @action(
        detail=False,
        methods=["get"],
        filter_backends=[],
        pagination_class=None,
        query_parameters=("customer", "month"),
    )
    def summary(self, request):
        query = SummaryQuery(data=request.query_params, context={"query_string": True})
        query.is_valid(raise_exception=True)
        client = self.partner.clients.filter(pk=query.validated_data["customer"]).first()
        if client is None:
            raise serializers.ValidationError({"customer": [_("Unknown customer.")]})
        month = query.validated_data.get("month") or selectors.current_month()
        summary = selectors.consumption_with_breaches(client=client, month=month)
        quality = list(selectors.quality_breaches_of(client=client, month=month))
        threshold = selectors.threshold_of(client=client)
        current = month == selectors.current_month()
        blocked = selectors.outgoing_block(client_id=client.pk) if current else None
        data = {
            "customer": client.pk,
            "month": month.strftime("%Y-%m"),
            "total": summary.total,
            "by_destination": summary.by_class,
            "by_account": summary.accounts,
            "by_day": [{"day": d, "amount": a, "calls": n} for d, a, n in summary.days],
            "alert_threshold": threshold.amount if threshold else None,
            # when the block started: the level reached, or later when the block was asked
            # once the month was past its threshold (the calls before it are billed)
            "outgoing_blocked_since": (blocked.blocked_at or blocked.created_at)
            if blocked
            else None,
            "limit_breaches": selectors.limit_breaches_of(client=client, month=month),
            "quality_penalties": quality,
            "quality_penalties_total": sum((q.penalty for q in quality), Decimal(0)),
        }
        return Response(SummarySerializer(data).data)
