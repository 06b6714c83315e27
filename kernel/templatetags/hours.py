"""``{{ hour|hour_slot }}``: a UTC hour of traffic (USE-5, USE-6) as people read it, in Paris
time — "3 novembre 2026, 14h–15h" — on the customer's consumption page and in the back office
("hours as UTC hours, shown in Paris time"; the penalty's invoice line names it the same way)."""

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kernel.clock import PARIS

register = template.Library()


def paris_hours(hour) -> tuple:
    """(start in Paris time, "14h–15h") of a UTC hour; the night the clocks go back, the hour
    from 02h to 03h runs twice: each says which ("02h–03h, heure d'été", then "…, heure
    d'hiver"), else two invoice lines of that night read the same."""
    start = timezone.localtime(hour, PARIS)
    # "22:00–23:00" in English, "22h–23h" in French
    text = _("%(start)s:00–%(end)s:00") % {
        "start": f"{start.hour:02d}",
        "end": f"{(start.hour + 1) % 24:02d}",
    }
    if start.replace(fold=1 - start.fold).utcoffset() != start.utcoffset():
        text += ", " + (_("summer time") if start.dst() else _("winter time"))
    return start, text


@register.filter
def hour_slot(hour) -> str:
    if hour is None:
        return ""
    start, hours = paris_hours(hour)
    return f"{date_format(start, 'j F Y')}, {hours}"
