"""What a screen reader needs from a page's HTML, read without a browser (no axe-core): the
language of the page, a label for every form control, every ``aria-describedby`` /
``aria-labelledby`` / ``<label for>`` pointing at an element that exists, table headers with
a scope, tables with a caption, headings that do not skip a level, links that go somewhere.

``problems(html, language)`` lists what is wrong with a page as readable lines; the walks over
every portal page are in tests/test_page_accessibility.py."""

import re
from html.parser import HTMLParser

UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}
CONTROLS = {"input", "select", "textarea"}


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.html_lang = None
        self.ids = set()
        self.label_for = set()
        self.references = []  # (attribute, id)
        self.controls = []  # (tag, attrs, inside a <label>)
        self.headers = []  # (attrs, inside <thead>)
        self.tables = []  # [caption text or None]
        self.headings = []  # (level, text)
        self.links = []  # attrs of each <a>
        self._label_depth = 0
        self._thead = False
        self._caption = None
        self._heading = None
        self._skip = 0  # inside <svg>/<template>: not the page's structure

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("svg", "template"):
            self._skip += 1
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if self._skip:
            return
        if tag == "html":
            self.html_lang = attrs.get("lang")
        for name in ("aria-describedby", "aria-labelledby"):
            for ref in (attrs.get(name) or "").split():
                self.references.append((name, ref))
        if tag == "label":
            self._label_depth += 1
            if attrs.get("for"):
                self.label_for.add(attrs["for"])
                self.references.append(("label for", attrs["for"]))
        elif tag in CONTROLS:
            self.controls.append((tag, attrs, self._label_depth > 0))
        elif tag == "thead":
            self._thead = True
        elif tag == "th":
            self.headers.append((attrs, self._thead))
        elif tag == "table":
            self.tables.append(None)
        elif tag == "caption":
            self._caption = ""
        elif re.fullmatch(r"h[1-6]", tag):
            self._heading = (int(tag[1]), "")
        elif tag == "a":
            self.links.append(attrs)

    def handle_endtag(self, tag):
        if tag in ("svg", "template"):
            self._skip = max(0, self._skip - 1)
        if self._skip:
            return
        if tag == "label":
            self._label_depth = max(0, self._label_depth - 1)
        elif tag == "thead":
            self._thead = False
        elif tag == "caption" and self._caption is not None and self.tables:
            self.tables[-1] = self._caption.strip()
            self._caption = None
        elif re.fullmatch(r"h[1-6]", tag) and self._heading is not None:
            self.headings.append((self._heading[0], self._heading[1].strip()))
            self._heading = None

    def handle_data(self, data):
        if self._caption is not None:
            self._caption += data
        if self._heading is not None:
            self._heading = (self._heading[0], self._heading[1] + data)


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


def _name(tag, attrs):
    return f"<{tag} name={attrs.get('name')!r} id={attrs.get('id')!r}>"


def problems(html: str, language: str) -> list[str]:
    page = parse(html)
    found = []
    if page.html_lang != language:
        found.append(f'<html lang="{page.html_lang}">, the page is in {language!r}')
    for attribute, ref in page.references:
        if ref not in page.ids:
            found.append(f'{attribute}="{ref}" points at no element')
    for tag, attrs, in_label in page.controls:
        if tag == "input" and attrs.get("type", "text") in UNLABELLED_TYPES:
            continue
        labelled = (
            in_label
            or attrs.get("id") in page.label_for
            or attrs.get("aria-label", "").strip()
            or attrs.get("aria-labelledby", "").strip()
        )
        if not labelled:
            found.append(f"{_name(tag, attrs)} has no label")
    for attrs, in_head in page.headers:
        if attrs.get("scope") not in ("col", "row", "colgroup", "rowgroup"):
            where = "column" if in_head else "row"
            found.append(f"a {where} header <th> without scope")
    for caption in page.tables:
        if not caption:
            found.append("a <table> without a <caption>")
    levels = [level for level, _ in page.headings]
    if levels.count(1) != 1:
        found.append(f"{levels.count(1)} <h1> (one names the page)")
    for (before, _), (level, text) in zip(page.headings, page.headings[1:], strict=False):
        if level > before + 1:
            found.append(f"<h{level}> {text!r} right after an <h{before}>")
    for attrs in page.links:
        href = attrs.get("href")
        if href is None or href == "#" or href.startswith("javascript:"):
            found.append(f"a link that goes nowhere (href={href!r}): a <button> acts on the page")
    return found
