"""ACC-2 against PostgreSQL: "a company always keeps at least one administrator", even when its
two administrators act at the same moment (each demoting or removing the other)."""

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from accounts import services
from accounts.choices import Role
from accounts.models import Membership, Site
from tests.factories import ClientFactory, MembershipFactory, PartnerFactory, make_api_key
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


def _partner_api(partner):
    _key, raw = make_api_key(partner)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    api.raise_request_exception = False  # a 500 is an answer to assert on
    return api


def _posted_twice_at_once(partner, url, body):
    """The same POST sent twice at once (a double click, a retry without Idempotency-Key)."""
    answers = []
    first, second = _partner_api(partner), _partner_api(partner)
    errors = first_holds_its_transaction(
        lambda: answers.append(first.post(url, body, format="json")),
        lambda: answers.append(second.post(url, body, format="json")),
    )
    assert errors == []
    return sorted(answer.status_code for answer in answers), answers


# ACC-1 — a partner's site POSTed twice at once (same customer, same name): the second was a 500
# (the database's unique index on the name). Now one site, and the second is a 400 on its name,
# as when the first had been made earlier.
def test_a_site_posted_twice_at_once_is_made_once():
    partner = PartnerFactory()
    client = ClientFactory(partner=partner)
    body = {
        "client": client.pk,
        "name": "Entrepôt",
        "address_line1": "2 rue Basse",
        "postal_code": "75001",
        "city": "Paris",
        "insee_code": "75101",
    }
    statuses, answers = _posted_twice_at_once(partner, "/api/v1/sites/", body)
    assert statuses == [201, 400], [a.content[:300] for a in answers]
    refused = next(a for a in answers if a.status_code == 400)
    assert "name" in refused.json()["error"]["fields"]
    assert Site.objects.filter(client=client).count() == 1


# ACC-2 — a partner invites the same person twice at once: the second was a 500 (the unique
# index on the e-mail address). Now one account and one membership; the second is a 400 on
# email, as when the first invitation had been sent earlier.
def test_a_person_invited_twice_at_once_is_invited_once():
    partner = PartnerFactory()
    client = ClientFactory(partner=partner)
    body = {"client": client.pk, "email": "lea@example.com", "role": "technical"}
    statuses, answers = _posted_twice_at_once(partner, "/api/v1/customer-users/", body)
    assert statuses == [201, 400], [a.content[:300] for a in answers]
    refused = next(a for a in answers if a.status_code == 400)
    assert "email" in refused.json()["error"]["fields"]
    assert Membership.objects.filter(client=client, user__email="lea@example.com").count() == 1


# ACC-2 — the same for someone removed earlier (an account without a company) invited back twice
# at once: the second was a 500 (a person belongs to one company: the membership's index).
def test_a_removed_person_invited_back_twice_at_once_joins_once():
    partner = PartnerFactory()
    client = ClientFactory(partner=partner)
    MembershipFactory(client=client, role=Role.ADMIN)
    removed = MembershipFactory(client=client, role=Role.TECHNICAL)
    services.member_remove(membership=removed)
    body = {"client": client.pk, "email": removed.user.email, "role": "billing"}
    statuses, answers = _posted_twice_at_once(partner, "/api/v1/customer-users/", body)
    assert statuses == [201, 400], [a.content[:300] for a in answers]
    assert Membership.objects.filter(user=removed.user).count() == 1
