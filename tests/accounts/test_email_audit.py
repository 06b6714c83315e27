"""ACC-4 — a person's e-mail addresses on allauth's page (« Adresses e-mail »): an address
added, confirmed, made the primary one and the old one removed are each an audit row, the
user's, scoped to their company."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.choices import Role
from accounts.models import AuditLog
from tests.conftest import login

pytestmark = pytest.mark.django_db


def test_email_addresses_changes_are_audited(client, tenant):
    member = tenant.members[Role.BILLING]
    old = member.user.email
    login(client, member)
    url = reverse("account_email")
    client.post(url, {"action_add": "", "email": "second@acme.example"})
    key = re.search(r"/accounts/confirm-email/([^/\s]+)/", mail.outbox[-1].body).group(1)
    client.post(reverse("account_confirm_email", args=[key]))
    client.post(url, {"action_primary": "", "email": "second@acme.example"})
    client.post(url, {"action_remove": "", "email": old})
    rows = AuditLog.objects.filter(action__startswith="user.email_").order_by("pk")
    assert [(r.action, r.before, r.after) for r in rows] == [
        ("user.email_add", {}, {"email": "second@acme.example"}),
        ("user.email_confirm", {}, {"email": "second@acme.example"}),
        ("user.email_change", {"email": old}, {"email": "second@acme.example"}),
        ("user.email_remove", {"email": old}, {}),
    ]
    assert {(r.actor, r.client, r.object_id) for r in rows} == {
        (member.user, tenant.client, str(member.user.pk))
    }
