"""USE-2: billed seconds and cost of one call (pure functions; the rating SQL does the same)."""

from decimal import Decimal

from kernel.money import round_half_up


def billed_seconds(duration: int, first: int, next_: int, minimum: int = 0) -> int:
    """USE-2: for an answered call of ``duration`` > 0 seconds, ``first`` if it fits in the
    first increment, else ``first`` + the next increments started; then at least ``minimum``.
    A call of 0 seconds (or unanswered) bills nothing."""
    if duration <= 0:
        return 0
    if duration <= first:
        billed = first
    else:
        billed = first + -(-(duration - first) // next_) * next_
    return max(billed, minimum)


def cost(seconds: int, rate_per_minute: Decimal) -> Decimal:
    """USE-2: ``seconds`` × rate per minute / 60, kept to 4 decimals (half-up)."""
    return round_half_up(Decimal(seconds) * Decimal(rate_per_minute) / 60, 4)
