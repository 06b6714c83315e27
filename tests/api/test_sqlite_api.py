"""``make run`` serves the partner API on SQLite: the API key's lookup (SQL written once,
``accounts.api.authentication``) converts its columns as the ORM does there too — SQLite's
decimal converter once made every API call of the demo answer 500 (issue 13)."""

import pytest

SCRIPT = """
from decimal import Decimal
from rest_framework.test import APIClient
from tests.factories import ClientFactory, PartnerFactory, make_api_key
partner = PartnerFactory(wholesale_discount_percent=Decimal("12.50"))
ClientFactory(partner=partner, legal_name="Cabinet SQLite")
key, raw = make_api_key(partner)
api = APIClient()
api.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
response = api.get("/api/v1/customers/", HTTP_HOST="localhost")
names = [row["legal_name"] for row in response.json()["results"]]
from accounts.api.authentication import key_by_prefix
discount = key_by_prefix(key.prefix).partner.wholesale_discount_percent
print("RESULT", response.status_code, names, discount)
"""


@pytest.mark.django_db(transaction=False)
def test_api_on_sqlite(sqlite_migrated):
    manage = sqlite_migrated
    out = manage("shell", "-c", SCRIPT)
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    assert line == "RESULT 200 ['Cabinet SQLite'] 12.50"
