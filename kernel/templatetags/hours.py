"""``{{ hour|hour_slot }}``: a UTC hour of traffic (USE-5, USE-6) as people read it, in Paris
time — "3 novembre 2026, 14h–15h" — on the customer's consumption page and in the back office
("hours as UTC hours, shown in Paris time"; the penalty's invoice line names it the same way)."""

from zoneinfo import ZoneInfo

from django import template
from django.utils import timezone
from django.utils.formats import date_format

register = template.Library()

PARIS = ZoneInfo("Europe/Paris")


@register.filter
def hour_slot(hour) -> str:
    if hour is None:
        return ""
    start = timezone.localtime(hour, PARIS)
    return f"{date_format(start, 'j F Y')}, {start.hour:02d}h–{(start.hour + 1) % 24:02d}h"
