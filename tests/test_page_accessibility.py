"""What a screen reader needs from the portal's pages, checked without a browser and without
axe-core (tests/a11y_html.py).

Forms sent back with errors: Django's widgets point aria-describedby at ``id_<field>_error``
(and mark the field aria-invalid), but the pages gave the error no such id — a screen reader
said « invalide » on the field, never the message (« Ce champ est obligatoire. »)."""

import re

import pytest
from django.urls import reverse

from accounts.choices import Role
from tests.a11y_html import parse


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
