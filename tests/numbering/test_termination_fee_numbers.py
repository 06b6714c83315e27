"""CON-5 ``commitment_max`` (PLATFORM 24.4.5, 17.6, 24.1): the numbers' monthly prices are
subscriptions (« Abonnements », 24.1.3 puts the numbers under 24.1 and 24.1.2 subjects every
subscription to the contract's duration; the run bills them as subscriptions), so a PLATFORM
termination fee counts them.

Contract: PLATFORM signed and started 2026-02-01, main product 150.00 € HT a month; 8 numbers
of 01 72 70 00 0x at 12.50 € HT a month each (assigned 2026-03-10): 8 × 12.50 = 100.00. Notice
2026-06-15 asking for 2026-10-01 (convenience, 17.1): September is invoiced in advance, the fee
counts October 2026 → January 2027 = 4 months to the anniversary 2027-02-01.
"""

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from numbering import services
from numbering.services.port_out import port_out_notice
from offers import services as offers
from offers.models import Product
from tests.numbering.test_pricing import _customer, catalogue  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
NUMBERS = [f"017270000{i}" for i in range(8)]


@pytest.fixture
def contract(partner, catalogue):  # noqa: F811 - the fixture
    Product.objects.filter(code="number-geographic").update(monthly_price=Decimal("12.50"))
    client, contract = _customer(
        partner,
        "platform",
        signature=date(2026, 2, 1),
        service_start=date(2026, 2, 1),
        monthly_price="150.00",
    )
    with time_machine.travel(date(2026, 3, 10)):
        services.assign_numbers(client=client, numbers=NUMBERS, contract=contract)
    return contract


# CON-5 / PLATFORM 24.4.5 — the fee is, for each month left, the higher of the subscriptions
# (150.00 + 8 × 12.50 = 250.00) and the 200.00 commitment: 4 × 250.00 = 1 000.00 € HT. Before,
# the numbers were left out: 4 × max(150.00, 200.00) = 800.00 € HT.
def test_the_numbers_monthly_prices_count_in_the_fee(contract):
    with time_machine.travel(date(2026, 6, 15)):
        quote = offers.termination_quote(contract=contract, requested_date=date(2026, 10, 1))
        termination = offers.contract_request_termination(
            contract=contract, requested_date=date(2026, 10, 1)
        )
    assert (quote.fee.fee_start, quote.fee_amount) == (date(2026, 10, 1), Decimal("1000.00"))
    assert [(line.label, line.months, line.monthly_base) for line in quote.fee.lines] == [
        ("commitment_max.subscriptions", 4, Decimal("250.00"))
    ]
    assert termination.fee_amount == Decimal("1000.00")


# CON-5 — a number whose port-out (NUM-4) takes effect before the last day of service
# (ported on 2026-09-01, last day 2026-09-30) is no longer a subscription of the contract by
# then: 7 × 12.50 = 87.50; 150.00 + 87.50 = 237.50; 4 × 237.50 = 950.00 € HT.
def test_a_number_ported_out_by_then_is_not_counted(contract):
    with time_machine.travel(date(2026, 6, 15)):
        port_out_notice(number=NUMBERS[0], porting_date=date(2026, 9, 1))
        quote = offers.termination_quote(contract=contract, requested_date=date(2026, 10, 1))
    assert quote.fee_amount == Decimal("950.00")
