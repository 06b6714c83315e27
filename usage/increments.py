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


def dearer_for_some_call(new, old) -> bool:
    """CON-6 / HOSTED-A 6: whether tariff ``new`` prices some answered call dearer than
    ``old`` (each with ``rate_per_minute``, ``first_increment``, ``next_increment``,
    ``min_duration``). Shorter increments can: 60/60 → 45/45 bills a 46 s call 90 s, not 60 s.
    ``new``'s billed seconds are constant between its steps, ``old``'s never fall, so the calls
    to try are the first second of each of ``new``'s steps; past the longest first increment or
    minimum, both bill one more period (the two next increments' least common multiple) every
    period, so one period beyond it is enough."""
    from math import lcm

    rn, ro = Decimal(new.rate_per_minute), Decimal(old.rate_per_minute)
    if rn > ro:  # the longest calls at least
        return True
    fn, nn, mn = new.first_increment, new.next_increment, new.min_duration
    fo, no, mo = old.first_increment, old.next_increment, old.min_duration
    last = max(fn, fo, mn, mo) + lcm(nn, no) + nn
    duration = 1
    while duration <= last:
        if rn * billed_seconds(duration, fn, nn, mn) > ro * billed_seconds(duration, fo, no, mo):
            return True
        duration = fn + 1 if duration <= fn else duration + nn
    return False
