"""SLA-2: the support clock, as pure functions over plain values (no database).

A ``BusinessCalendar`` is the offer's support hours: ISO weekdays, an opening and a closing time,
in Europe/Paris, without French public holidays (the ``holidays`` library; Alsace-Moselle adds
Good Friday and 26 December). Deadlines stated in hours are counted in those hours when the offer
has them, in elapsed (real) hours when it has none (``calendar=None``).

DST: business hours are wall-clock hours. Within one day the arithmetic is done on the local
wall clock (support never opens across 2:00–3:00, when the clocks change) and each day's result is
converted to an aware datetime on its own, so a deadline after a change of offset has the right
UTC offset. Elapsed hours are real hours: they are added in UTC.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from kernel.clock import PARIS

UTC = ZoneInfo("UTC")
ALSACE_MOSELLE_DEPARTMENTS = {"57": "57", "67": "6AE", "68": "6AE"}  # holidays' subdivisions
MAX_DAYS = 3660  # a calendar with no business day would loop forever: give up after 10 years


@lru_cache(maxsize=64)
def _public_holidays(year: int, subdiv: str | None) -> frozenset[date]:
    return frozenset(holidays.France(years=year, subdiv=subdiv).keys())


def subdivision_for(department_or_insee: str) -> str | None:
    """The ``holidays`` subdivision of a French department (or an INSEE commune code, whose
    first two characters are the department): Alsace-Moselle has its own two holidays."""
    return ALSACE_MOSELLE_DEPARTMENTS.get((department_or_insee or "")[:2])


@dataclass(frozen=True)
class BusinessCalendar:
    """Support hours: ``weekdays`` are ISO numbers (1 = Monday), ``opens``/``closes`` local
    Paris wall-clock times, ``subdiv`` a ``holidays.France`` subdivision (``"57"``, ``"6AE"``)
    or None for the national list."""

    weekdays: frozenset[int]
    opens: time
    closes: time
    subdiv: str | None = None
    tz: ZoneInfo = field(default=PARIS, compare=False)

    def __post_init__(self):
        if self.opens >= self.closes:
            raise ValueError("Support must close after it opens.")
        if not self.weekdays or not self.weekdays <= set(range(1, 8)):
            raise ValueError("Give ISO weekdays between 1 (Monday) and 7 (Sunday).")

    @classmethod
    def from_terms(
        cls, support_days: str, support_start, support_end, subdiv: str | None = None
    ) -> "BusinessCalendar | None":
        """The calendar of an offer's terms (``"12345"``, ``"09:00"``, ``"17:00"``, as stored
        in a contract's terms snapshot), or None when the offer has no business hours."""
        if not support_days or support_start is None or support_end is None:
            return None
        return cls(
            weekdays=frozenset(int(d) for d in support_days),
            opens=_as_time(support_start),
            closes=_as_time(support_end),
            subdiv=subdiv,
        )

    def is_business_day(self, day: date) -> bool:
        return day.isoweekday() in self.weekdays and day not in _public_holidays(
            day.year, self.subdiv
        )

    def window(self, day: date) -> tuple[datetime, datetime]:
        """The day's opening and closing, as naive local wall-clock datetimes."""
        return datetime.combine(day, self.opens), datetime.combine(day, self.closes)


def _as_time(value) -> time:
    return value if isinstance(value, time) else time.fromisoformat(value)


def _aware(local_naive: datetime, tz: ZoneInfo) -> datetime:
    return local_naive.replace(tzinfo=tz)


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("Business-hour arithmetic needs aware datetimes.")


def add_business_hours(start: datetime, hours, calendar: BusinessCalendar) -> datetime:
    """The moment ``hours`` business hours after ``start`` (aware, in Paris time).

    A start outside support hours starts the clock at the next opening (a Saturday report starts
    on Monday 9:00). A deadline that falls exactly at closing time is that closing time, not the
    next opening.
    """
    _require_aware(start)
    remaining = timedelta(hours=hours) if not isinstance(hours, timedelta) else hours
    if remaining < timedelta(0):
        raise ValueError("Hours cannot be negative.")
    local = start.astimezone(calendar.tz).replace(tzinfo=None)
    day = local.date()
    for _ in range(MAX_DAYS):
        if calendar.is_business_day(day):
            opens, closes = calendar.window(day)
            begin = max(local, opens)
            if begin < closes:
                available = closes - begin
                if remaining <= available:
                    return _aware(begin + remaining, calendar.tz)
                remaining -= available
        day += timedelta(days=1)
        local = datetime.combine(day, time.min)
    raise ValueError("This calendar has no business day.")


def business_time_between(a: datetime, b: datetime, calendar: BusinessCalendar) -> timedelta:
    """Business time from ``a`` to ``b`` (zero when ``b`` is not after ``a``)."""
    _require_aware(a)
    _require_aware(b)
    if b <= a:
        return timedelta(0)
    local_a = a.astimezone(calendar.tz).replace(tzinfo=None)
    local_b = b.astimezone(calendar.tz).replace(tzinfo=None)
    total = timedelta(0)
    day = local_a.date()
    while day <= local_b.date():
        if calendar.is_business_day(day):
            opens, closes = calendar.window(day)
            begin, end = max(opens, local_a), min(closes, local_b)
            if end > begin:
                total += end - begin
        day += timedelta(days=1)
    return total


def _utc(moment: datetime) -> datetime:
    _require_aware(moment)
    return moment.astimezone(UTC)


def add_elapsed_hours(start: datetime, hours) -> datetime:
    """Real hours (HOSTED-W's 4-hour restoration): added in UTC, shown in Paris time."""
    _require_aware(start)
    delta = timedelta(hours=hours) if not isinstance(hours, timedelta) else hours
    return (_utc(start) + delta).astimezone(PARIS)


def deadline(start: datetime, hours, calendar: BusinessCalendar | None) -> datetime:
    """SLA-2: ``hours`` after ``start``, in business hours when there is a calendar, else
    elapsed."""
    if calendar is None:
        return add_elapsed_hours(start, hours)
    return add_business_hours(start, hours, calendar)


def time_between(a: datetime, b: datetime, calendar: BusinessCalendar | None) -> timedelta:
    """Business time between two moments, or elapsed time without a calendar."""
    if calendar is None:
        # In UTC: Python subtracts two datetimes of the same zone on the wall clock.
        return max(_utc(b) - _utc(a), timedelta(0))
    return business_time_between(a, b, calendar)


def business_days_before(
    day: date, count: int, calendar_subdiv: str | None = None, *, saturdays: bool = False
) -> date:
    """The ``count``-th business day (Monday–Friday, not a French public holiday) before
    ``day``; with ``saturdays``, the ``count``-th "jour ouvrable" (Monday–Saturday, not a public
    holiday: SLA-5, a planned maintenance starting on ``day`` must be announced on that day or
    earlier, PLATFORM 13.5)."""
    last_weekday = 6 if saturdays else 5
    current, found = day, 0
    for _ in range(MAX_DAYS):
        current -= timedelta(days=1)
        if current.isoweekday() <= last_weekday and current not in _public_holidays(
            current.year, calendar_subdiv
        ):
            found += 1
            if found == count:
                return current
    raise ValueError("No business day found.")
