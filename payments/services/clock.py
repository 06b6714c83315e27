"""The business day of payments: dates are Paris dates (due dates, reminders, receipts)."""

from datetime import date

from django.utils import timezone


def paris_today() -> date:
    return timezone.localdate()
