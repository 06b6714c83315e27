"""The partner API's input fields, bounded as ``kernel.inputs`` bounds the forms: numbers and
dates in ASCII digits only (``"１２"`` is not 12), dates within 2000–2100, ids from 1 to
``MAX_ID``, codes within their column's length. Each bound shows in the OpenAPI document
(``minimum``/``maximum``/``maxLength``), which drf-spectacular reads from the fields.

Use them for every writable field of an input serializer; integers always with ``min_value``
and ``max_value``, texts with ``max_length`` (``tests/api/test_bounds.py`` walks the schema).
"""

from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import api_settings
from rest_framework.utils import humanize_datetime

from kernel.inputs import MAX_ID, is_ascii, validate_utc_offset, validate_year


class IntegerField(serializers.IntegerField):
    """``serializers.IntegerField`` in ASCII digits only."""

    def to_internal_value(self, data):
        if not is_ascii(data):
            self.fail("invalid")
        return super().to_internal_value(data)


class DecimalField(serializers.DecimalField):
    """``serializers.DecimalField`` in ASCII digits only."""

    def to_internal_value(self, data):
        if not is_ascii(data):
            self.fail("invalid")
        return super().to_internal_value(data)


class _YearBounded:
    """Adds ``validate_year`` to the validators, even to validators given explicitly."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.validators = [validate_year, *(v for v in self.validators if v is not validate_year)]


class DateField(_YearBounded, serializers.DateField):
    """``serializers.DateField`` in ASCII digits, a year in 2000–2100."""

    def to_internal_value(self, value):
        if not is_ascii(value):
            formats = getattr(self, "input_formats", api_settings.DATE_INPUT_FORMATS)
            self.fail("invalid", format=humanize_datetime.date_formats(formats))
        return super().to_internal_value(value)


class DateTimeField(_YearBounded, serializers.DateTimeField):
    """``serializers.DateTimeField`` in ASCII digits, a year in 2000–2100, a UTC offset
    PostgreSQL can store (±15:59). A time without an offset is Paris time, as in the portal's
    forms — and, as they do, one the clock change makes ambiguous (02:30 on the last Sunday of
    October happens twice) or imaginary (02:30 on the last Sunday of March never happens) is
    refused: DRF took the first reading silently (SLA-4: an hour of a restoration target)."""

    default_validators = [validate_utc_offset]
    default_error_messages = {
        "clock_change": gettext_lazy(
            "This time happened twice, or not at all, in Paris (a change of the clocks): give "
            "its UTC offset, e.g. 2026-10-25T02:30:00+01:00."
        ),
    }

    def to_internal_value(self, value):
        if not is_ascii(value):
            formats = getattr(self, "input_formats", api_settings.DATETIME_INPUT_FORMATS)
            self.fail("invalid", format=humanize_datetime.datetime_formats(formats))
        return super().to_internal_value(value)

    def enforce_timezone(self, value):
        # The year first: year 1 without an offset, read as Paris time, is year 0 in UTC, which
        # DRF's check of the local time overflows on (a 500).
        validate_year(value)
        if timezone.is_naive(value):
            zone = self.timezone if hasattr(self, "timezone") else self.default_timezone()
            if zone is not None and (
                value.replace(tzinfo=zone, fold=0).utcoffset()
                != value.replace(tzinfo=zone, fold=1).utcoffset()
            ):
                self.fail("clock_change")
        return super().enforce_timezone(value)


ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_ID}

# The descriptions of the time stamps every component shares.
CREATED_AT = gettext_lazy("When it was created, with its UTC offset.")
UPDATED_AT = gettext_lazy("When it last changed, with its UTC offset.")


@extend_schema_field(ID_SCHEMA)
class IdField(serializers.PrimaryKeyRelatedField):
    """A row named by its id, among those ``get_queryset()`` lets the caller name. An id out of
    1..``MAX_ID`` is ``does_not_exist`` like an id not found, so a subclass that scopes its
    queryset to the caller answers the same for "not yours" and "no such id" (ACC-3)."""

    def to_internal_value(self, data):
        if isinstance(data, str) and data.isascii() and data.strip().isdigit():
            data = int(data)
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 1 <= data <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class CodeField(serializers.SlugRelatedField):
    """A row named by its code (``slug_field``): a string of at most the column's length
    (documented as ``maxLength``); a longer one is ``does_not_exist`` without a query."""

    def __init__(self, *, slug_field="code", **kwargs):
        super().__init__(slug_field=slug_field, **kwargs)

    @property
    def max_length(self) -> int:
        return self.get_queryset().model._meta.get_field(self.slug_field).max_length

    def to_internal_value(self, data):
        if isinstance(data, str) and len(data) > self.max_length:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data[:50])
        return super().to_internal_value(data)


class CodeFieldExtension(OpenApiSerializerFieldExtension):
    """drf-spectacular: a ``CodeField`` is a string of at most its column's length."""

    target_class = CodeField

    def map_serializer_field(self, auto_schema, direction):
        return {"type": "string", "minLength": 1, "maxLength": self.target.max_length}


