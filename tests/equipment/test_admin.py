"""The back office of equipment calls the services: the order form (a rental, EQP-3), the stock
received (EQP-1, MAC normalised), the RMA queue sorted by deadline with its actions (EQP-4), and
the returned items' decisions (EQP-6)."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from accounts.models import User
from equipment.choices import ReturnOutcome, RmaStatus
from equipment.models import EquipmentOrder, Item, Rma
from equipment.services import items, returns, rma
from equipment.services.return_open import open_return
from tests.equipment.factories import make_model, rent, stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = User.objects.create_user(
        email="ops@reseller.example", password="x-Long-Pass-123", is_staff=True,
        is_superuser=True,
    )  # fmt: skip
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(user)
    client.user = user
    return client


def test_receive_an_item(staff):
    model = make_model()
    response = staff.post(
        reverse("admin:equipment_item_add"),
        {"model": model.pk, "serial_number": "ab-1", "mac_address": "00-1a-2b-3c-4d-5e"},
    )
    assert response.status_code == 302
    assert Item.objects.get(serial_number="AB-1").mac_address == "00:1A:2B:3C:4D:5E"
    page = staff.post(
        reverse("admin:equipment_item_add"),
        {"model": model.pk, "serial_number": "ab-2", "mac_address": "not a mac"},
    )
    assert page.status_code == 200 and not Item.objects.filter(serial_number="AB-2").exists()


def test_order_form_rental(staff, tenant):
    # EQP-3: 2 phones rented 36 months at a negotiated 5.50/month: the contract bills 11.00.
    model = make_model(rental="6.00")
    stock(model, 2)
    response = staff.post(
        reverse("admin:equipment_equipmentorder_add"),
        {"client": tenant.client.pk, "site": tenant.site.pk, "tenure": "rental",
         "model": model.pk, "quantity": "2", "commitment_months": "36", "unit_price": "5.50",
         "ordered_on": "2026-02-01"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[-2000:]
    order = EquipmentOrder.objects.get()
    assert order.contract.offer.code == "equipment-rental-36"
    assert order.contract.monthly_fees == Decimal("11.0000")
    assert order.created_by == staff.user


# CON-2, EQP-3 — a rental's contract is signed on the order date: staff entering a rental
# ordered on Saturday 7 March 2026 on Friday the 6th get the form back with the refusal under
# the order date, nothing written (a sale dated ahead is not a contract: left as it was).
@time_machine.travel(date(2026, 3, 6), tick=False)
def test_order_form_rental_ordered_tomorrow_refused(staff, tenant):
    model = make_model(rental="6.00")
    stock(model, 1)
    response = staff.post(
        reverse("admin:equipment_equipmentorder_add"),
        {"client": tenant.client.pk, "site": tenant.site.pk, "tenure": "rental",
         "model": model.pk, "quantity": "1", "commitment_months": "36", "ordered_on": "2026-03-07"},
        HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "ordered_on": [
            "A rental's contract is signed on its order date: not after today (06/03/2026)."
        ]
    }
    assert not EquipmentOrder.objects.exists()


def test_rma_queue_sorted_by_deadline_and_actions(staff, tenant):
    order = rent(tenant.client, tenant.site, make_model(), quantity=2)
    first, second = order.items.order_by("serial_number")
    for item in (first, second):
        items.item_deliver(item=item)
    older = rma.rma_request(client=tenant.client, item=first, description="x")
    newer = rma.rma_request(client=tenant.client, item=second, description="y")
    changelist = reverse("admin:equipment_rma_changelist")
    staff.post(changelist, {"action": "approve", ACTION_CHECKBOX_NAME: [newer.pk]})
    newer.refresh_from_db()
    assert newer.status == RmaStatus.APPROVED and newer.decided_by == staff.user
    page = staff.get(changelist).content.decode()
    assert page.index(newer.number) < page.index(f"RMA #{older.pk}")  # a deadline first
    # Refuse: an intermediate page asks for the reason of the closed list.
    staff.post(
        changelist,
        {"action": "refuse", ACTION_CHECKBOX_NAME: [older.pk], "apply": "1",
         "reason": "abnormal_use", "note": "Chute"},
    )  # fmt: skip
    older.refresh_from_db()
    assert (older.status, older.refusal_reason) == (RmaStatus.REFUSED, "abnormal_use")


def test_non_return_decision_in_the_back_office(staff, tenant):
    order = rent(tenant.client, tenant.site, make_model(sale="149.00"))
    back = open_return(
        client=tenant.client, reason="rental_end", items=list(order.items.all()),
        last_day=date(2026, 1, 2), contract=order.contract,
    )  # fmt: skip
    returns.daily(date(2026, 1, 6))
    line = back.lines.get()
    staff.post(
        reverse("admin:equipment_returnitem_changelist"),
        {"action": "bill", ACTION_CHECKBOX_NAME: [line.pk], "apply": "1"},  # confirmed
    )
    line.refresh_from_db()
    assert (line.outcome, line.charge.unit_price) == (ReturnOutcome.BILLED, Decimal("149.0000"))
    assert line.decided_by == staff.user
    assert Rma.objects.count() == 0


# EQP-4 — staff decide on an RMA from the customer's photos of the defect: the RMA's page lists
# them, each a download (attachment, nosniff, never cached) — before, the back office showed no
# photo at all. Another RMA's id with this photo: 404. No photo: said.
def test_rma_page_shows_the_defect_photos(staff, tenant, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = str(tmp_path)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    order = rent(tenant.client, tenant.site, make_model(), quantity=2)
    first, second = order.items.order_by("serial_number")
    for item in (first, second):
        items.item_deliver(item=item)
    shown = rma.rma_request(
        client=tenant.client, item=first, description="Écran noir",
        photos=[SimpleUploadedFile("ecran.png", png, content_type="image/png")],
    )  # fmt: skip
    bare = rma.rma_request(client=tenant.client, item=second, description="Pas de son")
    photo = shown.photos.get()
    url = reverse("admin:equipment_rma_photo", args=[shown.pk, photo.pk])
    page = staff.get(reverse("admin:equipment_rma_change", args=[shown.pk])).content.decode()
    assert f'href="{url}">ecran.png</a>' in page
    download = staff.get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == png
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    other = reverse("admin:equipment_rma_photo", args=[bare.pk, photo.pk])
    assert staff.get(other).status_code == 404
    page = staff.get(reverse("admin:equipment_rma_change", args=[bare.pk])).content.decode()
    assert "Aucune photo." in page or "No photo." in page
