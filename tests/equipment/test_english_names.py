"""The equipment catalogue in English (SPEC §9: the portal is French by default, English
available; PLATFORM 24 and EQP-1: the models shown to the customer). A model has an English name
beside its French one, entered by staff in the back office (through the catalogue's service, as
the back office edits models); English pages and API requests in English
(``Accept-Language: en``) name it in English, French pages and requests in French, and without
an English name everybody reads the French one. Invoice lines and the return label stay French
(BIL-3, EQP-5: French documents). The offers' descriptions too (the rental offers')."""

import html
from datetime import date
from decimal import Decimal

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from accounts.choices import BillingMode, Role
from accounts.models import AuditLog, User
from equipment import demo
from equipment.choices import ModelKind
from equipment.models import EquipmentModel
from equipment.services import catalogue, items, orders
from equipment.services.return_open import open_return
from equipment.services.rma import rma_request
from tests.conftest import login
from tests.equipment.factories import rent, sell

pytestmark = pytest.mark.django_db

FRENCH, ENGLISH = "Routeur Fortinet FG-40F", "Fortinet FG-40F router"


def _router(**kwargs) -> EquipmentModel:
    return catalogue.model_create(
        code="fortinet-fg40f", name=FRENCH, kind=ModelKind.ROUTER, sale_price=Decimal("420.00"),
        rental_price=Decimal("15.00"), effective_from=date(2024, 1, 1), **kwargs,
    )  # fmt: skip


