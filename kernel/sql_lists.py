"""Pages of the partner API's lists written as JSON by PostgreSQL, in one statement (issue 13).

A page of 50 contracts through the ORM and the serializer costs ~14 ms of Python: the page query
and one query per prefetched relation, each compiled by the ORM (~0.5 ms) and turned into model
instances (~200 a page), then ~2 500 values written by the serializer. The same SQL run bare
costs 0.7 ms of Python: the time is the ORM's and the serializer's, not the database's.

``writer(view)`` gives the ``Writer`` of a view's pages: once the paginator has read the page's
keys and the count (one statement, ``portal.api.pagination``), one statement writes the rows of
those keys as JSON text built by PostgreSQL, ``json_build_object`` per row with the serializer's
fields in its order, read from the view's serializer:

- a model column along its ``source`` (foreign keys followed by joins): integers, booleans, text
  and choices as they are; ``DecimalField`` as text when the column has the field's decimal
  places (``COERCE_DECIMAL_TO_STRING``); ``DateField`` ``YYYY-MM-DD``; ``TimeField``
  ``HH:MM:SS[.ffffff]``; ``DateTimeField`` ISO 8601
  in the request's time zone, as Python's ``isoformat`` writes it (microseconds only when not
  zero, ``Z`` for UTC) — the statement runs under ``SET LOCAL TIME ZONE``;
- a primary-key related field: the foreign key's column;
- a nested model serializer over a foreign key (``null`` when the key is), or ``many=True`` over a
  reverse relation or a many-to-many: a correlated ``json_agg`` of the related rows, filtered and
  ordered as the view's ``Prefetch`` of that relation (else the related model's ordering);
- a nested plain serializer over a ``JSONField`` (a snapshot, a list of packs): read with
  ``->>`` and cast as the field would write it;
- anything else — a ``SerializerMethodField``, a property, a field overriding
  ``to_representation`` — only through the serializer's ``sql_fields``: ``{name: function(ctx,
  prefix) -> expression}``, the SQL twin of the Python it replaces (``prefix`` is the ORM path
  from the queried rows to the serializer's, ``""`` at the top; ``ctx`` gives ``now``, the
  request's parameters and object URLs); DRF's ``JSONField``: the document as stored.

A page may be kept (``portal.api.pagination``, ``Writer.memo``) unless its rows read ``now``
beyond what the top serializer's ``sql_horizons`` bound (``_object``).

A serializer with any field this module cannot write keeps the Python writer (``None``), as do
other databases (SQLite, the ``make run`` default). ``tests/api/test_representation.py`` compares
both writers on every list endpoint, in French and English. The statement of each (view,
serializer) class is compiled once per process, and prepared once per database session with a
generic plan (its inputs are the page's keys, the moment and the partner, never a filter): a
contract page costs PostgreSQL more to plan than to run.
"""

import dataclasses
from dataclasses import dataclass

