"""NUM-3: the lines of a port-in request checked before anything is written — each number
readable and listed once, its RIO checked against its own line (NUM-3), an overseas geographic
number brought only to a site of its territory (NUM-1) — each error naming its line. Kept out of
``numbering.services.porting`` (which imports these) so that neither module passes the size
limit."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from numbering import phone, rio
from numbering.choices import NumberType

MAX_LINES = 100


def clean_lines(lines: list[dict]) -> list[tuple[str, str]]:
    """``[{"number", "rio"}]`` → ``[(e164, RIO)]``; errors keyed ``lines`` with the line named.
    Each line's error carries its position (``params["n"]``, from 1) and what is wrong with it
    (``code`` "number" or "rio", ``params["error"]``): the portal shows it on that very line."""
    if not lines:
        raise ValidationError({"lines": [_("Give at least one number with its RIO.")]})
    if len(lines) > MAX_LINES:
        raise ValidationError({"lines": [_("At most %(n)d numbers.") % {"n": MAX_LINES}]})
    cleaned, errors, seen = [], [], set()
    for position, line in enumerate(lines, start=1):
        raw_number, raw_rio = str(line.get("number", "")), str(line.get("rio", ""))
        # NUM-3: the number's error and the RIO's are both said at once — a RIO too short is
        # wrong whatever its line, even when the number cannot be read
        e164, number_error = None, None
        try:
            e164 = phone.to_e164(raw_number)
        except ValidationError as error:
            number_error = ValidationError(
                _("Line %(n)d: %(error)s"),
                code="number",
                params={"n": position, "error": error.messages[0]},
            )
        if e164 is not None and e164 in seen:
            number_error = ValidationError(
                _("Line %(n)d: this number is already listed."),
                code="number",
                params={"n": position, "error": _("This number is already listed.")},
            )
        if number_error is not None:
            errors.append(number_error)
        if e164 is None:
            problem = rio.shape_error(raw_rio)
        else:
            seen.add(e164)
            problem = rio.rio_error(
                raw_rio, phone.national(e164), mobile=phone.number_type(e164) == NumberType.MOBILE
            )
        if problem is not None:
            errors.append(
                ValidationError(
                    _("Line %(n)d (%(number)s): %(error)s") if e164 else _("Line %(n)d: %(error)s"),
                    code="rio",
                    params={
                        "n": position,
                        "number": phone.display(e164) if e164 else "",
                        "error": problem.message,
                    },
                )
            )
        if number_error is None and problem is None:
            cleaned.append((e164, rio.normalise(raw_rio)))
    if errors:
        raise ValidationError({"lines": errors})
    return cleaned


# NUM-1 / NUM-3: the overseas territories by the INSEE department of a site's commune, and the
# plans their geographic numbers belong to (Saint-Barthélemy and Saint-Martin share Guadeloupe's
# 05 90, phonenumbers' BL and MF).
TERRITORY_OF_DEPARTMENT = {
    "971": "GP", "972": "MQ", "973": "GF", "974": "RE", "976": "YT", "977": "GP", "978": "GP",
}  # fmt: skip
PLAN_OF_REGION = {"BL": "GP", "MF": "GP"}


def _territory_name(region: str) -> str:
    return {
        "GP": _("Guadeloupe"),
        "MQ": _("Martinique"),
        "GF": _("French Guiana"),
        "RE": _("La Réunion"),
        "YT": _("Mayotte"),
    }[region]


def territory_errors(lines: list[tuple[str, str]], site) -> list[ValidationError]:
    """NUM-1 / NUM-3 (CPCE D406-18, HOSTED-W 5.4.1): an overseas geographic number is kept only
    at a site of its territory (it is restricted to its zone): each line that is not, named with
    its position — 02 62 … (La Réunion) brought to a Marseille site."""
    if site is None:
        return []
    site_territory = TERRITORY_OF_DEPARTMENT.get((site.insee_code or "")[:3], "FR")
    errors = []
    for position, (e164, _rio) in enumerate(lines, start=1):
        if phone.number_type(e164) != NumberType.GEOGRAPHIC:
            continue
        region = phone.region(e164)
        territory = PLAN_OF_REGION.get(region, region)
        if region not in phone.OVERSEAS_REGIONS or territory == site_territory:
            continue
        message = _(
            "%(number)s is a geographic number of %(territory)s: it can only be ported to a site "
            "there (this contract's site is elsewhere)."
        ) % {"number": phone.display(e164), "territory": _territory_name(territory)}
        errors.append(
            ValidationError(
                _("Line %(n)d: %(error)s"),
                code="number",
                params={"n": position, "error": message},
            )
        )
    return errors
