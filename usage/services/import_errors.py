"""Why a CDR import failed as a whole (``ImportBatch.error``): stored in French (the back
office's language) by the worker, read in the reader's language (ACC-3: the partner API answers
in the ``Accept-Language`` asked). Rows a worker stored in English before (a worker's active
language was the one stored) read right too: ``kernel.stored_texts`` knows both."""

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kernel.stored_texts import in_language

HEADER = gettext_noop("The first line must be the header: %(cols)s")
NOT_UTF8 = gettext_noop(
    "The file is not in UTF-8: line %(line)s holds a byte that is not (0x%(byte)02x, "
    "an export in Windows-1252 or UTF-16?). Save it as CSV UTF-8 and send it again."
)
NOT_CSV = gettext_noop("The file is not readable CSV: %(error)s")
ERRORS = (HEADER, NOT_UTF8, NOT_CSV)


def stored(msgid: str, **values) -> str:
    """The text an import's failure is stored as: in French, whatever the worker's language."""
    with translation.override("fr"):
        return _(msgid) % values


def error_in_language(error: str) -> str:
    """A failed import's stored ``error`` in the active language (as stored if unknown)."""
    return in_language(error, ERRORS)
