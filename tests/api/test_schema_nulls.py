"""The OpenAPI document says which fields may be null, and the answers keep to it (SPEC §9: the
document a partner generates its client from): every null an answer holds is at a field the
schema marks ``nullable`` — a client generated from it would otherwise reject the answer."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from kernel.clock import paris_today
from tests.offers.factories import make_contract
from tests.usage.core_helpers import seed
from usage.models import Tariff
from usage.services import tariff_changes

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def components(django_db_blocker):
    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]


def undocumented_nulls(value, node, components, where="") -> list[str]:
    """The places where ``value`` holds a null its schema ``node`` does not allow."""
    node = _component(node, components)
    if "allOf" in node and len(node["allOf"]) == 1:
        own = {key: item for key, item in node.items() if key != "allOf"}
        node = {**_component(node["allOf"][0], components), **own}
    if value is None:
        return [] if node.get("nullable") else [where or "(root)"]
    found = []
    if isinstance(value, dict):
        for key, child in value.items():
            prop = node.get("properties", {}).get(key)
            if prop is not None:
                found += undocumented_nulls(child, prop, components, f"{where}.{key}")
    elif isinstance(value, list) and "items" in node:
        for child in value:
            found += undocumented_nulls(child, node["items"], components, f"{where}[]")
    return found


def _component(node, components):
    return components[node["$ref"].rsplit("/", 1)[-1]] if "$ref" in node else node


# CON-6 — GET /tariff-changes/ of an increase on an open-ended tariff (valid_to null) and a new
# destination (no previous price: previous_rate_per_minute null): the schema said valid_to was
# always a date; it is nullable now, as the answer is.
def test_tariff_change_nulls_are_documented(api, tenant, components):
    seed()
    make_contract(tenant.client, "hosted-a")
    first = paris_today() + timedelta(days=40)
    Tariff.objects.create(
        name="Maroc mobile", prefix="+2126", rate_per_minute=Decimal("0.9000"), valid_from=first
    )
    announcement = tariff_changes.tariffs_announce()
    page = api.get(reverse("api:tariff-change-list")).json()
    (row,) = page["results"]
    assert row["tariffs"][0]["valid_to"] is None  # open-ended
    assert undocumented_nulls(row, {"$ref": "#/TariffAnnouncement"}, components) == []
    detail = api.get(reverse("api:tariff-change-detail", args=[announcement.pk])).json()
    assert undocumented_nulls(detail, {"$ref": "#/TariffAnnouncement"}, components) == []
