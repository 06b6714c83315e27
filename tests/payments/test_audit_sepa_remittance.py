"""BIL-4 / BIL-3: the remittance information of a direct debit (what the customer's bank
statement shows beside the amount) is French, whatever the language of the staff member who
made the batch — as the invoices' and credit notes' words are."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.utils import translation

from payments import services
from tests.payments.conftest import direct_customer, issue_invoice
from tests.payments.test_sepa import mandate

pytestmark = pytest.mark.django_db


# BIL-4 — 120.00 € (100.00 € HT + 20 %) due 30/10/2026, in a batch made on 28/10 by a member of
# staff reading the back office in English: the pain.008 said « Invoice F2026-… » on the French
# customer's statement → « Facture F2026-… ».
def test_bil4_debit_remittance_is_french_whatever_staff_language():
    alice = direct_customer(legal_name="Alice SARL")
    mandate(alice)
    invoice = issue_invoice(alice, "100.00")
    with time_machine.travel("2026-10-28 10:00 +01:00", tick=False), translation.override("en"):
        batch = services.debit_batch_create(collection_date=date(2026, 10, 30))
    assert batch.total == Decimal("120.00")
    assert f"<Ustrd>Facture {invoice.number}</Ustrd>" in batch.xml
    assert "<Ustrd>Invoice" not in batch.xml
