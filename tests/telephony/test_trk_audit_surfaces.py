"""TRK-1 / TRK-4 / CON-3: the portal page, the partner API and the back office tell the same
packs, channels, monthly price and next renewal of a trunk."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from offers import services as offers
from tests.offers.test_admin import _staff_with_mfa
from tests.telephony.factories import make_trunk

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def _text(response) -> str:
    page = response.content.decode().replace("\xa0", " ").replace("\u202f", " ")
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


# TRK-1 / CON-3 — a trunk of 12 channels (one 10-pack 39.00 + two 1-packs 2 × 5.00 = 49.00 € HT
# a month), in its period of November 2026, seen on 21 November: the customer's page, its
# partner's API (the trunk and its contract) and our back office say 12 channels, 10 + 2 × 1,
# 49.00 € a month, renewed on 1 December 2026. Once a termination effective on 1 December is
# scheduled, there is no next renewal: the API's ``next_renewal`` is null, and the portal's
# page said « Prochain renouvellement : 01/12/2026 » all the same.
def test_trk1_portal_api_and_back_office_agree_on_a_trunk(client, tenant, api):
    with time_machine.travel(datetime(2026, 11, 21, 10, tzinfo=PARIS), tick=False):
        trunk = make_trunk(tenant.client, channels=12, renew_to=date(2026, 11, 1))
        contract = trunk.contract
        portal = Client(HTTP_ACCEPT_LANGUAGE="fr")
        portal.force_login(tenant.members["admin"].user)
        _staff_with_mfa(client)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
        staff = client

        def surfaces():
            page = _text(portal.get(reverse("telephony:trunk", args=[trunk.pk])))
            api_trunk = api.get(f"/api/v1/trunks/{trunk.pk}/").json()
            api_contract = api.get(f"/api/v1/contracts/{contract.pk}/").json()
            back = _text(staff.get(reverse("admin:telephony_trunk_change", args=[trunk.pk])))
            return page, api_trunk, api_contract, back

        page, api_trunk, api_contract, back = surfaces()
        assert api_trunk["channels"] == 12
        assert [(p["channels"], p["count"]) for p in api_trunk["packs"]] == [(10, 1), (1, 2)]
        assert api_trunk["monthly_price"] == "49.0000"
        assert api_contract["next_renewal"] == "2026-12-01"
        assert "12 canaux simultanés" in page
        assert "Prix mensuel (HT) 49,00 €" in page
        assert "Prochain renouvellement : 01/12/2026" in page
        for shown in (
            "Canaux : 12",
            "Packs détenus aujourd'hui : 1×10 + 2×1",
            "Prix mensuel (€ HT) : 49,00 €",
            "Prochain renouvellement : 1er décembre 2026",
        ):
            assert shown in back.replace("&#x27;", "'"), shown

        offers.contract_request_termination(contract=contract, requested_date=date(2026, 12, 1))
        page, api_trunk, api_contract, back = surfaces()
        assert api_contract["next_renewal"] is None
        assert "Prochain renouvellement" not in page
        assert "Prochain renouvellement : —" in back
