"""Audit of SLA-6 / SLA-7 edge cases no other test showed (database)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from accounts.choices import Role
from offers import services as offers
from support import selectors, services
from support.choices import OutageScope, TicketKind, TicketStatus
from tests.offers.factories import make_contract
from tests.support.factories import (
    invoice_in_advance,
    make_staff,
    open_failure,
    paris,
    reseller_billed,
)

pytestmark = pytest.mark.django_db
OCT = date(2026, 10, 1)


@pytest.fixture(autouse=True)
def _no_pdf(settings):
    settings.BILLING_RENDER_PDF = False


# SLA-6 (HOSTED-A 4) — a failure notification the customer withdraws (new → closed) ten
# minutes after opening it is no longer open: it cannot count to the end of the month. October
# 2026 = 44 640 minutes; 6 October 9:00 → 9:10 = 10 minutes → 99.977 %, no credit. Before, it
# counted from 6 October 9:00 to 1 November 0:00: 25 days 15 hours + the hour of 25 October =
# 36 960 minutes → 17.204 %, a 20 % credit.
def test_withdrawn_failure_notification_stops_counting_when_closed(tenant):
    reseller_billed(tenant.client)
    contract = make_contract(tenant.client, "hosted-a", monthly_price="300.00")
    invoice_in_advance(OCT)
    technical = tenant.members[Role.TECHNICAL].user
    with time_machine.travel(paris(2026, 10, 6, 9), tick=False):
        ticket = open_failure(tenant, contract)
    with time_machine.travel(paris(2026, 10, 6, 9, 10), tick=False):
        services.ticket_set_status(ticket=ticket, status=TicketStatus.CLOSED, actor=technical)
    with time_machine.travel(paris(2026, 11, 1, 1), tick=False):
        report = services.availability_report_compute(contract=contract, month=OCT)
    assert report.unavailable_minutes == Decimal("10.00")
    assert report.credit_percent == 0 and report.credit_amount == 0


# SLA-6 (HOSTED-W 7) — a contract terminated effective 16 October 2026 (its first day without
# service) is not unavailable after it ended. An outage of its whole offer from 15 October
# 22:00 to 17 October 22:00 (Paris) counts for it from 22:00 to midnight only: 120 minutes of
# 44 640 → 99.731 % → [99.5, 99.85) → 5 % of the 149.00 invoiced for October = 7.45. Before,
# it counted the 2 880 minutes (93.548 % → 20 % → 29.80).
def test_outage_after_termination_does_not_count(tenant):
    reseller_billed(tenant.client)
    contract = make_contract(tenant.client, "hosted-w", quantity=10)
    invoice_in_advance(OCT)
    with time_machine.travel(paris(2026, 9, 15, 10), tick=False):
        termination = offers.contract_request_termination(
            contract=contract, requested_date=date(2026, 10, 16)
        )
    assert termination.effective_date == date(2026, 10, 16)
    with time_machine.travel(paris(2026, 10, 16, 0, 5), tick=False):
        assert offers.termination_apply(termination_id=termination.pk, today=date(2026, 10, 16))
    with time_machine.travel(paris(2026, 10, 18, 9), tick=False):
        services.outage_record(
            title="Platform down",
            started_at=paris(2026, 10, 15, 22),
            ended_at=paris(2026, 10, 17, 22),
            scope=OutageScope.OFFER,
            offer=contract.offer,
            actor=make_staff(),
        )
    with time_machine.travel(paris(2026, 11, 1, 1), tick=False):
        report = services.availability_report_compute(contract=contract, month=OCT)
    assert report.unavailable_minutes == Decimal("120.00")
    assert (report.credit_percent, report.credit_amount) == (Decimal("5"), Decimal("7.45"))


# SLA-1 — a resolved ticket the customer confirms (resolved → closed) keeps when it was
# resolved: only a reopening (resolved → in progress) clears it. Before, closing erased it and
# the API showed a closed ticket with "resolved_at": null ("null until then").
def test_closing_a_resolved_ticket_keeps_its_resolution_time(tenant):
    staff = make_staff()
    technical = tenant.members[Role.TECHNICAL].user
    ticket = services.ticket_open(
        client=tenant.client,
        kind=TicketKind.QUESTION,
        subject="Voicemail",
        body="How do I change my greeting?",
        actor=technical,
    )
    services.ticket_set_status(ticket=ticket, status=TicketStatus.IN_PROGRESS, actor=staff)
    with time_machine.travel(paris(2026, 10, 6, 11), tick=False):
        services.ticket_set_status(ticket=ticket, status=TicketStatus.RESOLVED, actor=staff)
    with time_machine.travel(paris(2026, 10, 7, 9), tick=False):
        services.ticket_set_status(ticket=ticket, status=TicketStatus.CLOSED, actor=technical)
    ticket.refresh_from_db()
    assert ticket.resolved_at == paris(2026, 10, 6, 11)
    assert ticket.closed_at == paris(2026, 10, 7, 9)


# SLA-6 (HOSTED-A 4) — a failure notification staff resolve without recording a restoration,
# and that the customer never confirms, is no longer open: it counts to its resolution, not
# on and on. 300.00 € invoiced for October 2026 (44 640 minutes); reported 6 October 9:00,
# resolved 19:00 → 600 minutes → (44 640 − 600) / 44 640 = 98.655 % → [98, 99) → 5 % × 300.00 =
# 15.00. Before: counted to 1 November 0:00, 36 960 minutes → 17.204 % → 20 % → 60.00, and
# the whole of November (43 200 minutes, 0 %) as well. The availability page lists it to its
# resolution too.
def test_resolved_failure_notification_stops_counting_when_resolved(tenant, client):
    reseller_billed(tenant.client)
    contract = make_contract(tenant.client, "hosted-a", monthly_price="300.00")
    invoice_in_advance(OCT)
    staff = make_staff()
    with time_machine.travel(paris(2026, 10, 6, 9), tick=False):
        ticket = open_failure(tenant, contract)
    with time_machine.travel(paris(2026, 10, 6, 10), tick=False):
        services.ticket_set_status(ticket=ticket, status=TicketStatus.IN_PROGRESS, actor=staff)
    with time_machine.travel(paris(2026, 10, 6, 19), tick=False):
        services.ticket_set_status(ticket=ticket, status=TicketStatus.RESOLVED, actor=staff)
    with time_machine.travel(paris(2026, 11, 1, 1), tick=False):
        report = services.availability_report_compute(contract=contract, month=OCT)
    assert report.unavailable_minutes == Decimal("600.00")
    assert (report.credit_percent, report.credit_amount) == (Decimal("5"), Decimal("15.00"))
    with time_machine.travel(paris(2026, 12, 1, 1), tick=False):
        november = services.availability_report_compute(contract=contract, month=date(2026, 11, 1))
    assert november.unavailable_minutes == 0 and november.credit_percent == 0
    counted = selectors.failure_notifications_counted(
        client=tenant.client, since=paris(2026, 10, 1)
    ).get()
    assert counted.ended_at == paris(2026, 10, 6, 19)
    # Reopened, it runs again from its report (the service is down again, as the customer says).
    with time_machine.travel(paris(2026, 10, 7, 9), tick=False):
        services.ticket_set_status(
            ticket=ticket,
            status=TicketStatus.IN_PROGRESS,
            actor=tenant.members[Role.TECHNICAL].user,
        )
    counted = selectors.failure_notifications_counted(
        client=tenant.client, since=paris(2026, 10, 1)
    ).get()
    assert counted.ended_at is None


# SLA-8 / SLA-10 / ACC-3 — a partner-billed customer's second credit within 30 days finds the
# 20 % cap used up: September and October 2026 each below 97 % (2 000 minutes down, tier 20 %),
# both approved on 2 November: September gets 20 % of its base, October 0.00 (the cap over 30
# days is 20 % of October's base, already used) and no credit note. Before, the decision e-mail
# of October told the customer « le crédit de service est accordé à <partner> », and so did the
# contract's availability page; now both say the cap was reached and no further credit is due.
def test_capped_to_nothing_is_not_said_granted_to_the_partner(
    tenant, client, mailoutbox, django_capture_on_commit_callbacks
):
    from support.models import AvailabilityReport

    staff = make_staff()
    contract = make_contract(tenant.client, "hosted-w", quantity=10)
    sep = date(2026, 9, 1)
    invoice_in_advance(sep)
    invoice_in_advance(OCT)
    with time_machine.travel(paris(2026, 10, 30), tick=False):
        for start in (paris(2026, 9, 10, 9), paris(2026, 10, 12, 9)):
            services.outage_record(
                title="Down",
                started_at=start,
                ended_at=start + timedelta(minutes=2000),
                contracts=[contract],
                actor=staff,
            )
    with time_machine.travel(paris(2026, 11, 1, 1), tick=False):
        reports = [
            services.availability_report_compute(contract=contract, month=month)
            for month in (sep, OCT)
        ]
    for report in reports:
        assert report.credit_percent == Decimal("20") and report.credit_amount > 0
        services.credit_request(report=report)
    with (
        time_machine.travel(paris(2026, 11, 2, 9), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        for report in reports:
            services.credit_approve(report=report, actor=staff)
    september, october = (AvailabilityReport.objects.get(pk=r.pk) for r in reports)
    assert september.approved_amount == september.credit_amount
    assert september.credit_note is not None
    assert october.approved_amount == 0 and october.credit_note is None
    partner = tenant.client.partner.name
    mails = [m for m in mailoutbox if "octobre 2026" in m.body]
    assert mails
    for mail in mails:
        assert f"accordé à {partner}" not in mail.body
        assert "aucun crédit supplémentaire n'est dû" in mail.body
    client.force_login(tenant.members[Role.ADMIN].user)
    with time_machine.travel(paris(2026, 11, 2, 10), tick=False):
        page = client.get(reverse("support:availability_contract", args=[contract.pk]))
    row = page.content.decode().split(f'id="report-{october.pk}"')[1].split("</tr>")[0]
    assert "le plafond de 20\u00a0% sur 30 jours a été atteint" in row
    assert "accordé à" not in row
