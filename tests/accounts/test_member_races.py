"""ACC-2 against PostgreSQL: "a company always keeps at least one administrator", even when its
two administrators act at the same moment (each demoting or removing the other)."""

import pytest
from django.core.exceptions import ValidationError

from accounts import services
from accounts.choices import Role
from accounts.models import Membership
from tests.factories import ClientFactory, MembershipFactory
from tests.races import first_holds_its_transaction

pytestmark = pytest.mark.django_db(transaction=True)


# ACC-2 — Alice and Bob, the company's two administrators, each make the other "technical" at
# the same moment: one change is made, the other is refused ("at least one administrator").
# Before: each saw the other still an administrator and both changes went through — a company
# with no administrator, nobody left to manage its users or order.
def test_two_admins_demoting_each_other_at_once_leave_one_admin():
    client = ClientFactory(partner=None)
    alice = MembershipFactory(client=client, role=Role.ADMIN)
    bob = MembershipFactory(client=client, role=Role.ADMIN)
    errors = first_holds_its_transaction(
        lambda: services.member_change_role(membership=bob, role=Role.TECHNICAL, actor=alice.user),
        lambda: services.member_change_role(membership=alice, role=Role.TECHNICAL, actor=bob.user),
    )
    assert Membership.objects.filter(client=client, role=Role.ADMIN).count() == 1
    assert len(errors) == 1 and isinstance(errors[0], ValidationError)


# ACC-2 — the same when each removes the other from the company.
def test_two_admins_removing_each_other_at_once_leave_one_admin():
    client = ClientFactory(partner=None)
    alice = MembershipFactory(client=client, role=Role.ADMIN)
    bob = MembershipFactory(client=client, role=Role.ADMIN)
    errors = first_holds_its_transaction(
        lambda: services.member_remove(membership=bob, actor=alice.user),
        lambda: services.member_remove(membership=alice, actor=bob.user),
    )
    assert Membership.objects.filter(client=client, role=Role.ADMIN).count() == 1
    assert len(errors) == 1 and isinstance(errors[0], ValidationError)


# ACC-2 — two administrators remove (or re-role) the same colleague at once: the second, whose
# page still listed the person, gets a clear message, not a server error; nothing else changes.
def test_second_change_of_a_member_removed_meanwhile_is_refused_clearly():
    client = ClientFactory()
    MembershipFactory(client=client, role=Role.ADMIN)
    MembershipFactory(client=client, role=Role.ADMIN)
    colleague = MembershipFactory(client=client, role=Role.TECHNICAL)
    services.member_remove(membership=colleague)
    with pytest.raises(ValidationError, match="ne fait plus partie"):
        services.member_remove(membership=colleague)
    with pytest.raises(ValidationError, match="ne fait plus partie"):
        services.member_change_role(membership=colleague, role=Role.BILLING)
    assert Membership.objects.filter(client=client).count() == 2
