"""Portal pages of equipment (EQP-1..5), in French: equipment per site, the item's page, the
rental end quote then confirmation (EQP-3), the RMA request and follow-up (EQP-4), returns and
their labels (EQP-5), requests for equipment (ACC-2: the admin's). Query counts on lists."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.choices import BillingMode, Role
from equipment.choices import RequestStatus, RmaStatus
from equipment.models import EquipmentRequest, Rma
from equipment.services import items
from equipment.services.return_open import open_return
from offers.models import Termination
from tests.conftest import login
from tests.equipment.factories import make_model, rent, sell

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _delivered(order):
    for item in order.items.all():
        items.item_deliver(item=item, delivered_on=order.ordered_on)
    return order.items.order_by("serial_number").first()


def test_empty_states(client, tenant):
    login(client, tenant.members[Role.ADMIN])
    assert (
        "Aucun équipement pour l'instant."
        in client.get(reverse("equipment:items")).content.decode()
    )
    assert "Aucun RMA pour l'instant." in client.get(reverse("equipment:rmas")).content.decode()
    assert "Rien à restituer." in client.get(reverse("equipment:returns")).content.decode()
    requests_page = client.get(reverse("equipment:requests")).content.decode()
    assert "Aucune demande pour l'instant." in requests_page
    # the request form's drop-downs say what to choose, as the other forms (not "---------")
    assert "— Choisissez un site —" in requests_page and "---------" not in requests_page


def test_items_per_site_with_warranty_and_constant_queries(
    client, tenant, django_assert_max_num_queries
):
    # EQP-1: the items grouped by site; a page costs the same queries for 2 or 12 items.
    login(client, tenant.members[Role.READ_ONLY])
    model = make_model()
    _delivered(sell(tenant.client, tenant.site, model, quantity=2, ordered_on=date(2026, 3, 10)))
    with django_assert_max_num_queries(12) as few:
        page = client.get(reverse("equipment:items")).content.decode()
    assert "Siège Acme" in page and page.count('data-testid="item-row"') == 2
    assert "09/03/2027" in page  # EQP-2: delivered 2026-03-10, covered to 2027-03-09
    _delivered(rent(tenant.client, tenant.site, model, quantity=10))
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("equipment:items")).content.decode()
    assert page.count('data-testid="item-row"') == 12


def test_rental_end_quote_then_confirmation(client, tenant):
    # EQP-3 (the example): 60,00 € quoted, then confirmed by the administrator.
    item = _delivered(rent(tenant.client, tenant.site, make_model(rental="6.00"),
                           ordered_on=date(2025, 10, 1)))  # fmt: skip
    login(client, tenant.members[Role.ADMIN])
    url = reverse("equipment:rental_end", args=[item.pk])
    with time_machine.travel("2026-11-15 10:00 +01:00", tick=False):
        page = client.get(url).content.decode()
        assert 'data-testid="rental-fee">60,00&nbsp;€' in page
        assert "10 mensualités restantes de 6,00" in page
        response = client.post(
            url, {"expected_effective_date": "2026-11-15", "expected_fee": "60.00"}
        )
    assert response.status_code == 302
    termination = Termination.objects.get(contract=item.order.contract)
    assert (termination.effective_date, termination.fee_amount) == (
        date(2026, 11, 15),
        Decimal("60.00"),
    )


def test_rental_end_page_shows_the_whole_monthly_instalment(client, tenant):
    # EQP-3: two phones rented at 6,00 € each: the rental costs 2 × 6,00 = 12,00 € HT a month,
    # the instalment its quote counts (ordered 2025-10-01 for 24 months, ended 2026-11-15:
    # 10 instalments of 12,00 € = 120,00 €). The page's « Mensualité » read 6,00 € HT, the
    # price of one phone, above « 10 mensualités restantes de 12,00 € ».
    order = rent(tenant.client, tenant.site, make_model(rental="6.00"),
                 ordered_on=date(2025, 10, 1), quantity=2)  # fmt: skip
    item = _delivered(order)
    login(client, tenant.members[Role.ADMIN])
    with time_machine.travel("2026-11-15 10:00 +01:00", tick=False):
        page = client.get(reverse("equipment:rental_end", args=[item.pk])).content.decode()
    assert "10 mensualités restantes de 12,00" in page
    assert 'data-testid="rental-fee">120,00&nbsp;€' in page
    page = page.replace("&nbsp;", "\u00a0")  # the template's entity, the catalogue's character
    assert 'data-testid="rental-instalment">12,00\u00a0€ HT (2 × 6,00\u00a0€)' in page


def test_technical_cannot_end_a_rental(client, tenant):
    item = _delivered(rent(tenant.client, tenant.site, make_model()))
    login(client, tenant.members[Role.TECHNICAL])
    assert client.get(reverse("equipment:rental_end", args=[item.pk])).status_code == 403


def test_rma_request_and_follow_up(client, tenant, django_user_model):
    # EQP-4: the technical member reports with a photo, then follows the RMA.
    item = _delivered(rent(tenant.client, tenant.site, make_model()))
    login(client, tenant.members[Role.TECHNICAL])
    page = client.get(reverse("equipment:rma_create", args=[item.pk])).content.decode()
    assert "sous 48\u00a0heures" in page or "sous 48 heures" in page
    response = client.post(
        reverse("equipment:rma_create", args=[item.pk]),
        {
            "description": "Le combiné ne s'allume plus.",
            "photos": [SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 32)],
        },
    )
    rma = Rma.objects.get(item=item)
    assert response.status_code == 302 and response["Location"] == reverse(
        "equipment:rma", args=[rma.pk]
    )
    page = client.get(response["Location"]).content.decode()
    assert "Le support vérifie le défaut" in page and "photo.jpg" in page
    photo = rma.photos.get()
    assert client.get(reverse("equipment:rma_photo", args=[rma.pk, photo.pk])).status_code == 200


def test_rma_form_errors_in_french(client, tenant):
    item = _delivered(rent(tenant.client, tenant.site, make_model()))
    login(client, tenant.members[Role.TECHNICAL])
    response = client.post(
        reverse("equipment:rma_create", args=[item.pk]),
        {"description": "x", "photos": [SimpleUploadedFile("x.txt", b"hello")]},
    )
    assert response.status_code == 200
    assert not Rma.objects.exists()
    assert "PNG" in response.content.decode()


def test_return_label_download(client, tenant):
    order = rent(tenant.client, tenant.site, make_model(), quantity=1)
    back = open_return(
        client=tenant.client, reason="rental_end", items=list(order.items.all()),
        last_day=date(2026, 12, 24), contract=order.contract,
    )  # fmt: skip
    login(client, tenant.members[Role.READ_ONLY])
    page = client.get(reverse("equipment:returns")).content.decode()
    assert back.reference in page and "28/12/2026" in page
    response = client.get(reverse("equipment:return_label", args=[back.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")


def test_admin_asks_for_equipment(client, tenant):
    # ACC-2: an order that costs money is the administrator's; staff confirm it.
    model = make_model()
    login(client, tenant.members[Role.ADMIN])
    response = client.post(
        reverse("equipment:requests"),
        {"site": tenant.site.pk, "model": model.pk, "tenure": "rental", "commitment_months": "24",
         "quantity": "3", "note": "Pour l'accueil"},
    )  # fmt: skip
    assert response.status_code == 302
    request = EquipmentRequest.objects.get()
    assert (request.quantity, request.commitment_months, request.status) == (
        3,
        24,
        RequestStatus.PENDING,
    )
    assert (
        "En attente de confirmation" in client.get(reverse("equipment:requests")).content.decode()
    )


def test_rental_request_needs_commitment(client, tenant):
    login(client, tenant.members[Role.ADMIN])
    response = client.post(
        reverse("equipment:requests"),
        {"site": tenant.site.pk, "model": make_model().pk, "tenure": "rental", "quantity": "1"},
    )
    assert response.status_code == 200 and not EquipmentRequest.objects.exists()
    assert "Choisissez l&#x27;engagement de la location." in response.content.decode()


# EQP-1, EQP-2, EQP-3 — the request form listed the models by name only: a customer asked for a
# sale or a 12- to 36-month rental without seeing a price. Each model now shows the catalogue's
# prices in force (excl. VAT): a phone sold 149,00 € HT, rented 6,00 € HT a month.
def test_request_form_shows_the_models_prices(client, tenant):
    tenant.client.partner.billing_mode = BillingMode.RESELLER_BILLED  # we invoice it
    tenant.client.partner.save(update_fields=["billing_mode"])
    model = make_model(sale="149.00", rental="6.00")
    login(client, tenant.members[Role.ADMIN])
    page = client.get(reverse("equipment:requests")).content.decode()
    select = page.split('name="model"')[1].split("</select>")[0]
    option = select.split(f'<option value="{model.pk}"')[1].split("</option>")[0]
    assert model.name in option
    assert "149,00\u00a0€ HT" in option and "6,00\u00a0€ HT par mois" in option, option


# ACC-3: a partner-billed customer pays its partner's prices: the request form lists the models
# without ours (« 149,00 € HT » was shown to a white-label customer).
def test_request_form_hides_our_prices_from_a_partner_billed_customer(client, tenant):
    tenant.client.partner.billing_mode = BillingMode.PARTNER_BILLED
    tenant.client.partner.save(update_fields=["billing_mode"])
    model = make_model(sale="149.00", rental="6.00")
    login(client, tenant.members[Role.ADMIN])
    page = client.get(reverse("equipment:requests")).content.decode()
    select = page.split('name="model"')[1].split("</select>")[0]
    option = select.split(f'<option value="{model.pk}"')[1].split("</option>")[0]
    assert model.name in option and "€" not in option, option


def test_technical_cannot_ask_for_equipment(client, tenant):
    login(client, tenant.members[Role.TECHNICAL])
    response = client.post(
        reverse("equipment:requests"),
        {"site": tenant.site.pk, "model": make_model().pk, "tenure": "sale", "quantity": "1"},
    )
    assert response.status_code == 403


def test_rma_list_constant_queries(client, tenant, django_assert_max_num_queries):
    from equipment.services.rma import rma_request

    model = make_model()
    order = rent(tenant.client, tenant.site, model, quantity=6)
    for item in order.items.all():
        items.item_deliver(item=item)
    first, *rest = list(order.items.all())
    rma_request(client=tenant.client, item=first, description="x")
    login(client, tenant.members[Role.ADMIN])
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("equipment:rmas"))
    for item in rest:
        rma_request(client=tenant.client, item=item, description="x")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("equipment:rmas")).content.decode()
    assert page.count('data-testid="rma-row"') == 6
    assert Rma.objects.filter(status=RmaStatus.REQUESTED).count() == 6


def test_returns_and_requests_pages_constant_queries(client, tenant, django_assert_max_num_queries):
    from equipment.services.orders import request_create

    model = make_model()

    def grow(count):
        for _ in range(count):
            order = rent(tenant.client, tenant.site, model, quantity=2)
            open_return(
                client=tenant.client, reason="rental_end", items=list(order.items.all()),
                last_day=date(2026, 12, 24), contract=order.contract,
            )  # fmt: skip
            request_create(client=tenant.client, site=tenant.site, model=model, tenure="sale")

    login(client, tenant.members[Role.ADMIN])
    grow(1)
    counts = {}
    for route in ("equipment:returns", "equipment:requests"):
        with django_assert_max_num_queries(15) as few:
            client.get(reverse(route))
        counts[route] = len(few.captured_queries)
    grow(4)
    for route, queries in counts.items():
        with django_assert_max_num_queries(queries):
            page = client.get(reverse(route)).content.decode()
        assert page.count("-row") >= 5
