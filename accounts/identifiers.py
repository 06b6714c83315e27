"""ACC-1: French company identifiers, validated with python-stdnum (check digits, not regexes)."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_errors
from stdnum.eu import vat as stdnum_eu_vat
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret
from stdnum.fr import tva as stdnum_tva

from accounts.choices import VatRegime

_MESSAGES = {
    stdnum_errors.InvalidLength: _("wrong length"),
    stdnum_errors.InvalidFormat: _("wrong format"),
    stdnum_errors.InvalidChecksum: _("wrong check digit"),
    stdnum_errors.InvalidComponent: _("a part of the number is not valid"),
}


def _reason(error: Exception) -> str:
    for kind, message in _MESSAGES.items():
        if isinstance(error, kind):
            return str(message)
    return str(_("not valid"))


def normalize_siren(value: str) -> str:
    """Return the 9-digit SIREN or raise ValidationError naming what is wrong."""
    try:
        return stdnum_siren.validate(value)
    except stdnum_errors.ValidationError as error:
        raise ValidationError(
            _("Invalid SIREN: %(reason)s."), code="invalid_siren", params={"reason": _reason(error)}
        ) from error


def normalize_siret(value: str) -> str:
    """Return the 14-digit SIRET or raise ValidationError naming what is wrong."""
    try:
        return stdnum_siret.validate(value)
    except stdnum_errors.ValidationError as error:
        raise ValidationError(
            _("Invalid SIRET: %(reason)s."), code="invalid_siret", params={"reason": _reason(error)}
        ) from error


def normalize_vat_number(value: str) -> str:
    """Return an intra-EU VAT number in compact form (``FR44732829320``).

    French numbers are checked with their key against the SIREN; other EU numbers with their own
    country's algorithm.
    """
    try:
        # compact() itself refuses some values (an unknown country prefix…): inside the try.
        compact = stdnum_eu_vat.compact(value)
        if compact.startswith("FR"):
            return "FR" + stdnum_tva.validate(compact)
        return stdnum_eu_vat.validate(compact)
    except stdnum_errors.ValidationError as error:
        raise ValidationError(
            _("Invalid VAT number: %(reason)s."),
            code="invalid_vat",
            params={"reason": _reason(error)},
        ) from error


def check_consistency(*, siren: str, siret: str, vat_number: str) -> dict[str, str]:
    """Errors by field when identifiers disagree (SIRET and a French VAT embed the SIREN)."""
    errors = {}
    if siren and siret and not siret.startswith(siren):
        errors["siret"] = _("The SIRET does not belong to this SIREN.")
    if siren and vat_number.startswith("FR") and vat_number[4:] != siren:
        errors["vat_number"] = _("The VAT number does not belong to this SIREN.")
    return errors


# SPEC (Money): 8.5 % in Guadeloupe, Martinique and Réunion (art. 296 CGI); Guyane (973) and
# Mayotte (976) are outside the scope of French VAT for now (art. 294 CGI): not the standard rate.
OVERSEAS_VAT_POSTAL_PREFIXES = ("971", "972", "974")
# Saint-Barthélemy (97133) and Saint-Martin (97150) keep Guadeloupe's postal prefix but are
# outside the French VAT territory since 2007 (art. 294 CGI: Guadeloupe, Martinique, Réunion);
# so are Saint-Pierre-et-Miquelon (975) and the Pacific territories (986 Wallis-et-Futuna, 987
# Polynesia, 988 New Caledonia): no
# French rate applies to them (staff's « exempt »). Monaco (980) is inside French VAT.
OUTSIDE_FRENCH_VAT_POSTAL_CODES = ("97133", "97150")
OUTSIDE_FRENCH_VAT_POSTAL_PREFIXES = ("975", "986", "987", "988")
# The member states of stdnum's EU VAT by country, with their VAT numbers' prefix (Greece's is
# "EL"; Northern Ireland's "XI" is no country of an address).
_EU_VAT_PREFIX = {
    code.upper(): ("EL" if code == "gr" else code.upper()) for code in stdnum_eu_vat.MEMBER_STATES
}


def check_vat_regime(
    *, vat_regime: str, country: str, postal_code: str, vat_number: str
) -> dict[str, str]:
    """Errors by field when the VAT regime does not fit the billing address (SPEC, Money): the
    rate of every invoice follows it, so a regime the law does not give that address is
    refused. Reverse charge: a business of another EU state, with its VAT number; 8.5 %: an
    address in Guadeloupe, Martinique or Réunion; the standard 20 %: mainland France, Corsica
    or Monaco. Exempt: staff's call (an exempt activity, a territory outside French VAT)."""
    country = (country or "FR").upper()
    postal = (postal_code or "").strip()
    outside = country == "FR" and (
        postal in OUTSIDE_FRENCH_VAT_POSTAL_CODES
        or postal.startswith(OUTSIDE_FRENCH_VAT_POSTAL_PREFIXES)
    )
    overseas = country == "FR" and postal.startswith(OVERSEAS_VAT_POSTAL_PREFIXES) and not outside
    if outside and vat_regime in {"standard", "overseas"}:
        return {
            "vat_regime": _(
                "This billing address is outside the French VAT territory (Saint-Barthélemy, "
                "Saint-Martin, Saint-Pierre-et-Miquelon, the Pacific territories): no French "
                "rate applies, choose “%(exempt)s”."
            )
            % {"exempt": VatRegime.EXEMPT.label}
        }
    if vat_regime == "reverse_charge":
        prefix = _EU_VAT_PREFIX.get(country)
        if country == "FR" or prefix is None:
            return {
                "vat_regime": _(
                    "Reverse charge is for a business established in another EU member state: "
                    "give the country of its billing address."
                )
            }
        if not vat_number.upper().startswith(prefix):
            return {
                "vat_number": _(
                    "A reverse-charge customer needs its intra-EU VAT number, starting with "
                    "%(prefix)s."
                )
                % {"prefix": prefix}
            }
    elif vat_regime == "overseas" and not overseas:
        return {
            "vat_regime": _(
                "The 8.5% rate is for Guadeloupe, Martinique and Réunion (postal codes 971, 972 "
                "and 974)."
            )
        }
    elif vat_regime == "standard" and (
        country not in {"FR", "MC"} or (country == "FR" and postal.startswith("97"))
    ):
        return {
            "vat_regime": _(
                "The standard 20% rate is for mainland France, Corsica and Monaco: choose the "
                "regime of this billing address."
            )
        }
    return {}


