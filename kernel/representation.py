"""Lists of the partner API written by a plan compiled once per list, not by DRF's generic loop.

DRF's ``Serializer.to_representation`` pays, for every field of every row, a generator over the
fields, ``Field.get_attribute``'s exception handling and callable checks, and the field's own
``to_representation`` (a datetime: ``enforce_timezone``, ``localtime``, the format lookups). A
page of 50 contracts is ~2 500 such calls, 40–50 % of the request's CPU (issue 13,
``bench/api_load.py --profile``). ``compiled(serializer)`` reads the serializer's readable
fields once and returns a function writing one row:

- a plain attribute (``source`` a dotted path, the field's ``get_attribute`` DRF's own) is read
  with ``getattr`` (a ``dict``: by key) along the path; anything unusual on the way (another
  ``Mapping``, a callable, a missing related row, an exception) falls back to the field's own
  ``get_attribute``, so the result is DRF's in every case;
- ``SerializerMethodField`` calls its method; related fields and any field overriding
  ``get_attribute`` go through it, with DRF's ``PKOnlyObject`` check;
- ISO datetimes and dates are formatted directly in the request's time zone; a nested
  serializer is compiled in turn; every other field keeps its ``to_representation``;
- a serializer overriding ``to_representation`` keeps it.

``ModelSerializer``, the project's base of model serializers, makes ``CompiledListSerializer``
the ``many=True`` class of every subclass (unless its ``Meta`` names another), and builds its
fields from the model once per class: DRF's ``ModelSerializer.get_fields`` introspects the model
and builds every field's keyword arguments for each serializer it creates (~1 ms for 20 fields).
What it builds depends on the class alone (its ``Meta``, its declared fields): the first result
is kept as a prototype and each instance gets a deep copy, as DRF gives each instance a deep copy
of its declared fields. (A subclass deciding its fields per request would override
``get_fields`` and call ``super()``.) ``tests/api/test_representation.py`` compares both writers
on every list endpoint.
"""

import copy
import datetime

from django.db import models
from django.urls import reverse
from rest_framework import fields as drf_fields
from rest_framework import serializers
from rest_framework.fields import SkipField, is_simple_callable
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import ISO_8601, api_settings

from kernel.api_fields import KnownFieldsMixin

_PLAIN, _METHOD, _FIELD = 0, 1, 2
_KEY = "_compiled_writer"


def compiled(serializer):
    """The function writing one row as ``serializer.to_representation`` would (cached on the
    serializer instance, which lives for one request)."""
    writer = serializer.__dict__.get(_KEY)
    if writer is None:
        writer = serializer.__dict__[_KEY] = _compile(serializer)
    return writer


def _compile(serializer):
    if type(serializer).to_representation is not serializers.Serializer.to_representation:
        return serializer.to_representation
    plan = [_entry(serializer, field) for field in serializer._readable_fields]

    def write(instance):
        ret = {}
        for name, kind, attrs, get, rep in plan:
            if kind == _PLAIN:
                try:
                    value = instance
                    for attr in attrs:
                        value = value[attr] if type(value) is dict else getattr(value, attr)
                    if callable(value) and is_simple_callable(value):
                        raise LookupError
                except Exception:  # DRF's own path: Mappings, callables, missing rows…
                    try:
                        value = get(instance)
                    except SkipField:
                        continue
            elif kind == _METHOD:
                ret[name] = get(instance)
                continue
            else:
                try:
                    value = get(instance)
                except SkipField:
                    continue
                if isinstance(value, PKOnlyObject) and value.pk is None:
                    ret[name] = None
                    continue
            ret[name] = None if value is None else rep(value)
        return ret

    return write


def _entry(serializer, field):
    name = field.field_name
    if isinstance(field, serializers.SerializerMethodField):
        return (name, _METHOD, (), getattr(serializer, field.method_name), None)
    plain = (
        type(field).get_attribute is drf_fields.Field.get_attribute
        and field.source != "*"
        and field.source_attrs
    )
    kind = _PLAIN if plain else _FIELD
    return (name, kind, tuple(field.source_attrs), field.get_attribute, _representer(field))


