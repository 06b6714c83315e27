"""NUM-2 audit: a number's monthly price after its contract ended."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from billing import services as billing
from billing.models import InvoiceLine
from numbering import services
from offers import services as offers
from offers.choices import ContractStatus
from tests.numbering.test_pricing import _customer, catalogue  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


# NUM-2 / CON-4 — a HOSTED-W contract (signed 1 September 2026) with the number
# 01 72 70 00 01 (1.20 € HT a month, assigned on 12 October), terminated effective 1 December
# (notice on 15 October). November is billed in advance by October's run: 1.20. December has
# no service: November's run must not bill the number (nor any month after). Before, every run
# billed 1.20 for the number of the terminated contract, for ever.
def number_of_a_terminating_contract(partner):
    """A HOSTED-W contract signed 2026-09-01 with 01 72 70 00 01 (assigned 2026-10-12),
    terminated on 2026-10-15 effective 2026-12-01."""
    client, contract = _customer(
        partner, "hosted-w", signature=date(2026, 9, 1), service_start=date(2026, 9, 2)
    )
    with time_machine.travel(date(2026, 10, 12)):
        services.assign_numbers(client=client, numbers=["0172700001"], contract=contract)
    with time_machine.travel(date(2026, 10, 15)):
        termination = offers.contract_request_termination(
            contract=contract, requested_date=date(2026, 12, 1)
        )
    assert termination.effective_date == date(2026, 12, 1)
    return client, contract, termination


def test_number_of_a_terminated_contract_is_not_billed_after_the_end(partner):
    _client, contract, termination = number_of_a_terminating_contract(partner)
    with time_machine.travel(date(2026, 11, 1)):
        billing.run_month_sync(month=date(2026, 10, 1))  # bills November
    with time_machine.travel(date(2026, 12, 1)):
        billing.run_month_sync(month=date(2026, 11, 1))  # would bill December
        assert offers.termination_apply(termination_id=termination.pk, today=date(2026, 12, 1))
    contract.refresh_from_db()
    assert contract.status == ContractStatus.TERMINATED
    with time_machine.travel(date(2027, 1, 1)):
        billing.run_month_sync(month=date(2026, 12, 1))  # would bill January
    lines = InvoiceLine.objects.filter(description__contains="01 72 70 00 01")
    assert [(line.period_start, line.net_amount) for line in lines] == [
        (date(2026, 11, 1), Decimal("1.20"))
    ]
