"""Issue 17 — one sign-in, with the second factor, serves the portal, the console and the back
office: staff land on the console (not on "Accès refusé"), and activating the second factor
right after signing in does not ask for the password again (ACC-4)."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from accounts.choices import Role
from tests.console.conftest import current_totp
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _sign_in(client, email):
    return client.post(reverse("account_login"), {"login": email, "password": PASSWORD})


# ACC-4 — password, then the TOTP code, then the console; the back office opens without a
# second sign-in.
def test_staff_sign_in_once_with_totp_lands_on_console(client):
    staff = UserFactory(email="ops@reseller.example", is_staff=True, is_superuser=True)
    secret = generate_totp_secret()
    TOTP.activate(staff, secret)
    response = _sign_in(client, staff.email)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": current_totp(secret)})
    assert response.status_code == 302 and response["Location"] == reverse("console:home")
    assert client.get(reverse("console:home")).status_code == 200
    assert client.get(reverse("admin:index")).status_code == 200
    # The portal's home sends staff (who belong to no customer) to the console.
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and response["Location"] == reverse("console:home")


# ACC-4 — a staff account without a second factor is sent to activate it from the console too,
# and the activation page opens straight away (no "confirm your password" right after signing
# in); once activated, the console opens.
def test_staff_without_second_factor_activates_it_without_password_again(client):
    staff = UserFactory(email="new@reseller.example", is_staff=True, is_superuser=True)
    response = _sign_in(client, staff.email)
    assert response["Location"] == reverse("console:home")
    response = client.get(reverse("console:home"))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200  # not a redirect to /accounts/reauthenticate/
    secret = client.session["mfa.totp.secret"]
    response = client.post(reverse("mfa_activate_totp"), {"code": current_totp(secret)})
    assert response.status_code == 302
    assert client.get(reverse("console:home")).status_code == 200
    assert client.get(reverse("admin:index")).status_code == 200


# ACC-4 — changing a factor that exists still asks for the password (only the first
# activation, right after signing in, is spared).
def test_deactivating_a_factor_still_needs_reauthentication(client):
    staff = UserFactory(email="ops2@reseller.example", is_staff=True, is_superuser=True)
    secret = generate_totp_secret()
    TOTP.activate(staff, secret)
    _sign_in(client, staff.email)
    client.post(reverse("mfa_authenticate"), {"code": current_totp(secret)})
    response = client.get(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))


def test_customer_still_lands_on_dashboard(client, tenant):
    member = tenant.members[Role.ADMIN]
    response = _sign_in(client, member.user.email)
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")
    assert client.get(reverse("dashboard")).status_code == 200


def test_favicon_answers(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")
