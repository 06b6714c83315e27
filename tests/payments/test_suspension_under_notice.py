"""BIL-7 / CON-8: a customer more than 8 days late is suspended for non-payment on its contracts
under notice too (they run until their effective date), and lifted by the payment."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from offers import services as offers
from offers.choices import ContractStatus, SuspensionReason, TerminationStatus
from offers.models import Contract
from payments import services
from tests.offers.factories import make_contract
from tests.payments.conftest import direct_customer, issue_invoice

pytestmark = pytest.mark.django_db


def state(contract):
    contract = Contract.objects.get(pk=contract.pk)
    suspension = contract.suspensions.filter(lifted_at__isnull=True).first()
    return contract.status, suspension.reason if suspension else None


# BIL-7 / CON-8 — an invoice of 1 000.00 € due 30 October, unpaid; the customer gave notice on
# its HOSTED-A contract on 20 October (effective 20 November, one month). On 8 November (more
# than 8 days late) staff suspend the customer: the contract under notice is suspended too, its
# status left terminating and its termination scheduled (before: left out, its service running
# unpaid until 20 November, and refused by the back office's suspend action). Paid on
# 12 November: lifted, still terminating.
def test_bil7_contract_under_notice_suspended_for_non_payment_then_lifted(ecb):
    client = direct_customer()
    contract = make_contract(client, "hosted-a")
    invoice = issue_invoice(client, "1000.00")  # due 2026-10-30
    with time_machine.travel(datetime(2026, 10, 20, 10, tzinfo=UTC), tick=False):
        termination = offers.contract_request_termination(contract=contract)
    assert termination.effective_date == date(2026, 11, 20)
    with time_machine.travel(datetime(2026, 11, 8, 10, tzinfo=UTC), tick=False):
        services.client_suspend_for_non_payment(client=client, today=date(2026, 11, 8))
    assert state(contract) == (ContractStatus.TERMINATING, SuspensionReason.NON_PAYMENT)
    due = services.invoice_state(invoice).open
    with time_machine.travel(datetime(2026, 11, 12, 10, tzinfo=UTC), tick=False):
        services.payment_record(
            client=client, amount=due, method="transfer", received_on=date(2026, 11, 12)
        )
    assert state(contract) == (ContractStatus.TERMINATING, None)
    termination.refresh_from_db()
    assert termination.status == TerminationStatus.SCHEDULED
