"""The checks a refund by transfer passes before it is recorded (BIL-4, a payment's money left on
account; BIL-9, what is left of a credit note): a positive amount in euros, no more than is
left, dated neither in the future nor before what it refunds, a transfer reference, and not the
same transfer recorded twice (two members of staff, two tabs)."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kernel.clock import paris_today
from kernel.money import round_money


def refund_checked(
    *, amount, left, too_much, refunded_on, earliest, too_early, reference, refunds, twice
) -> tuple[Decimal, str]:
    """``(amount, reference)`` read and checked, or a ``ValidationError`` by field: ``too_much``,
    ``too_early`` and ``twice`` are the messages naming what is refunded; ``refunds`` the refunds
    already recorded for it."""
    errors = {}
    try:
        amount = Decimal(str(amount))
    except ArithmeticError:
        amount = None
    if amount is None or not amount.is_finite() or amount <= 0 or amount != round_money(amount):
        errors["amount"] = _("Give a positive amount in euros, with at most 2 decimals.")
    elif amount > left:
        errors["amount"] = too_much
    if refunded_on is None or refunded_on > paris_today():
        errors["refunded_on"] = _("A refund cannot be dated in the future.")
    elif refunded_on < earliest:
        errors["refunded_on"] = too_early
    reference = (reference or "").strip()[:100]
    if not reference:
        errors["reference"] = _("Give the reference of the transfer.")
    elif refunds.filter(amount=amount, refunded_on=refunded_on, reference=reference).exists():
        errors["reference"] = twice
    if errors:
        raise ValidationError(errors)
    return amount, reference
