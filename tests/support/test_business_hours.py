"""SLA-2: the support clock (pure, no database)."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from support.business_hours import (
    BusinessCalendar,
    add_business_hours,
    add_elapsed_hours,
    business_days_before,
    business_time_between,
    deadline,
    subdivision_for,
    time_between,
)

PARIS = ZoneInfo("Europe/Paris")
UTC = ZoneInfo("UTC")
# The presets' support hours (offers/catalogue/presets.json).
PLATFORM = BusinessCalendar.from_terms("12345", "09:00", "17:00")
HOSTED_A = BusinessCalendar.from_terms("12345", "09:00", "18:00")


def paris(*args):
    return datetime(*args, tzinfo=PARIS)


def wall(moment):
    """The Paris wall clock of an aware moment."""
    local = moment.astimezone(PARIS)
    return local.date(), local.time()


# SLA-2 — a PLATFORM incident reported on Thursday 24 December 2026 at 16:00: 1 h on Thursday,
# Friday 25 is Christmas, the weekend, then 3 h on Monday → Monday 28 December 12:00.
def test_christmas_incident_deadline_is_monday_noon():
    assert add_business_hours(paris(2026, 12, 24, 16), 4, PLATFORM) == paris(2026, 12, 28, 12)


# SLA-2 — a report on Saturday starts the clock on Monday 9:00.
def test_saturday_report_starts_on_monday_morning():
    assert add_business_hours(paris(2026, 11, 14, 10, 30), 4, PLATFORM) == paris(2026, 11, 16, 13)
    assert add_business_hours(paris(2026, 11, 14, 10, 30), 0, PLATFORM) == paris(2026, 11, 16, 9)


# SLA-2 — before opening, the clock starts at opening; after closing, the next business day.
def test_outside_hours_on_a_weekday():
    assert add_business_hours(paris(2026, 11, 17, 7, 0), 2, PLATFORM) == paris(2026, 11, 17, 11)
    assert add_business_hours(paris(2026, 11, 17, 19, 0), 2, PLATFORM) == paris(2026, 11, 18, 11)


# SLA-2 — a deadline falling exactly at closing time is that closing time.
def test_deadline_at_closing_time():
    assert add_business_hours(paris(2026, 11, 17, 13), 4, PLATFORM) == paris(2026, 11, 17, 17)


# SLA-2 — spring DST week: reported Friday 27 March 2026 15:00 (UTC+1), 4 business hours → 2 h on
# Friday, clocks change on Sunday 29, 2 h on Monday → Monday 30 March 11:00 wall clock (UTC+2).
def test_spring_dst_week():
    result = add_business_hours(paris(2026, 3, 27, 15), 4, PLATFORM)
    assert wall(result) == (date(2026, 3, 30), time(11))
    assert result.utcoffset() == timedelta(hours=2)
    assert result.astimezone(UTC) == datetime(2026, 3, 30, 9, tzinfo=UTC)
    assert paris(2026, 3, 27, 15).utcoffset() == timedelta(hours=1)
    # Business time measured back across the change is still 4 hours.
    assert business_time_between(paris(2026, 3, 27, 15), result, PLATFORM) == timedelta(hours=4)


# SLA-2 — autumn DST week: reported Friday 23 October 2026 15:00 (UTC+2), clocks back on Sunday
# 25 → Monday 26 October 11:00 wall clock (UTC+1, 10:00 UTC).
def test_autumn_dst_week():
    result = add_business_hours(paris(2026, 10, 23, 15), 4, PLATFORM)
    assert result.astimezone(UTC) == datetime(2026, 10, 26, 10, tzinfo=UTC)
    assert result.utcoffset() == timedelta(hours=1)
    assert wall(result) == (date(2026, 10, 26), time(11))


# SLA-2 — HOSTED-A counts its 8-hour restoration in 9:00–18:00 business hours.
def test_hosted_a_hours():
    # Tuesday 17:00 → 1 h Tuesday, 7 h Wednesday → Wednesday 16:00.
    assert add_business_hours(paris(2026, 11, 17, 17), 8, HOSTED_A) == paris(2026, 11, 18, 16)
    # Tuesday 10 November 17:00 → Wednesday 11 is Armistice Day → Thursday 12 16:00.
    assert add_business_hours(paris(2026, 11, 10, 17), 8, HOSTED_A) == paris(2026, 11, 12, 16)


# SLA-2 — HOSTED-W has no business hours: its 4-hour restoration is elapsed time, real hours
# even across the spring change (Saturday 28 March 23:00 + 4 h = Sunday 04:00 wall clock).
def test_hosted_w_elapsed_hours():
    assert BusinessCalendar.from_terms("", None, None) is None
    start = paris(2026, 3, 28, 23)
    result = deadline(start, 4, None)
    assert result == add_elapsed_hours(start, 4)
    assert wall(result) == (date(2026, 3, 29), time(4))
    assert result.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=4)
    assert time_between(start, result, None) == timedelta(hours=4)


# SLA-2 — Alsace-Moselle sites add Good Friday and 26 December.
def test_alsace_moselle_holidays():
    assert subdivision_for("67482") == "6AE" and subdivision_for("57463") == "57"
    assert subdivision_for("75101") is None
    alsace = BusinessCalendar.from_terms("12345", "09:00", "17:00", subdiv="6AE")
    thursday = paris(2026, 4, 2, 16)  # Good Friday 3 April, Easter Monday 6 April
    assert add_business_hours(thursday, 4, PLATFORM) == paris(2026, 4, 3, 12)
    assert add_business_hours(thursday, 4, alsace) == paris(2026, 4, 7, 12)
    # 26 December 2025 is a Friday: a working day in Paris, a holiday in Strasbourg.
    assert add_business_hours(paris(2025, 12, 24, 16), 4, PLATFORM) == paris(2025, 12, 26, 12)
    assert add_business_hours(paris(2025, 12, 24, 16), 4, alsace) == paris(2025, 12, 29, 12)


# SLA-2 — business time between two moments skips nights, weekends and holidays.
def test_business_time_between():
    assert business_time_between(
        paris(2026, 12, 24, 16), paris(2026, 12, 28, 12), PLATFORM
    ) == timedelta(hours=4)
    assert business_time_between(
        paris(2026, 11, 13, 18), paris(2026, 11, 16, 8), PLATFORM
    ) == timedelta(0)
    assert business_time_between(
        paris(2026, 11, 16, 12), paris(2026, 11, 16, 10), PLATFORM
    ) == timedelta(0)


def test_calendar_validation():
    with pytest.raises(ValueError):
        BusinessCalendar(weekdays=frozenset({1}), opens=time(18), closes=time(9))
    with pytest.raises(ValueError):
        add_business_hours(datetime(2026, 1, 5, 9), 1, PLATFORM)  # noqa: DTZ001 - naive


# SLA-5 — 7 business days before Monday 16 November 2026, with Armistice Day on Wednesday 11:
# 13, 12, 10, 9, 6, 5, 4 → announce by Wednesday 4 November.
def test_business_days_before():
    assert business_days_before(date(2026, 11, 16), 7) == date(2026, 11, 4)
    assert business_days_before(date(2026, 11, 30), 7) == date(2026, 11, 19)
    # SLA-5's "jours ouvrables" (Monday to Saturday): Sat 14, Fri 13, Thu 12, Tue 10, Mon 9,
    # Sat 7, Fri 6; before Monday 30: Sat 28 … Mon 23, Sat 21.
    assert business_days_before(date(2026, 11, 16), 7, saturdays=True) == date(2026, 11, 6)
    assert business_days_before(date(2026, 11, 30), 7, saturdays=True) == date(2026, 11, 21)
