"""EQP-5 / EQP-6: the day items must be back — the first French business day (Monday to Friday,
not a public holiday of the ``holidays`` library) after the last day of the rental."""

from datetime import date, timedelta
from functools import lru_cache

import holidays

MAX_DAYS = 30


@lru_cache(maxsize=16)
def _french_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.France(years=year).keys())


def is_business_day(day: date) -> bool:
    return day.isoweekday() <= 5 and day not in _french_holidays(day.year)


def first_business_day_after(day: date) -> date:
    """Friday 2026-12-25 is Christmas: after Thursday 2026-12-24 comes Monday 2026-12-28."""
    current = day
    for _ in range(MAX_DAYS):
        current += timedelta(days=1)
        if is_business_day(current):
            return current
    raise ValueError("No business day found.")
