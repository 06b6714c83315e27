"""BIL-4 (SEPA Core rulebook): a mandate unused for 36 months starts a new sequence — its next
collection is FRST again, not RCUR."""

from datetime import date

import pytest

from payments import services
from tests.payments.conftest import direct_customer, issue_invoice
from tests.payments.test_direct_debit_lateness import paris, send_batch, sign_mandate

pytestmark = pytest.mark.django_db


def collected_once(client, month: date, made_on: date, collection_date: date):
    """An invoice of ``month`` collected by a batch of ``collection_date``."""
    issue_invoice(client, "10.00", month=month, source=f"old-{month}")
    batch = send_batch(made_on, collection_date)
    with paris(collection_date):
        services.debit_batch_settle(batch=batch)


# BIL-4 — Alice's mandate last collected on 30/10/2023, Bob's on 30/11/2023. The batch of
# 30/10/2026 (Alice: 36 months without a collection, Bob: 35) is FRST for Alice — before: RCUR,
# on a mandate the rulebook says has lapsed — and still RCUR for Bob.
def test_bil4_mandate_unused_for_36_months_collects_frst_again():
    alice, bob = direct_customer(legal_name="Alice SARL"), direct_customer(legal_name="Bob SAS")
    sign_mandate(alice, signed_on=date(2023, 9, 1))
    sign_mandate(bob, signed_on=date(2023, 9, 1))
    collected_once(alice, date(2023, 9, 1), date(2023, 10, 26), date(2023, 10, 30))
    collected_once(bob, date(2023, 10, 1), date(2023, 11, 27), date(2023, 11, 30))
    a = issue_invoice(alice, "100.00", month=date(2026, 9, 1), source="a")
    b = issue_invoice(bob, "100.00", month=date(2026, 9, 1), source="b")
    batch = send_batch(date(2026, 10, 28), date(2026, 10, 30))
    sequences = dict(batch.debits.values_list("invoice_id", "sequence_type"))
    assert sequences == {a.pk: "FRST", b.pk: "RCUR"}
    assert batch.xml.count("<SeqTp>FRST</SeqTp>") == 1
