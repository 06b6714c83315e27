"""Audit of equipment (EQP-1..6): an item's history with an earlier customer, non-returns and
returns — cases no other test showed."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from accounts.choices import Role
from billing.models import PendingCharge
from equipment.choices import ReturnReason, Tenure
from equipment.models import EquipmentReturn
from equipment.services import items, orders, rentals, returns, rma
from offers import services as offers
from tests.conftest import login
from tests.equipment.factories import make_model, rent, sell, stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user(
        email="support@x.example", password="x", is_staff=True
    )


def _replaced_then_refurbished(tenant, staff):
    """A phone rented by ``tenant`` since 2025-10-01, found defective (RMA approved, a spare
    shipped), back at the warehouse, refurbished: stock again."""
    model = make_model()
    order = rent(tenant.client, tenant.site, model, ordered_on=date(2025, 10, 1))
    (defective,) = order.items.all()
    items.item_deliver(item=defective, delivered_on=date(2025, 10, 3))
    (spare,) = stock(model, 1)
    with time_machine.travel("2026-03-02 10:00 +01:00", tick=False):
        report = rma.rma_request(
            client=tenant.client, item=defective, description="Écran noir chez Acme"
        )
        rma.rma_approve(rma=report, actor=staff)
        shipped = rma.rma_ship_replacement(rma=report, actor=staff, replacement=spare)
        returns.return_receive(line=shipped.equipment_return.lines.get(), actor=staff)
    defective.refresh_from_db()
    items.item_refurbish(item=defective, actor=staff)
    report.refresh_from_db()
    return model, defective, report


def test_item_page_shows_no_rma_of_an_earlier_customer(client, tenant, other_tenant, staff):
    # EQP-4 / ACC-1: a refurbished phone sold to another customer: its page there does not
    # show the RMA that the first customer opened on it (its number and status are Acme's).
    model, refurbished, acme_rma = _replaced_then_refurbished(tenant, staff)
    assert acme_rma.number and acme_rma.status == "closed"
    sell(other_tenant.client, other_tenant.site, model, serial_numbers=[refurbished.serial_number])
    login(client, other_tenant.members[Role.ADMIN])
    page = client.get(reverse("equipment:item", args=[refurbished.pk])).content.decode()
    assert refurbished.serial_number in page
    assert acme_rma.number not in page
    assert reverse("equipment:rma", args=[acme_rma.pk]) not in page


def _end_rental(order, effective):
    """The customer ends the rental 20 days ahead; the offers job applies it on ``effective``
    and ours opens the return."""
    with time_machine.travel(f"{effective - timedelta(days=20)} 10:00 +01:00", tick=False):
        termination = rentals.rental_end(order=order, requested_date=effective)
    assert offers.termination_apply(termination_id=termination.pk, today=effective)
    returns.daily(effective)
    return EquipmentReturn.objects.get(contract=order.contract, reason=ReturnReason.RENTAL_END)


def test_repaired_item_rented_again_is_expected_back_at_the_second_rental_end(
    tenant, other_tenant, staff
):
    # EQP-5 / EQP-6: Acme's rented phone came back broken at the end of its rental (2026-06-30)
    # and Acme paid 149.00 for it; repaired and refurbished, it is rented to Rival from
    # 2026-09-01. When Rival's rental ends (effective 2027-03-01) the phone is expected back
    # from Rival — Acme's bill settled Acme's rental, not Rival's — and, not returned, Rival is
    # billed its order form's 149.00.
    model = make_model(sale="149.00")
    acme = rent(tenant.client, tenant.site, model, ordered_on=date(2025, 10, 1))
    (phone,) = acme.items.all()
    items.item_deliver(item=phone, delivered_on=date(2025, 10, 3))
    acme_back = _end_rental(acme, date(2026, 7, 1))
    with time_machine.travel("2026-07-02 10:00 +02:00", tick=False):
        line = returns.return_receive(line=acme_back.lines.get(), working=False, actor=staff)
        returns.non_return_bill(line=line, actor=staff)
    phone.refresh_from_db()
    items.item_refurbish(item=phone, actor=staff)
    rival = orders.order_create(
        form=orders.OrderForm(
            client=other_tenant.client, site=other_tenant.site, tenure=Tenure.RENTAL,
            model=model, commitment_months=12, ordered_on=date(2026, 9, 1),
            serial_numbers=[phone.serial_number],
        )
    )  # fmt: skip
    rival_back = _end_rental(rival, date(2027, 3, 1))
    assert [line.item_id for line in rival_back.lines.all()] == [phone.pk]
    returns.daily(date(2027, 3, 3))  # last day Sunday 2027-02-28, due Monday 2027-03-01: late
    returns.daily(date(2027, 3, 10))  # no decision within 7 days: billed
    billed = PendingCharge.objects.filter(
        source_type=returns.NON_RETURN_SOURCE, client=other_tenant.client
    )
    assert [c.unit_price * c.quantity for c in billed] == [Decimal("149.00")]
