"""The back office's lists write amounts as the portal writes them (CON-1, SPEC 9 Surfaces):
« 1 500,00 » in French (a no-break space between thousands, two decimals), a unit price's
decimals beyond the cent only when it has them (« 0,8628 »), a quantity without decimals unless
it has some (« 1 », « 1,5 »). The admin wrote the raw Decimal (« 420,0000 », « 1,0000 »)."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import models
from django.urls import reverse

from billing.models import PendingCharge
from kernel.admin import AmountColumnsMixin
from telephony.models import Pack
from tests.equipment.factories import make_model, sell
from tests.factories import sign_in_staff

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"


@pytest.fixture
def staff(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    sign_in_staff(client)
    return client


def _list(staff, name: str, **query) -> str:
    return staff.get(reverse(f"admin:{name}_changelist"), query).content.decode()


# CON-1 — a model sold 1 420.00 € and rented 0.8628 € a month: the list read « 1420,0000 » and
# « 0,8628 » -> « 1 420,00 » and « 0,8628 ».
def test_equipment_model_list_writes_prices_the_french_way(staff):
    make_model(sale="1420.00", rental="0.8628", code="phone-x")
    page = _list(staff, "equipment_equipmentmodel", q="phone-x")
    assert f">1{NBSP}420,00</td>" in page and ">0,8628</td>" in page
    assert "1420,0000" not in page and "1420,00" not in page


# CON-1 — 3 phones sold at 420.00 € each: the order list read « 420,0000 » -> « 420,00 ».
def test_equipment_order_list_writes_the_unit_price_the_french_way(staff, tenant):
    order = sell(tenant.client, tenant.site, make_model(sale="420.00"), quantity=3)
    page = _list(staff, "equipment_equipmentorder", q=order.reference)
    assert ">420,00</td>" in page and "420,0000" not in page


# TRK-1 — the packs' monthly prices (17.0000 for 4 channels in the pack table): « 17,0000 »
# -> « 17,00 ».
def test_pack_list_writes_monthly_prices_the_french_way(staff):
    pack = Pack.objects.order_by("channels").first()
    pack.monthly_price = Decimal("1250.5000")
    pack.save(update_fields=["monthly_price"])
    page = _list(staff, "telephony_pack")
    assert f">1{NBSP}250,50</td>" in page
    assert ",0000<" not in page and "1250,50" not in page


# ACC-4 — a manual charge of 1 × 150.00 € and one of 1.5 × 1 200.50 €: the list read
# « 1,0000 », « 150,0000 », « 1,5000 », « 1200,5000 » -> « 1 », « 150,00 », « 1,5 », « 1 200,50 ».
def test_pending_charge_list_writes_quantities_and_prices_the_french_way(staff, tenant):
    for n, (quantity, price) in enumerate((("1", "150.00"), ("1.5", "1200.50"))):
        PendingCharge.objects.create(
            client=tenant.client,
            kind="setup",
            description="Installation sur site",
            period_start=date(2026, 10, 15 + n),
            quantity=Decimal(quantity),
            unit_price=Decimal(price),
        )
    page = _list(staff, "billing_pendingcharge")
    assert ">1</td>" in page and ">150,00</td>" in page
    assert ">1,5</td>" in page and f">1{NBSP}200,50</td>" in page
    assert ",0000<" not in page and ",5000<" not in page


# Every admin listing a Decimal column writes it the portal's way: none left to the admin's raw
# Decimal (« 1500,0000 », or « 1500,00 » without the thousands' space).
def test_every_admin_list_writes_amounts_the_portal_way():
    raw = [
        f"{model._meta.label}.{name}"
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, AmountColumnsMixin)
        for name in model_admin.list_display
        if isinstance(name, str)
        and name in {f.name for f in model._meta.fields if isinstance(f, models.DecimalField)}
    ]
    assert raw == []
