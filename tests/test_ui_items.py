"""Issue 17, "Things a customer trips on", items 5, 10 and 11 (the page-level fixes; the browser
checks are in tests/e2e/test_accessibility.py and tests/e2e/test_mobile.py).

- Item 5: /company/users/ keeps the role drop-down readable (its own classes, sized in CSS).
- Item 10: French typography — "1er avril" for the first day of a month, "Trunks SIP"
  capitalised, non-breaking spaces before ":" ";" "?" "!" "%" in the French catalogue.
- Item 11: every ``aria-describedby`` points at an element that exists (the help texts carry
  the ``id_…_helptext`` ids Django's widgets refer to); table headers are never empty (action
  columns get a visually hidden "Actions"); the skip link and the menu button are in the frame.
"""

import re
from datetime import date, datetime
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.conf import settings
from django.template import Context, Template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from accounts.choices import Role
from portal.french_dates import first_of_month_ordinal
from tests.payments.isolation_rows_portal import _dispute_invoice

NBSP = "\u00a0"
CATALOGUE = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.po"


class _Page(HTMLParser):
    """The ids, the aria-describedby references and the table headers of a page."""

    def __init__(self):
        super().__init__()
        self.ids, self.described_by, self.headers = set(), [], []
        self._th = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if attrs.get("aria-describedby"):
            self.described_by += attrs["aria-describedby"].split()
        if tag == "th":
            self._th = ""

    def handle_data(self, data):
        if self._th is not None:
            self._th += data

    def handle_endtag(self, tag):
        if tag == "th" and self._th is not None:
            self.headers.append(self._th.strip())
            self._th = None


class _HelpedForm(forms.Form):
    code = forms.CharField(label="Code", help_text="Five digits.")


def parse(response):
    assert response.status_code == 200
    page = _Page()
    page.feed(response.content.decode())
    return page


# --- Item 11: help texts and headers ----------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "url_name"),
    [
        (Role.ADMIN, "support:ticket_create"),
        (Role.TECHNICAL, "support:ticket_create"),
        (Role.BILLING, "support:ticket_create"),
    ],
)
def test_described_by_points_at_a_help_text(as_role, role, url_name):
    page = parse(as_role(role).get(reverse(url_name)))
    assert page.described_by, "the form has help texts"
    assert [ref for ref in page.described_by if ref not in page.ids] == []
    assert all(ref.endswith("_helptext") for ref in page.described_by)


def test_dispute_form_help_texts_have_their_ids(as_role, tenant):
    invoice = _dispute_invoice(tenant)
    page = parse(as_role(Role.BILLING).get(reverse("payments:dispute_create", args=[invoice.pk])))
    # "Say which lines or charges you dispute and why."
    assert "id_reason_helptext" in page.described_by
    assert [ref for ref in page.described_by if ref not in page.ids] == []


def test_sign_in_page_help_text_has_its_id(db, client):
    page = parse(client.get(reverse("account_login")))
    assert [ref for ref in page.described_by if ref not in page.ids] == []


@pytest.mark.parametrize("template", ["accounts/_form.html", "support/_field.html"])
def test_form_partials_give_help_texts_their_ids(template):
    form = _HelpedForm()
    context = {"form": form} if template == "accounts/_form.html" else {"field": form["code"]}
    page = _Page()
    page.feed(render_to_string(template, context))
    assert page.described_by == ["id_code_helptext"]
    assert "id_code_helptext" in page.ids


# Every page's headers: tests/e2e/test_accessibility.py (the demo data fills every table).
@pytest.mark.parametrize("url_name", ["accounts:users", "accounts:sites"])
def test_no_empty_table_header(as_role, url_name):
    page = parse(as_role(Role.ADMIN).get(reverse(url_name)))
    assert page.headers, url_name
    assert "" not in page.headers


