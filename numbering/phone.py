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

from numbering.choices import NumberType, PriceClass

# The French national prefixes of the overseas departments (ARCEP plan, as phonenumbers knows
# it), matched longest first: the fixed blocks 02 62/63, 02 69 and 02 68 8 (La Réunion) /
# 02 68 9 (Mayotte), 05 90, 05 94, 05 96 and the 05 98 7/8/9 blocks (Guadeloupe, Guyane,
# Martinique); the mobiles 06 39, 06 90–94, 06 96–97 and the 07 09 0–3 blocks; the "polyvalent"
# 09 39 5–9 and 09 47 5–9 blocks (Guadeloupe, Guyane, Martinique, Mayotte, La Réunion in that
# order) and 09 76 (split per territory). Without them an overseas number parsed as mainland
# France (+33 268 81 23 45) or was refused (07 09 20 12 34).
OVERSEAS_PREFIXES = {
    "0262": "RE", "0263": "RE", "02688": "RE", "02689": "YT", "0269": "YT",
    "0590": "GP", "05987": "GP", "05988": "GF", "05989": "MQ", "0594": "GF", "0596": "MQ",
    "0639": "YT", "0692": "RE", "0693": "RE", "0690": "GP", "0691": "GP", "0694": "GF",
    "0696": "MQ", "0697": "MQ",
    "07090": "GP", "07091": "MQ", "07092": "RE", "070930": "GF", "070931": "GF",
    "070932": "GF", "070933": "GF", "070935": "YT", "070936": "YT", "070937": "YT",
    "09395": "GP", "09396": "GF", "09397": "MQ", "09398": "YT", "09399": "RE",
    "09475": "GP", "09476": "GF", "09477": "MQ", "09478": "YT", "09479": "RE",
    "09760": "GP", "09761": "GP", "09762": "RE", "09763": "RE", "09764": "GF",
    "09765": "GF", "09766": "MQ", "09767": "MQ", "09768": "GP", "09769": "YT",
}  # fmt: skip
PREFIX_LENGTHS = sorted({len(prefix) for prefix in OVERSEAS_PREFIXES}, reverse=True)
# Saint-Barthélemy and Saint-Martin share Guadeloupe's 0590/0690 prefixes and +590 code;
# phonenumbers names their numbers BL and MF.
OVERSEAS_REGIONS = {*OVERSEAS_PREFIXES.values(), "BL", "MF"}
REGIONS = {"FR", *OVERSEAS_REGIONS}
SHAPE = re.compile(r"\+?[0-9 .()/-]+")


def overseas_prefix(national: str) -> str | None:
    """The longest overseas prefix ``national`` starts with, if any."""
    for length in PREFIX_LENGTHS:
        if national[:length] in OVERSEAS_PREFIXES:
            return national[:length]
    return None


def region_of(national: str) -> str:
    prefix = overseas_prefix(national)
    return OVERSEAS_PREFIXES[prefix] if prefix else "FR"


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
    if number.country_code == 33:
        # typed with +33 (or 0033), an overseas number is still its territory's, never +33:
        # "+33 5 96 60 12 34" is the line "05 96 60 12 34", Martinique's +596 596 60 12 34
        digits = "0" + phonenumbers.national_significant_number(number)
        if overseas_prefix(digits):
            number = phonenumbers.parse(digits, region_of(digits))
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


# NUM-1: an 08 number's price class from phonenumbers' type (0884 is shared cost, 0836 premium).
SPECIAL_CLASSES = {
    phonenumbers.PhoneNumberType.TOLL_FREE: PriceClass.TOLL_FREE,
    phonenumbers.PhoneNumberType.UAN: PriceClass.UAN,
    phonenumbers.PhoneNumberType.SHARED_COST: PriceClass.SHARED_COST,
    phonenumbers.PhoneNumberType.PREMIUM_RATE: PriceClass.PREMIUM,
}


def price_class(e164: str) -> str:
    """NUM-1: what an 08 number's callers pay (``PriceClass``); "" for any other number."""
    if number_type(e164) != NumberType.SPECIAL:
        return ""
    return SPECIAL_CLASSES.get(phonenumbers.number_type(phonenumbers.parse(e164)), "")


def region(e164: str) -> str:
    return phonenumbers.region_code_for_number(phonenumbers.parse(e164))