def _page(web, language, route, *args) -> str:
    response = web.get(reverse(route, args=args), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def _delivered(order):
    for item in order.items.all():
        items.item_deliver(item=item, delivered_on=order.ordered_on)
    return order.items.order_by("serial_number").first()


@pytest.fixture
def pages(client, tenant):
    """Every portal page of equipment naming the router: its item (rented), an RMA of it, a
    return of a second router (sold), a request for it."""
    tenant.client.partner.billing_mode = BillingMode.RESELLER_BILLED
    tenant.client.partner.save(update_fields=["billing_mode"])
    router = _router(name_en=ENGLISH)
    item = _delivered(rent(tenant.client, tenant.site, router, ordered_on=date(2026, 1, 5)))
    rma = rma_request(client=tenant.client, item=item, description="Ne démarre plus.")
    sold = sell(tenant.client, tenant.site, router, ordered_on=date(2026, 1, 5))
    open_return(
        client=tenant.client, reason="contract_end", items=list(sold.items.all()),
        last_day=date(2026, 12, 24),
    )  # fmt: skip
    orders.request_create(client=tenant.client, site=tenant.site, model=router, tenure="sale")
    login(client, tenant.members[Role.ADMIN])
    return client, [
        ("equipment:items",),
        ("equipment:item", item.pk),
        ("equipment:rma_create", sold.items.get().pk),  # the rented one has an open RMA
        ("equipment:rental_end", item.pk),
        ("equipment:rmas",),
        ("equipment:rma", rma.pk),
        ("equipment:returns",),
        ("equipment:requests",),  # the request listed, and the form's drop-down
    ]


# SPEC §9, EQP-1 — « Routeur Fortinet FG-40F » on English pages: now "Fortinet FG-40F router"
# on each of them, and the French name on the French ones.
def test_portal_pages_name_the_model_in_the_readers_language(pages):
    web, routes = pages
    for route, *args in routes:
        english = _page(web, "en", route, *args)
        assert ENGLISH in english and FRENCH not in english, route
        french = _page(web, "fr", route, *args)
        assert FRENCH in french and ENGLISH not in french, route


# SPEC §9 — no English name entered: the English page reads the French name.
def test_english_page_falls_back_to_the_french_name(client, tenant):
    item = _delivered(rent(tenant.client, tenant.site, _router()))
    login(client, tenant.members[Role.ADMIN])
    assert FRENCH in _page(client, "en", "equipment:item", item.pk)


# ACC-3, SPEC §9 — the API's model_name in the request's language: list (written by
# PostgreSQL) and detail (by the serializer) alike; French without the header.
def test_api_names_the_model_in_the_request_language(api, tenant):
    _delivered(rent(tenant.client, tenant.site, _router(name_en=ENGLISH)))
    for language, name in (("en", ENGLISH), ("fr", FRENCH), (None, FRENCH)):
        headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
        [row] = api.get(reverse("api:equipment-item-list"), **headers).json()["results"]
        detail = api.get(reverse("api:equipment-item-detail", args=[row["id"]]), **headers)
        assert (row["model_name"], detail.json()["model_name"]) == (name, name)
        assert row == detail.json()


# ACC-3 — a partner ordering in English more routers than the stock holds read the French name
# in the error: « Only 0 Routeur Fortinet FG-40F in stock. » -> the English name.
def test_api_stock_error_names_the_model_in_english(api, tenant):
    _router(name_en=ENGLISH)
    response = api.post(
        reverse("api:equipment-order-list"),
        {"customer": tenant.client.pk, "site": tenant.site.pk, "tenure": "sale",
         "model": "fortinet-fg40f", "quantity": 1},
        format="json", HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip
    assert response.status_code == 400
    assert ENGLISH in str(response.json()) and FRENCH not in str(response.json())


# BIL-3, EQP-5 — the sale's invoice line and the return label stay French.
def test_invoice_line_and_label_stay_french(tenant):
    from django.utils import translation

    from equipment.documents import label_context

    router = _router(name_en=ENGLISH)
    with translation.override("en"):
        order = sell(tenant.client, tenant.site, router)
    assert FRENCH in order.charge.description and ENGLISH not in order.charge.description
    back = open_return(
        client=tenant.client, reason="contract_end", items=list(order.items.all()),
        last_day=date(2026, 12, 24),
    )  # fmt: skip
    with translation.override("en"):
        assert [line["model"] for line in label_context(back)["items"]] == [FRENCH]


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


# PLATFORM 24, EQP-1 — staff enter the English name in the back office: with a new model, and on
# an existing one by the catalogue's action (its French name kept unless changed), audited.
def test_back_office_enters_the_english_name(staff):
    response = staff.post(
        reverse("admin:equipment_equipmentmodel_add"),
        {"code": "yealink-w73p", "name": "Yealink W73P (base DECT)", "kind": "dect",
         "name_en": "Yealink W73P (DECT base)", "sale_price": "189,00", "rental_price": "8,00",
         "warranty_months": "12"},
    )  # fmt: skip
    assert response.status_code == 302
    assert EquipmentModel.objects.get(code="yealink-w73p").name_en == "Yealink W73P (DECT base)"
    router = _router()
    changelist = reverse("admin:equipment_equipmentmodel_changelist")
    form = staff.post(changelist, {"action": "rename", ACTION_CHECKBOX_NAME: [router.pk]})
    assert form.status_code == 200 and 'name="name_en"' in form.content.decode()
    assert f'value="{FRENCH}"' in form.content.decode()  # the names as they are, to edit
    done = staff.post(
        changelist,
        {"action": "rename", ACTION_CHECKBOX_NAME: [router.pk], "apply": "1", "name": FRENCH,
         "name_en": ENGLISH},
    )  # fmt: skip
    assert done.status_code == 302
    router.refresh_from_db()
    assert (router.name, router.name_en) == (FRENCH, ENGLISH)
    audit = AuditLog.objects.get(action="equipment_model.rename")
    assert (audit.actor, audit.after["name_en"]) == (staff.user, ENGLISH)
    page = staff.get(changelist).content.decode()
    assert ENGLISH in page  # listed beside the French name


# PLATFORM 24 — the demo catalogue is named in English; a demo model loaded before English
# names existed gets its English name, one staff entered is kept.
def test_demo_catalogue_is_named_in_english():
    demo.load()
    assert dict(EquipmentModel.objects.values_list("code", "name_en")) == {
        "yealink-t46u": "Yealink T46U",
        "yealink-w73p": "Yealink W73P (DECT base)",
        "fortinet-fg40f": "Fortinet FG-40F router",
    }
    EquipmentModel.objects.filter(code="fortinet-fg40f").update(name_en="")
    EquipmentModel.objects.filter(code="yealink-t46u").update(name_en="T46U desk phone")
    demo.load()
    assert dict(EquipmentModel.objects.values_list("code", "name_en")) == {
        "yealink-t46u": "T46U desk phone",
        "yealink-w73p": "Yealink W73P (DECT base)",
        "fortinet-fg40f": "Fortinet FG-40F router",
    }


# PLATFORM 24 — the rental offers' description (« Location de matériel (EQP-3), engagement du
# bon de commande. ») read in French by an English partner: now in English, list and detail.
def test_api_offer_description_in_the_request_language(api):
    for language, description in (
        ("en", "Equipment rental (EQP-3), for the commitment of the order form."),
        ("fr", "Location de matériel (EQP-3), engagement du bon de commande."),
    ):
        listed = api.get(reverse("api:offer-list"), HTTP_ACCEPT_LANGUAGE=language).json()
        [row] = [r for r in listed["results"] if r["code"] == "equipment-rental-24"]
        detail = api.get(
            reverse("api:offer-detail", args=["equipment-rental-24"]),
            HTTP_ACCEPT_LANGUAGE=language,
        ).json()
        assert (row["description"], detail["description"]) == (description, description)
