"""E-mails read as their recipient: a partner's customer follows links to its partner's portal
(ACC-3: the brand and the portal host name the partner's customers see)."""

import re

import pytest
from django.core import mail

from accounts import services
from accounts.choices import Role
from accounts.notifications import notify_client

pytestmark = pytest.mark.django_db


def _links(body: str) -> list[str]:
    return re.findall(r"https?://\S+", body)


# ACC-3, ACC-2 — Nova's customer Acme is invited: the link opens Nova's portal
# (portail.nova.example), not the reseller's host, where the page would wear the reseller's brand.
def test_invitation_link_opens_the_partners_portal(
    django_capture_on_commit_callbacks, tenant, partner, settings
):
    settings.PORTAL_BASE_URL = "https://portail.azur-telecom.example"
    partner.host_name = "portail.nova.example"
    partner.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.member_invite(
            client=tenant.client,
            email="claire.martin@acme.example",
            role=Role.BILLING,
            invited_by=tenant.members[Role.ADMIN].user,
        )
    (message,) = mail.outbox
    (link,) = _links(message.body)
    assert link.startswith("https://portail.nova.example/accounts/password/reset/key/")
    # the reseller's customers keep the reseller's host
    partner.host_name = None
    partner.save()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.member_invite(
            client=tenant.client,
            email="paul.durand@acme.example",
            role=Role.BILLING,
            invited_by=tenant.members[Role.ADMIN].user,
        )
    assert _links(mail.outbox[0].body)[0].startswith("https://portail.azur-telecom.example/")


# ACC-5, ACC-3 — a password declared compromised: the reset link opens the partner's portal.
def test_compromised_link_opens_the_partners_portal(
    django_capture_on_commit_callbacks, tenant, partner, settings
):
    settings.PORTAL_BASE_URL = "https://portail.azur-telecom.example"
    partner.host_name = "portail.nova.example"
    partner.save()
    user = tenant.members[Role.BILLING].user
    with django_capture_on_commit_callbacks(execute=True):
        services.user_declare_compromised(user=user)
    (message,) = mail.outbox
    (link,) = _links(message.body)
    assert link.startswith("https://portail.nova.example/accounts/password/reset/key/")


# ACC-2, ACC-3 — someone already a member is invited again: the sign-in link is the partner's.
def test_invitation_existing_link_opens_the_partners_portal(
    django_capture_on_commit_callbacks, tenant, partner, settings
):
    settings.PORTAL_BASE_URL = "https://portail.azur-telecom.example"
    partner.host_name = "portail.nova.example"
    partner.save()
    member = tenant.members[Role.BILLING].user
    with django_capture_on_commit_callbacks(execute=True):
        services.member_invite_request(
            client=tenant.client,
            email=member.email,
            role=Role.BILLING,
            invited_by=tenant.members[Role.ADMIN].user,
        )
    (message,) = mail.outbox
    (link,) = _links(message.body)
    assert link.startswith("https://portail.nova.example/")


# ACC-3 — a partner-billed partner's customer reads its partner's brand, never the reseller's
# name: the sender is « Nova », the message is signed Nova with Nova's support address. The
# reseller's own customers read « Azur Télécom » and its support address.
def test_partner_customer_reads_its_partners_brand(
    django_capture_on_commit_callbacks, tenant, partner, settings
):
    settings.DEFAULT_FROM_EMAIL = "Azur Télécom <noreply@azur-telecom.example>"
    partner.support_email = "support@nova.example"
    partner.save()
    with django_capture_on_commit_callbacks(execute=True):
        notify_client(tenant.client, "offers/email/suspension_lifted", {"contract": _Contract()})
    (message,) = mail.outbox
    assert message.from_email == "Nova <noreply@azur-telecom.example>"
    assert message.body.rstrip().endswith("Nova\nsupport@nova.example")
    assert "Azur" not in message.subject + message.body + message.from_email
    # the reseller's own customer
    tenant.client.partner = None
    tenant.client.save()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        notify_client(tenant.client, "offers/email/suspension_lifted", {"contract": _Contract()})
    assert mail.outbox[0].from_email == "Azur Télécom <noreply@azur-telecom.example>"
    assert mail.outbox[0].body.rstrip().endswith("Azur Télécom\nsupport@azur-telecom.example")


# ACC-3, ACC-5 — the password e-mails are signed in the same brand.
def test_compromised_mail_is_signed_by_the_partner(
    django_capture_on_commit_callbacks, tenant, partner
):
    partner.support_email = "support@nova.example"
    partner.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.user_declare_compromised(user=tenant.members[Role.BILLING].user)
    (message,) = mail.outbox
    assert message.from_email.startswith("Nova <")
    assert message.body.rstrip().endswith("Nova\nsupport@nova.example")


class _Contract:
    reference = "CT-2026-0042"
    offer = type("Offer", (), {"display_name": "SIP illimité"})()


# BIL-7 — the first reminder of an invoice that bears no late charges (a late-charges invoice)
# read « 1 234,50 € TTC » with an ordinary space: the « € » could fall alone at the start of a
# line in the customer's mail reader. It reads « 1 234,50 € TTC » with non-breaking spaces,
# as the other reminder does.
def test_first_reminder_without_late_charges_keeps_the_amount_and_euro_together():
    from datetime import date
    from decimal import Decimal
    from types import SimpleNamespace

    from django.template.loader import render_to_string
    from django.utils import translation

    context = {
        "invoice": SimpleNamespace(number="F2026-000123"),
        "amount": Decimal("1234.50"),
        "due_on": date(2026, 12, 30),
        "no_late_charges": True,
    }
    with translation.override("fr"):
        text = render_to_string("payments/email/reminder_first_message.txt", context)
    assert "le 30 décembre 2026 et un montant de 1\u00a0234,50\u00a0€ TTC reste impayé" in text


# ACC-3 — an e-mail kept while the mail server is down leaves later in the same brand: Nova's
# customer still reads « Nova » as its sender, not the portal's default « Azur Télécom ».
def test_a_retried_mail_keeps_the_partners_sender(
    django_capture_on_commit_callbacks, tenant, partner, settings
):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from kernel import tasks

    settings.DEFAULT_FROM_EMAIL = "Azur Télécom <noreply@azur-telecom.example>"
    settings.EMAIL_BACKEND = "tests.accounts.test_mail_retry.DownBackend"
    partner.support_email = "support@nova.example"
    partner.save()
    start = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        notify_client(tenant.client, "offers/email/suspension_lifted", {"contract": _Contract()})
    assert mail.outbox == []
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(start + timedelta(minutes=6), tick=False):
        assert tasks.mail_retry() == (1, 0)
    (message,) = mail.outbox
    assert message.from_email == "Nova <noreply@azur-telecom.example>"
    assert message.body.rstrip().endswith("Nova\nsupport@nova.example")
