"""The fixtures of the PLATFORM 28 / 7.2.1 increase cases: a PLATFORM contract signed and started
2026-02-01 with a CAPS option of 1 lot at 150.00 € HT a month, a staff member with a second
factor, and the customer's admin asking on 2026-10-10 for 3 lots (+2). A module defining a
fixture of the same name uses its own."""

from datetime import date

import pytest

from accounts.choices import Role
from accounts.models import User
from offers import services
from tests.offers.increase_helpers import at, caps
from tests.usage.core_helpers import option, platform_with


@pytest.fixture
def contract(tenant):
    return platform_with(tenant.client, [option("opt-caps", 1)], start=date(2026, 2, 1))


@pytest.fixture
def staff(db):
    from allauth.mfa.models import Authenticator

    user = User.objects.create_user(
        email="ops@reseller.example", password="x-Pass-1234", is_staff=True, is_superuser=True
    )
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    return user


@pytest.fixture
def asked(tenant, contract):
    """The customer's admin asked on 10 October for 3 lots (1 → 3)."""
    with at(date(2026, 10, 10)):
        change = services.line_quantity_change(
            line=caps(contract), quantity=3, actor=tenant.members[Role.ADMIN].user
        )
    assert change.status == "requested"
    return change
