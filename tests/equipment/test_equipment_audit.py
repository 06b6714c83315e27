"""Audit of equipment (EQP-1..6): cases no other test showed."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from billing.models import PendingCharge
from equipment.choices import ReturnOutcome, ReturnReason
from equipment.models import EquipmentReturn, ReturnItem
from equipment.services import items, rentals, returns, rma
from offers import services as offers
from tests.equipment.factories import make_model, rent, sell, stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user(
        email="support@x.example", password="x", is_staff=True
    )


def rented_phone_and_spare(tenant):
    """A phone rented since 2025-10-01 (149.00 if not returned), delivered 2025-10-03, and a
    spare of its model in stock."""
    model = make_model(sale="149.00")
    order = rent(tenant.client, tenant.site, model, ordered_on=date(2025, 10, 1))
    (defective,) = order.items.all()
    items.item_deliver(item=defective, delivered_on=date(2025, 10, 3))
    (spare,) = stock(model, 1)
    return order, defective, spare


def test_rental_ended_while_rma_item_on_its_way_back_expects_it_once(tenant, staff):
    # EQP-5 / EQP-6: a rented phone (ordered 2025-10-01) is defective; the replacement ships
    # Tuesday 2026-12-22, the defective phone is due back Wednesday 2026-12-23 (RMA return).
    # The rental ends effective 2026-12-25: its return expects the replacement only — the
    # defective phone is already expected by the RMA's return. Both come back in working
    # order (the defective one as expected of an RMA): nothing is ever billed.
    order, defective, spare = rented_phone_and_spare(tenant)
    with time_machine.travel("2026-12-01 10:00 +01:00", tick=False):
        report = rma.rma_request(client=tenant.client, item=defective, description="x")
        termination = rentals.rental_end(order=order, requested_date=date(2026, 12, 25))
    rma.rma_approve(rma=report, actor=staff)
    with time_machine.travel("2026-12-22 11:00 +01:00", tick=False):
        shipped = rma.rma_ship_replacement(rma=report, actor=staff, replacement=spare)
    assert offers.termination_apply(termination_id=termination.pk, today=date(2026, 12, 25))
    returns.daily(date(2026, 12, 25))
    rental_back = EquipmentReturn.objects.get(
        contract=order.contract, reason=ReturnReason.RENTAL_END
    )
    assert [line.item.serial_number for line in rental_back.lines.all()] == [spare.serial_number]
    with time_machine.travel("2026-12-28 10:00 +01:00", tick=False):
        returns.return_receive(line=shipped.equipment_return.lines.get(), actor=staff)
        returns.return_receive(line=rental_back.lines.get(), actor=staff)
    for day in (date(2026, 12, 29), date(2027, 1, 5), date(2027, 1, 12)):
        returns.daily(day)
    assert not PendingCharge.objects.filter(source_type=returns.NON_RETURN_SOURCE).exists()
    assert set(ReturnItem.objects.values_list("outcome", flat=True)) == {ReturnOutcome.RETURNED}


def test_rma_item_billed_as_not_returned_is_not_billed_again_at_rental_end(tenant, staff):
    # EQP-6: the defective phone of an RMA never came back: billed once, 149.00 (the order
    # form's price). When the rental later ends, only the replacement is expected back; the
    # defective phone, already paid for, is not billed a second time.
    order, defective, spare = rented_phone_and_spare(tenant)
    with time_machine.travel("2026-06-01 10:00 +02:00", tick=False):
        report = rma.rma_request(client=tenant.client, item=defective, description="x")
        rma.rma_approve(rma=report, actor=staff)  # a replacement ships after its approval
    with time_machine.travel("2026-06-02 11:00 +02:00", tick=False):
        shipped = rma.rma_ship_replacement(rma=report, actor=staff, replacement=spare)
    returns.daily(date(2026, 6, 4))  # due Wednesday 2026-06-03: late
    returns.non_return_bill(line=shipped.equipment_return.lines.get(), actor=staff)
    with time_machine.travel("2026-12-01 10:00 +01:00", tick=False):
        termination = rentals.rental_end(order=order, requested_date=date(2026, 12, 25))
    assert offers.termination_apply(termination_id=termination.pk, today=date(2026, 12, 25))
    returns.daily(date(2026, 12, 25))
    rental_back = EquipmentReturn.objects.get(
        contract=order.contract, reason=ReturnReason.RENTAL_END
    )
    assert [line.item_id for line in rental_back.lines.all()] == [spare.pk]
    with time_machine.travel("2026-12-28 10:00 +01:00", tick=False):
        returns.return_receive(line=rental_back.lines.get(), actor=staff)
    for day in (date(2026, 12, 29), date(2027, 1, 12)):
        returns.daily(day)
    charges = PendingCharge.objects.filter(source_type=returns.NON_RETURN_SOURCE)
    assert [c.unit_price * c.quantity for c in charges] == [Decimal("149.00")]


def test_order_after_a_scheduled_tariff_takes_effect_is_at_the_new_tariff(tenant):
    # EQP-1 (docs: "the model's current prices follow once it is in force"; the API: "the
    # catalogue's price on the day of the order"): 149.00 / 6.00 a month since 2024-01-01;
    # on 2026-11-20 staff enter 179.00 / 7.00 from 2026-12-01. An order of 2026-12-05 at the
    # catalogue's prices: sale 1 × 179.00 = 179.00; rental 7.00 a month, 179.00 if not
    # returned.
    from equipment.services import catalogue

    model = make_model(sale="149.00", rental="6.00", effective_from=date(2024, 1, 1))
    with time_machine.travel("2026-11-20 10:00 +01:00", tick=False):
        catalogue.model_set_price(
            model=model, sale_price="179.00", rental_price="7.00", effective_from=date(2026, 12, 1)
        )
    with time_machine.travel("2026-12-05 10:00 +01:00", tick=False):
        sale = sell(tenant.client, tenant.site, model)
        rental = rent(tenant.client, tenant.site, model)
    assert sale.unit_price == Decimal("179.0000")
    assert sale.charge.unit_price * sale.charge.quantity == Decimal("179.00")
    assert (rental.unit_price, rental.replacement_price) == (
        Decimal("7.0000"),
        Decimal("179.0000"),
    )
    assert rental.contract.monthly_fees == Decimal("7.0000")


def test_rental_ended_on_the_first_does_not_charge_that_month_twice(tenant):
    # EQP-3 / CON-5 (every started month is due, never charged twice): ordered 2025-10-01 for
    # 24 months at 6.00. The month-end run of October (00:05 on 2026-11-01) invoices November
    # in advance. At 10:00 that day the customer ends the rental, effective at once
    # (2026-11-01, no notice): November is already invoiced, so the fees start 2026-12-01 and
    # run to 2027-10-01: December … September = 10 instalments × 6.00 = 60.00 (not 11 = 66.00,
    # November a second time).
    from billing.services import run_month_sync

    with time_machine.travel("2025-10-01 10:00 +02:00", tick=False):
        order = rent(
            tenant.client, tenant.site, make_model(rental="6.00"), ordered_on=date(2025, 10, 1)
        )
    with time_machine.travel("2026-11-01 00:05 +01:00", tick=False):
        run_month_sync(month=date(2026, 10, 1))
    november = PendingCharge.objects.filter(contract=order.contract, period_start=date(2026, 11, 1))
    assert [c.unit_price * c.quantity for c in november] == [Decimal("6.00000000")]
    with time_machine.travel("2026-11-01 10:00 +01:00", tick=False):
        quote = rentals.rental_end_quote(order=order)
        assert (quote.effective_date, quote.fee.fee_start) == (date(2026, 11, 1), date(2026, 12, 1))
        assert quote.fee_amount == Decimal("60.00")
        termination = rentals.rental_end(order=order)
    assert termination.fee_amount == Decimal("60.00")


def test_rental_quantity_changes_only_with_its_items(tenant):
    # EQP-3 / CON-2: a rental of 2 phones at 6.00 is billed 2 × 6.00 = 12.00 a month because 2
    # phones are at the customer's. Its contract line is no subscription whose quantity the
    # customer may change: down to 1 (6.00 a month while keeping 2 phones) or up to 3 (billed
    # for a phone never shipped) is refused, and the portal offers no link to do it.
    from kernel.errors import InvalidTransition
    from offers.services.quantities import line_quantity_change, line_quantity_refusal

    order = rent(tenant.client, tenant.site, make_model(rental="6.00"), quantity=2)
    line = order.contract.lines.get()
    assert line_quantity_refusal(contract=order.contract, line=line) is not None
    for quantity in (1, 3):
        with pytest.raises(InvalidTransition):
            line_quantity_change(line=line, quantity=quantity, actor=tenant.members["admin"].user)
    line.refresh_from_db()
    assert line.quantity == 2
    assert not line.quantity_changes.exists()


def test_a_replaced_item_gets_no_second_rma(tenant, staff):
    # EQP-4 / EQP-5: a rented phone's RMA shipped its replacement; the defective phone is
    # expected back. A second RMA of it would ship a second replacement for one defect: refused,
    # pointing to the replacement. Only the first RMA exists.
    from django.core.exceptions import ValidationError
    from django.utils import translation

    from equipment.models import Rma

    _order, defective, spare = rented_phone_and_spare(tenant)
    with time_machine.travel("2026-12-01 10:00 +01:00", tick=False):
        report = rma.rma_request(client=tenant.client, item=defective, description="x")
        rma.rma_approve(rma=report, actor=staff)  # a replacement ships after its approval
    with time_machine.travel("2026-12-02 11:00 +01:00", tick=False):
        rma.rma_ship_replacement(rma=report, actor=staff, replacement=spare)
    with (
        time_machine.travel("2026-12-03 09:00 +01:00", tick=False),
        pytest.raises(ValidationError) as error,
        translation.override("en"),
    ):
        rma.rma_request(client=tenant.client, item=defective, description="still dead")
    assert error.value.message_dict["item"] == [
        "This item has already been replaced and is expected back: report a defect of its "
        "replacement instead."
    ]
    assert Rma.objects.count() == 1


def test_catalogue_shows_a_scheduled_tariff_once_in_force(tenant):
    # EQP-1: 149.00 / 6.00 since 2024-01-01; 179.00 / 7.00 entered on 2026-11-20 from
    # 2026-12-01. The daily job of 2026-11-30 leaves the catalogue's current prices at
    # 149.00 / 6.00; the one of 2026-12-01 shows 179.00 / 7.00 (once: a second run changes
    # nothing).
    from equipment import tasks
    from equipment.models import EquipmentModel
    from equipment.services import catalogue

    model = make_model(sale="149.00", rental="6.00", effective_from=date(2024, 1, 1))
    with time_machine.travel("2026-11-20 10:00 +01:00", tick=False):
        catalogue.model_set_price(
            model=model, sale_price="179.00", rental_price="7.00", effective_from=date(2026, 12, 1)
        )

    def current():
        row = EquipmentModel.objects.get(pk=model.pk)
        return row.sale_price, row.rental_price

    with time_machine.travel("2026-11-30 06:00 +01:00", tick=False):
        assert tasks.daily()["prices_in_force"] == 0
    assert current() == (Decimal("149.0000"), Decimal("6.0000"))
    with time_machine.travel("2026-12-01 06:00 +01:00", tick=False):
        assert tasks.daily()["prices_in_force"] == 1
        assert tasks.daily()["prices_in_force"] == 0
    assert current() == (Decimal("179.0000"), Decimal("7.0000"))


def test_daily_job_goes_on_after_a_failing_item(tenant, monkeypatch, caplog):
    # EQP-6: two rented phones (149.00 each if not returned) never come back after their
    # rentals end on 2026-12-25 (due Monday 2026-12-28, late on the 29th, no decision by
    # 2027-01-05). Billing the first fails that day: it is logged, the second is billed the
    # same day (149.00) and the first the next day. Before, the error stopped the job — every
    # day, for every item behind it (and the catalogue's prices never followed).
    model = make_model(sale="149.00")
    first, second = (
        rent(tenant.client, tenant.site, model, ordered_on=date(2025, 10, 1)) for _ in range(2)
    )
    for order in (first, second):
        items.item_deliver(item=order.items.get(), delivered_on=date(2025, 10, 3))
        with time_machine.travel("2026-12-01 10:00 +01:00", tick=False):
            termination = rentals.rental_end(order=order, requested_date=date(2026, 12, 25))
        assert offers.termination_apply(termination_id=termination.pk, today=date(2026, 12, 25))
    returns.daily(date(2026, 12, 25))
    returns.daily(date(2026, 12, 29))
    failing_line = ReturnItem.objects.get(item=first.items.get())
    bill = returns.non_return_bill

    def non_return_bill(*, line, **kwargs):
        if line.pk == failing_line.pk:
            raise RuntimeError("database hiccup")
        return bill(line=line, **kwargs)

    monkeypatch.setattr(returns, "non_return_bill", non_return_bill)
    with time_machine.travel("2027-01-05 00:30 +01:00", tick=False):
        assert returns.daily(date(2027, 1, 5))["billed"] == 1
    assert f"item {failing_line.pk}" in caplog.text
    charges = PendingCharge.objects.filter(source_type=returns.NON_RETURN_SOURCE)
    assert [c.source_id for c in charges] == [
        str(ReturnItem.objects.get(item=second.items.get()).pk)
    ]
    monkeypatch.setattr(returns, "non_return_bill", bill)
    with time_machine.travel("2027-01-06 00:30 +01:00", tick=False):
        assert returns.daily(date(2027, 1, 6))["billed"] == 1
    assert sorted(c.unit_price * c.quantity for c in charges.all()) == [Decimal("149.00")] * 2
