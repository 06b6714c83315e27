"""Tickets (SLA-1), deadlines (SLA-2, SLA-3, SLA-4), attachments, the abusive-ticket penalty
(SLA-11), through ``support.services``."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.choices import Role
from accounts.models import AuditLog
from billing import services as billing
from billing.models import InvoiceLine, PendingCharge
from offers.choices import ContractStatus
from offers.models import Termination
from offers.services.terminations import termination_apply
from support import services
from support.choices import TicketKind, TicketStatus
from support.models import Attachment, TicketEvent
from tests.factories import ClientFactory, SiteFactory
from tests.offers.factories import make_contract
from tests.support.factories import make_staff, open_failure, paris, reseller_billed

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.BILLING_RENDER_PDF = False


@pytest.fixture
def staff():
    return make_staff()


def question(tenant, **kwargs):
    return services.ticket_open(
        client=tenant.client,
        kind=TicketKind.QUESTION,
        subject=kwargs.pop("subject", "How do I forward calls?"),
        body=kwargs.pop("body", "Hello, how do I forward calls to my mobile?"),
        actor=kwargs.pop("actor", tenant.members[Role.TECHNICAL].user),
        **kwargs,
    )


# SLA-1 — a question opened from the portal: a readable number, status new, its first message,
# an e-mail with the number to the admin and technical people, an audit row.
def test_open_question(tenant, mailoutbox, django_capture_on_commit_callbacks):
    with (
        time_machine.travel(paris(2026, 11, 16, 10), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        ticket = question(tenant)
    assert re.fullmatch(rf"T2026-{ticket.pk:06d}", ticket.number)
    assert ticket.status == TicketStatus.NEW and ticket.source == "portal"
    assert ticket.intervention_deadline is None and ticket.restoration_target is None
    assert [m.body for m in ticket.messages.all()] == [
        "Hello, how do I forward calls to my mobile?"
    ]
    assert TicketEvent.objects.get(ticket=ticket).to_status == TicketStatus.NEW
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        tenant.members[r].user.email for r in (Role.ADMIN, Role.TECHNICAL)
    )
    assert ticket.number in mailoutbox[0].subject
    assert AuditLog.objects.filter(action="ticket.open", object_id=str(ticket.pk)).exists()


# SLA-1 — a failure notification names one of the customer's services; another customer's
# member opens nothing here (ACC-2).
def test_open_refusals(tenant, other_tenant):
    other_contract = make_contract(other_tenant.client, "platform")
    with pytest.raises(ValidationError) as error:
        services.ticket_open(
            client=tenant.client,
            kind=TicketKind.FAILURE,
            subject="Down",
            body="x",
            actor=tenant.members[Role.TECHNICAL].user,
        )
    assert "contract" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        open_failure(tenant, other_contract)
    assert "contract" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        question(tenant, subject=" ", body="")
    assert set(error.value.message_dict) == {"subject", "body"}
    with pytest.raises(PermissionDenied):
        question(tenant, actor=other_tenant.members[Role.ADMIN].user)


# SLA-1 — a failure notification is only for a service in service: active, suspended, or under
# notice (terminating) until its termination's effective date, its first day without service.
# An ordered contract (no service start), a terminated one, and a terminating one on its
# effective date (the nightly job not run yet) are refused on ``contract``; a question about any
# of them is still taken.
def test_failure_only_for_a_contract_in_service(tenant):
    ordered = make_contract(tenant.client, "hosted-a", status=ContractStatus.ORDERED)
    suspended = make_contract(tenant.client, "hosted-a", status=ContractStatus.SUSPENDED)
    leaving = make_contract(tenant.client, "hosted-a", status=ContractStatus.TERMINATING)
    termination = Termination.objects.get(contract=leaving)
    last_day = termination.effective_date - timedelta(days=1)
    with time_machine.travel(paris(last_day.year, last_day.month, last_day.day, 10), tick=False):
        assert open_failure(tenant, suspended).contract == suspended
        assert open_failure(tenant, leaving).contract == leaving  # its last day of service
    with pytest.raises(ValidationError) as error:
        open_failure(tenant, ordered)
    assert "n'est pas en service" in error.value.message_dict["contract"][0]  # French first
    day = termination.effective_date
    with time_machine.travel(paris(day.year, day.month, day.day, 0, 30), tick=False):
        with pytest.raises(ValidationError) as error:
            open_failure(tenant, leaving)  # status still terminating at 0:30
        assert "contract" in error.value.message_dict
        assert termination_apply(termination_id=termination.pk, today=day)
        with pytest.raises(ValidationError) as error:
            open_failure(tenant, leaving)  # terminated
        assert "contract" in error.value.message_dict
        assert question(tenant, contract=leaving).contract == leaving
    assert question(tenant, contract=ordered).contract == ordered
    assert ordered.tickets.filter(kind=TicketKind.FAILURE).count() == 0


# SLA-2 / SLA-3 — a PLATFORM incident reported on Thursday 24 December 2026 at 16:00 must be
# worked on by Monday 28 December 12:00; acknowledged at 11:30 that Monday, the deadline is met.
def test_platform_incident_deadline_met(tenant, staff):
    contract = make_contract(tenant.client, "platform")
    with time_machine.travel(paris(2026, 12, 24, 16), tick=False):
        ticket = open_failure(tenant, contract)
    assert ticket.intervention_deadline == paris(2026, 12, 28, 12)
    assert ticket.restoration_target is None  # PLATFORM states no restoration target
    assert ticket.intervention_met is None
    with time_machine.travel(paris(2026, 12, 28, 11, 30), tick=False):
        services.ticket_set_status(ticket=ticket, status=TicketStatus.ACKNOWLEDGED, actor=staff)
    ticket.refresh_from_db()
    assert ticket.intervention_started_at == paris(2026, 12, 28, 11, 30)
    assert ticket.intervention_met is True


# SLA-3 — not started by the deadline: missed, and overdue in the queue.
def test_platform_incident_deadline_missed(tenant, staff):
    contract = make_contract(tenant.client, "platform")
    with time_machine.travel(paris(2026, 11, 14, 10), tick=False):  # a Saturday
        ticket = open_failure(tenant, contract)
    assert ticket.intervention_deadline == paris(2026, 11, 16, 13)
    with time_machine.travel(paris(2026, 11, 16, 14), tick=False):
        assert ticket.intervention_met is False and ticket.is_overdue
        services.ticket_reply(ticket=ticket, body="We are on it.", actor=staff)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.ACKNOWLEDGED
    assert ticket.intervention_met is False and not ticket.is_overdue


# SLA-4 — HOSTED-A: restoration 8 business hours (9:00–18:00) from the notification.
# Reported Tuesday 17 November 2026 at 16:00 → Wednesday 18 at 15:00; restored at 14:00: met.
def test_hosted_a_restoration_target(tenant, staff, mailoutbox, django_capture_on_commit_callbacks):
    contract = make_contract(tenant.client, "hosted-a")
    with time_machine.travel(paris(2026, 11, 17, 16), tick=False):
        ticket = open_failure(tenant, contract)
    assert ticket.intervention_deadline is None  # SLA-3: HOSTED-A states no intervention clause
    assert ticket.restoration_target == paris(2026, 11, 18, 15)  # 2 h Tuesday + 6 h Wednesday
    with (
        time_machine.travel(paris(2026, 11, 18, 16), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.ticket_record_restoration(
            ticket=ticket, restored_at=paris(2026, 11, 18, 14), actor=staff
        )
    ticket.refresh_from_db()
    assert ticket.restoration_met is True
    assert "service rétabli" in mailoutbox[-1].subject  # the member reads French


# SLA-4 — HOSTED-W: 4 elapsed hours from detection, nights and weekends included. Detected on
# Saturday 21 November at 22:00, reported at 23:30 → target Sunday 02:00; restored at 03:00:
# missed (reported, no penalty).
def test_hosted_w_restoration_target_from_detection(tenant, staff):
    contract = make_contract(tenant.client, "hosted-w", quantity=5)
    with time_machine.travel(paris(2026, 11, 21, 23, 30), tick=False):
        ticket = open_failure(tenant, contract, detected_at=paris(2026, 11, 21, 22))
    assert ticket.restoration_target == paris(2026, 11, 22, 2)
    # SLA-3: HOSTED-W states no intervention clause: no deadline is made up for it.
    assert ticket.intervention_deadline is None
    with time_machine.travel(paris(2026, 11, 22, 9), tick=False):
        services.ticket_record_restoration(
            ticket=ticket, restored_at=paris(2026, 11, 22, 3), actor=staff
        )
    ticket.refresh_from_db()
    assert ticket.restoration_met is False
    assert not PendingCharge.objects.exists()  # SLA-4: missing it costs no penalty


# SLA-1 — the transition map: no skipping to resolved from new, no move out of closed; the
# customer may only withdraw, answer, reopen or confirm; a reopened ticket loses its
# resolution time.
def test_transitions(tenant, staff):
    ticket = question(tenant)
    technical = tenant.members[Role.TECHNICAL].user
    with pytest.raises(services.InvalidTransition):
        services.ticket_set_status(ticket=ticket, status=TicketStatus.RESOLVED, actor=staff)
    with pytest.raises(PermissionDenied):
        services.ticket_set_status(ticket=ticket, status=TicketStatus.ACKNOWLEDGED, actor=technical)
    for status in (TicketStatus.IN_PROGRESS, TicketStatus.WAITING_CUSTOMER):
        services.ticket_set_status(ticket=ticket, status=status, actor=staff)
    services.ticket_reply(ticket=ticket, body="Here is the log.", actor=technical)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.IN_PROGRESS  # the customer answered
    services.ticket_set_status(ticket=ticket, status=TicketStatus.RESOLVED, actor=staff)
    ticket.refresh_from_db()
    assert ticket.resolved_at is not None
    services.ticket_set_status(ticket=ticket, status=TicketStatus.IN_PROGRESS, actor=technical)
    ticket.refresh_from_db()
    assert ticket.resolved_at is None
    services.ticket_set_status(ticket=ticket, status=TicketStatus.RESOLVED, actor=staff)
    services.ticket_set_status(ticket=ticket, status=TicketStatus.CLOSED, actor=technical)
    with pytest.raises(services.InvalidTransition):
        services.ticket_set_status(ticket=ticket, status=TicketStatus.IN_PROGRESS, actor=staff)
    with pytest.raises(services.InvalidTransition):
        services.ticket_reply(ticket=ticket, body="Again", actor=technical)
    assert list(TicketEvent.objects.filter(ticket=ticket).values_list("to_status", flat=True)) == [
        "new",
        "in_progress",
        "waiting_customer",
        "in_progress",
        "resolved",
        "in_progress",
        "resolved",
        "closed",
    ]


# SLA-1 — staff answers are e-mailed; internal notes are staff-only and e-mail nobody.
def test_staff_answers_and_internal_notes(
    tenant, staff, mailoutbox, django_capture_on_commit_callbacks
):
    ticket = question(tenant)
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_reply(
            ticket=ticket, body="Customer seems confused", actor=staff, internal=True
        )
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_reply(ticket=ticket, body="Dial *21*", actor=staff)
    assert len(mailoutbox) == 2 and "Dial *21*" in mailoutbox[0].body
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None
    with pytest.raises(ValidationError) as error:
        services.ticket_reply(
            ticket=ticket, body="x", actor=tenant.members[Role.ADMIN].user, internal=True
        )
    assert "internal" in error.value.message_dict


# SLA-1 (failure paths): a ticket whose write fails after its files are stored (here the audit
# record, the step after them, raising) is rolled back with its files: none is left in the
# media folder without its row.
def test_a_failure_after_the_attachments_leaves_no_file(tenant, settings, monkeypatch):
    from pathlib import Path

    from support.models import Ticket
    from support.services import tickets

    def broken(**kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(tickets, "audit_record", broken)
    files = [SimpleUploadedFile("a.pdf", PDF), SimpleUploadedFile("b.png", PNG)]
    with pytest.raises(RuntimeError):
        question(tenant, attachments=files)
    assert not Ticket.objects.exists() and not Attachment.objects.exists()
    assert not [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


# Attachments: by extension and by content, 10 MB at most; stored under a random name,
# the customer's name kept apart.
def test_attachments(tenant, settings):
    good = [
        SimpleUploadedFile("Facture opérateur.PDF", PDF),
        SimpleUploadedFile("screen.png", PNG),
        SimpleUploadedFile("trace.log", b"2026-11-16 10:00:01 INVITE sip:100@pbx\n"),
        SimpleUploadedFile("capture.pcap", b"\xd4\xc3\xb2\xa1" + b"\x00" * 20),
    ]
    ticket = question(tenant, attachments=good)
    stored = list(Attachment.objects.filter(message__ticket=ticket).order_by("pk"))
    assert [a.original_name for a in stored] == [
        "Facture opérateur.PDF",
        "screen.png",
        "trace.log",
        "capture.pcap",
    ]
    assert [a.content_type for a in stored][:2] == ["application/pdf", "image/png"]
    assert re.fullmatch(r"support/\d{4}/[0-9a-f]{32}\.pdf", stored[0].file.name)
    assert stored[0].file.read() == PDF

    for bad in (
        SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00 this is a program"),
        SimpleUploadedFile("setup.exe", b"MZ\x90\x00"),
        SimpleUploadedFile("notes.txt", b"\x00\x01\x02binary"),
        SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024)),
    ):
        with pytest.raises(ValidationError) as error:
            question(tenant, attachments=[bad])
        assert "attachments" in error.value.message_dict, bad.name


# SLA-11 / USE-7 — staff charge the 100.00 € penalty from the ticket: a pending charge keyed by
# the ticket (charging twice gives the same charge), only staff may, the ticket no longer
# counts as unavailability; outside the scope of VAT like every penalty (category "O", 0.00 €
# of VAT), so the run puts it on the customer's invoice of "O" charges, not beside the
# subscription's taxable lines.
def test_abusive_ticket_penalty(tenant, staff):
    reseller_billed(tenant.client)
    contract = make_contract(tenant.client, "platform")
    with time_machine.travel(paris(2026, 10, 6, 10), tick=False):
        ticket = open_failure(tenant, contract)
    with pytest.raises(PermissionDenied):
        services.ticket_charge_abusive_penalty(ticket=ticket, actor=tenant.members[Role.ADMIN].user)
    charge = services.ticket_charge_abusive_penalty(ticket=ticket, actor=staff, note="Own PBX")
    again = services.ticket_charge_abusive_penalty(ticket=ticket, actor=staff)
    assert again.pk == charge.pk and PendingCharge.objects.filter(kind="penalty").count() == 1
    assert charge.unit_price == Decimal("100.0000") and charge.quantity == 1
    assert charge.kind == "penalty" and charge.vat_category == "O"
    assert (charge.source_type, charge.source_id) == ("ticket", str(ticket.pk))
    assert AuditLog.objects.filter(action="ticket.penalty").count() == 1
    ticket.refresh_from_db()
    assert ticket.customer_caused
    assert services.ticket_intervals(contract, charge.period_start) == []
    billing.run_month_sync(month=charge.period_start)
    line = InvoiceLine.objects.get(kind="penalty")
    assert (line.net_amount, line.vat_rate, line.vat_category) == (
        Decimal("100.00"),
        Decimal("0.00"),
        "O",
    )
    assert {other.vat_category for other in line.invoice.lines.all()} == {"O"}
    assert line.invoice.total_vat == Decimal("0.00")
    question_ticket = question(tenant)
    with pytest.raises(ValidationError):
        services.ticket_charge_abusive_penalty(ticket=question_ticket, actor=staff)


# SLA-2 — Alsace-Moselle sites count Good Friday as a holiday.
def test_alsace_site_calendar(tenant):
    client = ClientFactory(partner=tenant.client.partner)
    site = SiteFactory(client=client, insee_code="67482", postal_code="67000", city="Strasbourg")
    contract = make_contract(client, "platform", site=site)
    with time_machine.travel(paris(2026, 4, 2, 16), tick=False):
        ticket = services.ticket_open(
            client=client,
            kind=TicketKind.FAILURE,
            subject="Down",
            body="Down",
            contract=contract,
        )
    assert ticket.intervention_deadline == paris(2026, 4, 7, 12)
    assert ticket.intervention_deadline - paris(2026, 4, 2, 16) > timedelta(days=4)
