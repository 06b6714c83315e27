"""Bounds on what a request may say, checked before a value reaches the database or the date
arithmetic: a value outside them is a field error (400), never a server error.

- UTC offsets: PostgreSQL keeps offsets within ±15:59, Python parses up to ±23:59;
- years: business dates of the portal lie in 2000–2100 (``MIN_YEAR``–``MAX_YEAR``); a month is
  ``YYYY-MM`` within them (``parse_month``, ``MonthField``);
- dates ahead: a date a customer asks for (a termination…) at most ``years`` ahead of today;
- quantities: at most ``MAX_QUANTITY`` of a product on a contract line;
- ids: 1 to ``MAX_ID`` (a ``BigAutoField``); texts a person writes (a ticket's or a message's
  body, a dispute's reason): at most ``MAX_TEXT`` characters; at most ``MAX_FILES`` files sent
  with one message, ``MAX_RECIPIENTS`` invoice recipients of ``MAX_EMAIL`` characters each;
- digits: ASCII only. ``int()``, ``Decimal()`` and ``strptime`` read full-width or other Unicode
  digits (``"１２"`` is 12): the fields below refuse any non-ASCII text where a number or a date
  is expected.

The form fields are here; the partner API's (DRF) fields, with the same bounds, are in
``kernel.api_fields``.
"""

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from kernel.clock import paris_today
from kernel.widgets import AmountInput

MAX_UTC_OFFSET = timedelta(hours=15, minutes=59)
MIN_YEAR = 2000
MAX_YEAR = 2100
MAX_QUANTITY = 10_000
MAX_ID = 2**63 - 1  # the largest BigAutoField id
MAX_TEXT = 10_000
MAX_FILES = 10
MAX_RECIPIENTS = 20
MAX_EMAIL = 254  # RFC 5321 path length (Django's User.email)

_MONTH = re.compile(r"^(\d{4})-(\d{2})$", re.ASCII)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)


def validate_utc_offset(value: datetime | None) -> None:
    """A datetime whose UTC offset PostgreSQL can store (within ±15:59)."""
    if value is None or value.tzinfo is None:
        return
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        raise ValidationError(
            _("The UTC offset must be between -15:59 and +15:59."), code="utc_offset"
        )


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError(
            _("Give a date between the years %(min)s and %(max)s."),
            code="year_out_of_range",
            params={"min": MIN_YEAR, "max": MAX_YEAR},
        )


def validate_year(value: date | None) -> None:
    """A date in ``MIN_YEAR``–``MAX_YEAR``."""
    if value is not None:
        _check_year(value.year)


def years_ahead(years: int, today: date | None = None) -> date:
    """The same day ``years`` later (29 February gives 28 February)."""
    today = today or paris_today()
    try:
        return today.replace(year=today.year + years)
    except ValueError:
        return today.replace(year=today.year + years, day=28)


@deconstructible
class AtMostYearsAhead:
    """A date from ``MIN_YEAR`` to ``years`` years after today (Europe/Paris), bounds included."""

    def __init__(self, years: int):
        self.years = years

    def __call__(self, value: date | None) -> None:
        if value is None:
            return
        if value.year < MIN_YEAR:
            _check_year(value.year)
        limit = years_ahead(self.years)
        if value > limit:
            raise ValidationError(
                _("Give a date at most %(years)s years ahead (%(limit)s at the latest)."),
                code="too_far_ahead",
                params={"years": self.years, "limit": date_format(limit, "SHORT_DATE_FORMAT")},
            )

    def __eq__(self, other):
        return isinstance(other, AtMostYearsAhead) and other.years == self.years


def parse_month(value: str) -> date:
    """``YYYY-MM`` (ASCII digits, a year in ``MIN_YEAR``–``MAX_YEAR``) → the month's first day.

    Raises ``ValidationError`` otherwise."""
    match = _MONTH.match(value.strip()) if isinstance(value, str) else None
    if match is None or not 1 <= int(match[2]) <= 12:
        raise ValidationError(_("Give a month as YYYY-MM."), code="invalid_month")
    _check_year(int(match[1]))
    return date(int(match[1]), int(match[2]), 1)


def parse_whole_number(value: str, *, parameter: str) -> int:
    """A query's page number or page size: ASCII digits, 1 or more (``MAX_ID`` for a number
    longer than any id). Raises a ``ValidationError`` naming ``parameter`` otherwise."""
    digits = value.lstrip("0") if isinstance(value, str) else ""
    if not (digits.isascii() and digits.isdigit()):
        message = _("Give a whole number, 1 or more.")
        raise ValidationError({parameter: ValidationError(message, code="invalid")})
    return int(digits) if len(digits) < len(str(MAX_ID)) else MAX_ID


def is_ascii(value) -> bool:
    """False for a text with a character outside ASCII (full-width digits…)."""
    return not isinstance(value, str) or value.isascii()