class BoundedListSerializer(serializers.ListSerializer):
    """The list of a ``many=True`` serializer (``Meta.list_serializer_class``) whose
    ``max_length`` the schema documents as ``maxItems`` (drf-spectacular reads a list's bound
    from its validators only)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.max_length is not None:
            self.validators = [*self.validators, MaxLengthValidator(self.max_length)]


def described(**help_texts) -> dict:
    """A ``ModelSerializer``'s ``Meta.extra_kwargs`` that only describe fields, for the OpenAPI
    document: ``extra_kwargs = described(cost=_("What is billable…"), …)``."""
    return {name: {"help_text": text} for name, text in help_texts.items()}


def page_schema(schema: dict, *, counted: bool = True) -> dict:
    """A paginator's ``get_paginated_response_schema`` with each property of the page
    described, in the language of the schema's request (``counted``: a page number's page,
    which says the count; a cursor's page does not)."""
    texts = {
        "next": gettext(
            "The address of the next page, with the same filters; null on the last page."
        ),
        "previous": gettext(
            "The address of the previous page, with the same filters; null on the first page."
        ),
        "results": gettext("The rows of this page, in the list's order."),
    }
    if counted:
        texts["count"] = gettext("How many rows the filters select, on all pages together.")
    for name, text in texts.items():
        schema["properties"][name]["description"] = text
    return schema


def inline_choice(choices, *, as_pattern: bool = False, **kwargs) -> serializers.ChoiceField:
    """A choice field whose schema says its values without a shared enum component where the
    field's name (``kind``, ``policy``) already names other choice sets in the schema, which
    would collide: the values are then a pattern (with the longest value's length)."""
    values = [value for value, _label in choices]
    schema = (
        {
            "type": "string",
            "pattern": "^(" + "|".join(values) + ")$",
            "maxLength": max(len(value) for value in values),
        }
        if as_pattern
        else {"type": "string", "enum": values}
    )

    @extend_schema_field(schema)
    class InlineChoiceField(serializers.ChoiceField):
        pass

    return InlineChoiceField(choices=choices, **kwargs)


class KnownFieldsMixin:
    # No docstring (drf-spectacular would show it on every schema component without one).
    # SPEC §9, input read one way: a body naming a field the operation does not have is a 400
    # naming it, never silently ignored — a misspelt ``expected_fee`` must not terminate a
    # contract without the fee check, ``{"legal_nam": …}`` must not answer 200 and change
    # nothing. Read-only fields are known (a body echoing ``id`` is accepted). Query strings
    # carry paging and format parameters: a serializer reading one is built with the context
    # ``{"query_string": True}``; ``unknown_fields_allowed`` keeps a class tolerant (the call
    # records of a CDR batch, whose carrier may add columns, as the CSV import allows).
    unknown_fields_allowed = False

    def to_internal_value(self, data):
        unknown = {}
        if (
            not self.unknown_fields_allowed
            and not self.context.get("query_string")
            and hasattr(data, "keys")
        ):
            writable = ", ".join(name for name, field in self.fields.items() if not field.read_only)
            message = gettext("Unknown field. The fields of this request are: %(known)s.") % {
                "known": writable or "—"
            }
            unknown = {str(name): [message] for name in data.keys() if name not in self.fields}
        if not unknown:
            return super().to_internal_value(data)
        # Every error at once: the unknown names beside the known fields' own errors.
        try:
            super().to_internal_value(data)
        except serializers.ValidationError as error:
            if isinstance(error.detail, dict):
                unknown = {**error.detail, **unknown}
        raise serializers.ValidationError(unknown, code="unknown_field")


class Serializer(KnownFieldsMixin, serializers.Serializer):
    pass
