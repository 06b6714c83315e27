"""Every page of the portal that the demo's customers reach (a direct customer, and a partner's
customer with a rental and an RMA), and every list and row page of the back office, in French and
in English: each answers 200, and none shows a message of our catalogue in the other language —
an English msgid on a French page (its translation missing, or the text never marked), a French
translation on an English page (a message translated once, in the wrong language). Each customer
page also reads well for a screen reader (tests/a11y_html.py): its <html lang>, a label for each
field, table headers with a scope, tables with a caption, headings in order.

Pages are found as a person finds them: from the home page, following the links (one address
per URL pattern: /invoices/5/ stands for every invoice). The back office's lists come from its
registry, with the page of each one's first row. Rendered by Django's test client (no browser):
well under a minute."""

import html
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.models import User
from tests.a11y_html import problems as reading_problems
from tests.e2e.conftest import _demo

CUSTOMERS = ["admin@martin-avocats.example", "admin@clinique-alpes.example"]
# Not pages: signing out, files, the API, the staff's sites (walked as staff below).
SKIP = re.compile(
    r"^/(accounts/logout|api/|static/|media/|jsi18n/|i18n/|backoffice/|console/)"
    r"|/pdf/$|/download/|/label\.pdf$|\.(csv|pdf|png|jpe?g|zip)$"
)
EXPECTED = [
    "/usage/", "/usage/tariffs/", "/contracts/N/", "/invoices/N/", "/numbers/ports/new/",
    "/support/N/", "/equipment/N/end-rental/", "/equipment/rma/N/", "/telephony/trunks/N/",
    "/payments/disputes/N/",
]  # fmt: skip
HREF = re.compile(r'<a\b[^>]*?\bhref="([^"#]+)"', re.I)
INVISIBLE = re.compile(r"<(script|style|svg|template)\b.*?</\1>|<!--.*?-->", re.I | re.S)
SHORTEST = 14  # a message this long and with a space is a sentence, not a word shared by both
# French on an English page: longer than the customers' own words quoted in French (« Frais de
# mise en service », the reason of their dispute) and the names of the catalogue.
SHORTEST_FRENCH = 30


def _po_entries() -> list[tuple[list[str], str, str]]:
    """(source files, English, French) of each translated message of our catalogue (the .po:
    it says where a message comes from), where the two differ; plural forms count as two."""
    po = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.po"
    entries, sources, fields, current = [], [], {}, None

    def close():
        pairs = [
            (fields.get("msgid"), fields.get("msgstr") or fields.get("msgstr[0]")),
            (fields.get("msgid_plural"), fields.get("msgstr[1]")),
        ]
        for en, fr in pairs:
            if en and fr and en != fr:
                entries.append((list(sources), en, fr))

    for line in po.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if fields:
                close()
            sources, fields, current = [], {}, None
        elif line.startswith("#:"):
            sources += [ref.rsplit(":", 1)[0] for ref in line[2:].split()]
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            fields[current] += _unquote(line)
        else:
            current, _, rest = line.partition(" ")
            fields[current] = _unquote(rest)
    return entries


def _unquote(text: str) -> str:
    return text.strip()[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")


def _chunks(message: str, shortest: int = SHORTEST) -> set[str]:
    parts = re.split(r"%\(\w+\)[sdfi]|%[sdfi]|\{\w*\}|<[^>]+>|\n", message)
    chunks = {_spaces(p).replace("%%", "%").strip(" .:;,!?()«»\"'") for p in parts}
    return {c for c in chunks if len(c) >= shortest and " " in c}


def _spaces(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " "))


ENTRIES = _po_entries()
ENGLISH_ALL = set().union(*(_chunks(en) for _, en, _ in ENTRIES))
FRENCH_ALL = set().union(*(_chunks(fr) for _, _, fr in ENTRIES))
# On a French page: any English sentence of the catalogue. On an English page: the French of
# the pages' own words (templates) only — what the data says (a product's name, an invoice
# line's label, a ledger line) is written once, in French, by design (BIL-10, CON-1).
ENGLISH = sorted(ENGLISH_ALL - FRENCH_ALL)
FRENCH = sorted(
    set().union(
        *(_chunks(fr, SHORTEST_FRENCH) for sources, _, fr in ENTRIES
          if any(source.startswith("templates/") for source in sources))
    ) - ENGLISH_ALL
)  # fmt: skip


