"""EQP-3: a rental is a contract of offers — anchored on the order date, the commitment of the
order form, 12-month tacit renewals, billed monthly with the services, ended at any time with
the remaining instalments of the current period (``remaining_months``), quoted first."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from billing.services.run_charges import new_charges_for_batch
from equipment.services import rentals
from offers import services as offers
from offers.choices import ContractStatus
from tests.equipment.factories import make_model, rent

pytestmark = pytest.mark.django_db


def test_rental_is_a_contract_anchored_on_the_order_date(tenant):
    # EQP-3: ordered 2025-10-01 for 24 months → initial period [2025-10-01, 2027-10-01).
    order = rent(
        tenant.client, tenant.site, make_model(rental="6.00"), ordered_on=date(2025, 10, 1)
    )
    contract = order.contract
    assert contract.offer.code == "equipment-rental-24"
    assert contract.status == ContractStatus.ACTIVE
    assert contract.anchor_date == date(2025, 10, 1)
    assert (contract.current_period_start, contract.current_period_end) == (
        date(2025, 10, 1),
        date(2027, 10, 1),
    )
    assert contract.monthly_fees == Decimal("6.0000")
    assert contract.term("renewal_months") == 12


def test_rental_renews_tacitly_for_12_months(tenant):
    # EQP-3 / CON-3: after the 24 months (2025-10-01 → 2027-10-01), 12 more: → 2028-10-01.
    order = rent(tenant.client, tenant.site, make_model(), ordered_on=date(2025, 10, 1))
    assert offers.contract_renew(contract_id=order.contract.pk, today=date(2027, 10, 1)) == 1
    order.contract.refresh_from_db()
    assert order.contract.current_period_end == date(2028, 10, 1)
    # Running it again the same day renews nothing more (CON-3).
    assert offers.contract_renew(contract_id=order.contract.pk, today=date(2027, 10, 1)) == 0


def test_rental_billed_monthly_with_the_services(tenant):
    # EQP-3: 2 phones at 6.00/month ordered 2025-10-01: the run of October bills November in
    # advance (2 × 6.00 = 12.00) and October itself (from the order date, a full month:
    # 2 × 6.00 = 12.00).
    order = rent(
        tenant.client, tenant.site, make_model(rental="6.00"), ordered_on=date(2025, 10, 1),
        quantity=2,
    )  # fmt: skip
    charges = sorted(
        (c for c in new_charges_for_batch([tenant.client], date(2025, 10, 1))
         if c.contract_id == order.contract.pk),
        key=lambda c: c.period_start,
    )  # fmt: skip
    assert [(c.period_start, c.quantity * c.unit_price) for c in charges] == [
        (date(2025, 10, 1), Decimal("12.00000000")),
        (date(2025, 11, 1), Decimal("12.00000000")),
    ]


def test_issue_example_ten_instalments_quoted_then_confirmed(tenant):
    # EQP-3 (the issue's example): ordered 2025-10-01 for 24 months at 6.00/month, ended
    # effective 2026-11-15. November is invoiced in advance (every started month is due), so
    # the fees start 2026-12-01 and run to the end of the initial period 2027-10-01:
    # December 2026 … September 2027 = 10 instalments × 6.00 = 60.00.
    order = rent(
        tenant.client, tenant.site, make_model(rental="6.00"), ordered_on=date(2025, 10, 1)
    )
    with time_machine.travel("2026-11-15 10:00 +01:00", tick=False):
        quote = rentals.rental_end_quote(order=order)
        assert quote.effective_date == date(2026, 11, 15)
        assert quote.fee.fee_start == date(2026, 12, 1)
        assert [(line.months, line.monthly_base) for line in quote.fee.lines] == [
            (10, Decimal("6.0000"))
        ]
        assert quote.fee_amount == Decimal("60.00")
        termination = rentals.rental_end(
            order=order,
            expected_effective_date=quote.effective_date,
            expected_fee=quote.fee_amount,
            actor=tenant.members["admin"].user,
        )
    assert termination.fee_amount == Decimal("60.00")
    assert termination.fee_rule == "remaining_months"


def test_end_within_a_renewal_period_owes_until_the_anniversary(tenant):
    # EQP-3: renewed on 2027-10-01 for 12 months; ended effective 2028-02-10 (February
    # invoiced): March → September 2028 = 7 instalments × 6.00 = 42.00.
    order = rent(
        tenant.client, tenant.site, make_model(rental="6.00"), ordered_on=date(2025, 10, 1)
    )
    offers.contract_renew(contract_id=order.contract.pk, today=date(2027, 10, 1))
    order.contract.refresh_from_db()
    with time_machine.travel("2028-02-10 10:00 +01:00", tick=False):
        quote = rentals.rental_end_quote(order=order)
    assert quote.fee_amount == Decimal("42.00")


def test_changed_quote_is_refused(tenant):
    # CON-4: the customer confirmed 60.00 but the notice date moved: nothing recorded.
    order = rent(
        tenant.client, tenant.site, make_model(rental="6.00"), ordered_on=date(2025, 10, 1)
    )
    with time_machine.travel("2026-12-02 10:00 +01:00", tick=False):
        with pytest.raises(ValidationError) as refused:
            rentals.rental_end(
                order=order,
                expected_effective_date=date(2026, 11, 15),
                expected_fee=Decimal("60.00"),
            )
    assert refused.value.code == "quote_changed"
    assert not order.contract.terminations.exists()
