"""The calendar of the business: every contract date, due date and reminder is a Paris date."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.utils import timezone

PARIS = ZoneInfo("Europe/Paris")


def paris_today() -> date:
    """Today in Europe/Paris (TIME_ZONE)."""
    return timezone.localdate()


def paris_midnight(day: date) -> datetime:
    """The instant a Paris day starts (aware)."""
    return datetime.combine(day, time.min, tzinfo=PARIS)
