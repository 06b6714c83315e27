"""``{{ amount|money }}``: an amount as pages show it — « 1 234,50 € » in French, « 1,234.50 € »
in English — rounded half-up to the cent, with a no-break space before the € so that the
symbol never wraps to a line of its own (``{{ rate|money:4 }}``: 4 decimals).
``{{ price|unit_price }}``: a unit price the way the invoice PDF prints it (2 decimals, 4 when
the price really has them). ``{{ rate|percent }}``: a VAT rate as the PDF prints it (« 20 % »,
« 8,5 % »; « 20% » in English); ``{{ figure|percent_sign }}``: a figure already formatted
(« 99,850 » → « 99,850 % »), its sign written the language's way."""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.formats import localize, number_format

from kernel.money import money as money_text
from kernel.money import percent as percent_text
from kernel.money import price_places, round_half_up, round_price

register = template.Library()


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@register.filter(name="money")
def money(value, places=None) -> str:
    """``{{ amount|money }}`` to the cent; ``{{ rate|money:4 }}`` with that many decimals (a
    tariff's price per minute), half-up."""
    return money_text(_decimal(value), 2 if places is None else int(places))


@register.filter
def unit_price(value) -> str:
    """2 decimals, up to 4 when the price has them (« 250,00 € », « 0,0125 € »): the PDF's
    ``billing.documents.unit_price``, in the page's language."""
    price = _decimal(value)
    if price is None:
        return "—"
    places = price_places(price)
    return f"{number_format(round_price(price), places, force_grouping=True)}\u00a0€"


@register.filter
def percent(value) -> str:
    """« 20 % », « 8,5 % », « 5,5 % »: the decimals the rate has (up to 2), a no-break space
    before the « % » in French (« 20% » in English), in the page's language — the PDF's
    ``billing.documents.french_rate``."""
    rate = _decimal(value)
    if rate is None:
        return "—"
    places = price_places(rate, 0, 2)
    return percent_text(number_format(round_half_up(rate, places), places))


@register.filter
def percent_sign(value) -> str:
    """``{{ availability|floatformat:3|percent_sign }}``: « 99,850 % » in French, « 99.850% »
    in English; "—" for none."""
    if value is None or value == "":
        return "—"
    return percent_text(value if isinstance(value, str) else localize(value))
