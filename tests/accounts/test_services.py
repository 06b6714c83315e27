"""Accounts services: roles (ACC-2), audit (ACC-4), compromised codes (ACC-5), keys (ACC-3)."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client as BrowserClient
from django.urls import reverse

from accounts import services
from accounts.choices import Role
from accounts.models import ApiKey, AuditLog, Membership, User
from tests.factories import PASSWORD, ClientFactory, MembershipFactory, PartnerFactory

pytestmark = pytest.mark.django_db


# ACC-2 — an admin invites a user: account without password, membership with the role,
# e-mail with a link to choose a password; the invitation is audited (ACC-4).
def test_invite_creates_member_with_role(django_capture_on_commit_callbacks, tenant):
    admin = tenant.members[Role.ADMIN].user
    with django_capture_on_commit_callbacks(execute=True):
        membership = services.member_invite(
            client=tenant.client,
            email="New.Person@Acme.example",
            role=Role.BILLING,
            invited_by=admin,
        )
    user = membership.user
    assert (user.email, membership.role, user.has_usable_password()) == (
        "new.person@acme.example",
        "billing",
        False,
    )
    assert len(mail.outbox) == 1 and "/accounts/password/reset/key/" in mail.outbox[0].body
    entry = AuditLog.objects.get(action="member.invite")
    assert (entry.actor, entry.client, entry.after["role"]) == (admin, tenant.client, "billing")


# ACC-2 — a person belongs to one company: inviting someone of another company is refused.
def test_invite_refuses_member_of_another_company(tenant, other_tenant):
    taken = other_tenant.members[Role.ADMIN].user.email
    with pytest.raises(ValidationError) as error:
        services.member_invite(client=tenant.client, email=taken, role=Role.ADMIN)
    assert "email" in error.value.message_dict
    assert Membership.objects.filter(client=tenant.client).count() == 4


# ACC-2 — someone removed earlier and invited again comes back active, under the names the
# inviter gives (empty ones keep the old), in the language they chose, with a new link.
def test_invite_again_someone_removed(django_capture_on_commit_callbacks, tenant):
    admin = tenant.members[Role.ADMIN].user
    first = services.member_invite(
        client=tenant.client, email="lea@acme.example", role=Role.BILLING, first_name="Léa",
        last_name="Martin", language="en", invited_by=admin,
    )  # fmt: skip
    services.member_remove(membership=first, actor=admin)
    with django_capture_on_commit_callbacks(execute=True):
        again = services.member_invite(
            client=tenant.client, email="LEA@acme.example", role=Role.TECHNICAL,
            last_name="Martin-Durand", invited_by=admin,
        )  # fmt: skip
    user = User.objects.get(email="lea@acme.example")
    assert again.user == user and again.role == Role.TECHNICAL
    assert (user.is_active, user.first_name, user.last_name, user.language) == (
        True, "Léa", "Martin-Durand", "en",
    )  # fmt: skip
    assert mail.outbox[-1].to == ["lea@acme.example"]


# ACC-2 — a person removed (their account deactivated) and invited again chooses a password
# through the invitation's link, as every invited person: the old password does not come back.
# Before: Paul, removed from Acme, invited by Rival Corp, was active again at once with his
# old password — whoever knew it (a colleague it was shared with, or whoever it leaked to)
# signed in on Rival Corp's portal without the link. After: the old password is refused; the
# link mailed to Paul sets a new one, with which he signs in.
def test_invited_again_the_old_password_does_not_come_back(
    django_capture_on_commit_callbacks, tenant, other_tenant
):
    paul = tenant.members[Role.TECHNICAL]
    services.member_remove(membership=paul)
    with django_capture_on_commit_callbacks(execute=True):
        services.member_invite(
            client=other_tenant.client, email=paul.user.email, role=Role.READ_ONLY
        )
    browser = BrowserClient()
    old = browser.post(reverse("account_login"), {"login": paul.user.email, "password": PASSWORD})
    assert old.status_code == 200  # the sign-in form again, with its error
    assert browser.get(reverse("dashboard")).status_code == 302
    link = [line for line in mail.outbox[-1].body.split() if "/password/reset/key/" in line][0]
    form = browser.get("/" + link.split("/", 3)[3], follow=True)
    new = "Un-nouveau-mot-2-passe"
    browser.post(form.redirect_chain[-1][0], {"password1": new, "password2": new})
    signed_in = browser.post(reverse("account_login"), {"login": paul.user.email, "password": new})
    assert signed_in.status_code == 302
    assert other_tenant.client.legal_name in browser.get(reverse("dashboard")).content.decode()


# ACC-2 — role permissions: only admins manage users; billing has billing; technical, technical.
def test_role_permissions(tenant):
    m = tenant.members
    assert m[Role.ADMIN].can("manage_users") and m[Role.ADMIN].can("terminate")
    assert m[Role.BILLING].can("billing") and not m[Role.BILLING].can("manage_users")
    assert m[Role.TECHNICAL].can("technical") and not m[Role.TECHNICAL].can("billing")
    assert not any(m[Role.READ_ONLY].can(p) for p in ("billing", "technical", "order"))


# ACC-2 — the company keeps at least one administrator.
def test_last_admin_cannot_be_demoted_or_removed(tenant):
    admin = tenant.members[Role.ADMIN]
    with pytest.raises(ValidationError):
        services.member_change_role(membership=admin, role=Role.READ_ONLY)
    with pytest.raises(ValidationError):
        services.member_remove(membership=admin)
    admin.refresh_from_db()
    assert admin.role == Role.ADMIN


# ACC-2 — an administrator whose account staff deactivated (is_active off in the back office: a
# person who left, a blocked account) cannot sign in: they do not count as the company's other
# administrator. Before: with Claire's account deactivated, the last administrator who can sign
# in demoted herself to read-only (and could remove herself): the company was left with nobody
# able to manage its users. After: both refused, « The company must keep at least one
# administrator. », nothing written.
def test_deactivated_admin_is_not_the_other_administrator(tenant):
    admin = tenant.members[Role.ADMIN]
    gone = MembershipFactory(client=tenant.client, role=Role.ADMIN)
    User.objects.filter(pk=gone.user.pk).update(is_active=False)
    with pytest.raises(ValidationError):
        services.member_change_role(membership=admin, role=Role.READ_ONLY)
    with pytest.raises(ValidationError):
        services.member_remove(membership=admin)
    admin.refresh_from_db()
    admin.user.refresh_from_db()
    assert admin.role == Role.ADMIN and admin.user.is_active
    # with another administrator who can sign in, the change is allowed
    MembershipFactory(client=tenant.client, role=Role.ADMIN)
    services.member_change_role(membership=admin, role=Role.READ_ONLY)
    admin.refresh_from_db()
    assert admin.role == Role.READ_ONLY


# ACC-2 — removing a member deactivates the account and ends its sessions; audited (ACC-4).
def test_remove_member_ends_access(tenant):
    member = tenant.members[Role.TECHNICAL]
    browser = BrowserClient()
    browser.post(reverse("account_login"), {"login": member.user.email, "password": PASSWORD})
    assert UserSession.objects.filter(user=member.user).count() == 1
    services.member_remove(membership=member, actor=tenant.members[Role.ADMIN].user)
    member.user.refresh_from_db()
    assert not member.user.is_active
    assert not UserSession.objects.filter(user=member.user).exists()
    assert browser.get(reverse("dashboard")).status_code == 302
    assert AuditLog.objects.filter(action="member.remove", client=tenant.client).exists()


# ACC-2 — a person removed from the company loses their second factor too (TOTP and recovery
# codes): invited back, they set a new one up, as they choose a new password; the audit row
# names the types removed, never the secrets.
def test_remove_member_deletes_their_second_factor(tenant):
    member = tenant.members[Role.TECHNICAL]
    for kind in (Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES):
        Authenticator.objects.create(user=member.user, type=kind, data={"secret": "JBSWY3DP"})
    services.member_remove(membership=member, actor=tenant.members[Role.ADMIN].user)
    assert not Authenticator.objects.filter(user=member.user).exists()
    entry = AuditLog.objects.get(action="member.remove", client=tenant.client)
    assert sorted(entry.before["authenticators"]) == ["recovery_codes", "totp"]
    assert "JBSWY3DP" not in str(entry.before)


# ACC-5 — a compromised password: invalidated, every session ends, a reset link is sent, audited.
def test_declare_compromised(django_capture_on_commit_callbacks, tenant):
    member = tenant.members[Role.BILLING]
    browsers = [BrowserClient(), BrowserClient()]
    for browser in browsers:
        response = browser.post(
            reverse("account_login"), {"login": member.user.email, "password": PASSWORD}
        )
        assert response.status_code == 302
        assert browser.get(reverse("dashboard")).status_code == 200
    admin = tenant.members[Role.ADMIN].user
    with django_capture_on_commit_callbacks(execute=True):
        services.user_declare_compromised(user=member.user, actor=admin)
    member.user.refresh_from_db()
    assert not member.user.has_usable_password()
    for browser in browsers:
        assert browser.get(reverse("dashboard")).status_code == 302  # back to the login page
    # the old password no longer opens a session
    assert (
        BrowserClient()
        .post(reverse("account_login"), {"login": member.user.email, "password": PASSWORD})
        .status_code
        == 200
    )
    assert mail.outbox[0].to == [member.user.email]
    reset_path = mail.outbox[0].body.split("http://127.0.0.1:8000")[1].split()[0]
    assert BrowserClient().get(reset_path, follow=True).status_code == 200
    entry = AuditLog.objects.get(action="user.declare_compromised")
    assert (entry.actor, entry.after["sessions_ended"], entry.client) == (admin, 2, tenant.client)


# ACC-3 — API keys: the raw key is returned once, only its SHA-256 is stored, revocation works.
def test_api_key_hashed_and_revocable():
    partner = PartnerFactory()
    key, raw = services.api_key_create(partner=partner, name="shop")
    stored = ApiKey.objects.get(pk=key.pk)
    assert raw.startswith(stored.prefix + ".")
    assert raw not in (stored.hashed_key, stored.prefix, stored.name)
    assert stored.hashed_key == ApiKey.hash(raw) and len(stored.hashed_key) == 64
    services.api_key_revoke(api_key=key)
    assert ApiKey.objects.get(pk=key.pk).revoked_at is not None
    assert (
        AuditLog.objects.filter(
            action__in=["api_key.create", "api_key.revoke"], partner=partner
        ).count()
        == 2
    )


# ACC-4 — updating a customer records before/after of the fields that changed, with the actor.
def test_client_update_audited(tenant):
    staff = User.objects.create_user(email="staff@reseller.example", is_staff=True)
    services.client_update(
        client=tenant.client, data={"city": "Lyon", "security_deposit": 500}, actor=staff
    )
    entry = AuditLog.objects.get(action="client.update")
    assert entry.before == {"city": "Paris", "security_deposit": "0.00"}
    assert entry.after == {"city": "Lyon", "security_deposit": "500"}
    assert entry.actor == staff and entry.client == tenant.client


# ACC-4 — the audit log is append-only.
def test_audit_log_append_only(tenant):
    services.client_update(client=tenant.client, data={"city": "Nice"})
    entry = AuditLog.objects.get()
    entry.action = "tampered"
    with pytest.raises(ValueError):
        entry.save()


# ACC-1 — a failed creation writes nothing (no client, no audit row).
def test_client_create_failure_writes_nothing():
    with pytest.raises(ValidationError):
        services.client_create(
            data={
                "legal_name": "Bad",
                "siren": "123456789",
                "address_line1": "x",
                "postal_code": "75001",
                "city": "Paris",
            }
        )
    assert not AuditLog.objects.exists()
    assert ClientFactory._meta.model.objects.count() == 0


def test_membership_factory_smoke():
    assert MembershipFactory().user.check_password(PASSWORD)
