"""The partner API names call destinations in the request's language (SPEC §9: French by default,
English available; ACC-3: ``Accept-Language``), as it names the catalogue (PLATFORM 24): the
destination groups of a trunk or SIP account (TRK-6) and the tariffs of a tariff change (CON-6)
each have an English name beside their French one — seeded by the data migrations, entered by
staff for their own rows — read with ``Accept-Language: en``; French with ``fr`` or without the
header."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from kernel.clock import paris_today
from telephony.models import DestinationGroup
from tests.offers.factories import make_contract
from tests.telephony.factories import make_sip_account
from tests.usage.core_helpers import seed
from usage.models import Tariff
from usage.services import tariff_changes

pytestmark = pytest.mark.django_db

GROUPS_EN = {
    "fr-fixed": "France — landlines",
    "fr-mobile": "France — mobiles",
    "fr-special-08": "France — special numbers 08",
    "international-eu": "International — European Union",
    "international-world": "International — rest of the world",
    "premium-rate": "Premium-rate numbers",
    "high-risk": "High-risk international and satellite (fraud)",
}
GROUPS_FR = {
    "fr-fixed": "France — fixes",
    "fr-mobile": "France — mobiles",
    "fr-special-08": "France — numéros spéciaux 08",
    "international-eu": "International — Union européenne",
    "international-world": "International — reste du monde",
    "premium-rate": "Numéros surtaxés",
    "high-risk": "International à risque et satellites (fraude)",
}


def _names(api, url, language):
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    response = api.get(url, **headers)
    assert response.status_code == 200
    return {row["group"]: row["name"] for row in response.json()}


# SPEC §9, TRK-6 — GET /sip-accounts/{id}/destinations/ with Accept-Language: en said
# « France — fixes », « Numéros surtaxés »: the groups' English names now; French with fr or
# no header. A group staff added with no English name reads its French name in both.
def test_destination_groups_named_in_the_request_language(api, tenant):
    sip, _secret = make_sip_account(tenant.client)
    url = reverse("api:sip-account-destinations", args=[sip.pk])
    assert _names(api, url, "en") == GROUPS_EN
    assert _names(api, url, "fr") == GROUPS_FR
    assert _names(api, url, None) == GROUPS_FR
    DestinationGroup.objects.create(code="antarctica", name="Antarctique", position=99)
    DestinationGroup.objects.create(
        code="iridium", name="Réseau Iridium", name_en="Iridium network", position=98
    )
    english, french = _names(api, url, "en"), _names(api, url, "fr")
    assert (english["antarctica"], french["antarctica"]) == ("Antarctique", "Antarctique")
    assert (english["iridium"], french["iridium"]) == ("Iridium network", "Réseau Iridium")


# SPEC §9, PLATFORM 24 — the seeded grid (usage 0004) has an English name for every row: the
# country and kind of number the English tariffs page already showed (« Morocco — Mobile »),
# the world zones and networks translated (« Rest of the world (zone 1) »).
def test_seeded_grid_is_named_in_english():
    seed()
    names = dict(Tariff.objects.values_list("name", "name_en"))
    assert [name for name, english in names.items() if not english] == []
    assert names["Maroc mobile"] == "Morocco — Mobile"
    assert names["France numéro vert (080)"] == "France — Toll free (080)"
    assert names["Reste du monde (zone 1)"] == "Rest of the world (zone 1)"
    assert names["Réseaux satellitaires (+870)"] == "Satellite networks (+870)"
    assert names["Réseaux internationaux (+882)"] == "International networks (+882)"


# CON-6, SPEC §9 — GET /tariff-changes/ with Accept-Language: en named the tariffs « Maroc
# mobile »: « Morocco — Mobile » now (its English name), list and detail alike; a row staff
# entered with no English name reads as the English tariffs page names it (« Numbers starting
# with +2126 »), never French; French with fr or without the header.
def test_tariff_change_names_in_the_request_language(api, tenant):
    seed()
    make_contract(tenant.client, "hosted-a")
    first = paris_today() + timedelta(days=40)
    common = {"valid_from": first, "rate_per_minute": Decimal("0.9000")}
    Tariff.objects.create(
        name="Maroc mobile", name_en="Morocco — Mobile", country="MA", line_type="mobile", **common
    )
    Tariff.objects.create(name="Maroc mobile Orange", prefix="+2126", **common)
    announcement = tariff_changes.tariffs_announce()
    detail_url = reverse("api:tariff-change-detail", args=[announcement.pk])
    expected = {
        "en": ["Morocco — Mobile", "Numbers starting with +2126"],
        "fr": ["Maroc mobile", "Maroc mobile Orange"],
        None: ["Maroc mobile", "Maroc mobile Orange"],
    }
    for language, names in expected.items():
        headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
        (row,) = api.get(reverse("api:tariff-change-list"), **headers).json()["results"]
        detail = api.get(detail_url, **headers).json()
        assert sorted(t["name"] for t in row["tariffs"]) == sorted(names), language
        assert detail["tariffs"] == row["tariffs"]
