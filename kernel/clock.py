"""The calendar of the business: every contract date, due date and reminder is a Paris date."""

from datetime import date

from django.utils import timezone


def paris_today() -> date:
    """Today in Europe/Paris (TIME_ZONE)."""
    return timezone.localdate()
