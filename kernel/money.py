"""Money arithmetic shared by every app (SPEC, Money): Decimal only, half-up, to the cent."""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import get_language

CENT = Decimal("0.01")
ZERO = Decimal("0")


def round_half_up(amount, places: int) -> Decimal:
    """``amount`` half-up to ``places`` decimals: the project's one way of rounding."""
    return Decimal(amount).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def round_money(amount: Decimal) -> Decimal:
    """The one rounding of money: half-up to the cent."""
    return round_half_up(amount, 2)


def round_price(amount: Decimal) -> Decimal:
    """Unit prices keep 4 decimals, half-up."""
    return round_half_up(amount, 4)


def price_places(amount, least: int = 2, most: int = 4) -> int:
    """How many decimals a unit price shows: at least ``least``, and those it really has up to
    ``most`` (rounded half-up there): 250.0000 → 2, 0.0125 → 4, 0.86280 → 4, 1.50 → 2."""
    kept = round_half_up(amount, most)
    return max(least, len(f"{kept:f}".partition(".")[2].rstrip("0")))


def money_number(amount, places: int = 2) -> str:
    """An amount's figure in the active language, half-up to the cent and grouped (« 1 234,50 »
    in French, « 1,234.50 » in English): for messages that write the « € » themselves. A raw
    Decimal in a message reads « 678.53 » in French."""
    return number_format(round_half_up(amount, places), places, force_grouping=True)


def money(amount, places: int = 2) -> str:
    """An amount as pages show it, in the page's language (« 1 234,50 € »; ``places=4`` for a
    tariff's price per minute); "—" for none."""
    if amount is None:
        return "—"
    return f"{money_number(amount, places)}\u00a0€"


def percent(figure) -> str:
    """A percentage's figure with its sign, as the active language writes it: « 20 % » in
    French (a no-break space before the sign), « 20% » in English."""
    language = get_language() or settings.LANGUAGE_CODE
    return f"{figure}{chr(0xA0) if language.startswith('fr') else ''}%"