def visible_text(page: str) -> str:
    text = re.sub(r"<[^>]+>", " ", INVISIBLE.sub(" ", page))
    return _spaces(html.unescape(text))


def wrong_language(page: str, language: str) -> list[str]:
    text = visible_text(page)
    foreign = ENGLISH if language == "fr" else FRENCH
    return [message for message in foreign if message in text]


def _pattern(path: str) -> str:
    return re.sub(r"\d+", "N", path)


def _walk(client, start="/"):
    """Every page linked from the home page, transitively, one per URL pattern."""
    queue, seen, patterns = [start], set(), set()
    while queue:
        address = queue.pop(0)
        path = urlsplit(address).path
        key = _pattern(path) + ("?" if "?" in address else "")
        if address in seen or key in patterns or SKIP.search(path):
            continue
        seen.add(address)
        patterns.add(key)
        response = client.get(address, follow=True)  # a page may ask to sign in again
        yield address, response
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            for href in HREF.findall(response.content.decode()):
                href = html.unescape(href)
                if href.startswith("/") and not href.startswith("//"):
                    queue.append(href)


def _check(addresses, language, problems):
    for address, response in addresses:
        if response.status_code != 200:
            problems.append(f"{language} {address}: {response.status_code}")
        elif "html" in response.get("Content-Type", ""):
            for message in wrong_language(response.content.decode(), language):
                problems.append(f"{language} {address}: {message!r}")


def _check_reading(addresses, language, problems):
    """What a screen reader needs (tests/a11y_html.py): the page's language, labels, table
    headers with a scope and captions, references that exist, headings in order."""
    for address, response in addresses:
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            for problem in reading_problems(response.content.decode(), language):
                problems.append(f"{language} {address}: {problem}")


def _back_office_pages():
    """Each model's list, and the page of its first row when it has one."""
    pages = []
    for model in admin.site._registry:
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages.append(reverse(f"{name}_changelist"))
        first = model._default_manager.order_by("pk").first()
        # A group's page lists the permissions by the names Django stored in English when it
        # migrated (« Can view audit log entry »): Django's, not our catalogue's.
        if first is not None and model is not Group:
            pages.append(reverse(f"{name}_change", args=[first.pk]))
    return sorted(pages)


@pytest.fixture
def demo(transactional_db):
    _demo.load()


def test_every_page_answers_in_its_language(client, demo):
    problems, walked = [], set()
    for email in CUSTOMERS:
        client.force_login(User.objects.get(email=email))
        for language in ("fr", "en"):
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
            pages = list(_walk(client))
            walked.update(address for address, _ in pages)
            _check(pages, language, problems)
            _check_reading(pages, language, problems)
    # The walk reaches every part of the portal, the detail pages included.
    reached = {_pattern(urlsplit(address).path) for address in walked}
    for expected in EXPECTED:
        assert expected in reached, expected

    staff = User.objects.get(email="staff@azur-telecom.example")  # the demo's, second factor on
    client.force_login(staff)
    lists = _back_office_pages()
    assert len(lists) > 100
    for language in ("fr", "en"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        _check([(url, client.get(url)) for url in lists], language, problems)
    assert problems == [], "\n".join(problems)


def test_the_check_sees_a_message_in_the_other_language():
    # The whole message (a sentence of the rental's end page), in the visible text only.
    english = (
        "Return the equipment in working order, with its accessories, by the first business "
        "day after the end: we give you a printable return label."
    )
    french = (
        "Restituez l'équipement en bon état de fonctionnement, avec ses accessoires, au plus "
        "tard le premier jour ouvré après la fin\u00a0: nous vous fournissons une étiquette de "
        "retour à imprimer."
    )
    page = "<main><p>{}</p><script>var x = '{}';</script></main>"
    assert wrong_language(page.format(english, french), "fr") != []
    assert wrong_language(page.format(french, english), "en") != []
    assert wrong_language(page.format(french, english), "fr") == []
    assert wrong_language(page.format(english, french), "en") == []