def test_users_page_headers_and_role_drop_down(as_role, tenant):
    # Item 5: the drop-down has its classes (static/css/portal.css sizes them to the longest
    # role; the browser measure is in tests/e2e/test_accessibility.py).
    # Item 11: the "Status" and "Actions" columns are named.
    html = as_role(Role.ADMIN).get(reverse("accounts:users")).content.decode()
    assert html.count('class="inline role-form"') == len(tenant.members)
    assert html.count('class="role-select"') == len(tenant.members)
    page = parse(as_role(Role.ADMIN).get(reverse("accounts:users")))
    assert page.headers[:4] == ["Utilisateur", "Rôle", "Statut", "Actions"]
    css = (Path(settings.BASE_DIR) / "static" / "css" / "portal.css").read_text()
    assert re.search(r"select\.role-select \{[^}]*min-width: max-content", css)


def test_frame_has_skip_link_main_target_and_menu_button(as_role):
    html = as_role(Role.ADMIN).get(reverse("dashboard")).content.decode()
    assert '<a class="skip-link" href="#main">Aller au contenu</a>' in html
    assert '<main class="container" id="main" tabindex="-1">' in html
    assert '<details class="navmenu">' in html and 'class="navmenu-button"' in html


# --- Item 10: French typography ---------------------------------------------------------------


def test_first_day_of_a_month_is_an_ordinal_in_french():
    first, second = date(2026, 4, 1), date(2026, 4, 2)
    with translation.override("fr"):
        assert date_format(first, "DATE_FORMAT") == "1er avril 2026"
        assert date_format(second, "DATE_FORMAT") == "2 avril 2026"
        moment = datetime(2026, 4, 1, 9, 30, tzinfo=ZoneInfo("Europe/Paris"))
        assert date_format(moment, "DATETIME_FORMAT").startswith("1er avril 2026")
        assert date_format(first, "SHORT_DATE_FORMAT") == "01/04/2026"
        rendered = Template(
            '{{ d|date:"DATE_FORMAT" }}|{{ d|date:"j F Y" }}|{{ d|date:"j" }}|{{ d|date:"F Y" }}'
        ).render(Context({"d": first}))
        assert rendered == "1er avril 2026|1er avril 2026|1|avril 2026"
    with translation.override("en"):
        assert date_format(first, "DATE_FORMAT") == "1 April 2026"


# The English pages are read by French companies: dates day first (portal/formats/en), never
# the US order — "12/05/2026" is 12 May, not 5 December; a date typed day first is read so.
def test_english_dates_are_day_first():
    day = date(2026, 12, 5)
    moment = datetime(2026, 12, 5, 14, 30, tzinfo=ZoneInfo("Europe/Paris"))
    with translation.override("en"):
        assert date_format(day, "DATE_FORMAT") == "5 December 2026"
        assert date_format(day, "SHORT_DATE_FORMAT") == "05/12/2026"
        assert date_format(moment, "SHORT_DATETIME_FORMAT") == "05/12/2026 14:30"
        assert forms.DateField().clean("05/12/2026") == day
        assert forms.DateField().clean("2026-12-05") == day
    # An escaped "j" stays a letter; a day without a month name stays a number.
    assert first_of_month_ordinal(r"\j j F", 1, "fr") == r"\j j\e\r F"
    assert first_of_month_ordinal("j/m/Y", 1, "fr") == "j/m/Y"


def _template_lines(pattern: str) -> list[str]:
    """The templates' lines matching ``pattern``, translated blocks left out."""
    plain = re.compile(pattern)
    return [
        f"{path.relative_to(settings.BASE_DIR)}: {line.strip()[:80]}"
        for path in Path(settings.BASE_DIR, "templates").glob("**/*.html")
        for line in re.sub(
            r"{% blocktranslate.*?{% endblocktranslate %}", "", path.read_text(), flags=re.S
        ).splitlines()
        if plain.search(line)
    ]


# French typography: an amount and its « € » never part at the end of a line (a no-break
# space between them), on every page that shows money through ``{{ amount|money }}`` — the
# templates wrote ``{{ amount|floatformat:"2g" }} €`` with a plain space. A tariff keeps its
# 4 decimals (``money:4``), half-up like every amount.
def test_amounts_keep_their_euro_sign_on_the_same_line():
    template = Template("{% load money %}{{ a|money }}|{{ r|money:4 }}|{{ n|money }}")
    context = Context({"a": Decimal("1234.505"), "r": Decimal("0.04505"), "n": None})
    with translation.override("fr"):
        assert template.render(context) == "1\u00a0234,51\u00a0€|0,0451\u00a0€|—"
    with translation.override("en"):
        assert template.render(context) == "1,234.51\u00a0€|0.0451\u00a0€|—"
    # No template writes an amount with a plain space before « € » outside a translated text.
    assert _template_lines(r"\{\{ [^{}]*\|floatformat:[^{}]*\}\} €") == []


