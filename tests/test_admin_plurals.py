"""French typography (SPEC §9, STYLE): the back office counts in words, not in « (s) ».

Its actions said « 1 contrat(s) commandé(s) », « 1 mandat(s) révoqué(s) », « 1 e-mail(s)
seront renvoyés », the invoice run « 1 acheteur(s) à ce jour » and « 1 buyer(s) today » in
English: a count now takes the singular or the plural it asks for (``ngettext``), in both
languages, and the source keeps no message written with « (s) »."""

import re
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import translation
from django.utils.translation import ngettext

from kernel.models import OutgoingMail
from offers.choices import ContractStatus
from tests.offers.factories import make_contract
from tests.offers.test_admin import _staff_with_mfa

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    return _staff_with_mfa(client)


def _act(client, url, action, objects, language="fr"):
    page = client.post(
        url,
        {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in objects]},
        follow=True,
        HTTP_ACCEPT_LANGUAGE=language,
    )
    return page.content.decode()


# CON-2 — ordering one draft contract, then two: « 1 contrat commandé. », « 2 contrats
# commandés. » (was « 1 contrat(s) commandé(s). »); the same in English.
def test_contract_actions_count_in_words(client, staff, tenant):
    url = reverse("admin:offers_contract_changelist")
    drafts = [make_contract(tenant.client, "hosted-w", status=ContractStatus.DRAFT) for _ in "abc"]
    html = _act(client, url, "order", drafts[:1])
    assert "1 contrat commandé." in html and "(s)" not in html
    html = _act(client, url, "order", drafts[1:])
    assert "2 contrats commandés." in html and "(s)" not in html
    html = _act(client, url, "activate", drafts[:1], language="en")
    assert "1 contract activated." in html and "(s)" not in html
    assert Contract_statuses(drafts) == ["active", "ordered", "ordered"]


def Contract_statuses(contracts):  # noqa: N802
    for contract in contracts:
        contract.refresh_from_db()
    return [c.status for c in contracts]


# ACC-4 — staff sending kept e-mails again: « 1 e-mail sera renvoyé d'ici cinq minutes. »
# (was « 1 e-mail(s) seront renvoyés »), « 2 e-mails seront renvoyés … ».
def test_resend_mails_counts_in_words(client, staff):
    mails = [
        OutgoingMail.objects.create(subject="s", body="b", to=["a@example.com"], last_error="x")
        for _ in "ab"
    ]
    url = reverse("admin:kernel_outgoingmail_changelist")
    html = _act(client, url, "send_again", mails[:1])
    assert "1 e-mail sera renvoyé d&#x27;ici cinq minutes." in html
    html = _act(client, url, "send_again", mails)
    assert "2 e-mails seront renvoyés d&#x27;ici cinq minutes." in html


# BIL-1 — the invoice run's confirmation for one buyer: « 1 acheteur à ce jour » (was
# « 1 acheteur(s) »), "1 buyer today" in English.
def test_invoice_run_counts_buyers_in_words(client, staff, tenant):
    sep = date(2026, 9, 1)
    make_contract(tenant.client, "sip-unl", signature=sep, service_start=sep)
    url = reverse("admin:billing_invoicerun_launch")
    french = client.post(url, {"month": "2026-10"}, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "facturer\u00a0: 1 acheteur à ce jour." in french and "(s)" not in french
    english = client.post(url, {"month": "2026-10"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "to bill: 1 buyer today." in english


# The French plurals of every count the back office writes, read from the catalogue.
@pytest.mark.parametrize(
    ("singular", "plural", "one", "two"),
    [
        (
            "%(count)d key revoked.",
            "%(count)d keys revoked.",
            "1 clé révoquée.",
            "2 clés révoquées.",
        ),
        (
            "%(count)d dispute accepted: its credit note is issued.",
            "%(count)d disputes accepted: their credit notes are issued.",
            "1 contestation acceptée\u00a0: son avoir est émis.",
            "2 contestations acceptées\u00a0: leurs avoirs sont émis.",
        ),
        (
            "%(count)d outage updated.",
            "%(count)d outages updated.",
            "1 indisponibilité mise à jour.",
            "2 indisponibilités mises à jour.",
        ),
    ],
)
def test_french_counts_agree(singular, plural, one, two):
    with translation.override("fr"):
        assert ngettext(singular, plural, 1) % {"count": 1} == one
        assert ngettext(singular, plural, 2) % {"count": 2} == two


# No message of the project writes a count with « (s) » (« %(count)d ticket(s) »,
# « {{ buyer_count }} buyer(s) »): a count picks its plural with ngettext.
COUNTED = re.compile(r"(%\(\w+\)[ds]|\}\}) [^\"'\n]*?\w\(s\)")


def test_no_message_counts_with_parenthesised_plurals():
    base = Path(settings.BASE_DIR)
    found = []
    for path in [*base.glob("*/**/*.py"), *base.glob("templates/**/*.html")]:
        parts = path.relative_to(base).parts
        if parts[0] in {".venv", "tests", "bench", "var", "node_modules"}:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if COUNTED.search(line) and "logger" not in line and 'f"' not in line:
                found.append(f"{path.relative_to(base)}:{number}: {line.strip()}")
    assert found == []