# A French postal code: 5 digits, its first two a department (01–95, Corsica's 20), 97 overseas
# (97400 La Réunion) or 98 (Monaco, the Pacific territories). "ABC", "6900", "00100": refused.
_POSTAL_CODE_RE = re.compile(r"^(?:0[1-9]|[1-8]\d|9[0-578])\d{3}$")


def normalize_postal_code(value: str) -> str:
    """ACC-1: a French postal code, spaces around it removed."""
    code = value.strip()
    if not _POSTAL_CODE_RE.match(code):
        raise ValidationError(
            _("Invalid postal code: 5 digits, e.g. 69003 (97400 overseas)."),
            code="invalid_postal_code",
        )
    return code


_INSEE_RE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")


def normalize_insee_code(value: str) -> str:
    """INSEE commune code: 5 characters, Corsica as 2A/2B (not a postal code)."""
    code = value.strip().upper()
    if not _INSEE_RE.match(code) or code.startswith("00"):
        raise ValidationError(
            _("Invalid INSEE commune code: 5 characters, e.g. 13201 or 2A004."),
            code="invalid_insee",
        )
    return code


def normalize_fields(instance, normalizers) -> dict[str, ValidationError]:
    """Each non-empty field of ``instance`` named in ``normalizers`` (field, function) set to its
    normal form; the errors by field of those that are not valid (left as they were)."""
    errors = {}
    for field, normalize in normalizers:
        value = getattr(instance, field)
        if value:
            try:
                setattr(instance, field, normalize(value))
            except ValidationError as error:
                errors[field] = error
    return errors
