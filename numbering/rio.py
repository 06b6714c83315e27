"""NUM-3: the RIO (relevé d'identité opérateur, ARCEP decisions 2012-0576 and 2013-0830) —
12 characters ``OO Q RRRRRR CCC``: donor operator, contract type, reference, check key. The key is
computed over ``OO + Q + RRRRRR`` followed by the line's 10-digit national number."""

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+"
MOBILE_TYPES = set("PE")
FIXED_TYPES = set("FGMNRSTUVWXYZ")
SPECIAL_TYPES = {"A"}
_SHAPE = re.compile(r"^[A-Z0-9]{2}[A-Z][A-Z0-9+]{6}[A-Z0-9+]{3}$")


def check_key(body: str, national_number: str) -> str:
    """The 3-character key of ``body`` (the RIO's first 9 characters) for a line."""
    a = b = c = 0
    for char in body + national_number:
        position = ALPHABET.index(char)
        a = (a + position) % 37
        b = (2 * b + position) % 37
        c = (4 * c + position) % 37
    return ALPHABET[a] + ALPHABET[b] + ALPHABET[c]


def normalise(raw: str) -> str:
    """Spaces, dots and dashes dropped, upper case: ``01 p 123456 36q`` → ``01P12345636Q``."""
    return re.sub(r"[\s.\-]", "", raw or "").upper()


@dataclass(frozen=True)
class RioError:
    code: str
    message: str


def shape_error(raw_rio: str) -> RioError | None:
    """What is wrong with this RIO whatever its line (its length, its characters), or None:
    said even when the line's number cannot be read, next to the number's own error."""
    rio = normalise(raw_rio)
    if len(rio) != 12:
        return RioError(
            "length",
            _("A RIO has 12 characters (this one has %(n)d).") % {"n": len(rio)},
        )
    if not _SHAPE.match(rio) or any(char not in ALPHABET for char in rio):
        return RioError("shape", _("A RIO is made of letters, digits and '+' only."))
    return None


def rio_error(raw_rio: str, national_number: str, *, mobile: bool) -> RioError | None:
    """Why this RIO does not fit this line (10-digit national number, ``0XXXXXXXXX``), or None."""
    if (problem := shape_error(raw_rio)) is not None:
        return problem
    rio = normalise(raw_rio)
    contract_type = rio[2]
    if mobile and contract_type not in MOBILE_TYPES:
        return RioError(
            "type",
            _("The 3rd character (%(char)s) is not that of a mobile line's RIO (P or E).")
            % {"char": contract_type},
        )
    if not mobile and contract_type not in FIXED_TYPES | SPECIAL_TYPES:
        return RioError(
            "type",
            _("The 3rd character (%(char)s) is that of a mobile line's RIO: this line is fixed.")
            % {"char": contract_type}
            if contract_type in MOBILE_TYPES
            else _("The 3rd character (%(char)s) is not a known contract type.")
            % {"char": contract_type},
        )
    if check_key(rio[:9], national_number) != rio[9:]:
        return RioError(
            "key",
            _(
                "The check key %(key)s does not match the number %(number)s: check the RIO "
                "given by the 3179 for this very line."
            )
            % {"key": rio[9:], "number": national_number},
        )
    return None
