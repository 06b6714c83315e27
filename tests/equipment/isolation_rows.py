"""Equipment's rows of the tenant-isolation matrix (tests/test_isolation.py): every equipment API
route and portal page is named here. Builders make the tenant's own rows through the services
and cache them on the tenant object."""

from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile

from equipment.models import EquipmentOrder, EquipmentReturn, Item, Rma
from equipment.services import items, rma
from equipment.services.return_open import open_return
from tests.equipment.factories import make_model, rent

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _rental(t):
    """A rental of two phones at the tenant's site, delivered."""
    if getattr(t, "equipment_rental", None) is None:
        t.equipment_rental = rent(t.client, t.site, make_model(), quantity=2)
        for item in t.equipment_rental.items.all():
            items.item_deliver(item=item)
    return t.equipment_rental


def _item(t):
    return _rental(t).items.order_by("serial_number").first()


def _rma(t):
    if getattr(t, "equipment_rma", None) is None:
        t.equipment_rma = rma.rma_request(
            client=t.client,
            item=_item(t),
            description="Écran noir",
            photos=[SimpleUploadedFile("ecran.png", PNG, content_type="image/png")],
        )
    return t.equipment_rma


def _return(t):
    if getattr(t, "equipment_return", None) is None:
        order = _rental(t)
        t.equipment_return = open_return(
            client=t.client,
            reason="rental_end",
            items=list(order.items.all()),
            last_day=date(2026, 12, 24),
            contract=order.contract,
        )
    return t.equipment_return


API_RESOURCES = [
    ("api:equipment-item-list", "api:equipment-item-detail", lambda t: _item(t).pk, Item),
    (
        "api:equipment-order-list",
        "api:equipment-order-detail",
        lambda t: _rental(t).pk,
        EquipmentOrder,
    ),
    ("api:rma-list", "api:rma-detail", lambda t: _rma(t).pk, Rma),
    (
        "api:equipment-return-list",
        "api:equipment-return-detail",
        lambda t: _return(t).pk,
        EquipmentReturn,
    ),
]
OWN_ROWS = {Item: _item, EquipmentOrder: _rental, Rma: _rma, EquipmentReturn: _return}

PORTAL_PAGES = [
    ("equipment:items", None),
    ("equipment:rmas", None),
    ("equipment:returns", None),
    ("equipment:requests", None),
]
PORTAL_OBJECT_PAGES = [
    ("equipment:item", lambda t: [_item(t).pk]),
    ("equipment:rental_end", lambda t: [_item(t).pk]),
    ("equipment:rma_create", lambda t: [_item(t).pk]),
    ("equipment:rma", lambda t: [_rma(t).pk]),
    ("equipment:rma_photo", lambda t: [_rma(t).pk, _rma(t).photos.get().pk]),
    ("equipment:return_label", lambda t: [_return(t).pk]),
]
# ACC-2: a read-only member gets 403 on every page that orders, ends or reports, with a valid
# body.
PORTAL_WRITES = [
    (
        "equipment:rental_end",
        lambda t: [_item(t).pk],
        {"expected_effective_date": "2100-01-01", "expected_fee": "0.00"},
    ),
    ("equipment:rma_create", lambda t: [_item(t).pk], {"description": "Cassé"}),
    (
        "equipment:requests",
        lambda t: [],
        {"site": "1", "model": "1", "tenure": "sale", "quantity": "1"},
    ),
]
