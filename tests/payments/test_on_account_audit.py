"""BIL-4: what a payer paid beyond its open invoices stays on account — and settles the invoices
issued to it afterwards, so that it is never asked (nor debited) twice for the same money."""

from datetime import date
from decimal import Decimal

import pytest

from payments import services
from payments.models import DirectDebit
from tests.payments.conftest import direct_customer, issue_invoice
from tests.payments.test_direct_debit_lateness import paris, sign_mandate

pytestmark = pytest.mark.django_db
SEP, OCT = date(2026, 9, 1), date(2026, 10, 1)


# BIL-4 — September's invoice 100.00 HT = 120.00 TTC; the customer transfers 140.00 on 10/10:
# 120.00 settle September, 20.00 stay on account. October's invoice 50.00 HT = 60.00 TTC
# (issued 31/10, due 30/11): the 20.00 on account settle part of it, 60.00 − 20.00 = 40.00 left.
def test_bil4_money_on_account_settles_the_next_invoice():
    client = direct_customer()
    september = issue_invoice(client, "100.00", month=SEP, source="a")
    with paris(date(2026, 10, 10)):
        payment = services.payment_record(
            client=client, amount="140.00", method="transfer", received_on=date(2026, 10, 10)
        )
    assert services.invoice_state(september).open == 0
    assert services.payment_unallocated(payment) == Decimal("20.00")
    october = issue_invoice(client, "50.00", month=OCT, source="b")
    with paris(date(2026, 11, 2)):
        services.collection_run(today=date(2026, 11, 2))
    assert services.invoice_state(october).open == Decimal("40.00")
    assert services.payment_unallocated(payment) == Decimal("0.00")


# BIL-4 — the same 20.00 on account and a SEPA mandate: the batch of 30/11 debits October's
# invoice for 60.00 − 20.00 = 40.00, not 60.00 (the batch is made before any daily job ran).
def test_bil4_direct_debit_takes_only_what_money_on_account_leaves():
    client = direct_customer()
    issue_invoice(client, "100.00", month=SEP, source="a")
    with paris(date(2026, 10, 10)):
        services.payment_record(
            client=client, amount="140.00", method="transfer", received_on=date(2026, 10, 10)
        )
    sign_mandate(client)
    october = issue_invoice(client, "50.00", month=OCT, source="b")
    with paris(date(2026, 11, 1)):
        services.debit_batch_create(collection_date=date(2026, 11, 30))
    assert DirectDebit.objects.get(invoice=october).amount == Decimal("40.00")
