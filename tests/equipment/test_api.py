"""Partner API of equipment: items, orders (a partner orders a sale or a rental), RMAs (created
with ``Idempotency-Key``), returns; another partner's rows are invisible; the ``equipment``
scope family; constant query counts on lists."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import ApiKey
from equipment.models import EquipmentOrder, Rma
from equipment.services import items
from equipment.services.return_open import open_return
from kernel.models import OutboxEvent
from tests.equipment.factories import make_model, rent, stock
from tests.factories import make_api_key

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _delivered_rental(tenant, quantity=1):
    order = rent(tenant.client, tenant.site, make_model(), quantity=quantity)
    for item in order.items.all():
        items.item_deliver(item=item)
    return order


def test_items_listed_with_warranty(api, tenant):
    order = _delivered_rental(tenant, 2)
    body = api.get(reverse("api:equipment-item-list")).json()
    assert body["count"] == 2
    row = body["results"][0]
    assert row["tenure"] == "rental" and row["state"] == "at_customer"
    assert row["order"] == order.reference and row["warranty_end"]


def test_partner_orders_a_rental(api, tenant, partner):
    # EQP-3: ordered by the partner's key: a contract of 24 months at the catalogue's 6.00.
    model = make_model(rental="6.00")
    stock(model, 2)
    response = api.post(
        reverse("api:equipment-order-list"),
        {"customer": tenant.client.pk, "site": tenant.site.pk, "tenure": "rental",
         "model": model.code, "quantity": 2, "commitment_months": 24},
        format="json",
        HTTP_IDEMPOTENCY_KEY="order-1",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["contract"].startswith("CT-") and len(body["serial_numbers"]) == 2
    order = EquipmentOrder.objects.get()
    assert order.contract.monthly_fees == Decimal("12.0000")
    assert order.api_key.partner == partner
    assert OutboxEvent.objects.filter(type="equipment.ordered").exists()


def test_order_for_other_partner_customer_is_400(api, other_tenant):
    model = make_model()
    stock(model, 1)
    response = api.post(
        reverse("api:equipment-order-list"),
        {"customer": other_tenant.client.pk, "site": other_tenant.site.pk, "tenure": "sale",
         "model": model.code},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert not EquipmentOrder.objects.exists()


# EQP-2 — purchase_order_ref is documented with the default "": sent empty, it is that default
# (no purchase order), not a refusal.
def test_order_with_empty_purchase_order_ref_is_201(api, tenant):
    model = make_model()
    stock(model, 1)
    response = api.post(
        reverse("api:equipment-order-list"),
        {"customer": tenant.client.pk, "site": tenant.site.pk, "tenure": "sale",
         "model": model.code, "purchase_order_ref": ""},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    assert response.json()["purchase_order_ref"] == ""
    assert EquipmentOrder.objects.get().purchase_order_ref == ""


def test_rma_created_once_with_idempotency_key(api, tenant):
    # EQP-4: a retry with the same key answers the first RMA, nothing more written.
    item = _delivered_rental(tenant).items.get()
    body = {"item": item.pk, "description": "Écran noir", "photos": [
        SimpleUploadedFile("ecran.png", PNG, content_type="image/png")]}  # fmt: skip
    first = api.post(reverse("api:rma-list"), body, format="multipart", HTTP_IDEMPOTENCY_KEY="r1")
    assert first.status_code == 201, first.content
    body["photos"] = [SimpleUploadedFile("ecran.png", PNG, content_type="image/png")]
    again = api.post(reverse("api:rma-list"), body, format="multipart", HTTP_IDEMPOTENCY_KEY="r1")
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert Rma.objects.count() == 1
    assert first.json()["photos"] == ["ecran.png"] and first.json()["status"] == "requested"
    assert OutboxEvent.objects.filter(type="rma.updated").count() == 1


def test_rma_on_other_partner_item_is_400(api, other_tenant):
    item = _delivered_rental(other_tenant).items.get()
    response = api.post(
        reverse("api:rma-list"), {"item": item.pk, "description": "x"}, format="json"
    )
    assert response.status_code == 400 and not Rma.objects.exists()


def test_equipment_scope_family(partner, tenant):
    # ACC-3: a key with telephony:read only does not read equipment; equipment:read does.
    key, raw = make_api_key(partner)
    ApiKey.objects.filter(pk=key.pk).update(scopes=["telephony:read"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert client.get(reverse("api:equipment-item-list")).status_code == 403
    ApiKey.objects.filter(pk=key.pk).update(scopes=["equipment:read"])
    assert client.get(reverse("api:equipment-item-list")).status_code == 200
    assert client.post(reverse("api:rma-list"), {}, format="json").status_code == 403


@pytest.mark.parametrize(
    "route", ["api:equipment-item-list", "api:equipment-order-list", "api:rma-list",
              "api:equipment-return-list"],
)  # fmt: skip
def test_list_queries_constant(api, tenant, route, django_assert_max_num_queries):
    from equipment.services.rma import rma_request

    def grow(quantity):
        order = _delivered_rental(tenant, quantity)
        for item in order.items.all():
            rma_request(client=tenant.client, item=item, description="x")
        open_return(client=tenant.client, reason="rental_end", items=list(order.items.all()),
                      last_day=date(2026, 12, 24), contract=order.contract)  # fmt: skip

    grow(1)
    api.get(reverse(route))
    with django_assert_max_num_queries(20) as few:
        assert api.get(reverse(route)).status_code == 200
    grow(4)
    grow(3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert api.get(reverse(route)).json()["count"] >= 3
