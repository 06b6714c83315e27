"""The calendar every contract date lives in."""

from datetime import date

from django.utils import timezone


def paris_today() -> date:
    """Today in Europe/Paris (TIME_ZONE): the calendar every contract date lives in."""
    return timezone.localdate()
