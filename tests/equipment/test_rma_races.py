"""EQP-4 against PostgreSQL: one open RMA per item, even when it is reported twice at once."""

import pytest
from rest_framework.test import APIClient

from equipment.choices import RmaStatus
from equipment.models import Rma
from equipment.services import items as equipment_items
from tests.equipment.factories import make_model, rent
from tests.factories import ClientFactory, PartnerFactory, SiteFactory, make_api_key
from tests.races import first_holds_its_transaction

pytestmark = pytest.mark.django_db(transaction=True)


def _partner_api(partner):
    _key, raw = make_api_key(partner)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return api


# EQP-4 — a partner's RMA POSTed twice at once for one rented phone (a double click, a retry
# without Idempotency-Key): both were 201, two open RMAs of one defect — two replacements to
# approve and ship. Now the item is locked while checked: one RMA, the second a 400 on item
# ("An RMA of this item is already open.").
def test_an_item_reported_twice_at_once_gets_one_rma():
    partner = PartnerFactory()
    client = ClientFactory(partner=partner)
    order = rent(client, SiteFactory(client=client), make_model())
    (item,) = order.items.all()
    equipment_items.item_deliver(item=item)
    body = {"item": item.pk, "description": "Écran noir"}
    answers = []
    first, second = _partner_api(partner), _partner_api(partner)
    errors = first_holds_its_transaction(
        lambda: answers.append(first.post("/api/v1/rmas/", body, format="json")),
        lambda: answers.append(second.post("/api/v1/rmas/", body, format="json")),
    )
    assert errors == []
    assert sorted(a.status_code for a in answers) == [201, 400]
    refused = next(a for a in answers if a.status_code == 400)
    assert "item" in refused.json()["error"]["fields"]
    assert Rma.objects.filter(item=item, status=RmaStatus.REQUESTED).count() == 1
