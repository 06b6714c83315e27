"""BIL-6: a debit collected late bears the interest of its days; rejected afterwards, it counts
for nothing — the invoice, paid later, bears the interest of all its days late, once."""

from datetime import date
from decimal import Decimal

import pytest

from payments import services
from payments.models import DirectDebit
from tests.payments.conftest import issue_invoice
from tests.payments.test_direct_debit_lateness import (
    debit_customer,
    late_charges,
    paris,
    send_batch,
    sign_mandate,
)

pytestmark = pytest.mark.django_db


# BIL-6 — 1 200.00 € due 30/10/2026, ECB 2.15 % → 12.15 %. Put in a batch of 10/11 collected
# 16/11: 11 days, 1 200.00 × 12.15 % × 11 / 365 = 4.39 € posted with the 40.00 € indemnity.
# The bank rejects the debit on 20/11 and the customer transfers 1 200.00 on 30/11: late 31
# days, 1 200.00 × 12.15 % × 31 / 365 = 12.3830… → 12.38 € in all, so 12.38 − 4.39 = 7.99 € more;
# the indemnity stays one 40.00 €. Before: the 4.39 € stood (the second posting returned the
# first charge), 7.99 € of interest never charged.
def test_bil6_rejected_late_debit_then_paid_bears_all_its_days_once(ecb):
    customer = debit_customer()
    invoice = issue_invoice(customer, "1000.00")
    sign_mandate(customer, signed_on=date(2026, 11, 9))
    send_batch(date(2026, 11, 10), date(2026, 11, 16))
    with paris(date(2026, 11, 16)):
        services.debit_batch_settle(batch=DirectDebit.objects.get().batch)
    assert late_charges(customer)["late_interest"] == [Decimal("4.3900")]
    with paris(date(2026, 11, 20)):
        services.debit_reject(debit=DirectDebit.objects.get(), reason="AM04", bank_fee="0")
    with paris(date(2026, 11, 30)):
        services.payment_record(
            client=customer, amount="1200.00", method="transfer", received_on=date(2026, 11, 30)
        )
    assert services.invoice_state(invoice).open == 0
    charges = late_charges(customer)
    assert sum(charges["late_interest"]) == Decimal("12.38")
    assert charges["recovery_indemnity"] == [Decimal("40.00")]
