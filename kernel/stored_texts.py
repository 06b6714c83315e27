"""Texts a worker stored, read in the reader's language (SPEC §9: the partner API answers in the
``Accept-Language`` asked, the back office reads French).

A worker (a CDR import, a webhook delivery) stores its message as a sentence, in whatever
language was active where it ran: French in a Celery worker, English when a partner's request
in English triggered it. ``in_language`` recognises a stored sentence as one of a few known
messages (their msgid), in any of the portal's languages, takes back the values put in it (a
line, a host name) and writes the same message in the active language, with the same values.
A text that is no known message (a Python error text, a message cut at its column's length)
is given as stored. Rows stored before this reading change therefore read right too."""

import functools
import re
import string

from django.conf import settings
from django.db import models
from django.db.models import BooleanField, Case, F, Func, TextField, Value, When
from django.utils import translation
from django.utils.translation import gettext

# %(name)s, %(byte)02x…: a placeholder of a message, its format spec aside
_PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifxXr]|%%")


def _pattern(text: str) -> re.Pattern:
    """The regular expression a message's text in one language matches, its values captured."""
    parts, end, seen = [], 0, set()
    for match in _PLACEHOLDER.finditer(text):
        parts.append(re.escape(text[end : match.start()]))
        name = match.group(1)
        if name is None:
            parts.append("%")
        elif name in seen:
            parts.append(f"(?P={name})")
        else:
            seen.add(name)
            parts.append(f"(?P<{name}>.*?)")
        end = match.end()
    parts.append(re.escape(text[end:]))
    return re.compile("".join(parts), re.DOTALL)


def _fill(text: str, values: dict[str, str]) -> str:
    """A message's text with the values as they were written (their format already applied)."""
    return _PLACEHOLDER.sub(
        lambda m: "%" if m.group(1) is None else values.get(m.group(1), m.group(0)), text
    )


@functools.cache
def _translated(msgid: str, language: str) -> str:
    with translation.override(language):
        return gettext(msgid)


@functools.cache
def _compiled(msgid: str, language: str) -> re.Pattern:
    return _pattern(_translated(msgid, language))


def in_language(stored: str, msgids) -> str:
    """``stored`` in the active language when it is one of ``msgids`` (English sources, with
    ``%(name)…`` placeholders) written in any of the portal's languages; else as stored."""
    if not stored:
        return stored
    language = translation.get_language() or settings.LANGUAGE_CODE
    for msgid in msgids:
        for source, _name in settings.LANGUAGES:
            match = _compiled(msgid, source).fullmatch(stored)
            if match:
                return _fill(_translated(msgid, language), match.groupdict())
    return stored


def _sql_pattern(text: str) -> tuple[str, str]:
    """A message's text in one language as a PostgreSQL regular expression (anchored, each
    value a group) and its values' order (their names, for a replacement)."""
    parts, end, names = ["^"], 0, []
    for match in _PLACEHOLDER.finditer(text):
        parts.append(_sql_literal(text[end : match.start()]))
        if match.group(1) is None:
            parts.append(_sql_literal("%"))
        else:
            names.append(match.group(1))
            parts.append("(.*)")
        end = match.end()
    parts.append(_sql_literal(text[end:]) + "$")
    return "".join(parts), " ".join(names)


def _sql_literal(text: str) -> str:
    return "".join(f"\\{c}" if c in string.punctuation else c for c in text)


def _sql_replacement(text: str, names: list[str]) -> str:
    """A message's text in the target language with ``\\n`` where value n (of ``names``) goes."""

    def value(match):
        if match.group(1) is None:
            return "%"
        return f"\\{names.index(match.group(1)) + 1}"

    return _PLACEHOLDER.sub(value, text.replace("\\", "\\\\"))


def in_language_sql(ctx, column: str, msgids) -> models.Expression:
    """``in_language`` in SQL (``kernel.sql_lists``) for the text at the ORM path ``column``:
    the view's ``english`` parameter tells the request's language (French otherwise)."""
    return Case(
        When(ctx.param("english", BooleanField()), then=_sql_in(column, msgids, "en")),
        default=_sql_in(column, msgids, "fr"),
        output_field=TextField(),
    )


def _sql_in(column: str, msgids, language: str) -> models.Expression:
    """The text at ``column`` written in ``language``: a stored message in another language is
    rewritten by ``regexp_replace``, its values kept; anything else as stored."""
    whens = []
    for msgid in msgids:
        target = _translated(msgid, language)
        for source, _name in settings.LANGUAGES:
            text = _translated(msgid, source)
            if text == target:
                continue
            pattern, names = _sql_pattern(text)
            replacement = _sql_replacement(target, names.split())
            whens.append(
                When(
                    **{f"{column}__regex": pattern},
                    then=Func(
                        F(column),
                        Value(pattern),
                        Value(replacement),
                        function="REGEXP_REPLACE",
                        output_field=TextField(),
                    ),
                )
            )
    return Case(*whens, default=F(column), output_field=TextField())
