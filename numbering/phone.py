"""NUM-1: numbers stored in E.164 and shown the French way. Overseas departments have their own
country codes (+262 Réunion and Mayotte, +590 Guadeloupe with Saint-Barthélemy and Saint-Martin,
+594 Guyane, +596 Martinique), never +33: a national number is parsed with the region its prefix
belongs to (phonenumbers knows them)."""

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.db.models import CharField, F, Func, Value
from django.db.models.functions import Concat, Right
from django.utils.translation import gettext as _

from numbering.choices import NumberType

# The French national prefixes of the overseas departments, longest first (ARCEP plan).
OVERSEAS_PREFIXES = {
    "0262": "RE", "0263": "RE", "0269": "YT", "0639": "YT", "0692": "RE", "0693": "RE",
    "0590": "GP", "0690": "GP", "0691": "GP", "0594": "GF", "0694": "GF",
    "0596": "MQ", "0696": "MQ", "0697": "MQ",
}  # fmt: skip
# Saint-Barthélemy and Saint-Martin share Guadeloupe's 0590/0690 prefixes and +590 code;
# phonenumbers names their numbers BL and MF.
OVERSEAS_REGIONS = {*OVERSEAS_PREFIXES.values(), "BL", "MF"}
REGIONS = {"FR", *OVERSEAS_REGIONS}
SHAPE = re.compile(r"\+?[0-9 .()/-]+")


def region_of(national: str) -> str:
    return OVERSEAS_PREFIXES.get(national[:4], "FR")


def parse(raw: str) -> phonenumbers.PhoneNumber:
    """A French number (mainland or overseas), national (``02 62 …``) or E.164, or
    ValidationError. Non-ASCII digits are refused."""
    text = (raw or "").strip()
    # digits, a leading "+" and the separators people type (spaces, dots, dashes, brackets);
    # anything else — a letter, an extension ("x12", "poste 4") — is refused, never dropped
    if not text.isascii() or not SHAPE.fullmatch(text):
        raise ValidationError(_("Enter the number with the digits 0-9."), code="invalid")
    digits = "".join(ch for ch in text if ch.isdigit() or ch == "+")
    region = region_of(digits) if digits.startswith("0") else None
    try:
        number = phonenumbers.parse(digits, region or "FR")
    except phonenumbers.NumberParseException as error:
        raise ValidationError(_("%(raw)s is not a phone number.") % {"raw": raw}) from error
    if phonenumbers.region_code_for_number(number) not in REGIONS or not (
        phonenumbers.is_valid_number(number)
    ):
        raise ValidationError(
            _("%(raw)s is not a valid French number.") % {"raw": raw}, code="invalid"
        )
    return number


def to_e164(raw: str) -> str:
    return phonenumbers.format_number(parse(raw), phonenumbers.PhoneNumberFormat.E164)


def national(e164: str) -> str:
    """``+262262123456`` → ``0262123456``: the 10 digits a RIO key is computed over."""
    return phonenumbers.format_number(
        phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.NATIONAL
    ).replace(" ", "")


def display(e164: str) -> str:
    """The French way, in pairs: ``01 23 45 67 89``, ``02 62 12 34 56``."""
    digits = national(e164)
    return " ".join(digits[i : i + 2] for i in range(0, len(digits), 2))


def display_sql(path: str) -> Func:
    """``display`` of the E.164 column at the ORM path ``path``, in SQL (the partner API's
    lists, ``kernel.sql_lists``). A stored number is French (``parse``): +33 or an overseas
    code, then the 9 digits of its significant number, so its national form is 0 and its last 9
    digits, written in pairs."""
    national = Concat(Value("0"), Right(F(path), 9), output_field=CharField())
    return Func(
        national,
        Value(r"(\d\d)(?=\d)"),
        Value(r"\1 "),
        Value("g"),
        function="REGEXP_REPLACE",
        output_field=CharField(),
    )


def number_type(e164: str) -> str:
    digits = national(e164)
    if digits[:2] in {"06", "07"}:
        return NumberType.MOBILE
    if digits[:2] == "08":
        return NumberType.SPECIAL
    if digits[:2] == "09":
        return NumberType.POLYVALENT
    return NumberType.GEOGRAPHIC


def region(e164: str) -> str:
    return phonenumbers.region_code_for_number(phonenumbers.parse(e164))
