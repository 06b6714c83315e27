"""Issue 17 — work queues: each app's registration, most urgent first (overdue first, by SLA
deadline; then the oldest), the counts in the navigation, the filters by partner and by
assignee, "assign to me" (audited), and a bounded number of queries per queue page."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.choices import Role
from accounts.models import AuditLog
from console import selectors, services
from console.models import Assignment
from kernel.queues import REGISTRY, Team
from payments import services as payments
from support import services as support
from support.choices import TicketKind
from tests.console.conftest import at
from tests.factories import ClientFactory, MembershipFactory, SiteFactory
from tests.offers.factories import make_contract
from tests.payments.conftest import issue_invoice
from tests.support.factories import open_failure

pytestmark = pytest.mark.django_db


def _question(client, actor, subject="Question de facturation", reported_at=None):
    return support.ticket_open(
        client=client,
        kind=TicketKind.QUESTION,
        subject=subject,
        body="Pouvez-vous m'expliquer la ligne 3 ?",
        reported_at=reported_at,
        actor=actor,
    )


@pytest.fixture
def tickets(tenant, other_tenant):
    """Two failure notifications (one overdue on 10 November, one not yet), a question (no SLA
    deadline) and another partner's question."""
    contract = make_contract(tenant.client, "hosted-w", quantity=10)
    with at(date(2026, 11, 2), 9):
        late = open_failure(tenant, contract)
    with at(date(2026, 11, 9), 9):
        question = _question(tenant.client, tenant.members[Role.ADMIN].user)
    with at(date(2026, 11, 10), 9):
        fresh = open_failure(tenant, contract)
        other = _question(other_tenant.client, other_tenant.members[Role.ADMIN].user)
    return late, fresh, question, other


# Issue 17 — tickets: overdue first, by SLA deadline; a question (no deadline) after them,
# oldest first. The navigation counts 4 open tickets, 1 overdue.
def test_ticket_queue_order_and_counts(tickets, support_agent):
    late, fresh, question, other = tickets
    with at(date(2026, 11, 10), 10):
        rows = selectors.queue_rows(REGISTRY["support.tickets"])
        assert [row.item.pk for row in rows] == [late.pk, fresh.pk, question.pk, other.pk]
        assert rows[0].overdue and "retard" in rows[0].time_left
        assert not rows[1].overdue and rows[1].time_left.startswith("encore")
        assert rows[2].time_left == ""
        counts = {c.queue.key: c for c in selectors.queue_counts({Team.SUPPORT})}
    assert (counts["support.tickets"].count, counts["support.tickets"].overdue) == (4, 1)
    assert "payments.disputes" not in counts  # billing's queue: not in support's navigation


def test_queue_page_shows_deadline_and_time_left(tickets, as_staff, support_agent):
    late, *_ = tickets
    with at(date(2026, 11, 10), 10):
        page = as_staff(support_agent).get(reverse("console:queue", args=["support.tickets"]))
    html = page.content.decode()
    assert page.status_code == 200
    assert html.index(late.number) < html.index("Question de facturation")
    assert "console-late" in html and "de retard" in html
    # The navigation shows the count of each queue of the team.
    assert 'data-testid="queue-support.tickets"' in html


def test_filter_by_partner(tickets, tenant, other_tenant, as_staff, support_agent):
    *_, other = tickets
    rows = selectors.queue_rows(
        REGISTRY["support.tickets"], partner_id=other_tenant.client.partner_id
    )
    assert [row.item.pk for row in rows] == [other.pk]
    url = reverse("console:queue", args=["support.tickets"])
    page = as_staff(support_agent).get(url, {"partner": other_tenant.client.partner_id})
    assert other.number in page.content.decode()
    assert tickets[0].number not in page.content.decode()


