"""Support's rows of the tenant-isolation matrix (tests/test_isolation.py): every support API
route is named here; the portal lists are filled with the portal pages."""

import tempfile
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from offers.periods import add_months, month_start
from support import services
from support.choices import TicketKind
from support.models import Attachment, AvailabilityReport, Outage, Ticket
from tests.support.factories import make_staff


def _contract(t):
    """The tenant's HOSTED-W contract (SLA policy), in service, cached on the tenant."""
    if getattr(t, "support_contract", None) is None:
        from tests.offers.factories import make_contract

        t.support_contract = make_contract(t.client, "hosted-w", quantity=2)
    return t.support_contract


def _ticket(t):
    if getattr(t, "ticket", None) is None:
        t.ticket = services.ticket_open(
            client=t.client,
            kind=TicketKind.QUESTION,
            subject="Isolation check",
            body="Is this visible to others?",
        )
    return t.ticket


def _attachment(t):
    """A file on the tenant's failure notification, stored in a throw-away media folder (the
    matrix never reads it: the other tenant gets a 404 before)."""
    if getattr(t, "attachment", None) is None:
        with tempfile.TemporaryDirectory() as media, override_settings(MEDIA_ROOT=media):
            ticket = services.ticket_open(
                client=t.client,
                kind=TicketKind.FAILURE,
                subject="Isolation check",
                body="See the log.",
                contract=_contract(t),
                attachments=[SimpleUploadedFile("trace.log", b"no dial tone\n")],
            )
        t.attachment = Attachment.objects.get(message__ticket=ticket)
    return t.attachment


def _outage(t):
    """An outage of the tenant's contract only (recorded by staff)."""
    if getattr(t, "outage", None) is None:
        now = timezone.now().replace(microsecond=0)
        t.outage = services.outage_record(
            title=f"Outage of {t.client.legal_name}",
            started_at=now - timedelta(hours=2),
            ended_at=now - timedelta(hours=1),
            contracts=[_contract(t)],
            actor=make_staff(),
        )
    return t.outage


def _report(t):
    if getattr(t, "report", None) is None:
        last_month = add_months(month_start(timezone.localdate()), -1)
        t.report = services.availability_report_compute(contract=_contract(t), month=last_month)
    return t.report


API_RESOURCES = [
    ("api:ticket-list", "api:ticket-detail", lambda t: _ticket(t).pk, Ticket),
    ("api:outage-list", "api:outage-detail", lambda t: _outage(t).pk, Outage),
    (
        "api:availability-report-list",
        "api:availability-report-detail",
        lambda t: _report(t).pk,
        AvailabilityReport,
    ),
]
# Commands and sub-resources: another partner's object answers 404 on each
# (tests/support/test_api.py::test_other_partner_commands_404).
API_OTHER_ROUTES = {
    "api:ticket-messages",
    "api:ticket-attachment",
    "api:availability-report-request",
}
PORTAL_PAGES = [
    ("support:tickets", None),
    ("support:ticket_create", None),
    ("support:availability", None),
]
# The other tenant's admin asks for these objects of the tenant: 404 on GET and POST.
PORTAL_OBJECT_PAGES = [
    ("support:ticket_detail", lambda t: [_ticket(t).pk]),
    ("support:ticket_status", lambda t: [_ticket(t).pk]),
    ("support:attachment", lambda t: [_attachment(t).pk]),
    ("support:availability_contract", lambda t: [_contract(t).pk]),
    ("support:credit_request", lambda t: [_report(t).pk]),
]
# A read-only member: answering or closing a ticket it did not open needs "technical",
# requesting a credit "billing" (ACC-2) — 403 and nothing written. (It may open tickets:
# tests/support/test_trips_billing_tickets.py.)
PORTAL_WRITES = [
    ("support:ticket_detail", lambda t: [_ticket(t).pk], {"body": "Intrusion"}),
    ("support:ticket_status", lambda t: [_ticket(t).pk], {"status": "closed"}),
    ("support:credit_request", lambda t: [_report(t).pk], {}),
]
OWN_ROWS = {Ticket: _ticket, Outage: _outage, AvailabilityReport: _report}
