"""The reader's language for data staff type (SPEC §9: the portal is French by default, English
available): a catalogue row keeps its French name, which invoices print (BIL-3: a legal document
in French), and an English name read on English pages and by API requests in English
(``Accept-Language: en``); without one, the English reader reads the French name."""

from django.conf import settings
from django.db import models
from django.db.models import BooleanField, Case, F, Q, TextField, When
from django.utils import translation
from django.utils.translation import gettext_lazy as _

ENGLISH = "en"


def reads_english() -> bool:
    """Whether the active language (the page's, the API request's) is English."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    return language.split("-")[0] == ENGLISH


def english_name_field(help_text=None) -> models.CharField:
    """The English name beside a row's French ``name`` (empty: none entered); ``help_text``:
    another fallback than the French name."""
    return models.CharField(
        _("name in English"),
        max_length=120,
        blank=True,
        help_text=help_text
        or _("Shown on English pages and in the API in English; empty: the French name."),
    )


class NamedInEnglish:
    """A row with a French ``name`` and an ``english_name_field()`` named ``name_en``.

    ``str()`` stays the French name (the back office, invoice lines); ``display_name`` is the
    name the reader reads."""

    def __str__(self):
        return self.name

    @property
    def display_name(self) -> str:
        return self.name_en if self.name_en and reads_english() else self.name


def english_description_field() -> models.TextField:
    """The English description beside a row's French ``description`` (empty: none entered)."""
    return models.TextField(
        _("description in English"),
        blank=True,
        help_text=_("Shown in the API in English; empty: the French description."),
    )


class DescribedInEnglish:
    """A row with a French ``description`` and an ``english_description_field()`` named
    ``description_en``: ``display_description`` is the one the reader reads."""

    @property
    def display_description(self) -> str:
        return self.description_en if self.description_en and reads_english() else self.description


def display_name_sql(ctx, prefix: str, field: str = "name") -> models.Expression:
    """``display_name`` in SQL (``kernel.sql_lists``), for the row at the ORM path ``prefix``:
    the view's ``english`` parameter tells the request's language. ``field``: another French
    text with its English twin ``<field>_en`` (an offer's ``description``)."""
    english = ctx.param("english", BooleanField())
    return Case(
        When(Q(**{f"{prefix}{field}_en": ""}), then=F(f"{prefix}{field}")),
        When(english, then=F(f"{prefix}{field}_en")),
        default=F(f"{prefix}{field}"),
        output_field=TextField(),
    )