# Issue 17 — "assign to me": one assignment row per (queue, item), audited; the assignee filter
# ("me", "none", a colleague).
def test_assign_to_me_and_filter(tickets, as_staff, support_agent, superuser):
    late, fresh, question, other = tickets
    browser = as_staff(support_agent)
    url = reverse("console:assign", args=["support.tickets", late.pk])
    response = browser.post(url)
    assert response.status_code == 302
    row = Assignment.objects.get(queue_key="support.tickets", item_pk=str(late.pk))
    assert row.assignee == support_agent
    audit = AuditLog.objects.get(action="console.assign")
    assert (audit.actor, audit.after) == (support_agent, {"assignee": support_agent.email})
    services.assignment_take(queue_key="support.tickets", item_pk=question.pk, actor=superuser)

    queue = REGISTRY["support.tickets"]
    mine = selectors.queue_rows(queue, assignee="me", user=support_agent)
    assert [r.item.pk for r in mine] == [late.pk]
    nobody = selectors.queue_rows(queue, assignee="none", user=support_agent)
    assert {r.item.pk for r in nobody} == {fresh.pk, other.pk}
    theirs = selectors.queue_rows(queue, assignee=str(superuser.pk), user=support_agent)
    assert [r.item.pk for r in theirs] == [question.pk]
    page = browser.get(reverse("console:queue", args=["support.tickets"]), {"assignee": "me"})
    assert late.number in page.content.decode() and fresh.number not in page.content.decode()

    # Taking a colleague's item moves it (the audit keeps who had it); releasing deletes it.
    browser.post(reverse("console:assign", args=["support.tickets", question.pk]))
    assert Assignment.objects.get(item_pk=str(question.pk)).assignee == support_agent
    moved = AuditLog.objects.filter(action="console.assign").latest("id")
    assert moved.before == {"assignee": superuser.email}
    browser.post(reverse("console:assign", args=["support.tickets", question.pk]), {"release": "1"})
    assert not Assignment.objects.filter(item_pk=str(question.pk)).exists()
    assert AuditLog.objects.filter(action="console.unassign").count() == 1


# Issue 17 — "assign to me" takes only an item of the queue: an id that is none of its items
# (no such ticket, not an id at all, an item of another queue) is refused with a message, and
# no assignment row nor audit entry is written.
def test_assign_refuses_an_item_not_in_the_queue(tickets, as_staff, support_agent, superuser):
    late, *_ = tickets
    browser = as_staff(support_agent)
    for pk in ["999999", "abc", "0"]:
        url = reverse("console:assign", args=["support.tickets", pk])
        page = browser.post(url, follow=True).content.decode()
        assert "Cet élément n&#x27;est pas dans cette file" in page, pk
        assert "Élément qui vous est attribué." not in page
    # A ticket of the support queue is not an item of the disputes queue.
    url = reverse("console:assign", args=["payments.disputes", late.pk])
    page = as_staff(superuser).post(url, follow=True).content.decode()
    assert "Cet élément n&#x27;est pas dans cette file" in page
    assert not Assignment.objects.exists()
    assert not AuditLog.objects.filter(action="console.assign").exists()
    with pytest.raises(ValidationError):
        services.assignment_take(queue_key="support.tickets", item_pk=999999, actor=superuser)
    assert not Assignment.objects.exists()


def _many_customers(partner, count):
    """Customers billed directly, each with an invoice and a dispute under review."""
    disputes = []
    for index in range(count):
        client = ClientFactory(partner=partner, legal_name=f"Client {index}")
        SiteFactory(client=client)
        MembershipFactory(client=client, role=Role.ADMIN)
        invoice = issue_invoice(client, "100.00", month=date(2026, 9, 1), source=f"s{index}")
        with at(date(2026, 10, 10 + index % 5)):
            disputes.append(
                payments.dispute_open(invoice=invoice, amount="12.00", reason=f"Frais {index}")
            )
    return disputes


# Issue 17 — disputes awaiting a decision, oldest first; the page's queries do not grow with
# the number of items (no N+1).
def test_dispute_queue_oldest_first_and_query_count(
    customer, as_staff, billing_agent, django_assert_max_num_queries
):
    from accounts.choices import BillingMode

    partner = customer.partner
    partner.billing_mode = BillingMode.RESELLER_BILLED
    partner.save(update_fields=["billing_mode"])
    disputes = _many_customers(partner, 6)
    rows = selectors.queue_rows(REGISTRY["payments.disputes"])
    assert [r.item.pk for r in rows] == [d.pk for d in sorted(disputes, key=lambda d: d.opened_at)]
    assert rows[0].item.extra["amount"] == Decimal("12.00")
    browser = as_staff(billing_agent)
    url = reverse("console:queue", args=["payments.disputes"])
    with django_assert_max_num_queries(30) as few:
        browser.get(url)
    for index in range(6, 12):
        client = ClientFactory(partner=partner, legal_name=f"Client {index}")
        SiteFactory(client=client)
        invoice = issue_invoice(client, "100.00", month=date(2026, 9, 1), source=f"t{index}")
        with at(date(2026, 10, 20)):
            payments.dispute_open(invoice=invoice, amount="5.00", reason="x")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = browser.get(url)
    assert page.content.decode().count('data-testid="queue-row"') == 12
