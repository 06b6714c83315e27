"""SPEC §9 (ACC-3), input read one way: a body naming a field the operation does not have is a
400 naming it — never silently ignored. ``PATCH /customers/{id}`` with ``{"legal_nam": "Zed"}``
answered 200 and changed nothing; a termination posted with a misspelt ``expected_fee_amount``
was recorded without the fee check the partner meant to make.
"""

import importlib
import inspect
import pkgutil
from datetime import date

import pytest
import time_machine
from django.apps import apps
from django.conf import settings
from django.urls import reverse
from rest_framework import serializers

from accounts.models import Client
from kernel.api_fields import KnownFieldsMixin
from offers.models import Termination
from tests.offers.factories import make_contract
from tests.offers.test_api import paris

pytestmark = pytest.mark.django_db


# ACC-3 — a misspelt field: 400 naming it and the fields the operation has; nothing changed.
def test_a_misspelt_field_is_a_400_naming_it(api, tenant):
    url = reverse("api:customer-detail", args=[tenant.client.pk])
    response = api.patch(url, {"legal_nam": "Zed"}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert list(error["fields"]) == ["legal_nam"]
    message = error["fields"]["legal_nam"][0]
    assert message.startswith("Unknown field.") and "legal_name" in message
    tenant.client.refresh_from_db()
    assert tenant.client.legal_name == "Acme SAS"

    french = api.patch(url, {"legal_nam": "Zed"}, format="json", HTTP_ACCEPT_LANGUAGE="fr")
    assert french.json()["error"]["fields"]["legal_nam"][0].startswith("Champ inconnu.")


# ACC-3 — a read-only field echoed back (a partner PATCHing what it read) is not refused.
def test_a_read_only_field_echoed_is_accepted(api, tenant):
    url = reverse("api:customer-detail", args=[tenant.client.pk])
    body = {"id": tenant.client.pk, "status": "active", "legal_name": "Acme Group SAS"}
    response = api.patch(url, body, format="json")
    assert response.status_code == 200, response.json()
    assert Client.objects.get(pk=tenant.client.pk).legal_name == "Acme Group SAS"


# CON-4, CON-5 — a termination whose fee check is misspelt is refused, not recorded unchecked.
def test_a_termination_with_a_misspelt_fee_check_is_refused(api, tenant):
    contract = make_contract(
        tenant.client, "hosted-a", signature=date(2025, 2, 20), service_start=date(2025, 3, 1)
    )
    url = reverse("api:contract-terminate", args=[contract.pk])
    with time_machine.travel(paris(2026, 10, 15, 10, 0), tick=False):
        response = api.post(
            url, {"requested_date": "2026-11-15", "expected_fee": "0.00"}, format="json"
        )
    assert response.status_code == 400, response.json()
    assert list(response.json()["error"]["fields"]) == ["expected_fee"]
    assert not Termination.objects.filter(contract=contract).exists()


# ACC-3 — query strings keep their paging and format parameters (the consumption summary).
def test_a_query_string_is_not_checked_for_unknown_names(api, tenant):
    response = api.get(
        reverse("api:call-summary"),
        {"customer": tenant.client.pk, "month": "2026-10", "format": "json"},
    )
    assert response.status_code == 200, response.json()


# ACC-3 — every serializer of the partner API refuses unknown fields (so a new one cannot forget).
def test_every_api_serializer_refuses_unknown_fields():
    lax = []
    for app in apps.get_app_configs():
        try:
            package = importlib.import_module(f"{app.name}.api")
        except ModuleNotFoundError:
            continue
        if not app.path.startswith(str(settings.BASE_DIR)):
            continue
        for module_info in pkgutil.iter_modules(getattr(package, "__path__", [])):
            module = importlib.import_module(f"{app.name}.api.{module_info.name}")
            for name, cls in inspect.getmembers(module, inspect.isclass):
                if (
                    cls.__module__ == module.__name__
                    and issubclass(cls, serializers.Serializer)
                    and not issubclass(cls, KnownFieldsMixin)
                ):
                    lax.append(f"{module.__name__}.{name}")
    assert lax == []
