"""EQP-1: the catalogue (models, price history: the tariff in force on a date is a query) and
the items (serial number, MAC validated and normalised, a pipeline of dated, audited moves)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditLog
from equipment.choices import ItemState
from equipment.macs import normalise_mac
from equipment.models import ItemEvent
from equipment.services import catalogue, items
from kernel.errors import InvalidTransition
from tests.equipment.factories import make_model, sell, stock


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("00:1a:2b:3c:4d:5e", "00:1A:2B:3C:4D:5E"),
        ("00-1A-2B-3C-4D-5E", "00:1A:2B:3C:4D:5E"),
        ("001a.2b3c.4d5e", "00:1A:2B:3C:4D:5E"),
        (" 001A2B3C4D5E ", "00:1A:2B:3C:4D:5E"),
    ],
)
def test_mac_normalised(typed, stored):
    # EQP-1: every usual spelling is stored one way.
    assert normalise_mac(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "00:1A:2B:3C:4D",  # five pairs
        "00:1A:2B-3C:4D:5E",  # mixed separators
        "00:1A:2B:3C:4D:5G",  # not hex
        "FF:FF:FF:FF:FF:FF",  # broadcast
        "00:00:00:00:00:00",
        "01:00:5E:00:00:01",  # multicast
        "",
    ],
)
def test_mac_refused(typed):
    with pytest.raises(ValidationError):
        normalise_mac(typed)


@pytest.mark.django_db
def test_tariff_in_force_on_a_date_is_a_query():
    # EQP-1: 149.00 from 2024-01-01, 179.00 from 2026-01-01: on 2025-10-01 the tariff is
    # 149.00, on 2026-01-01 179.00, before 2024 there is none.
    model = make_model(sale="149.00", rental="6.00", effective_from=date(2024, 1, 1))
    catalogue.model_set_price(
        model=model, sale_price="179.00", rental_price="7.00", effective_from=date(2026, 1, 1)
    )
    assert catalogue.tariff_on(model, date(2025, 10, 1)).sale_price == Decimal("149.0000")
    assert catalogue.tariff_on(model, date(2026, 1, 1)).sale_price == Decimal("179.0000")
    assert catalogue.tariff_on(model, date(2023, 12, 31)) is None
    model.refresh_from_db()
    assert model.sale_price == Decimal("179.0000")  # in force today
    assert AuditLog.objects.filter(action="equipment_model.price").count() == 1


@pytest.mark.django_db
def test_item_received_with_unique_serial_and_mac():
    model = make_model()
    item = items.item_receive(model=model, serial_number=" ab123 ", mac_address="0a-1b-2c-3d-4e-5f")
    assert (item.serial_number, item.mac_address, item.state) == (
        "AB123",
        "0A:1B:2C:3D:4E:5F",
        ItemState.IN_STOCK,
    )
    with pytest.raises(ValidationError):
        items.item_receive(model=model, serial_number="AB123")
    with pytest.raises(ValidationError):
        items.item_receive(model=model, serial_number="AB124", mac_address="0A1B2C3D4E5F")


@pytest.mark.django_db
def test_every_move_is_dated_and_audited(tenant, django_user_model):
    # EQP-1: in_stock → shipped → at_customer → returned → refurbished (stock again) → scrapped.
    staff = django_user_model.objects.create_user(email="s@x.example", password="x", is_staff=True)
    order = sell(tenant.client, tenant.site, make_model(), ordered_on=date(2026, 3, 10))
    (item,) = order.items.all()
    assert (item.state, item.site, item.client) == (ItemState.SHIPPED, tenant.site, tenant.client)
    items.item_deliver(item=item, delivered_on=date(2026, 3, 12), actor=staff)
    item.refresh_from_db()
    # EQP-2: a 12-month warranty from delivery, 2026-03-12 → 2027-03-11 included.
    assert item.warranty_end == date(2027, 3, 11)
    with pytest.raises(InvalidTransition):
        items.item_scrap(item=item, actor=staff)  # at the customer's: not from there
    from equipment.services.items import item_move, lock_items

    (locked,) = lock_items([item])
    item_move(locked, ItemState.RETURNED, actor=staff)
    items.item_refurbish(item=item, actor=staff)
    item.refresh_from_db()
    assert (item.state, item.client, item.site, item.delivered_on) == (
        ItemState.REFURBISHED,
        None,
        None,
        None,
    )
    items.item_scrap(item=item, actor=staff)
    # in the order recorded (the test records them on its real day, dated back)
    moves = list(
        ItemEvent.objects.filter(item=item)
        .order_by("at", "pk")
        .values_list("to_state", "actor__email")
    )
    assert moves == [
        ("in_stock", None),
        ("shipped", None),
        ("at_customer", "s@x.example"),
        ("returned", "s@x.example"),
        ("refurbished", "s@x.example"),
        ("scrapped", "s@x.example"),
    ]
    assert all(e.at is not None for e in ItemEvent.objects.filter(item=item))
    assert AuditLog.objects.filter(action="equipment_item.scrapped", actor=staff).exists()


@pytest.mark.django_db
def test_order_needs_stock(tenant):
    model = make_model()
    stock(model, 1)
    from equipment.services.orders import OrderForm, order_create

    with pytest.raises(ValidationError) as refused:
        order_create(
            form=OrderForm(
                client=tenant.client, site=tenant.site, tenure="sale", model=model, quantity=2
            )
        )
    assert "quantity" in refused.value.message_dict
