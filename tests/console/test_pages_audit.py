"""Console pages as the staff read them in French: each page's title says what the page is."""

from datetime import date

import pytest
from django.urls import reverse
from lxml import html

from payments import services as payments
from tests.console.conftest import at
from tests.payments.conftest import issue_invoice

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