def _representer(field):
    if isinstance(field, serializers.Serializer):
        return compiled(field)
    if (
        isinstance(field, serializers.ListSerializer)
        and type(field).to_representation is serializers.ListSerializer.to_representation
    ):  # a nested ``many=True`` of a plain ``Serializer``: its rows through its child's plan
        return _list_writer(compiled(field.child))
    kind = type(field)
    if kind is drf_fields.DateTimeField and _iso(field, api_settings.DATETIME_FORMAT):
        zone = field.timezone if hasattr(field, "timezone") else field.default_timezone()
        if zone is not None:
            return _datetime_writer(zone, field.to_representation)
    if kind is drf_fields.DateField and _iso(field, api_settings.DATE_FORMAT):
        return _date_writer(field.to_representation)
    if kind is drf_fields.CharField:
        return str  # CharField.to_representation
    return field.to_representation


def _iso(field, default) -> bool:
    output = getattr(field, "format", default)
    return isinstance(output, str) and output.lower() == ISO_8601


def _datetime_writer(zone, slow):
    def write(value):
        if type(value) is datetime.datetime and value.tzinfo is not None:
            text = value.astimezone(zone).isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        return slow(value)

    return write


def _date_writer(slow):
    def write(value):
        return value.isoformat() if type(value) is datetime.date else slow(value)

    return write


def nested(parent, serializer_class):
    """The compiled writer of ``serializer_class``, made once per ``parent`` serializer: what a
    ``SerializerMethodField`` returns as ``serializer_class(value).data`` without a serializer
    (and a deep copy of its fields) per row."""
    writers = parent.__dict__.setdefault("_nested_writers", {})
    writer = writers.get(serializer_class)
    if writer is None:
        writer = writers[serializer_class] = compiled(serializer_class(context=parent.context))
    return writer


_MARK = 987654321987  # an id no table reaches, replaced in the URL reversed once


def object_url(serializer, route: str, *ids) -> str:
    """``reverse(route, args=ids)``, absolute when the serializer has a request: reversed once
    per serializer and route with marker ids, then filled in (``reverse`` costs ~25 µs, twice a
    row for a page of invoices)."""
    patterns = serializer.__dict__.setdefault("_url_patterns", {})
    parts = patterns.get(route)
    if parts is None:
        url = reverse(route, args=[_MARK + i for i in range(len(ids))])
        request = serializer.context.get("request")
        url = request.build_absolute_uri(url) if request is not None else url
        parts = [url]
        for i in range(len(ids)):
            head, _mark, tail = parts.pop().partition(f"/{_MARK + i}/")
            parts += [head + "/", "/" + tail]
        patterns[route] = parts
    url = parts[0]
    for i, value in enumerate(ids):
        url += str(int(value)) + parts[i + 1]
    return url


def _list_writer(write):
    def write_all(data):
        iterable = data.all() if isinstance(data, models.manager.BaseManager) else data
        return [write(item) for item in iterable]

    return write_all


class CompiledListSerializer(serializers.ListSerializer):
    """``many=True``: every row through the child's compiled writer."""

    def to_representation(self, data):
        rows = data.all() if isinstance(data, models.manager.BaseManager) else data
        if isinstance(rows, list | tuple) and not rows:
            return []  # an empty page: no plan to compile (the fields' copies cost ~0.5 ms)
        return _list_writer(compiled(self.child))(rows)


class ModelSerializer(KnownFieldsMixin, serializers.ModelSerializer):
    # No docstring: drf-spectacular would show it as the description of every schema component
    # that has none of its own. What this class does is in the module's docstring.

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        meta = getattr(cls, "Meta", None)
        if meta is not None and not hasattr(meta, "list_serializer_class"):
            meta.list_serializer_class = CompiledListSerializer

    def get_fields(self):
        prototype = type(self).__dict__.get("_fields_prototype")
        if prototype is None:
            prototype = super().get_fields()
            type(self)._fields_prototype = prototype
        return copy.deepcopy(prototype)
