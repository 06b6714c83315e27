"""Audit of equipment (EQP-1..6): an item's history with an earlier customer, non-returns and
returns — cases no other test showed."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from accounts.choices import Role
from equipment.services import items, returns, rma
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
