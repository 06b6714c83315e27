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
from django.utils import translation

from numbering import services
from numbering.services.port_out import port_out_notice
from offers import services as offers
from offers.models import Product
from offers.views import terms_text
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


# CON-5 ``allset_sliding`` (HOSTED-A 5): F is « 100% des Frais Fixes mensuels payables au titre du
# Service fourni sur ledit Site Client », and the numbers are part of that Service (HOSTED-A 2:
# « Pour bénéficier du Service ALLSET SAS devra également attribuer au Client un ou plusieurs
# numéros de téléphone »); their monthly price is a fixed fee (not a « Frais d'Utilisation »),
# which is how SLA-7 already reads the contract's « Frais Fixes » (the subscriptions invoiced for
# the contract, its numbers included).
#
# Contract: HOSTED-A site at 250.00 € HT a month, in service from 2026-02-01 (36 months: first
# year to 2027-02-01, initial period to 2029-02-01); 8 numbers at 12.50 € HT a month (assigned
# 2026-03-10): F = 250.00 + 8 × 12.50 = 350.00. Notice 2026-06-15 asking for 2026-10-01:
# September is invoiced in advance, the fee counts from 2026-10-01.
@pytest.fixture
def hosted_a(partner, catalogue):  # noqa: F811 - the fixture
    Product.objects.filter(code="number-geographic").update(monthly_price=Decimal("12.50"))
    client, contract = _customer(
        partner,
        "hosted-a",
        signature=date(2026, 1, 15),
        service_start=date(2026, 2, 1),
        monthly_price="250.00",
    )
    with time_machine.travel(date(2026, 3, 10)):
        services.assign_numbers(client=client, numbers=NUMBERS, contract=contract)
    return contract


# first year 2026-10-01 → 2027-02-01: 4 months × 100 % × 350.00 = 1 400.00
# beyond it 2027-02-01 → 2029-02-01: 24 months × 50 % × 350.00 = 4 200.00 → 5 600.00 € HT.
# Before, the numbers were left out: 4 × 250.00 + 24 × 125.00 = 4 000.00 € HT.
def test_hosted_a_fixed_fees_count_the_numbers(hosted_a):
    with time_machine.travel(date(2026, 6, 15)):
        quote = offers.termination_quote(contract=hosted_a, requested_date=date(2026, 10, 1))
        termination = offers.contract_request_termination(
            contract=hosted_a, requested_date=date(2026, 10, 1)
        )
    assert (quote.fee.fee_start, quote.fee_amount) == (date(2026, 10, 1), Decimal("5600.00"))
    assert [(line.label, line.months, line.monthly_base) for line in quote.fee.lines] == [
        ("allset_sliding.initial_first_year", 4, Decimal("350.00")),
        ("allset_sliding.initial_beyond_first_year", 24, Decimal("350.00")),
    ]
    assert termination.fee_amount == Decimal("5600.00")


# The contract page states the same F next to the rule (it showed 250.00).
def test_hosted_a_contract_page_states_the_fee_base_with_the_numbers(hosted_a):
    with translation.override("en"), time_machine.travel(date(2026, 6, 15)):
        rows = dict(terms_text(hosted_a))
    assert "(350.00 € excl. VAT)" in rows["Termination fees"]


# NUM-4: all 8 numbers ported out on 2026-10-01 end the site's contract that day; on its last day
# of service (2026-09-30) the numbers were still the site's: F = 350.00, the same 5 600.00 € HT.
def test_hosted_a_port_out_of_every_number(hosted_a):
    with time_machine.travel(date(2026, 9, 20)):
        for number in NUMBERS:
            _row, termination = port_out_notice(number=number, porting_date=date(2026, 10, 1))
    assert termination.effective_date == date(2026, 10, 1)
    assert termination.fee_amount == Decimal("5600.00")


# CON-5 ``remaining_months`` (HOSTED-W 8.1, 9) and NUM-4: the order month is free (« facturés à
# compter du mois suivant la commande »), so it is never among « les mois restants dus ». HOSTED-W
# ordered and in service from 2026-03-01 (12 months: to 2027-03-01), one user at 14.90 € HT; its
# only number ported out on 2026-03-20 ends the contract that day. The months due that are left
# are April 2026 → February 2027 = 11 × 14.90 = 163.90 € HT (the whole commitment: March is
# free). Before, the fee counted from 2026-03-20: 11 whole months to 2027-02-20 and a part = 12
# × 14.90 = 178.80 € HT, one month more than the contract ever bills.
def test_hosted_w_port_out_in_the_free_order_month(partner, catalogue):  # noqa: F811
    client, contract = _customer(
        partner,
        "hosted-w",
        signature=date(2026, 3, 1),
        service_start=date(2026, 3, 1),
        monthly_price="14.90",
    )
    with time_machine.travel(date(2026, 3, 2)):
        services.assign_numbers(client=client, numbers=NUMBERS[:1], contract=contract)
    with time_machine.travel(date(2026, 3, 20)):
        _row, termination = port_out_notice(number=NUMBERS[0], porting_date=date(2026, 3, 20))
    assert termination.effective_date == date(2026, 3, 20)
    assert (termination.fee_start, termination.fee_amount) == (
        date(2026, 4, 1),
        Decimal("163.90"),
    )
