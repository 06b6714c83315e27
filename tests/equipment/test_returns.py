"""EQP-5 / EQP-6: returns at the end of a rental (this app's daily job reacts to the contract's
termination), due the first French business day after the last day; items not returned — or
returned not working — await staff's decision, then are billed at the order form's price (or,
for a model no longer sold, the tariff in force when the rental started), unless staff chose a
repossession at the customer's cost. Both audited."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine

from accounts.models import AuditLog
from billing.models import PendingCharge
from equipment.choices import ReturnOutcome, ReturnReason, ReturnStatus
from equipment.models import EquipmentReturn
from equipment.services import catalogue, items, rentals, returns
from offers import services as offers
from tests.equipment.factories import make_model, rent

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user(
        email="support@x.example", password="x", is_staff=True
    )


def _ended_rental(tenant, model, *, effective=date(2026, 12, 25), **kwargs):
    """A rental ordered 2025-10-01, ended by the customer effective ``effective``, the
    contract terminated by the offers job and the return opened by ours."""
    order = rent(tenant.client, tenant.site, model, ordered_on=date(2025, 10, 1), **kwargs)
    for item in order.items.all():
        items.item_deliver(item=item, delivered_on=date(2025, 10, 3))
    with time_machine.travel(f"{effective - timedelta(days=20)} 10:00 +01:00", tick=False):
        termination = rentals.rental_end(order=order, requested_date=effective)
    assert offers.termination_apply(termination_id=termination.pk, today=effective)
    returns.daily(effective)
    return order, EquipmentReturn.objects.get(contract=order.contract)


def test_return_opened_by_the_daily_job_due_first_business_day(tenant):
    # EQP-5: effective 2026-12-25 → last day Thursday 2026-12-24; Friday 25 is Christmas, so
    # the items are due Monday 2026-12-28.
    order, back = _ended_rental(tenant, make_model(), quantity=2)
    assert (back.reason, back.last_day, back.due_date) == (
        ReturnReason.RENTAL_END,
        date(2026, 12, 24),
        date(2026, 12, 28),
    )
    assert back.lines.count() == 2
    # Idempotent: the job the next day opens nothing more.
    assert returns.daily(date(2026, 12, 26))["returns_opened"] == 0
    assert EquipmentReturn.objects.filter(contract=order.contract).count() == 1


def test_returned_in_working_order_closes_the_return(tenant, staff):
    _order, back = _ended_rental(tenant, make_model())
    returns.return_receive(line=back.lines.get(), working=True, actor=staff)
    back.refresh_from_db()
    assert back.status == ReturnStatus.CLOSED
    assert not PendingCharge.objects.filter(source_type=returns.NON_RETURN_SOURCE).exists()


def test_not_returned_still_sold_but_repriced_billed_at_order_form_price(tenant):
    # EQP-6: the phone was 149.00 on the order form (2025-10-01); repriced 179.00 from
    # 2026-01-01 and still sold. Not back by 2026-12-28: the job of 2026-12-29 records it
    # (decision due 7 days later, 2027-01-05); without a decision, that day's job bills it at
    # the order form's price: 1 × 149.00 = 149.00.
    model = make_model(sale="149.00", effective_from=date(2024, 1, 1))
    _order, back = _ended_rental(tenant, model)
    catalogue.model_set_price(
        model=model, sale_price="179.00", rental_price="7.00", effective_from=date(2026, 1, 1)
    )
    assert returns.daily(date(2026, 12, 28))["late"] == 0  # due that day: not late yet
    assert returns.daily(date(2026, 12, 29))["late"] == 1
    line = back.lines.get()
    line.refresh_from_db()
    assert (line.outcome, line.amount, line.decide_by) == (
        ReturnOutcome.AWAITING_DECISION,
        Decimal("149.0000"),
        date(2027, 1, 5),
    )
    assert returns.daily(date(2027, 1, 4))["billed"] == 0
    assert returns.daily(date(2027, 1, 5))["billed"] == 1
    charge = PendingCharge.objects.get(source_type=returns.NON_RETURN_SOURCE)
    assert (charge.kind, charge.unit_price * charge.quantity) == ("equipment", Decimal("149.00"))
    assert AuditLog.objects.filter(action="equipment_return.bill").exists()
    back.refresh_from_db()
    assert back.status == ReturnStatus.CLOSED


def test_discontinued_model_billed_at_tariff_when_rental_started(tenant, staff):
    # EQP-6: the order form gave 120.00 for a non-return; the tariff was 149.00 when the rental
    # started (2025-10-01) and 179.00 from 2026-01-01; the model is no longer sold: billed at
    # the tariff in force on 2025-10-01 = 149.00 (neither 120.00 nor 179.00).
    model = make_model(sale="149.00", effective_from=date(2024, 1, 1))
    _order, back = _ended_rental(tenant, model, replacement_price=Decimal("120.00"))
    catalogue.model_set_price(
        model=model, sale_price="179.00", rental_price="7.00", effective_from=date(2026, 1, 1)
    )
    catalogue.model_set_sold(model=model, is_sold=False, actor=staff)
    returns.daily(date(2026, 12, 29))
    line = back.lines.get()
    returns.non_return_bill(line=line, actor=staff)
    line.refresh_from_db()
    assert (line.outcome, line.amount) == (ReturnOutcome.BILLED, Decimal("149.0000"))
    assert line.charge.unit_price == Decimal("149.0000")


def test_returned_not_working_counts_as_not_returned(tenant, staff):
    # EQP-6: back on time but broken: awaiting decision at the order form's 149.00.
    _order, back = _ended_rental(tenant, make_model(sale="149.00"))
    with time_machine.travel("2026-12-28 10:00 +01:00", tick=False):
        line = returns.return_receive(line=back.lines.get(), working=False, actor=staff)
    assert (line.outcome, line.amount) == (ReturnOutcome.AWAITING_DECISION, Decimal("149.0000"))


def test_staff_choose_repossession_instead(tenant, staff):
    # EQP-6 (HOSTED-A 3 b): repossession at the customer's cost (35.00), nothing billed for
    # the item itself; audited.
    _order, back = _ended_rental(tenant, make_model())
    returns.daily(date(2026, 12, 29))
    line = returns.non_return_repossess(line=back.lines.get(), cost="35.00", actor=staff)
    assert line.outcome == ReturnOutcome.REPOSSESSION
    assert line.charge.kind == "other" and line.charge.unit_price == Decimal("35.0000")
    assert not PendingCharge.objects.filter(source_type=returns.NON_RETURN_SOURCE).exists()
    assert AuditLog.objects.filter(action="equipment_return.repossess", actor=staff).exists()
    # The job does not bill it afterwards.
    assert returns.daily(date(2027, 1, 10))["billed"] == 0


# BIL-3 / EQP-6 — a staff member reading the back office in English receives the item back
# broken, then bills it (149.00 HT, the order form's price) and a second one's repossession
# (35.00 HT): the invoice lines are French, the price basis included.
def test_non_return_charges_decided_in_english_are_french(tenant, staff):
    from django.utils import translation

    order, back = _ended_rental(tenant, make_model(sale="149.00"))
    with time_machine.travel("2026-12-28 10:00 +01:00", tick=False), translation.override("en"):
        line = returns.return_receive(line=back.lines.get(), working=False, actor=staff)
        line = returns.non_return_bill(line=line, actor=staff)
    item = line.item
    assert (line.charge.description, line.charge.unit_price) == (
        f"Équipement non restitué\u00a0: {item.model.name}, numéro de série {item.serial_number}"
        f" (bon de commande {order.reference})",
        Decimal("149.0000"),
    )
    _order, back = _ended_rental(tenant, make_model())
    returns.daily(date(2026, 12, 29))
    with translation.override("en"):
        line = returns.non_return_repossess(line=back.lines.get(), cost="35.00", actor=staff)
    item = line.item
    assert (line.charge.description, line.charge.unit_price) == (
        f"Reprise de {item.model.name}, numéro de série {item.serial_number}",
        Decimal("35.0000"),
    )
