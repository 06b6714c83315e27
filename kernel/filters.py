"""Filters of the partner API whose values are bounded before they reach the database
(``kernel.inputs``): a value out of bounds is a 400 naming the parameter."""

import django_filters
from django_filters.fields import IsoDateTimeField

from kernel.inputs import BoundedDateTimeField, MonthField, validate_utc_offset


class BoundedIsoDateTimeField(IsoDateTimeField):
    default_validators = [validate_utc_offset]


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 datetime whose UTC offset is within ±15:59."""

    field_class = BoundedIsoDateTimeField


class DateTimeFilter(django_filters.DateTimeFilter):
    """A datetime whose UTC offset is within ±15:59."""

    field_class = BoundedDateTimeField


class MonthFilter(django_filters.CharFilter):
    """``YYYY-MM``, a year in 2000–2100: the filter method receives the month's first day.
    (A ``CharFilter`` for the schema: a string, not the model's date.)"""

    field_class = MonthField
