"""A tariff's destination as its reader names it (PLATFORM 24): the grid's own name in French,
its English name in English, else the country and kind of number — the tariffs page, the
announced changes, their refusal page and e-mail, the partner API all name it so."""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext
from phonenumbers.geocoder import _region_display_name

from kernel.languages import ENGLISH
from usage.choices import LineType, PriceClass
from usage.models import Tariff


def tariff_destination(tariff: Tariff, language: str | None = None) -> str:
    """The destination as the page's reader names it: the grid's own name (staff write it in
    French, the portal's language); in English, its English name (``name_en``); without one or
    in another language, the country's name in that language and the kind of number
    ("Germany — Fixed"), or the prefix the destination starts with."""
    language = (language or translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    if language == settings.LANGUAGE_CODE:
        return tariff.name
    if language == ENGLISH and tariff.name_en:
        return tariff.name_en
    if tariff.prefix:
        return gettext("Numbers starting with %(prefix)s") % {"prefix": tariff.prefix}
    country = _region_display_name(tariff.country, language, None, None)
    if tariff.price_class in PriceClass.values and tariff.price_class != PriceClass.STANDARD:
        kind = PriceClass(tariff.price_class).label
    elif tariff.line_type in LineType.values:
        kind = LineType(tariff.line_type).label
    else:
        kind = ""
    if not country or not kind:
        return tariff.name
    return gettext("%(country)s — %(kind)s") % {"country": country, "kind": kind}
