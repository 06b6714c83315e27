"""Console pages as the staff read them in French: each page's title says what the page is."""

import re
from datetime import date

import pytest
from django.urls import reverse
from lxml import html

from payments import services as payments
from tests.console.conftest import at
from tests.offers.factories import make_contract
from tests.payments.conftest import issue_invoice
from tests.support.factories import open_failure

pytestmark = pytest.mark.django_db


def _title(response) -> str:
    return " ".join(html.fromstring(response.content).findtext(".//title").split())


def test_dispute_page_title_names_the_dispute_not_the_verb(customer, as_staff, billing_agent):
    # The tab of a dispute read "Contester F2026-… · …" (the button's verb "Dispute"): it is
    # the dispute of that invoice, as the page's heading says.
    invoice = issue_invoice(customer, "100.00")
    with at(date(2026, 10, 10)):
        dispute = payments.dispute_open(invoice=invoice, amount="24.00", reason="Frais")
    page = as_staff(billing_agent).get(reverse("console:dispute", args=[dispute.pk]))
    assert _title(page).startswith(f"Contestation de la facture {invoice.number} ·")


def test_audit_journal_reads_amounts_in_french(customer, as_staff, billing_agent):
    # The customer's audit journal (console) named a dispute « F2026-…: 24.00 € » (the model's
    # text: a point, a plain space) on a page that writes every other amount « 24,00 € »; the
    # dash, as the journal's other objects (« CT-… — SIP illimité »), needs no French colon.
    invoice = issue_invoice(customer, "100.00")  # 120.00 incl. VAT
    with at(date(2026, 10, 10)):
        payments.dispute_open(invoice=invoice, amount="24.00", reason="Frais")
    page = as_staff(billing_agent).get(reverse("console:customer", args=[customer.pk]))
    journal = html.fromstring(page.content).xpath("//*[@data-testid='audit']")[0]
    assert f"{invoice.number} — 24,00\u00a0€" in journal.text_content()
    assert "24.00" not in journal.text_content()


def test_english_console_has_no_french_space_before_colons(customer, as_staff, superuser):
    # The English console wrote « Deadline : 3 December », « Partner : Nova », « Decision : »
    # (a French no-break space hard-coded after the translated word): « Deadline: … » in
    # English, « Échéance : … » in French.
    contract = make_contract(customer, "hosted-w", quantity=10)
    with at(date(2026, 11, 2), 9):
        ticket = open_failure(customer, contract)
    invoice = issue_invoice(customer, "100.00")
    with at(date(2026, 10, 10)):
        dispute = payments.dispute_open(invoice=invoice, amount="24.00", reason="Frais")
        payments.dispute_reject(dispute=dispute, note="Prévu au contrat", actor=superuser)
    browser = as_staff(superuser)
    pages = [
        reverse("console:ticket", args=[ticket.pk]),
        reverse("console:customer", args=[customer.pk]),
        reverse("console:dispute", args=[dispute.pk]),
    ]
    english = [text_of(browser.get(url, HTTP_ACCEPT_LANGUAGE="en")) for url in pages]
    assert "Deadline: " in english[0] and "Partner: " in english[1]
    assert "Decision: Prévu au contrat" in english[2]
    assert not any(re.search(r"\w\u00a0:", text) for text in english)
    french = [text_of(browser.get(url, HTTP_ACCEPT_LANGUAGE="fr")) for url in pages]
    assert "Échéance\u00a0: " in french[0] and "Partenaire\u00a0: " in french[1]
    assert "Décision\u00a0: Prévu au contrat" in french[2]


def text_of(response) -> str:
    # ASCII white space only: str.split() would take the no-break spaces too.
    return re.sub(
        r"[ \t\r\n]+", " ", html.fromstring(response.content).xpath("//main")[0].text_content()
    )


def test_customer_without_history_says_what_is_empty(customer, as_staff, support_agent):
    # Issue 17 (customer 360): a customer with no availability report read, under
    # « Disponibilité », the prepaid ledger's « Aucune écriture : client non prépayé… » (the
    # list reused its message), and an empty audit trail a bare « — ».
    page = as_staff(support_agent).get(reverse("console:customer", args=[customer.pk]))
    tree = html.fromstring(page.content)
    text = page.content.decode()
    assert text.count("client non prépayé") == 1
    assert "Aucun rapport de disponibilité." in text
    journal = tree.xpath("//*[@data-testid='audit']")[0].text_content()
    assert "Aucune entrée dans le journal d'audit." in journal


def test_customer_without_trunk_or_sip_account_says_so(customer, as_staff, support_agent):
    # Issue 17 (customer 360): a customer with neither trunk nor SIP account read a bare « — »
    # under « Trunks SIP et comptes SIP » -> « Aucun trunk SIP ni compte SIP. »
    page = as_staff(support_agent).get(reverse("console:customer", args=[customer.pk]))
    empty = html.fromstring(page.content).xpath("//*[@data-testid='sip-empty']")
    assert [node.text_content() for node in empty] == ["Aucun trunk SIP ni compte SIP."]