# French typography: a figure and its « % » never part at the end of a line either — the
# availability tables, the termination fee's formula and the invoice's VAT rates wrote
# ``{{ value|floatformat:3 }} %`` with a plain space (« 90,321 » on one line, « % » on the
# next, on a phone). A VAT rate is printed as the PDF prints it: « 8,5 % », not « 8,50 % ».
def test_percentages_keep_their_sign_on_the_same_line():
    template = Template("{% load money %}{{ a|percent }}|{{ b|percent }}|{{ c|percent }}")
    context = Context({"a": Decimal("20.00"), "b": Decimal("8.50"), "c": Decimal("2.10")})
    with translation.override("fr"):
        assert template.render(context) == "20\u00a0%|8,5\u00a0%|2,1\u00a0%"
    with translation.override("en"):  # English writes the sign against the figure
        assert template.render(context) == "20%|8.5%|2.1%"
    assert _template_lines(r"\{\{ [^{}]*\}\} %") == []


# French typography: a colon written in a template after a value (« {{ month }}: … ») has no
# no-break space before it in French — the availability chart's tooltips read « Novembre 2026:
# 100,000 % »; such a sentence is a translated text (the French one writes « Novembre 2026 : »).
def test_no_template_writes_a_colon_after_a_value_outside_a_translated_text():
    assert _template_lines(r"\}\}( \([^()]*\))?[:;?!] \{\{") == []


# An amount in an e-mail is grouped by thousands as on the pages (« 1 234,50 € », never
# « 1234,50 € »; « 1,234.50 € » in English): the reminders, the termination, the dispute, the
# top-up, the channel and the credit e-mails wrote ``floatformat:2`` (not grouped) or the raw
# Decimal. Amounts by hand: 1 234.50 € due, a 1 234.50 € termination fee, a 1 234.50 € credit.
def test_amounts_in_e_mails_are_grouped_by_thousands():
    from types import SimpleNamespace

    amount = Decimal("1234.50")
    invoice = SimpleNamespace(number="F2026-000123", due_date=date(2026, 12, 5))
    offer = SimpleNamespace(name="Trunk SIP")
    contract = SimpleNamespace(reference="CT-2026-000001", offer=offer)
    termination = SimpleNamespace(effective_date=date(2027, 1, 1), fee_amount=amount)
    report = SimpleNamespace(
        status="approved",
        month=date(2026, 11, 1),
        approved_amount=amount,
        credit_amount=amount,
        credit_note=SimpleNamespace(number="A2026-000007"),
    )
    mails = [
        ("payments/email/reminder_first_message.txt", {"invoice": invoice, "amount": amount}),
        ("offers/email/termination_scheduled_message.txt", {"contract": contract,
                                                            "termination": termination}),
        ("support/email/credit_decided_message.txt", {"contract": contract, "report": report}),
    ]  # fmt: skip
    for template, context in mails:
        with translation.override("fr"):
            assert "1\u00a0234,50\u00a0€" in render_to_string(template, context), template
        with translation.override("en"):
            assert "1,234.50 €" in render_to_string(template, context), template
    # No template writes an amount ungrouped (the back office's pages aside).
    UNGROUPED = r"floatformat:2\b|blocktranslate [^%]*=\w+\.(approved_amount|fee_amount)[ %]"
    texts = [
        f"{path.relative_to(settings.BASE_DIR)}: {line.strip()[:80]}"
        for path in Path(settings.BASE_DIR, "templates").glob("**/*.*")
        if path.suffix in (".txt", ".html") and "admin" not in path.parts
        for line in path.read_text().splitlines()
        if re.search(UNGROUPED, line)
    ]
    assert texts == []


