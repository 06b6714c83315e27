"""Filters of the partner API whose values are bounded before they reach the database
(``kernel.inputs``): a value out of bounds is a 400 naming the parameter.

- a date or a datetime: ISO 8601 whatever the request's language (a date: ``YYYY-MM-DD``), ASCII
  digits, a year in 2000–2100 (a datetime: a UTC offset within ±15:59); a month: ``YYYY-MM``;
- an id: ASCII digits, 1 to ``MAX_ID``;
- a boolean: true, false, 1 or 0 (any case);
- a text: at most its column's length (``MAX_SEARCH`` for a declared ``CharFilter``).

``FilterSet`` applies the same bounds to the filters it generates from ``Meta.fields``.
"""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from django_filters.fields import ModelChoiceField as FilterModelChoiceField
from django_filters.filterset import BaseFilterSet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions as drf_exceptions
from rest_framework import filters as drf_filters

from kernel.inputs import (
    MAX_ID,
    AsciiIntegerField,
    IsoDateField,
    MonthField,
    is_ascii,
    validate_utc_offset,
    validate_year,
)

MAX_SEARCH = 255  # a text searched for, when no column says its length


class BoundedIsoDateTimeField(IsoDateTimeField):
    default_validators = [validate_utc_offset, validate_year]

    def to_python(self, value):
        if not is_ascii(value):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 datetime: ASCII digits, a year in 2000–2100, a UTC offset within ±15:59."""

    field_class = BoundedIsoDateTimeField


class DateTimeFilter(django_filters.DateTimeFilter):
    """A datetime as ``IsoDateTimeFilter``'s: ISO 8601, not the formats of the request's
    language (the portal's forms')."""

    field_class = BoundedIsoDateTimeField


class DateFilter(django_filters.DateFilter):
    """A date: ``YYYY-MM-DD`` whatever the request's language (the schema's ``format: date``),
    ASCII digits, a year in 2000–2100."""

    field_class = IsoDateField


class MonthFilter(django_filters.CharFilter):
    """``YYYY-MM``, a year in 2000–2100: the filter method receives the month's first day.
    (A ``CharFilter`` for the schema: a string, not the model's date.)"""

    field_class = MonthField


class IdFilter(django_filters.NumberFilter):
    """An id: ASCII digits, 1 to ``MAX_ID``."""

    field_class = AsciiIntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class StrictBooleanField(forms.NullBooleanField):
    """true, false, 1 or 0 (any case), or nothing (no filter). ``django_filters.BooleanFilter``
    reads the value through a select whose unknown choices are "no filter": ``?due=maybe``
    listed every row."""

    widget = forms.TextInput  # the value as given, for ``to_python`` to judge
    default_error_messages = {"invalid": _("Must be a valid boolean.")}  # DRF's, translated
    VALUES = {"true": True, "1": True, "false": False, "0": False}

    def to_python(self, value):
        if isinstance(value, bool) or value is None:
            return value
        value = str(value).strip().lower()
        if value == "":
            return None
        if value not in self.VALUES:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return self.VALUES[value]


class BooleanFilter(django_filters.BooleanFilter):
    """A boolean: true, false, 1 or 0 (any case); anything else is a 400 naming the filter."""

    field_class = StrictBooleanField


class AsciiModelChoiceField(FilterModelChoiceField):
    def to_python(self, value):
        if not is_ascii(value):
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return super().to_python(value)


class ModelChoiceFilter(django_filters.ModelChoiceFilter):
    """A row by its id, in ASCII digits (``"１２"`` is not a choice)."""

    field_class = AsciiModelChoiceField


class CharFilter(django_filters.CharFilter):
    """A text of at most ``max_length`` characters (``MAX_SEARCH`` unless told)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", MAX_SEARCH)
        super().__init__(*args, **kwargs)


def _column_length(field) -> dict:
    return {"max_length": field.max_length or MAX_SEARCH}


class FilterSet(django_filters.FilterSet):
    """``django_filters.FilterSet`` whose filters generated from ``Meta.fields`` are bounded as
    above (a text: its column's length)."""

    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        models.CharField: {"filter_class": CharFilter, "extra": _column_length},
        models.SlugField: {"filter_class": CharFilter, "extra": _column_length},
        models.EmailField: {"filter_class": CharFilter, "extra": _column_length},
        models.TextField: {"filter_class": CharFilter},
        models.DateField: {"filter_class": DateFilter},
        models.DateTimeField: {"filter_class": DateTimeFilter},
        models.BooleanField: {"filter_class": BooleanFilter},
        models.ForeignKey: {
            **django_filters.FilterSet.FILTER_DEFAULTS[models.ForeignKey],
            "filter_class": ModelChoiceFilter,
        },
    }


class FilterBackend(DjangoFilterBackend):
    """``DjangoFilterBackend``, which leaves the rows as they are when the request names no
    filter at all (only ``page``, ``page_size``, ``ordering`` or ``cursor``): building and
    validating an empty filter form changes nothing and costs ~0.5 ms a request (issue 13,
    ``bench/api_load.py``). A filterset that decides something without parameters (its own
    ``filter_queryset`` or ``qs``) still runs."""

    PASSIVE = frozenset({"page", "page_size", "ordering", "cursor"})

    def filter_queryset(self, request, queryset, view):
        if self.PASSIVE.issuperset(request.query_params.keys()):
            filterset_class = self.get_filterset_class(view, queryset)
            if filterset_class is None or (
                filterset_class.filter_queryset is BaseFilterSet.filter_queryset
                and filterset_class.qs is BaseFilterSet.qs
            ):
                return queryset
        return super().filter_queryset(request, queryset, view)


class OrderingFilter(drf_filters.OrderingFilter):
    """DRF's ``?ordering=``, completed by the list's own order and ended by the id: rows equal
    on the fields asked keep the list's order among them (newest first, then the id), so every
    page of a list shows each row once. Without a unique last term PostgreSQL orders equals as
    it likes, page by page (a top-N sort per LIMIT/OFFSET): 30 charges of one month ordered by
    ``period_start``, 7 a page, showed some twice and others never; so did two customers of
    the same name in the customers' own order (``legal_name``)."""

    def remove_invalid_fields(self, queryset, fields, view, request):
        """The terms asked, all of them known: a term the list does not sort on is a 400 naming
        ``ordering`` (DRF dropped it and answered the default order, as if it were sorted), and
        so are commas naming no term at all (``?ordering=,``); an empty term beside a named one
        (``due_date,``) is left out, as DRF does."""
        valid = super().remove_invalid_fields(queryset, fields, view, request)
        unknown = [term for term in fields if term and term not in valid]
        names = [name for name, _label in self.get_valid_fields(queryset, view)]
        if not any(fields):  # "," or " , ": commas only, no term (DRF read it as no order)
            raise drf_exceptions.ValidationError(
                {
                    self.ordering_param: [
                        _(
                            "No order given: this list sorts on %(fields)s, each descending "
                            "with a leading -."
                        )
                        % {"fields": ", ".join(names)}
                    ]
                }
            )
        if unknown:
            raise drf_exceptions.ValidationError(
                {
                    self.ordering_param: [
                        _(
                            "Unknown order: %(terms)s. This list sorts on %(fields)s, each "
                            "descending with a leading -."
                        )
                        % {"terms": ", ".join(unknown), "fields": ", ".join(names)}
                    ]
                }
            )
        return valid

    def get_ordering(self, request, queryset, view):
        ordering = list(super().get_ordering(request, queryset, view) or ())
        if not ordering:
            return ordering
        named = {term.lstrip("-") for term in ordering}
        ordering += [
            term for term in self.get_default_ordering(view) or () if term.lstrip("-") not in named
        ]
        if not {"id", "pk"} & {term.lstrip("-") for term in ordering}:
            ordering.append("-pk" if ordering[0].startswith("-") else "pk")
        return ordering
