"""EQP-5: the return label PDF — A6 (fits an over-pack), "Retour Équipements <brand>" (a
partner's customer sees the partner's brand, a direct customer the reseller's), the contract
reference, the customer's name, the RMA number if any, the items with their serial numbers and
the return address. Its text is read back with pypdf."""

import io
from datetime import date

import pytest
from django.conf import settings
from pypdf import PdfReader

from equipment.documents import render_label
from equipment.services import items, rma
from equipment.services.return_open import open_return
from tests.equipment.factories import make_model, rent, stock
from tests.factories import ClientFactory, SiteFactory

pytestmark = pytest.mark.django_db
A6_POINTS = (297.6, 419.5)  # 105 × 148 mm


def _text(pdf: bytes) -> tuple[str, tuple]:
    reader = PdfReader(io.BytesIO(pdf))
    page = reader.pages[0]
    size = (round(float(page.mediabox.width), 1), round(float(page.mediabox.height), 1))
    return " ".join(" ".join(p.extract_text() for p in reader.pages).split()), size


def test_rental_end_label_white_label(tenant):
    # EQP-5: the tenant is a customer of the partner "Nova": the label says its brand.
    order = rent(tenant.client, tenant.site, make_model(), ordered_on=date(2025, 10, 1), quantity=2)
    serials = sorted(order.items.values_list("serial_number", flat=True))
    back = open_return(
        client=tenant.client, reason="rental_end", items=list(order.items.all()),
        last_day=date(2026, 12, 24), contract=order.contract,
    )  # fmt: skip
    text, size = _text(render_label(back))
    assert size == A6_POINTS and len(PdfReader(io.BytesIO(render_label(back))).pages) == 1
    assert "Retour Équipements Nova" in text
    assert order.contract.reference in text
    assert "Acme SAS" in text
    for serial in serials:
        assert serial in text
    assert "12 rue de la République" in text and "13001 Marseille" in text
    assert "28/12/2026" in text  # Christmas on Friday: due Monday
    assert "RMA" not in text


def test_rma_label_direct_customer(django_user_model):
    # EQP-5: a direct customer sees the reseller's name; the RMA number is on the label.
    staff = django_user_model.objects.create_user(email="s@x.example", password="x", is_staff=True)
    customer = ClientFactory(legal_name="Durand SARL")
    site = SiteFactory(client=customer)
    order = rent(customer, site, make_model(), ordered_on=date(2026, 1, 5))
    (item,) = order.items.all()
    items.item_deliver(item=item, delivered_on=date(2026, 1, 7))
    stock(item.model, 1)
    report = rma.rma_request(client=customer, item=item, description="HS")
    rma.rma_approve(rma=report, actor=staff)
    rma.rma_ship_replacement(rma=report, actor=staff)
    report.refresh_from_db()
    text, _size = _text(render_label(report.equipment_return))
    assert f"Retour Équipements {settings.RESELLER['name']}" in text
    assert report.number in text
    assert order.contract.reference in text
    assert "Durand SARL" in text and item.serial_number in text
