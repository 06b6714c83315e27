"""The catalogue in English (SPEC §9: the portal is French by default, English available;
PLATFORM 24: the offers, products and options shown to the customer). Each offer and product
has an English name beside its French one, entered by staff in the back office; an English page
and an API request in English (``Accept-Language: en``) name them in English, or in French when
no English name was entered. Invoices stay French whatever the reader's language (BIL-3: a legal
document)."""

import html
from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.choices import Role
from billing import services as billing
from billing.models import InvoiceLine
from offers.models import Offer, Product
from tests.offers.factories import make_contract
from tests.offers.test_admin import _staff_with_mfa

pytestmark = pytest.mark.django_db


@pytest.fixture
def web(client, tenant):
    client.force_login(tenant.members[Role.ADMIN].user)
    return client


def _page(web, route, language, *args) -> str:
    web.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    response = web.get(reverse(route, args=args))
    assert response.status_code == 200
    return html.unescape(response.content.decode())


# PLATFORM 24 — the seeded catalogue (data migrations of offers, telephony, numbering,
# equipment) has an English name for every offer and product.
def test_seeded_catalogue_is_named_in_english():
    assert dict(Offer.objects.values_list("code", "name_en")) == {
        "sip-unl": "Unlimited SIP",
        "trunk": "SIP Trunk",
        "hosted-w": "Hosted telephony Pro",
        "platform": "Voice API platform",
        "hosted-a": "Hosted telephony Site",
        "equipment-rental-12": "Equipment rental — 12 months",
        "equipment-rental-24": "Equipment rental — 24 months",
        "equipment-rental-36": "Equipment rental — 36 months",
    }
    names = dict(Product.objects.values_list("code", "name_en"))
    assert [code for code, name in names.items() if not name] == []
    assert (names["sip-unl-account"], names["hosted-w-voicemail"]) == (
        "Unlimited SIP account",
        "Voicemail",
    )
    assert (names["trunk-pack-4"], names["number-geographic"]) == (
        "SIP trunk pack of 4 channels",
        "Geographic number (01 to 05)",
    )


# SPEC §9 — a contract's page and the contract list: « SIP illimité » and « Compte SIP
# illimité » in French, "Unlimited SIP" and "Unlimited SIP account" in English, never the
# other language's.
def test_contract_pages_name_the_offer_in_the_readers_language(web, tenant):
    contract = make_contract(tenant.client, "sip-unl", quantity=3)
    english = _page(web, "offers:detail", "en", contract.pk)
    assert "Unlimited SIP account" in english and "Unlimited SIP" in english
    assert "SIP illimité" not in english
    french = _page(web, "offers:detail", "fr", contract.pk)
    assert "Compte SIP illimité" in french and "Unlimited" not in french
    assert "Unlimited SIP" in _page(web, "offers:list", "en")
    assert "SIP illimité" not in _page(web, "offers:list", "en")
    assert "SIP illimité" in _page(web, "offers:list", "fr")


# SPEC §9 — no English name entered: the English page says the French one.
def test_english_page_falls_back_to_the_french_name(web, tenant):
    Offer.objects.filter(code="sip-unl").update(name_en="")
    contract = make_contract(tenant.client, "sip-unl")
    english = _page(web, "offers:detail", "en", contract.pk)
    assert "SIP illimité" in english and "Unlimited SIP account" in english


def _offer(api, language, code="platform"):
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    listed = api.get(reverse("api:offer-list"), **headers).json()["results"]
    [row] = [row for row in listed if row["code"] == code]
    detail = api.get(reverse("api:offer-detail", args=[code]), **headers).json()
    assert detail == row  # the list (written by PostgreSQL) and the detail (by the serializer)
    return row


# ACC-3, PLATFORM 24 — the partner API names the catalogue in the request's language: the
# offer, its main product and its options in English with ``Accept-Language: en``, in French
# with ``fr`` or without the header; a contract's lines too (list and detail alike).
def test_api_names_in_the_request_language(api, tenant):
    english = _offer(api, "en")
    assert (english["name"], english["main_product"]["name"]) == (
        "Voice API platform",
        "Voice platform subscription",
    )
    assert "BGP peering" in [option["name"] for option in english["options"]]
    for language in ("fr", None):
        french = _offer(api, language)
        assert (french["name"], french["main_product"]["name"]) == (
            "Plateforme voix API",
            "Abonnement plateforme voix",
        )
        assert "Peering BGP" in [option["name"] for option in french["options"]]
    contract = make_contract(tenant.client, "sip-unl")
    for language, name in (("en", "Unlimited SIP account"), ("fr", "Compte SIP illimité")):
        listed = api.get(reverse("api:contract-list"), HTTP_ACCEPT_LANGUAGE=language).json()
        detail = api.get(
            reverse("api:contract-detail", args=[contract.pk]), HTTP_ACCEPT_LANGUAGE=language
        ).json()
        [row] = listed["results"]
        assert [line["product_name"] for line in row["lines"]] == [name]
        assert [line["product_name"] for line in detail["lines"]] == [name]


# BIL-3 — an invoice is French whatever the language it is made in: its subscription line names
# the offer and product in French (« SIP illimité — Compte SIP illimité », 19.90 € HT).
def test_invoice_lines_stay_french(tenant):
    make_contract(
        tenant.client, "sip-unl", signature=date(2026, 8, 20), service_start=date(2026, 9, 1)
    )
    with translation.override("en"):
        billing.run_month_sync(month=date(2026, 9, 1))
    line = InvoiceLine.objects.get(kind="subscription", period_start=date(2026, 10, 1))
    assert line.description == "SIP illimité — Compte SIP illimité"
    assert "Unlimited" not in line.description


# PLATFORM 24 — staff enter the English name in the back office, on the product and the offer.
def test_back_office_edits_the_english_name(client):
    _staff_with_mfa(client)
    product = Product.objects.get(code="hosted-w-ivr")
    page = client.get(reverse("admin:offers_product_change", args=[product.pk])).content.decode()
    assert 'name="name_en"' in page
    offer = Offer.objects.get(code="hosted-w")
    page = client.get(reverse("admin:offers_offer_change", args=[offer.pk])).content.decode()
    assert 'name="name_en"' in page
