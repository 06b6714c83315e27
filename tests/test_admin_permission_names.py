"""A team's rights on the back office, named in the page's language (ACC-4).

Django stores each model's default permissions once, in English ("Can add API key"): the French
page of a team (Authentification et autorisation › Groupes) listed « Clients et partenaires |
clé d'API | Can add API key ». The page names them from the model's translated names:
« Clients et partenaires | Clés d'API : ajouter »."""

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission

from kernel.queues import TEAM_GROUPS, Team
from tests.factories import sign_in_staff

pytestmark = pytest.mark.django_db
NBSP = "\u00a0"
PROJECT_APPS = {
    "accounts", "offers", "telephony", "numbering", "usage", "equipment", "billing", "payments",
    "support", "webhooks", "console", "kernel",
}  # fmt: skip


@pytest.fixture
def team():
    group, _ = Group.objects.get_or_create(name=TEAM_GROUPS[Team.BILLING])
    group.permissions.add(Permission.objects.get(codename="view_invoice"))
    return group


def _page(client, team, language):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    sign_in_staff(client)
    response = client.get(f"/backoffice/auth/group/{team.pk}/change/")
    assert response.status_code == 200
    return response.content.decode()


# ACC-4 — the French page: no "Can add/change/delete/view" left among the 488 rights offered.
def test_a_team_page_names_its_rights_in_french(client, team):
    page = _page(client, team, "fr")
    assert "Can add" not in page and "Can view" not in page and "Can delete" not in page
    assert f"Clients et partenaires | Clés d&#x27;API{NBSP}: ajouter" in page
    assert f"Clients et partenaires | Clés d&#x27;API{NBSP}: supprimer" in page
    # a collective name reads as well (« Ajouter des journal d'audit » would not)
    assert f"Clients et partenaires | Journal d&#x27;audit{NBSP}: voir" in page
    # the right the team holds, among those chosen
    assert f">Facturation | Factures{NBSP}: voir</option>" in page


def test_a_team_page_names_its_rights_in_english(client, team):
    page = _page(client, team, "en")
    assert "Can add" not in page
    assert "Customers and partners | API keys: add" in page


# ACC-4 — the photos a customer sends with an RMA (EQP-4) had no names of their own: the French
# page listed « Équipements | Rma photos : voir » (the class name, in English) -> « Photos de
# RMA : voir ». Every model of the project names itself, in both languages.
def test_every_right_names_its_model_in_french(client, team):
    page = _page(client, team, "fr")
    assert f"Équipements | Photos de RMA{NBSP}: voir" in page
    assert "Rma photo" not in page and "rma photo" not in page
    unnamed = [
        model._meta.label
        for app in apps.get_app_configs()
        for model in app.get_models()
        if model._meta.app_label in PROJECT_APPS
        and "verbose_name" not in model._meta.original_attrs
    ]
    assert unnamed == []


def test_rma_photo_rights_read_in_english(client, team):
    assert "Equipment | RMA photos: view" in _page(client, team, "en")
