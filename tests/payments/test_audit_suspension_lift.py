"""BIL-7: a non-payment suspension is lifted once nothing is more than 8 days late — today, not
on the day an old payment was received."""

from datetime import date

import pytest

from offers.models import Contract
from payments import services
from tests.offers.factories import make_contract
from tests.payments.conftest import direct_customer, issue_invoice
from tests.payments.test_direct_debit_lateness import paris

pytestmark = pytest.mark.django_db


# BIL-7 — September's invoice (due 30/10) is unpaid: suspended on 08/11. October's invoice
# (due 30/11) is unpaid too. On 10/12, staff record a transfer received on 25/11 that pays
# September only: October is then 10 days late (10/12 − 30/11 > 8), so the contract stays
# suspended. Before: the lift was judged on 25/11, when October was not due yet — lifted.
def test_bil7_old_payment_recorded_late_does_not_lift_while_another_invoice_is_late():
    client = direct_customer()
    contract = make_contract(client, "hosted-a")
    september = issue_invoice(client, "1000.00", month=date(2026, 9, 1), source="sep")
    issue_invoice(client, "50.00", month=date(2026, 10, 1), source="oct")
    with paris(date(2026, 11, 8)):
        services.collection_run(today=date(2026, 11, 8))
        services.client_suspend_for_non_payment(client=client, today=date(2026, 11, 8))
    assert Contract.objects.get(pk=contract.pk).status == "suspended"
    with paris(date(2026, 12, 10)):
        services.collection_run(today=date(2026, 12, 10))
        services.payment_record(
            client=client,
            amount=services.invoice_state(september).open,
            method="transfer",
            received_on=date(2026, 11, 25),
        )
    assert services.invoice_state(september).open == 0
    assert Contract.objects.get(pk=contract.pk).status == "suspended"
