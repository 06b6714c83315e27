"""``{{ amount|money }}``: an amount as pages show it — « 1 234,50 € » in French, « 1,234.50 € »
in English — rounded half-up to the cent, with a no-break space before the € so that the
symbol never wraps to a line of its own (``{{ rate|money:4 }}``: 4 decimals).
``{{ price|unit_price }}``: a unit price the way the invoice PDF prints it (2 decimals, 4 when
the price really has them)."""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.formats import number_format

from kernel.money import money as money_text
from kernel.money import price_places, round_price

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