from django.contrib.postgres.aggregates.mixins import OrderableAggMixin
from django.core.exceptions import FieldDoesNotExist
from django.db import connections, models
from django.db.models import (
    Aggregate,
    DateTimeField,
    F,
    Func,
    OuterRef,
    Prefetch,
    Subquery,
    TextField,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from rest_framework import fields as drf
from rest_framework import relations, serializers
from rest_framework.settings import ISO_8601, api_settings

from kernel import prepared, representation

SQL_FIELDS = "sql_fields"
SQL_HORIZONS = "sql_horizons"


class RawJSON(bytes):
    """JSON already written (by PostgreSQL, UTF-8), spliced into the response as it is
    (``portal.api.renderers.JSONRenderer``)."""


class Unsupported(Exception):
    """A field this module cannot write: the list keeps the serializer's Python writer."""


@dataclass(frozen=True)
class Context:
    """What a field's SQL may depend on besides its row: the moment of the request (``now``,
    an expression) and its URLs."""

    serializer: serializers.BaseSerializer
    moment: models.Expression
    uses: list = dataclasses.field(default_factory=list)  # one item each time a field read ``now``

    @property
    def now(self) -> models.Expression:
        self.uses.append(NOW)
        return self.moment

    def param(self, name: str, output_field=None) -> models.Expression:
        """A value of the request, from the view's ``sql_list_params()`` (the partner…)."""
        return RawSQL("%s", (_Marker(name),), output_field=output_field or models.IntegerField())

    @staticmethod
    def raw_param(name: str):
        """The same value as a parameter of ``RawSQL``."""
        return _Marker(name)

    def url(self, route: str, key: str) -> models.Expression:
        """The absolute URL ``representation.object_url`` writes for ``route`` and the id
        at the ORM path ``key``."""
        marker = 987654321
        head = representation.object_url(self.serializer, route, marker)
        prefix, _marker, suffix = head.rpartition(f"/{marker}/")
        return Func(
            Value(prefix + "/"),
            Cast(F(key), TextField()),
            Value("/" + suffix),
            function="CONCAT",
            output_field=TextField(),
        )


# --- SQL building blocks --------------------------------------------------------------------


class JsonObject(Func):
    function = "JSON_BUILD_OBJECT"
    output_field = TextField()  # never read by Python as such: cast to text at the top

    def __init__(self, pairs):
        arguments = []
        for key, expression in pairs:
            arguments += [RawSQL(_literal(key), ()), expression]
        super().__init__(*arguments)


class JsonAgg(OrderableAggMixin, Aggregate):
    function = "JSON_AGG"
    template = "%(function)s(%(expressions)s %(order_by)s)"
    output_field = TextField()


class IsoDateTime(Func):
    """Python's ``isoformat`` of the value in the session's time zone, as DRF writes it."""

    template = (
        "REPLACE(REPLACE(TO_CHAR(%(expressions)s, 'YYYY-MM-DD\"T\"HH24:MI:SS.USTZH:TZM'), "
        "'.000000', ''), '+00:00', 'Z')"
    )
    output_field = TextField()


class IsoDate(Func):
    template = "TO_CHAR(%(expressions)s, 'YYYY-MM-DD')"
    output_field = TextField()


class IsoTime(Func):
    """Python's ``time.isoformat``: ``HH:MM:SS``, with six digits of microseconds if any."""

    template = "REPLACE(TO_CHAR(%(expressions)s::interval, 'HH24:MI:SS.US'), '.000000', '')"
    output_field = TextField()


EMPTY_ARRAY = RawSQL("'[]'::json", (), output_field=TextField())


def boolean(condition: models.Q) -> models.Expression:
    """A condition written as a JSON boolean."""
    return models.ExpressionWrapper(condition, output_field=models.BooleanField())


def json_array(rows, group: str, value, order_by) -> models.Expression:
    """The JSON array of ``value`` over ``rows`` (filtered on ``OuterRef``s, one ``group``
    value), in ``order_by``; ``[]`` when there is none."""
    aggregated = (
        rows.order_by()
        .values(group)
        .annotate(_rows=JsonAgg(value, order_by=order_by))
        .values("_rows")
    )
    return Coalesce(Subquery(aggregated, output_field=TextField()), EMPTY_ARRAY)


def first(rows, value, output_field=None) -> models.Expression:
    """``value`` of the first of ``rows`` (ordered), or null."""
    return Subquery(rows.values_list(value)[:1], output_field=output_field or TextField())


def related_row(serializer, model, prefix: str, ctx) -> models.Expression:
    """``serializer`` (a class) writing the row of ``model`` reached by the ORM path ``prefix``
    (``"terms__"``): what a method or property returning that row would give it."""
    return _object(serializer(context=ctx.serializer.context), model, prefix, ctx, {})


def first_row(rows, serializer, ctx) -> models.Expression:
    """The first of ``rows`` (ordered) as ``serializer`` (a class or an instance) writes it,
    or null: what a method field returns as ``Serializer(rows[0]).data``."""
    if isinstance(serializer, type):
        serializer = serializer(context=ctx.serializer.context)
    return first(rows, _object(serializer, rows.model, "", ctx, {}))


def _literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def when_null(condition_sql_expression, then_null_else):
    """``CASE WHEN <expression> IS NULL THEN NULL ELSE <value> END``."""
    return Func(
        condition_sql_expression,
        then_null_else,
        template="CASE WHEN %(expressions)s END",
        arg_joiner=" IS NULL THEN NULL ELSE ",
        output_field=TextField(),
    )


# --- plans ----------------------------------------------------------------------------------


class _Marker:
    """A parameter of the compiled statement filled in at each request."""

    def __init__(self, name: str):
        self.name = name

    def __repr__(self):
        return f"<{self.name}>"


KEYS, NOW = _Marker("keys"), _Marker("now")


@dataclass(frozen=True)
class _Plan:
    alias: str
    sql: str  # the rows of the keys: (key, JSON text[, horizon])
    params: tuple
    kept: bool = True  # whether its pages may be kept (``Writer.memo``)
    horizon: bool = False  # whether its rows say until when they read the same (a third column)


_PLANS: dict = {}  # (view class, serializer class, site root) -> _Plan, or None: Python


class Writer:
    """Writes one page of a view's list: ``write`` gives the JSON text of the rows of the page's
    keys (read by the paginator, ``portal.api.pagination``) from one prepared statement;
    ``join`` makes the JSON array of the page."""

    def __init__(self, plan: _Plan, values: dict):
        self.plan = plan
        self.values = values
        self.until = None  # the moment the rows written last may start to read differently

    def write(self, keys: list) -> dict:
        """The JSON text of each key's row."""
        if not keys:
            return {}
        values = {**self.values, KEYS.name: keys, NOW.name: timezone.now()}
        params = [values[p.name] if isinstance(p, _Marker) else p for p in self.plan.params]
        # One plan for every page: the statement's only inputs are keys, not a partner's rows.
        rows = prepared.run(
            connections[self.plan.alias], self.plan.sql, params, generic=True, utf8=True
        )
        if not self.plan.horizon:
            return dict(rows)
        self.until = min((until for _key, _json, until in rows if until is not None), default=None)
        return {key: json for key, json, _until in rows}

    def memo(self):
        """What this writer's rows depend on besides the data (``KeysPaginator`` keeps pages
        by it), or None when they depend on the moment of the request (``now``) in a way
        their serializer's ``sql_horizons`` do not bound."""
        if not self.plan.kept:
            return None
        return (self.plan, tuple(sorted(self.values.items())))

    @staticmethod
    def join(keys: list, rows: dict) -> bytes:
        return b"[" + b",".join(rows[key] for key in keys if key in rows) + b"]"


def writer(view) -> Writer | None:
    """The ``Writer`` of ``view``'s list pages, or None when a field of its serializer has no
    SQL here (or the database is not PostgreSQL).

    The statement is compiled once per view, serializer and site root (the URLs it writes),
    the page's keys query, the moment of the request and the view's ``sql_list_params()``
    being its only parameters."""
    key = (type(view), view.get_serializer_class(), view.request.build_absolute_uri("/"))
    try:
        plan = _PLANS[key]
    except KeyError:
        plan = _PLANS[key] = _plan(view)
    if plan is None:
        return None
    values = view.sql_list_params() if hasattr(view, "sql_list_params") else {}
    return Writer(plan, values)


def _plan(view) -> _Plan | None:
    queryset = view.get_queryset()
    if connections[queryset.db].vendor != "postgresql":
        return None
    serializer = view.get_serializer(many=True).child
    ctx = Context(serializer, RawSQL("%s", (NOW,), output_field=DateTimeField()))
    horizons: list = []
    try:
        row = _object(serializer, queryset.model, "", ctx, _prefetches(queryset), horizons)
    except Unsupported:
        return None
    meta = queryset.model._meta
    key_type = meta.pk.rel_db_type(connections[queryset.db])  # bigserial -> bigint
    # ``= ANY(array)``: the page's rows read by the primary key's index (a semi join may build
    # the JSON of every row before keeping the page's).
    page = RawSQL(
        f'"{meta.db_table}"."{meta.pk.column}" = ANY(%s::{key_type}[])',
        (KEYS,),
        output_field=models.BooleanField(),
    )
    columns = ["pk", Cast(row, TextField())]
    if horizons:  # the earliest moment a row may read differently (LEAST skips nulls)
        columns.append(Func(*horizons, function="LEAST", output_field=DateTimeField()))
    rows = (
        queryset.model._base_manager.using(queryset.db)
        .filter(page)
        .order_by()
        .values_list(*columns)
    )
    sql, params = rows.query.sql_with_params()
    return _Plan(
        alias=queryset.db,
        sql=sql,
        params=tuple(params),
        kept=not ctx.uses,
        horizon=bool(horizons),
    )


def _prefetches(queryset) -> dict:
    """The view's ``Prefetch`` objects by the attribute they fill."""
    found = {}
    for lookup in queryset._prefetch_related_lookups:
        if isinstance(lookup, Prefetch) and "__" not in lookup.prefetch_to:
            found[lookup.prefetch_to] = lookup
    return found


def _object(serializer, model, prefix: str, ctx: Context, prefetches: dict, horizons=None):
    """``json_build_object`` of one row of ``model`` reached by the ORM path ``prefix``.

    With ``horizons`` (the top serializer), a field of ``sql_fields`` that reads ``now`` and
    has its ``sql_horizons`` entry (``{name: function(ctx, prefix) -> the moment from which
    the field may read differently, or null}``) adds that moment to ``horizons`` and no longer
    counts as reading ``now`` (``ctx.uses``): its page may be kept until then."""
    if type(serializer).to_representation is not serializers.Serializer.to_representation:
        raise Unsupported(type(serializer).__name__)
    overrides = getattr(type(serializer), SQL_FIELDS, {})
    bounds = getattr(type(serializer), SQL_HORIZONS, {}) if horizons is not None else {}
    pairs = []
    for field in serializer._readable_fields:
        name = field.field_name
        if name in overrides:
            uses = len(ctx.uses)
            pairs.append((name, overrides[name](ctx, prefix)))
            if name in bounds and len(ctx.uses) > uses:
                horizons.append(bounds[name](ctx, prefix))
                del ctx.uses[uses:]  # bounded by the horizon, which reads ``now`` too
        else:
            pairs.append((name, _model_field(field, model, prefix, ctx, prefetches)))
    return JsonObject(pairs)


def _model_field(field, model, prefix: str, ctx: Context, prefetches: dict):
    if isinstance(field, serializers.SerializerMethodField) or field.source == "*":
        raise Unsupported(field.field_name)
    attrs = field.source_attrs
    if isinstance(field, serializers.ListSerializer):
        if len(attrs) != 1:
            raise Unsupported(field.field_name)
        return _many(field, model, attrs[0], prefix, ctx, prefetches)
    path, target, nullable = _path(model, attrs)
    if nullable and field.default is drf.empty and not field.allow_null:
        raise Unsupported(field.field_name)  # DRF leaves the key out: no SQL twin
    column = F(prefix + path)
    if isinstance(field, serializers.Serializer):
        if isinstance(target, models.JSONField):
            return _json_value(field, column)
        if not target.is_relation or target.many_to_many:
            raise Unsupported(field.field_name)
        child = _object(field, target.related_model, prefix + path + "__", ctx, {})
        return when_null(column, child) if target.null or nullable else child
    return _scalar(field, target, column)


def _path(model, attrs):
    """(ORM path, model field at its end, whether a nullable foreign key is crossed)."""
    names, nullable, target = [], False, None
    for index, attr in enumerate(attrs):
        last = index == len(attrs) - 1
        if model is None:
            raise Unsupported(attr)
        try:
            target = model._meta.get_field(attr)
        except FieldDoesNotExist:
            target = next((f for f in model._meta.concrete_fields if f.attname == attr), None)
            if target is None or not last:  # a property, a method
                raise Unsupported(attr) from None
            names.append(target.name)
            return "__".join(names), target, nullable
        if not target.concrete or target.many_to_many:
            raise Unsupported(attr)
        names.append(attr)
        if not last:
            if not target.is_relation:
                raise Unsupported(attr)
            nullable = nullable or target.null
            model = target.related_model
    return "__".join(names), target, nullable


_TEXT_COLUMNS = (models.CharField, models.TextField)
_INTEGER_COLUMNS = (models.IntegerField, models.AutoField, models.BigAutoField)


def _same(field, base) -> bool:
    """The field writes values as ``base`` does (a subclass changing only its schema)."""
    return isinstance(field, base) and type(field).to_representation is base.to_representation


def _scalar(field, target, column):
    """A plain field read from the model column ``target``."""
    relation = target.is_relation
    if _same(field, relations.PrimaryKeyRelatedField):
        if not relation or field.pk_field is not None:
            raise Unsupported(field.field_name)
        return column
    if relation:
        target = target.target_field  # the foreign key's column
    if _same(field, drf.DateTimeField):
        if not isinstance(target, models.DateTimeField) or not _iso(field, "datetime"):
            raise Unsupported(field.field_name)
        if getattr(field, "timezone", None) is not None:
            raise Unsupported(field.field_name)
        return IsoDateTime(column)
    if _same(field, drf.DateField):
        if type(target) is not models.DateField or not _iso(field, "date"):
            raise Unsupported(field.field_name)
        return IsoDate(column)
    if _same(field, drf.TimeField):
        if type(target) is not models.TimeField or not _iso(field, "time"):
            raise Unsupported(field.field_name)
        return IsoTime(column)
    if _same(field, drf.DecimalField):
        if (
            not isinstance(target, models.DecimalField)
            or target.decimal_places != field.decimal_places
            or not _decimal_text(field)
        ):
            raise Unsupported(field.field_name)
        return Cast(column, TextField())
    if _same(field, drf.BooleanField):
        if not isinstance(target, models.BooleanField):
            raise Unsupported(field.field_name)
        return column
    if _same(field, drf.IntegerField):
        if not isinstance(target, _INTEGER_COLUMNS):
            raise Unsupported(field.field_name)
        return column
    if _same(field, drf.IPAddressField):
        if not isinstance(target, models.GenericIPAddressField):
            raise Unsupported(field.field_name)
        # ``inet``'s text without the mask of one host, as PostgreSQL prints it to Django
        return Func(column, function="HOST", output_field=TextField())
    if _same(field, drf.ChoiceField) or _same(field, drf.CharField):
        if not isinstance(target, _TEXT_COLUMNS):
            raise Unsupported(field.field_name)
        return column
    if _same(field, drf.ListField) and _same(field.child, drf.CharField):
        if not isinstance(target, models.JSONField):
            raise Unsupported(field.field_name)
        return column
    if _same(field, drf.JSONField) and not field.binary:
        if not isinstance(target, models.JSONField):
            raise Unsupported(field.field_name)
        return column  # the document as it is stored (an event's data)
    raise Unsupported(field.field_name)


def _decimal_text(field) -> bool:
    """A ``DecimalField`` writing its value quantized, as plain text."""
    coerce = getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
    return coerce and not field.localize and not field.normalize_output


def _iso(field, kind: str) -> bool:
    default = {
        "datetime": api_settings.DATETIME_FORMAT,
        "date": api_settings.DATE_FORMAT,
        "time": api_settings.TIME_FORMAT,
    }[kind]
    output = getattr(field, "format", default)
    return isinstance(output, str) and output.lower() == ISO_8601


def _plain_list(field) -> None:
    """A ``many=True`` serializer writing its rows one by one, as its child does."""
    if type(field).to_representation not in (
        serializers.ListSerializer.to_representation,
        representation.CompiledListSerializer.to_representation,
    ):
        raise Unsupported(field.field_name)


def _many(field, model, source: str, prefix: str, ctx: Context, prefetches: dict):
    """A ``many=True`` nested serializer: a reverse relation's rows, or a JSON array."""
    _plain_list(field)
    prefetch = prefetches.get(source)
    relation_name = prefetch.prefetch_through if prefetch is not None else source
    try:
        relation = model._meta.get_field(relation_name)
    except FieldDoesNotExist:
        raise Unsupported(field.field_name) from None
    if isinstance(relation, models.JSONField):
        return _json_value(field, F(prefix + relation_name))
    if not (relation.one_to_many or relation.many_to_many) or prefix:
        raise Unsupported(field.field_name)
    child_model = relation.related_model
    rows = (
        prefetch.queryset
        if prefetch is not None and prefetch.queryset is not None
        else child_model._default_manager.all()
    )
    ordering = list(rows.query.order_by or child_model._meta.ordering or ["pk"])
    order_by = []
    for name in ordering:
        if not isinstance(name, str):
            raise Unsupported(field.field_name)
        order_by.append(F(name[1:]).desc() if name.startswith("-") else F(name).asc())
    child = _object(field.child, child_model, "", ctx, {})
    # The related rows by their link to the outer row: a reverse foreign key's name, or a
    # many-to-many's query name from the other side (its join table's column).
    link = relation.related_query_name() if relation.many_to_many else relation.field.name
    return json_array(rows.filter(**{link: OuterRef("pk")}), link, child, order_by)


# --- JSON columns -----------------------------------------------------------------------------


def _json_value(field, column):
    """A nested serializer (or list of them) over a ``JSONField`` column."""
    sql = _json_sql(field, "%(expressions)s")
    return Func(column, template=sql, output_field=TextField())


def _json_sql(field, value: str) -> str:
    """SQL writing ``field`` from the JSONB expression ``value`` (its source already applied)."""
    if isinstance(field, serializers.ListSerializer):
        _plain_list(field)
        element = _json_sql(field.child, "_e.value")
        return (
            f"(CASE WHEN JSONB_TYPEOF({value}) = 'array' THEN COALESCE((SELECT JSON_AGG("
            f"{element} ORDER BY _e.ordinality) FROM JSONB_ARRAY_ELEMENTS({value}) WITH "
            f"ORDINALITY AS _e), '[]'::json) END)"
        )
    if isinstance(field, serializers.Serializer):
        if type(field).to_representation is not serializers.Serializer.to_representation:
            raise Unsupported(field.field_name)
        pairs = []
        for child in field._readable_fields:
            if isinstance(child, serializers.SerializerMethodField) or child.source == "*":
                raise Unsupported(child.field_name)
            inner = value
            for key in child.source_attrs:
                inner = f"({inner} -> {_literal(key)})"
            pairs.append(f"{_literal(child.field_name)}, {_json_sql(child, inner)}")
        return (
            f"(CASE WHEN JSONB_TYPEOF({value}) = 'object' THEN JSON_BUILD_OBJECT("
            + ", ".join(pairs)
            + ") END)"
        )
    text = f"({value} #>> '{{}}')"
    if _same(field, drf.DecimalField):
        if not _decimal_text(field):
            raise Unsupported(field.field_name)
        return f"ROUND({text}::numeric, {int(field.decimal_places)})::text"
    if _same(field, drf.IntegerField):
        return f"{text}::bigint"
    if _same(field, drf.BooleanField):
        return f"{text}::boolean"
    if _same(field, drf.ChoiceField) or _same(field, drf.CharField):
        return text
    if type(field).to_representation in (
        drf.DateField.to_representation,
        drf.DateTimeField.to_representation,
        drf.TimeField.to_representation,
    ):
        # Dates and times in JSON are strings, which DRF writes back as they are.
        return f"(CASE WHEN JSONB_TYPEOF({value}) = 'string' THEN {text} END)"
    raise Unsupported(field.field_name)
