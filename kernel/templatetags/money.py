"""``{{ amount|money }}``: an amount as pages show it — « 1 234,50 € » in French, « 1,234.50 € »
in English — rounded half-up to the cent, with a no-break space before the € so that the
symbol never wraps to a line of its own. ``{{ price|unit_price }}``: a unit price the way the
invoice PDF prints it (2 decimals, 4 when the price really has them)."""

from decimal import Decimal, InvalidOperation

from django import template

from kernel.money import money as money_text

register = template.Library()


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@register.filter(name="money")
def money(value) -> str:
    amount = _decimal(value)
    return money_text(amount)
