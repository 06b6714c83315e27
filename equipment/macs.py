"""EQP-1: MAC addresses, validated and written one way (``AA:BB:CC:DD:EE:FF``).

No library of the project parses MAC addresses (``netaddr`` is not installed): the accepted
spellings are the usual ones — six pairs separated by ``:`` or ``-``, three groups of four hex
digits separated by ``.`` (Cisco), or twelve hex digits — nothing else."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_SPELLINGS = (
    re.compile(r"^[0-9A-F]{2}([:-])[0-9A-F]{2}(?:\1[0-9A-F]{2}){4}$"),
    re.compile(r"^[0-9A-F]{4}\.[0-9A-F]{4}\.[0-9A-F]{4}$"),
    re.compile(r"^[0-9A-F]{12}$"),
)


def mac_spellings(mac: str) -> set[str]:
    """The ways a device may write its normalised MAC address ``AA:BB:CC:DD:EE:FF`` in a call
    record: separated by ``:`` or ``-``, in groups of four, or bare; upper or lower case."""
    digits = mac.replace(":", "")
    pairs = [digits[i : i + 2] for i in range(0, 12, 2)]
    written = {":".join(pairs), "-".join(pairs), ".".join(digits[i : i + 4] for i in (0, 4, 8))}
    written.add(digits)
    return written | {w.lower() for w in written}


def normalise_mac(value: str) -> str:
    """``00-1a-2b-3c-4d-5e`` → ``00:1A:2B:3C:4D:5E``; ``ValidationError`` for anything that is
    not a MAC address, and for the broadcast and all-zero addresses (never a device's)."""
    text = (value or "").strip().upper()
    if not any(pattern.match(text) for pattern in _SPELLINGS):
        raise ValidationError(
            _("%(value)s is not a MAC address (e.g. 00:1A:2B:3C:4D:5E).") % {"value": value},
            code="invalid_mac",
        )
    digits = re.sub(r"[^0-9A-F]", "", text)
    if digits in {"000000000000", "FFFFFFFFFFFF"}:
        raise ValidationError(
            _("%(value)s is not the address of a device.") % {"value": value}, code="invalid_mac"
        )
    if int(digits[1], 16) & 1:
        raise ValidationError(
            _("%(value)s is a multicast address, not the address of a device.") % {"value": value},
            code="invalid_mac",
        )
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))