def _refuse_non_ascii(field: forms.Field, value, code: str = "invalid") -> None:
    if not is_ascii(value):
        raise ValidationError(field.error_messages[code], code=code, params={"value": value})


class AsciiIntegerField(forms.IntegerField):
    """``forms.IntegerField`` in ASCII digits only."""

    def to_python(self, value):
        _refuse_non_ascii(self, value)
        return super().to_python(value)


class AsciiDecimalField(forms.DecimalField):
    """``forms.DecimalField`` in ASCII digits only, written as people write amounts: "1e3" (an
    exponent, which Decimal reads as 1000) is not an amount."""

    def to_python(self, value):
        _refuse_non_ascii(self, value)
        if isinstance(value, str) and "e" in value.lower():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


# The spaces people put between thousands: a space, and the page's non-breaking ones (« 1 200,50 »
# copied from an amount the portal shows).
THOUSANDS_SPACES = re.compile("[ \u00a0\u202f]")


class TypedAmountField(AsciiDecimalField):
    """An amount as typed, in the page's language (« 12,50 » in French), in a text input
    (``AmountInput``): the thousands' spaces left out (« 1 200,50 » is 1200.50). The back
    office's model forms use it for every ``DecimalField`` (``kernel.admin.TypedAmountsMixin``)."""

    widget = AmountInput

    def __init__(self, **kwargs):
        kwargs.setdefault("localize", True)
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            # and the euro sign, after the figure as the portal writes it (« 24,00 € »): it was
            # refused with « Saisissez un nombre. »
            value = THOUSANDS_SPACES.sub("", value.strip()).removesuffix("€").removeprefix("€")
        return super().to_python(value)


def typed_amount_field(
    label, *, max_digits=12, decimal_places=2, min_value=Decimal("0.01"), **kwargs
) -> TypedAmountField:
    """An amount in euros and cents (at least 0.01 unless ``min_value`` says otherwise) as
    people type it in the page's language: "12,50" in French. A text field read by the server
    (an <input type="number"> left the reading to the browser: en-US Chrome sent 1250 for
    "12,50"). ``kwargs``: ``required``, ``help_text``, ``initial``…; prices to the hundredth of a
    cent take ``decimal_places=4``."""
    # Django's « Saisissez un nombre. » did not say what was expected
    messages = {"invalid": _("Enter a number, such as 12.50.")}
    if min_value == Decimal("0.01"):
        # Django's own message writes the limit as a raw Decimal (« 0.01 » in French)
        messages["min_value"] = _("Enter an amount of at least 0.01 €.")
    kwargs["error_messages"] = {**messages, **kwargs.get("error_messages", {})}
    return TypedAmountField(
        label=label,
        max_digits=max_digits,
        decimal_places=decimal_places,
        min_value=min_value,
        **kwargs,
    )


class AsciiModelChoiceField(forms.ModelChoiceField):
    """``forms.ModelChoiceField`` whose id is in ASCII digits (another is not a choice)."""

    def to_python(self, value):
        _refuse_non_ascii(self, value, "invalid_choice")
        return super().to_python(value)


class BoundedDateField(forms.DateField):
    """``forms.DateField`` in ASCII digits, a year in ``MIN_YEAR``–``MAX_YEAR``."""

    default_validators = [validate_year]

    def to_python(self, value):
        _refuse_non_ascii(self, value)
        return super().to_python(value)


class IsoDateField(BoundedDateField):
    """``BoundedDateField`` reading ``YYYY-MM-DD`` (ISO 8601) only, whatever the language: the
    partner API's date filters. ``BoundedDateField`` reads the language's formats as the
    portal's forms do, so "02/06/2026" was 2 June in French and 6 February in English."""

    input_formats = ["%Y-%m-%d"]
    default_error_messages = {"invalid": _("Give a date as YYYY-MM-DD.")}

    def to_python(self, value):
        if isinstance(value, str) and value.strip() and not _ISO_DATE.match(value.strip()):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class MonthField(forms.CharField):
    """A form field for ``YYYY-MM``: cleans to the month's first day (a ``date``), or None."""

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        return parse_month(value)


class BoundedDateTimeField(forms.DateTimeField):
    """``forms.DateTimeField`` in ASCII digits, a year in ``MIN_YEAR``–``MAX_YEAR`` and a UTC
    offset PostgreSQL can store."""

    default_validators = [validate_utc_offset, validate_year]

    def to_python(self, value):
        _refuse_non_ascii(self, value)
        return super().to_python(value)


# Line breaks and the spaces around them (not the no-break spaces of French typography, which
# ``str.split()`` would take too: « 80\u00a0% » must stay as it is).
_LINE_BREAKS = re.compile(r"[ \t]*[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+[ \t]*")


def one_line(text: str) -> str:
    """``text`` on one line (an e-mail's subject, a ticket's subject): each line break, with the
    spaces around it, becomes one space — an e-mail header refuses a line break (a header
    injection). No-break spaces are kept."""
    return _LINE_BREAKS.sub(" ", text).strip()
