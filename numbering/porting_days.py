"""NUM-3: the days numbers are ported on — French business days, Monday to Friday, not a public
holiday of the ``holidays`` library's national list (1 January, Easter Monday, 1 and 8 May,
Ascension, Pentecost Monday, 14 July, 15 August, 1 and 11 November, 25 December).

*Our choice* (the contracts are silent; the operators' portability processes run on « jours
ouvrés »): a desired date (the customer's) or a porting date typed by staff that is not one is
refused, naming the reason and the next porting day. The upstream's status file is taken as it
is (its date is a fact). Alsace-Moselle's two local holidays (Good Friday, 26 December) are
porting days: the operators' processes are national."""

from datetime import date, timedelta
from functools import lru_cache

import holidays
from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext as _

MAX_DAYS = 30  # the longest run of days without a porting day is 4 (a bridge)


@lru_cache(maxsize=32)
def _holidays(year: int, language: str) -> dict[date, str]:
    return dict(holidays.France(years=year, language=language).items())


def _holiday(day: date) -> str:
    """The public holiday's name in the language of the page, or ""."""
    language = "fr" if (get_language() or "fr").startswith("fr") else "en_US"
    return _holidays(day.year, language).get(day, "")


def is_porting_day(day: date) -> bool:
    return day.isoweekday() <= 5 and not _holiday(day)


def next_porting_day(day: date) -> date:
    """The first porting day on or after ``day``: Friday 25 December 2026 → Monday 28."""
    for offset in range(MAX_DAYS):
        if is_porting_day(day + timedelta(days=offset)):
            return day + timedelta(days=offset)
    raise ValueError("No porting day found.")


def porting_day_error(day: date) -> str:
    """Why ``day`` is no porting day, with the next one; "" when it is one."""
    if is_porting_day(day):
        return ""
    values = {
        "date": _dmy(day),
        "next": _dmy(next_porting_day(day)),
        "holiday": _holiday(day),
        "weekday": formats.date_format(day, "l"),
    }
    if values["holiday"]:
        return (
            _(
                "%(date)s is a public holiday (%(holiday)s): numbers are ported on business days "
                "(Monday to Friday, public holidays excluded). The next one is %(next)s."
            )
            % values
        )
    return (
        _(
            "%(date)s is a %(weekday)s: numbers are ported on business days (Monday to Friday, "
            "public holidays excluded). The next one is %(next)s."
        )
        % values
    )


def _dmy(day: date) -> str:
    return day.strftime("%d/%m/%Y")
