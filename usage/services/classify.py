"""USE-1: what a called number is — country, line type and price class — with phonenumbers.

Numbers are classified by block: every number sharing all digits but the last four (a block of
10 000, the smallest range a numbering plan allocates in France, ARCEP's ZABPQ) gets the class
of the block's representative, computed once per process. On-net (a number we assigned) is
decided by the rating engine against the number inventory, since it changes over time."""

import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import PhoneNumberType as T

from numbering import phone
from usage.choices import LineType, PriceClass

# USE-1: emergency numbers, never blocked and free.
EMERGENCY_NUMBERS = frozenset({"15", "17", "18", "112", "114", "115", "119", "191", "196", "197"})
# The harmonised European numbers of social value (116 000 missing children, 116 006 victims,
# 116 111 children, 116 117 on-call doctors, 116 123 emotional support): free for the caller
# (EU decision 2007/116/EC, ARCEP's numbering plan) — the law where the rule book is silent.
SOCIAL_VALUE = re.compile(r"^116\d{3}$")
# The directory enquiries 118 XYZ are premium-rate services (ARCEP's numbering plan: the
# service is priced on top of the call, « tarification majorée »): premium rate, so blocked by
# default with the other premium-rate numbers (TRK-6) and priced at the premium row once
# unblocked — not a plain short number.
DIRECTORY_ENQUIRIES = re.compile(r"^118\d{3}$")
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
SHORT = re.compile(r"^\d{2,6}$")

_SPECIAL_CLASS = {
    T.TOLL_FREE: PriceClass.TOLL_FREE,
    T.SHARED_COST: PriceClass.SHARED_COST,
    T.UAN: PriceClass.UAN,
    T.PREMIUM_RATE: PriceClass.PREMIUM,
}


@dataclass(frozen=True)
class Classification:
    country: str
    line_type: str
    price_class: str


def _country_code(national: str) -> str:
    """USE-1: the country code a French national number is dialled to: +33, or an overseas
    department's own (ARCEP plan: "0262…" is Réunion's +262 262…, "0690…" a Guadeloupe mobile,
    +590 690…), never +33 for those."""
    return f"+{phonenumbers.country_code_for_region(phone.region_of(national))}"


def national_sql(column: str) -> str:
    """``normalize``'s French national branch in SQL, for the import: the country code of the
    number's longest overseas prefix (``phone.region_of``), then the number without its 0."""
    prefixes = sorted(phone.OVERSEAS_PREFIXES, key=len, reverse=True)
    codes = " ".join(
        f"WHEN left({column}, {len(prefix)}) = '{prefix}' THEN '{_country_code(prefix)}'"
        for prefix in prefixes
    )
    return f"(CASE {codes} ELSE '+33' END || substr({column}, 2))"


def e164_sql(column: str) -> str:
    """``e164`` in SQL, for the import: a +33 number of 9 digits through ``national_sql``. Only
    the numbers whose first three digits start an overseas prefix go through its fifty cases:
    tried on every French number, they made a million-call import 19 s slower."""
    national = f"('0' || substr({column}, 4))"
    heads = ", ".join(f"'{head}'" for head in sorted({p[1:4] for p in phone.OVERSEAS_PREFIXES}))
    return (
        f"(CASE WHEN left({column}, 3) = '+33' AND length({column}) = 12 "
        f"AND substr({column}, 4, 3) IN ({heads}) "
        f"THEN {national_sql(national)} ELSE {column} END)"
    )


def e164(number: str) -> str:
    """An E.164 number as stored: as it is, except a French one of an overseas range written
    with +33 ("+33 5 96 60 12 34" is the line 05 96 60 12 34), its territory's, as the numbers
    app stores it (``numbering.phone.parse``): Martinique's +596 596 60 12 34."""
    if number.startswith("+33") and len(number) == 12 and phone.overseas_prefix("0" + number[3:]):
        return _country_code("0" + number[3:]) + number[3:]
    return number


def normalize(raw: str) -> str:
    """A dialled number as stored: E.164 ("+33…"; "00…" and French national "0…" converted,
    overseas departments to their own codes, also when written with +33: ``e164``) or the
    short number as dialled. The import does the same in SQL (``usage.services.import_sql``,
    with ``national_sql`` and ``e164_sql``)."""
    number = re.sub(r"[\s.()\-]", "", raw or "")
    if number.startswith("00"):
        return e164("+" + number[2:])
    if len(number) == 10 and number.startswith("0") and number[1] != "0":
        return _country_code(number) + number[1:]
    return e164(number)


def block_key(number: str) -> str:
    return number[:-4] if number.startswith("+") and len(number) > 8 else number


def classify(number: str) -> Classification:
    """USE-1 for one normalised number (``normalize``)."""
    if not number.startswith("+"):
        if number in EMERGENCY_NUMBERS:
            return Classification("FR", LineType.EMERGENCY, PriceClass.SHORT)
        if SOCIAL_VALUE.match(number):
            return Classification("FR", LineType.SPECIAL, PriceClass.TOLL_FREE)
        if DIRECTORY_ENQUIRIES.match(number):
            return Classification("FR", LineType.SPECIAL, PriceClass.PREMIUM)
        return Classification("FR", LineType.SPECIAL, PriceClass.SHORT)
    block = block_key(number)
    found = _BLOCKS.get(block)
    if found is None:
        if len(_BLOCKS) > 200_000:
            _BLOCKS.clear()
        found = _BLOCKS[block] = _classify_e164(number)
    return found


_BLOCKS: dict[str, Classification] = {}  # block → class of the first number seen in it


def _classify_e164(number: str) -> Classification:
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return Classification("", LineType.OTHER, PriceClass.STANDARD)
    country = phonenumbers.region_code_for_number(parsed) or ""
    if country == "001":  # non-geographic entities (+800, +882, …)
        country = ""
    kind = phonenumbers.number_type(parsed)
    if kind == T.FIXED_LINE or kind == T.FIXED_LINE_OR_MOBILE:
        return Classification(country, LineType.FIXED, PriceClass.STANDARD)
    if kind == T.MOBILE:
        return Classification(country, LineType.MOBILE, PriceClass.STANDARD)
    if kind == T.VOIP:
        # French 09 "polyvalent" (counted as fixed by the plans); VoIP elsewhere: other.
        line_type = LineType.POLYVALENT if country == "FR" else LineType.OTHER
        return Classification(country, line_type, PriceClass.STANDARD)
    if kind in _SPECIAL_CLASS:
        return Classification(country, LineType.SPECIAL, _SPECIAL_CLASS[kind])
    if kind in (T.PERSONAL_NUMBER, T.PAGER, T.VOICEMAIL):
        return Classification(country, LineType.SPECIAL, PriceClass.STANDARD)
    return Classification(country, LineType.OTHER, PriceClass.STANDARD)
