"""French dates write the first day of a month as an ordinal: "1er avril 2026", "le 1er mars",
never "1 avril" (issue 17, item 10).

Django's date formats cannot say it: French DATE_FORMAT is "j F Y" for every day. Every long date
of the portal (templates' ``|date:"DATE_FORMAT"``, ``|date:"j F Y"``, ``date_format()`` in views,
services and e-mails) goes through ``django.utils.dateformat.format``, which builds a
``DateFormat``: ``install()`` swaps in the subclass below, which, in French and on the 1st only,
turns a day written before a month name ("j F", "j E", "j M", "j N", "j b") into "j" + "er".
Numeric dates ("d/m/Y") and a day alone ("j", e.g. a chart's axis) are left as they are.
"""

import re

from django.utils import dateformat, translation

# "j" (day without leading zero) followed by spaces and a month-name format character, unless
# escaped with a backslash.
_DAY_BEFORE_MONTH = re.compile(r"(?<!\\)j(?=\s+[FEMNb])")


def first_of_month_ordinal(formatstr, day, language):
    """The format string to use: "j F Y" becomes "j\\e\\r F Y" on the 1st in French."""
    if day != 1 or not (language or "").startswith("fr"):
        return formatstr
    return _DAY_BEFORE_MONTH.sub(r"j\\e\\r", str(formatstr))


class FrenchDateFormat(dateformat.DateFormat):
    def format(self, formatstr):
        day = getattr(self.data, "day", None)
        return super().format(first_of_month_ordinal(formatstr, day, translation.get_language()))


def install():
    """Idempotent: called from PortalConfig.ready()."""
    if not issubclass(dateformat.DateFormat, FrenchDateFormat):
        dateformat.DateFormat = FrenchDateFormat
