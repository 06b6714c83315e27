"""USE-2/TRK-6: the prefixes that tariffs and destination groups are matched by.

Calls are rated by blocks of 10 000 numbers (every digit of the number but the last four, ARCEP's
smallest allocation; ``usage.services.classify.block_key``): a prefix is compared with the
block, so one longer than the blocks of its country would never match a call — it is refused
with the longest length that country allows (phonenumbers knows its numbers' lengths). A prefix
is "+" and the first digits of an E.164 number (+3389, or +3 for world zone 3), or the first
digits of a short number (3949)."""

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

BLOCK_DIGITS = 4  # the digits a block leaves out
E164_PREFIX = re.compile(r"^\+[1-9]\d{0,14}$")
SHORT_PREFIX = re.compile(r"^\d{1,6}$")


def _longest_number(code: int) -> int:
    """The digits of the longest number under country code ``code`` (code included)."""
    lengths = []
    for region in phonenumbers.COUNTRY_CODE_TO_REGION_CODE[code]:
        metadata = (
            phonenumbers.PhoneMetadata.metadata_for_nongeo_region(code)
            if region == phonenumbers.UNKNOWN_REGION or region == "001"
            else phonenumbers.PhoneMetadata.metadata_for_region(region)
        )
        if metadata is not None:
            lengths.extend(metadata.general_desc.possible_length or ())
    return len(str(code)) + max(lengths, default=15 - len(str(code)))


def validate_prefix(prefix: str) -> None:
    """ValidationError unless ``prefix`` can match calls (see the module)."""
    if SHORT_PREFIX.match(prefix):
        return
    if not E164_PREFIX.match(prefix):
        raise ValidationError(
            _(
                "“%(prefix)s” is not a prefix: “+” then the country code and digits (+3389), "
                "or the first digits of a short number (3949)."
            )
            % {"prefix": prefix},
            code="invalid",
        )
    digits = prefix[1:]
    codes = phonenumbers.COUNTRY_CODE_TO_REGION_CODE
    code = next((int(digits[:n]) for n in (1, 2, 3) if int(digits[:n]) in codes), None)
    if code is None or len(digits) < len(str(code)):
        if not any(str(known).startswith(digits) for known in codes):
            raise ValidationError(
                _("No country code starts with “%(prefix)s”.") % {"prefix": prefix},
                code="country",
            )
        return
    longest = max(len(str(code)), _longest_number(code) - BLOCK_DIGITS)
    if len(digits) > longest:
        raise ValidationError(
            _(
                "“%(prefix)s” is too long: calls to +%(code)s are rated by blocks of 10 000 "
                "numbers, so a prefix there has at most %(max)s digits after the “+”."
            )
            % {"prefix": prefix, "code": code, "max": longest},
            code="too_long",
        )
