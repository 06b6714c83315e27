"""BIL-4: the same transfer recorded twice (the back office's form sent again, two members of
staff reading the same bank statement) is one payment: the second is refused on its reference,
nothing written. Another transfer of the same amount — another day or another reference — is
recorded."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from payments import services
from payments.invoice_states import invoice_state
from payments.models import Payment
from tests.payments.conftest import direct_customer, issue_invoice

pytestmark = pytest.mark.django_db


# BIL-4 — two invoices of 100.00 HT = 120.00 TTC; the transfer "VIR-2026-1007" of 120.00 received
# on 07/10 settles the first. Recorded again: refused — before, it settled the second invoice too,
# 240.00 received for one transfer of 120.00. The customer's next transfer "VIR-2026-1107" of
# 120.00 on 07/11 settles the second.
def test_bil4_the_same_transfer_recorded_twice_is_one_payment():
    client = direct_customer()
    first = issue_invoice(client, "100.00", month=date(2026, 9, 1), source="a")
    second = issue_invoice(client, "100.00", month=date(2026, 10, 1), source="b")
    transfer = {
        "client": client,
        "amount": "120.00",
        "method": "transfer",
        "received_on": date(2026, 10, 7),
        "reference": "VIR-2026-1007",
    }
    services.payment_record(**transfer)
    with pytest.raises(ValidationError) as refused:
        services.payment_record(**{**transfer, "reference": " VIR-2026-1007 "})
    assert "reference" in refused.value.message_dict
    assert Payment.objects.count() == 1
    assert invoice_state(first).open == Decimal("0.00")
    assert invoice_state(second).open == Decimal("120.00")
    services.payment_record(
        **{**transfer, "received_on": date(2026, 11, 7), "reference": "VIR-2026-1107"}
    )
    assert invoice_state(second).open == Decimal("0.00")
