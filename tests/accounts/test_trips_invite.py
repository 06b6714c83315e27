"""Issue 17 item 4 (ACC-2): inviting a colleague from ``/company/users/`` always gives the same
neutral answer, so the page reveals no account; a person belongs to exactly one company."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.choices import Role
from accounts.models import AuditLog, Membership, User

pytestmark = pytest.mark.django_db

NEUTRAL = "Demande envoyée pour {email}. Si cette adresse peut rejoindre votre société"


def _invite(client, tenant, email, django_capture_on_commit_callbacks):
    client.force_login(tenant.members[Role.ADMIN].user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:users"),
            {"email": email, "role": Role.BILLING, "language": "fr"},
            follow=True,
        )
    assert response.status_code == 200
    return response.content.decode()


def _answer(html: str) -> str:
    start = html.index("Demande envoyée pour")
    return html[start : html.index("<", start)]


# issue 17 item 4 — ACC-2: a new address, an address of another company and an address already
# in this company get the very same answer on the page (the address aside).
def test_same_neutral_answer_for_every_address(
    client, tenant, other_tenant, django_capture_on_commit_callbacks
):
    new = _invite(client, tenant, "nouveau@acme.example", django_capture_on_commit_callbacks)
    elsewhere_email = other_tenant.members[Role.ADMIN].user.email
    elsewhere = _invite(client, tenant, elsewhere_email, django_capture_on_commit_callbacks)
    same_email = tenant.members[Role.TECHNICAL].user.email
    same = _invite(client, tenant, same_email, django_capture_on_commit_callbacks)
    assert NEUTRAL.format(email="nouveau@acme.example") in new
    answers = {
        _answer(new).replace("nouveau@acme.example", "X"),
        _answer(elsewhere).replace(elsewhere_email, "X"),
        _answer(same).replace(same_email, "X"),
    }
    assert len(answers) == 1, answers
    for html in (new, elsewhere, same):
        assert "autre société" not in html and "another company" not in html


# issue 17 item 4 — ACC-2: an address used by another company joins nothing; its owner gets an
# e-mail (in French) naming the company that tried; the attempt is audited for staff.
def test_address_of_another_company_joins_nothing_and_owner_is_told(
    client, tenant, other_tenant, django_capture_on_commit_callbacks
):
    owner = other_tenant.members[Role.ADMIN].user
    _invite(client, tenant, owner.email.upper(), django_capture_on_commit_callbacks)
    assert list(Membership.objects.filter(user=owner).values_list("client_id", flat=True)) == [
        other_tenant.client.pk
    ]
    assert Membership.objects.filter(client=tenant.client).count() == 4
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [owner.email]
    assert (
        message.subject == "La société Acme SAS a tenté d'ajouter votre adresse à son espace client"
    )
    assert "rien n'a changé" in message.body and "/accounts/password/reset/key/" not in message.body
    entry = AuditLog.objects.get(action="member.invite_elsewhere")
    assert (entry.client, entry.after["email"]) == (tenant.client, owner.email.lower())


# issue 17 item 4 — ACC-2: an address already in this company: no duplicate membership, no role
# change; its owner is reminded how to sign in.
def test_address_already_in_the_company_is_not_duplicated(
    client, tenant, django_capture_on_commit_callbacks
):
    member = tenant.members[Role.TECHNICAL]
    _invite(client, tenant, member.user.email, django_capture_on_commit_callbacks)
    assert Membership.objects.filter(user=member.user).count() == 1
    member.refresh_from_db()
    assert member.role == Role.TECHNICAL
    assert [m.to for m in mail.outbox] == [[member.user.email]]
    assert mail.outbox[0].subject == "Vous avez déjà accès à l'espace client de la société Acme SAS"
    assert "/accounts/login/" in mail.outbox[0].body


# issue 17 item 4 — ACC-2: a new address is invited as before: account, membership, link.
def test_new_address_is_invited(client, tenant, django_capture_on_commit_callbacks):
    _invite(client, tenant, "Nouveau@Acme.example", django_capture_on_commit_callbacks)
    user = User.objects.get(email="nouveau@acme.example")
    assert user.membership.client == tenant.client and user.membership.role == Role.BILLING
    assert len(mail.outbox) == 1 and "/accounts/password/reset/key/" in mail.outbox[0].body


# issue 17 item 4 — ACC-4: a staff address is never made a customer member by an invitation.
def test_staff_address_joins_nothing(client, tenant, django_capture_on_commit_callbacks):
    staff = User.objects.create_user(email="ops@reseller.example", is_staff=True)
    _invite(client, tenant, staff.email, django_capture_on_commit_callbacks)
    assert not Membership.objects.filter(user=staff).exists()
    assert [m.to for m in mail.outbox] == [[staff.email]]


# issue 17 item 4 — ACC-2: an address invited earlier that never chose a password gets its
# invitation (a fresh password link) again, still one membership.
def test_pending_invitation_is_sent_again(client, tenant, django_capture_on_commit_callbacks):
    _invite(client, tenant, "nouveau@acme.example", django_capture_on_commit_callbacks)
    _invite(client, tenant, "nouveau@acme.example", django_capture_on_commit_callbacks)
    user = User.objects.get(email="nouveau@acme.example")
    assert Membership.objects.filter(user=user).count() == 1
    assert len(mail.outbox) == 2
    assert all("/accounts/password/reset/key/" in m.body for m in mail.outbox)


def _link_path(message) -> str:
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+", message.body).group(0)
    return "/" + link.split("/", 3)[3]


# ACC-2 — the invited person's whole way in, with production's mandatory e-mail verification:
# the invitation's link proves the address (it was mailed there). Before: after choosing the
# password, the first sign-in stopped on « Confirmez votre adresse e-mail » and a second e-mail
# was sent, for the address the link had just proved. After: signed in on the dashboard, no
# second e-mail; the link works once.
def test_invited_person_signs_in_after_choosing_a_password(
    client, tenant, settings, django_capture_on_commit_callbacks
):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    _invite(client, tenant, "nouveau@acme.example", django_capture_on_commit_callbacks)
    client.logout()
    path = _link_path(mail.outbox[-1])
    form = client.get(path, follow=True)
    set_password = form.redirect_chain[-1][0]
    password = "Nouveau-mot-2-passe!"
    chosen = client.post(set_password, {"password1": password, "password2": password})
    assert chosen.status_code == 302
    sent = len(mail.outbox)
    signed_in = client.post(
        reverse("account_login"), {"login": "nouveau@acme.example", "password": password}
    )
    assert signed_in.status_code == 302 and signed_in["Location"] == reverse("dashboard")
    assert len(mail.outbox) == sent  # no « Confirmez votre adresse e-mail »
    page = client.get(reverse("dashboard")).content.decode()
    assert tenant.client.legal_name in page
    client.logout()
    reused = client.get(path, follow=True).content.decode()
    assert 'name="password1"' not in reused
