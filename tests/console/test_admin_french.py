"""Issue 17 — the Django admin stays for raw data and speaks French throughout: every model
name and every field label of the apps is marked for translation and translated (no "Opened
by", "TICKET EVENTS", "Heartbeats")."""

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise

from support.choices import TicketKind
from support.services.tickets import ticket_open
from tests.console.conftest import make_staff_member

APPS = [
    "kernel",
    "accounts",
    "offers",
    "billing",
    "payments",
    "telephony",
    "support",
    "numbering",
    "webhooks",
    "console",
]
# Words spelled the same in both languages.
SAME_IN_FRENCH = {
    "id",
    "message",
    "note",
    "position",
    "pack",
    "packs",
    "trunk",
    "trunks",
    "ticket",
    "tickets",
    "client",
    "total",
    "action",
    "actions",
    "siren",
    "siret",
    "iban",
    "bic",
    "url",
    "rio",
    "zne",
    "description",
    "portabilité",
    "options",
    "excusable",
    "source",
    "mobilité",
    "contact",
    "contacts",
    "date",
    "message d'erreur",
    "sip",
    "quantité",
    "statut",
    "statut sip",
    "logo",
    "site",
    "sites",
    "code",
    "suspension",
    "suspensions",
    "packs (+/−)",
    "cause",
    "messages",
    "type",
    "secret",
    "user agent",
}


def _labels():
    for model in apps.get_models():
        if model._meta.app_label not in APPS:
            continue
        yield model, "model", model._meta.verbose_name
        yield model, "model (plural)", model._meta.verbose_name_plural
        for field in model._meta.get_fields():
            if field.auto_created or not hasattr(field, "verbose_name"):
                continue
            yield model, field.name, field.verbose_name


def test_every_label_is_translated():
    untranslated = []
    for model, what, label in _labels():
        if not isinstance(label, Promise):
            untranslated.append(f"{model._meta.label}.{what}: {label!r} (not marked)")
            continue
        with translation.override("en"):
            english = str(label)
        with translation.override("fr"):
            french = str(label)
        if french == english and english.lower() not in SAME_IN_FRENCH:
            untranslated.append(f"{model._meta.label}.{what}: {english!r}")
    assert untranslated == [], "\n".join(untranslated)


@pytest.mark.django_db
def test_ticket_and_dispute_pages_in_french(client, tenant):
    staff = make_staff_member("root@reseller.example", superuser=True)
    client.force_login(staff)
    ticket = ticket_open(
        client=tenant.client,
        kind=TicketKind.QUESTION,
        subject="Question",
        body="Bonjour",
        actor=tenant.members["admin"].user,
    )
    page = client.get(reverse("admin:support_ticket_change", args=[ticket.pk])).content.decode()
    assert "Ticket events" not in page and "TICKET EVENTS" not in page
    assert "Opened by" not in page
    page = client.get(reverse("admin:index")).content.decode()
    assert "Heartbeats" not in page
