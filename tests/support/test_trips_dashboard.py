"""Issue 17 item 2: the dashboard's ticket card counts every open ticket, "new" included."""

import pytest
from django.urls import reverse

from accounts.choices import Role
from support import services
from support.choices import TicketKind, TicketStatus
from tests.support.factories import make_staff

pytestmark = pytest.mark.django_db


def _question(tenant, subject):
    return services.ticket_open(
        client=tenant.client,
        kind=TicketKind.QUESTION,
        subject=subject,
        body="Une question.",
        actor=tenant.members[Role.TECHNICAL].user,
    )


# issue 17 item 2 — SLA-1: three "Nouveau" tickets are three open tickets on the dashboard;
# a closed one is not counted; another customer's tickets never show.
def test_dashboard_counts_new_tickets(client, tenant, other_tenant):
    tickets = [_question(tenant, f"Question {n}") for n in (1, 2, 3)]
    closed = _question(tenant, "Ouvert par erreur")
    services.ticket_set_status(
        ticket=closed, status=TicketStatus.CLOSED, actor=tenant.members[Role.TECHNICAL].user
    )
    _question(other_tenant, "Question de Rival")
    client.force_login(tenant.members[Role.READ_ONLY].user)
    html = client.get(reverse("dashboard")).content.decode()
    assert "Aucun ticket ouvert." not in html
    assert '<dd data-testid="open-ticket-count">3</dd>' in html
    for ticket in tickets:
        assert ticket.number in html
    assert closed.number not in html and "Question de Rival" not in html
    assert "Voir les tickets ouverts" in html


# issue 17 item 2 — a ticket waiting for the customer's answer is counted and called out;
# with no open ticket, the card says so.
def test_dashboard_waiting_and_empty(client, tenant):
    client.force_login(tenant.members[Role.ADMIN].user)
    assert "Aucun ticket ouvert." in client.get(reverse("dashboard")).content.decode()
    ticket = _question(tenant, "Facture")
    staff = make_staff()
    services.ticket_set_status(ticket=ticket, status=TicketStatus.ACKNOWLEDGED, actor=staff)
    services.ticket_set_status(ticket=ticket, status=TicketStatus.WAITING_CUSTOMER, actor=staff)
    html = client.get(reverse("dashboard")).content.decode()
    assert '<dd data-testid="open-ticket-count">1</dd>' in html
    assert '<dd data-testid="waiting-ticket-count">1</dd>' in html
