"""Input robustness and isolation defects found by the audit of every surface (ACC-2, ACC-3):
each test proves one page or endpoint that answered 500 or showed another tenant's data."""

import pytest
from django.urls import reverse

from accounts.choices import Role

pytestmark = pytest.mark.django_db


# SLA-1 — the "report a failure" link pre-selects its contract (?contract=<id>): a value that is
# not an id in ASCII digits ("²", which str.isdigit() takes and int() refuses) is ignored, the
# empty form is shown — it answered 500.
@pytest.mark.parametrize("value", ["²", "١٢", "abc", "-1", ""])
def test_ticket_form_ignores_a_contract_that_is_not_an_id(client, tenant, value):
    client.force_login(tenant.members[Role.TECHNICAL].user)
    response = client.get(reverse("support:ticket_create"), {"contract": value})
    assert response.status_code == 200
    assert response.context["form"].initial == {}
