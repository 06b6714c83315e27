"""What a screen reader needs from the portal's pages, checked without a browser and without
axe-core (tests/a11y_html.py; every customer page is read so in tests/test_every_page.py).

Forms sent back with errors: Django's widgets point aria-describedby at ``id_<field>_error``
(and mark the field aria-invalid), but the pages gave the error no such id — a screen reader
said « invalide » on the field, never the message (« Ce champ est obligatoire. »)."""

import re

import pytest
from django.urls import reverse

from accounts.choices import Role
from tests.a11y_html import parse, problems


def test_the_check_sees_what_a_screen_reader_misses():
    page = (
        '<html lang="fr"><body><h1>A</h1><h3>B</h3><input name="q" aria-describedby="x">'
        '<table><thead><tr><th>C</th></tr></thead></table><a href="#">D</a></body></html>'
    )
    assert problems(page, "en") == [
        "<html lang=\"fr\">, the page is in 'en'",
        'aria-describedby="x" points at no element',
        "<input name='q' id=None> has no label",
        "a column header <th> without scope",
        "a <table> without a <caption>",
        "<h3> 'B' right after an <h1>",
        "a link that goes nowhere (href='#'): a <button> acts on the page",
    ]
    fine = (
        '<html lang="en"><body><h1>A</h1><h2>B</h2><label>Q <input name="q"></label>'
        '<label for="r">R</label><select id="r" aria-describedby="h"></select><p id="h">.</p>'
        '<table><caption>T</caption><tr><th scope="row">C</th></tr></table></body></html>'
    )
    assert problems(fine, "en") == []


# Each form sent empty or wrong: every field marked invalid names its error through
# aria-describedby, and the error is there, with its text (before: the reference pointed at
# nothing; the error was a <small> without an id).
@pytest.mark.parametrize(
    ("url_name", "data"),
    [
        ("support:ticket_create", {"kind": "", "subject": "", "body": ""}),
        ("accounts:site_create", {"name": ""}),
        ("accounts:users", {"email": "not an address"}),
    ],
)
def test_a_refused_form_ties_each_error_to_its_field(as_role, url_name, data):
    html = as_role(Role.ADMIN).post(reverse(url_name), data).content.decode()
    _assert_errors_tied(html)


def test_a_refused_dispute_ties_its_error_to_its_field(as_role, tenant):
    from tests.payments.isolation_rows_portal import _dispute_invoice

    invoice = _dispute_invoice(tenant)
    url = reverse("payments:dispute_create", args=[invoice.pk])
    html = as_role(Role.BILLING).post(url, {"reason": ""}).content.decode()
    _assert_errors_tied(html)


def _assert_errors_tied(html):
    page = parse(html)
    invalid = re.findall(r'<(?:input|select|textarea)\b[^>]*aria-invalid="true"[^>]*>', html)
    assert invalid, "the form was refused"
    for tag in invalid:
        described = re.search(r'aria-describedby="([^"]*)"', tag)
        if described is None and 'type="radio"' in tag:  # a group: its <fieldset> is described
            before = html[: html.index(tag)]
            described = re.findall(r'<fieldset\b[^>]*aria-describedby="([^"]*)"', before)[-1:]
            described = re.search(r"(.*)", described[0]) if described else None
        assert described, tag
        refs = described.group(1).split()
        errors = [ref for ref in refs if ref.endswith("_error")]
        assert errors, tag
        for ref in errors:
            assert ref in page.ids, f"{tag}: {ref} points at nothing"
            shown = re.search(rf'\bid="{ref}"[^>]*>(.*?)</(?:span|div)>', html, re.S)
            assert re.sub(r"<[^>]+>", "", shown.group(1)).strip(), f"{ref} has no message"
    # The rest of the page reads well too (labels, table headers, captions, headings).
    assert problems(html, "fr") == []