# An e-mail is plain text: nothing in it is HTML-escaped. The port-in e-mail escaped its values:
# a rejection read « La ligne n&#x27;est pas active chez l&#x27;opérateur actuel » (NUM-3),
# a name « Hello D&#x27;Angelo »; the webhook e-mail would have written « &amp; » in an address.
def test_e_mails_are_not_html_escaped():
    from types import SimpleNamespace

    lines = SimpleNamespace(all=lambda: [SimpleNamespace(display="01 72 70 00 12")])
    request = SimpleNamespace(
        reference="PORT-2026-000001",
        status="rejected",
        scheduled_date=None,
        get_status_display=lambda: "Rejetée",
        get_rejection_reason_display=lambda: "La ligne n'est pas active chez l'opérateur actuel",
        lines=lines,
    )
    user = SimpleNamespace(first_name="D'Angelo", email="d@x.example")
    context = {"request": request, "user": user, "note": "Voir l'opérateur"}
    with translation.override("fr"):
        body = render_to_string("numbering/email/port_request_message.txt", context)
    assert "Bonjour D'Angelo" in body and "&#x27;" not in body
    assert "n'est pas active chez l'opérateur actuel" in body and "Voir l'opérateur" in body
    mails = [
        path.relative_to(settings.BASE_DIR)
        for path in Path(settings.BASE_DIR, "templates").glob("**/*.txt")
        if path.stem.endswith(("_message", "_subject"))
        and "{% autoescape off %}" not in path.read_text()
    ]
    assert mails == []


def test_sip_trunks_are_capitalised(as_role):
    with translation.override("fr"):
        assert str(translation.gettext("SIP trunks")) == "Trunks SIP"
        assert str(translation.gettext("SIP trunk")) == "Trunk SIP"
    html = as_role(Role.ADMIN).get(reverse("telephony:index")).content.decode()
    assert "<h2>Trunks SIP</h2>" in html


def _msgstrs():
    """The French catalogue's translations (after its header), one string per entry line."""
    text = CATALOGUE.read_text(encoding="utf-8")
    body = text[text.index("\n\n") :]
    strings, current = [], None
    for line in body.splitlines():
        if line.startswith("msgstr"):
            current = line.split('"', 1)[1][:-1]
            strings.append(current)
        elif line.startswith('"') and current is not None:
            strings[-1] += line[1:-1]
        else:
            current = None
    return strings


def test_french_catalogue_puts_non_breaking_spaces_before_double_punctuation():
    strings = _msgstrs()
    assert len(strings) > 1000
    plain_space = [s for s in strings if re.search(r" [:;?!](\s|$|\\|<|\)|,|\.)", s)]
    glued = [s for s in strings if re.search(r"[\w»)éèàùêâîôûç][:;?!](\s|$|\\n|<)", s)]
    percent = [s for s in strings if re.search(r"(\d|%\(\w+\)[sdf]) ?(%%|%(?![(\w%]))", s)]
    guillemets = [s for s in strings if "« " in s or " »" in s]
    assert plain_space == []
    assert glued == []
    assert percent == []
    assert guillemets == []
    assert any(NBSP + ":" in s for s in strings) and any(NBSP + "%" in s for s in strings)


# Bad input a view never sees (a NUL in a query string, refused by Django itself) and a server
# error get a French page of the portal, not Django's bare English "Bad Request (400)".
def test_400_and_500_pages_in_french(db, client):
    from django.template.loader import render_to_string

    response = client.get("/usage/?month=%00")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Requête incorrecte (400)" in page and 'href="/"' in page
    with translation.override("fr"):
        assert "Erreur du serveur (500)" in render_to_string("500.html")


# BIL-3 — the invoice PDF is French only: a double punctuation keeps its no-break space there
# too (« Conditions de paiement : » never breaks before the colon).
def test_invoice_pdf_keeps_no_break_spaces_before_double_punctuation():
    from billing import documents

    html = Path(settings.BASE_DIR, "templates", "billing", "invoice_pdf.html").read_text()
    text = re.sub(r"{[%{#].*?[%}#]}|<[^>]*>", " ", html)  # the words, without tags and code
    assert re.findall(r"\w+ [:;!?](?= )", text) == []
    assert documents.NATURE_LABELS["mixed"] == "Mixte\u00a0: biens et services"
