"""Issue 17 — staff roles: support staff work the support queues, billing staff the billing
queues, both open the customer 360, superusers see everything; anonymous visitors are sent to
sign in, customers get 404 and the other team 403 on every console page and action."""

import pytest
from django.urls import reverse

from accounts.choices import Role
from console.teams import teams_of
from kernel.queues import Team, queues

pytestmark = pytest.mark.django_db


def test_teams_from_groups(support_agent, billing_agent, superuser, tenant):
    assert teams_of(support_agent) == {Team.SUPPORT}
    assert teams_of(billing_agent) == {Team.BILLING}
    assert teams_of(superuser) == {Team.SUPPORT, Team.BILLING}
    assert teams_of(tenant.members[Role.ADMIN].user) == set()


def test_every_app_registers_its_queues():
    keys = {queue.key for queue in queues()}
    assert {
        "support.tickets",
        "support.outages",
        "support.credits",
        "payments.disputes",
        "payments.dunning",
        "payments.rejected_debits",
        "telephony.channel_orders",
        "offers.price_change_refusals",
        "numbering.port_requests",
    } <= keys


def _pages(client_pk):
    """Every console page (GET) with the team it needs (None: any staff team)."""
    return [
        (reverse("console:home"), None),
        (reverse("console:customers") + "?q=Inconnu", None),
        (reverse("console:customer", args=[client_pk]), None),
        (reverse("console:queue", args=["support.tickets"]), Team.SUPPORT),
        (reverse("console:queue", args=["support.outages"]), Team.SUPPORT),
        (reverse("console:queue", args=["numbering.port_requests"]), Team.SUPPORT),
        (reverse("console:queue", args=["payments.disputes"]), Team.BILLING),
        (reverse("console:queue", args=["payments.dunning"]), Team.BILLING),
        (reverse("console:queue", args=["support.credits"]), Team.BILLING),
    ]


def test_anonymous_goes_to_sign_in(client, tenant):
    for url, _team in _pages(tenant.client.pk):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login")), url


def test_customers_get_404(client, tenant):
    client.force_login(tenant.members[Role.ADMIN].user)
    for url, _team in _pages(tenant.client.pk):
        assert client.get(url).status_code == 404, url
    actions = [
        reverse("console:assign", args=["support.tickets", 1]),
        reverse("console:record_payment", args=[tenant.client.pk]),
        reverse("console:suspend", args=[tenant.client.pk]),
        reverse("console:terminate", args=[tenant.client.pk]),
        reverse("console:close_inactive", args=[tenant.client.pk]),
    ]
    for url in actions:
        assert client.post(url, {"confirm": "1"}).status_code == 404, url


def test_each_team_sees_its_pages_only(as_staff, support_agent, billing_agent, superuser, tenant):
    for user, team in ((support_agent, Team.SUPPORT), (billing_agent, Team.BILLING)):
        browser = as_staff(user)
        for url, needed in _pages(tenant.client.pk):
            expected = 200 if needed in (None, team) else 403
            assert browser.get(url).status_code == expected, (user.email, url)
    browser = as_staff(superuser)
    for url, _needed in _pages(tenant.client.pk):
        assert browser.get(url).status_code == 200, url


def test_wrong_team_actions_are_403(as_staff, support_agent, billing_agent, tenant):
    # Billing staff cannot take a support item nor reset SIP credentials; support staff cannot
    # record a payment nor take a dispute.
    browser = as_staff(billing_agent)
    assert browser.post(reverse("console:assign", args=["support.tickets", 1])).status_code == 403
    assert browser.get(reverse("console:ticket", args=[1])).status_code == 403
    assert browser.get(reverse("console:outage", args=[1])).status_code == 403
    url = reverse("console:reset_credentials", args=[tenant.client.pk, "sip", 1])
    assert browser.post(url).status_code == 403
    browser = as_staff(support_agent)
    assert browser.post(reverse("console:assign", args=["payments.disputes", 1])).status_code == 403
    assert browser.get(reverse("console:dispute", args=[1])).status_code == 403
    assert browser.get(reverse("console:credit", args=[1])).status_code == 403
    url = reverse("console:record_payment", args=[tenant.client.pk])
    assert browser.post(url, {"amount": "10", "confirm": "1"}).status_code == 403


def test_staff_without_team_gets_403(client, db, tenant):
    from tests.console.conftest import make_staff_member

    client.force_login(make_staff_member("nobody@reseller.example"))
    assert client.get(reverse("console:home")).status_code == 403


def test_unknown_queue_is_404(as_staff, superuser):
    assert as_staff(superuser).get(reverse("console:queue", args=["nope.none"])).status_code == 404
