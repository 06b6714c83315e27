"""BIL-8 / BIL-9: a dispute names at most what is left to credit on the invoice — once part of
it was credited (an accepted dispute, an SLA credit note), disputing the whole again would be
a dispute no credit note can ever accept."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from payments import services
from tests.payments.conftest import direct_customer, issue_invoice

pytestmark = pytest.mark.django_db


# BIL-8 — September's invoice 100.00 HT = 120.00 TTC; a first dispute of 100.00 is accepted (a
# credit note of 100.00 TTC). A second dispute of 120.00 is refused on the amount, naming the
# 120.00 − 100.00 = 20.00 € left (before: opened, the 20.00 still due left out of dunning and
# debits, and the credit note refused when staff accepted it); 20.00 is accepted.
def test_bil8_dispute_beyond_what_is_left_to_credit_is_refused():
    client = direct_customer()
    invoice = issue_invoice(client, "100.00")
    first = services.dispute_open(
        invoice=invoice, amount="100.00", reason="Wrong fee", today=date(2026, 10, 5)
    )
    services.dispute_accept(dispute=first, note="Fee waived")
    with pytest.raises(ValidationError) as exc:
        services.dispute_open(
            invoice=invoice, amount="120.00", reason="All of it", today=date(2026, 10, 6)
        )
    assert set(exc.value.message_dict) == {"amount"}
    assert "20.00" in exc.value.message_dict["amount"][0]
    assert services.invoice_state(invoice).disputed == 0
    second = services.dispute_open(
        invoice=invoice, amount="20.00", reason="The rest", today=date(2026, 10, 6)
    )
    note = services.dispute_accept(dispute=second, note="Waived too")
    assert note.total_gross == Decimal("20.00")
