"""Customer portal pages of support: tickets (SLA-1, SLA-3, SLA-4) with their messages and
files, availability and credits (SLA-5..10) with the 12-month chart, the SLA card of the
contract page (SLA-9), roles (ACC-2) and query counts."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.choices import Role
from offers.choices import ContractStatus
from support import services
from support.choices import ReportStatus, TicketKind, TicketStatus
from support.models import AvailabilityReport, Ticket, TicketMessage
from tests.offers.factories import make_contract
from tests.support.factories import (
    invoice_in_advance,
    make_staff,
    open_failure,
    paris,
    reseller_billed,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"
NOV, OCT, SEP = date(2026, 11, 1), date(2026, 10, 1), date(2026, 9, 1)
# "Today" of the availability tests: last month is October 2026.
TODAY = paris(2026, 11, 20, 10)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.BILLING_RENDER_PDF = False


@pytest.fixture
def english(client):
    """The pages in English (the source strings), whatever the catalogue says."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def staff():
    return make_staff()


@pytest.fixture
def hosted_a(tenant):
    return make_contract(tenant.client, "hosted-a")


@pytest.fixture
def hosted_w(tenant):
    return make_contract(tenant.client, "hosted-w", quantity=10)


def page_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def question(tenant, subject="How do I forward calls?", **kwargs):
    return services.ticket_open(
        client=tenant.client,
        kind=TicketKind.QUESTION,
        subject=subject,
        body=kwargs.pop("body", "Hello, how do I forward calls to my mobile?"),
        actor=tenant.members[Role.TECHNICAL].user,
        **kwargs,
    )


def down(contract, start, minutes, staff, **kwargs):
    return services.outage_record(
        title=kwargs.pop("title", "Core network failure"),
        started_at=start,
        ended_at=start + timedelta(minutes=minutes),
        contracts=[contract],
        actor=staff,
        **kwargs,
    )


# --- Tickets ----------------------------------------------------------------------------------


# SLA-1 — the list: empty state with the "New ticket" button, then the customer's tickets only
# with their number, subject, kind, contract, status badge and intervention deadline.
def test_ticket_list(as_role, english, tenant, other_tenant, hosted_a):
    browser = as_role(Role.TECHNICAL)
    page = page_of(browser.get(reverse("support:tickets")))
    assert 'data-testid="no-ticket"' in page and 'data-testid="new-ticket"' in page
    assert 'href="/support/"' in page  # the main menu's entry

    with time_machine.travel(paris(2026, 11, 17, 16), tick=False):
        failure = open_failure(tenant, hosted_a)
        asked = question(tenant)
        theirs = services.ticket_open(
            client=other_tenant.client, kind=TicketKind.QUESTION, subject="Secret", body="x"
        )
        page = page_of(browser.get(reverse("support:tickets")))
    assert failure.number in page and asked.number in page and theirs.number not in page
    assert "No dial tone" in page and hosted_a.reference in page
    assert "Failure notification" in page and "Question" in page
    assert '<span class="badge" data-testid="ticket-status">New</span>' in page
    # SLA-3: HOSTED-A states no intervention deadline: the column shows none.
    assert "18/11/2026 11:00" not in page
    assert 'data-testid="intervention-pending"' not in page


# SLA-1 — filters (open / resolved / closed, kind) and pagination keep each other.
def test_ticket_list_filters_and_pages(as_role, english, tenant, staff, hosted_a):
    closed = question(tenant, subject="Closed one")
    services.ticket_set_status(ticket=closed, status=TicketStatus.CLOSED, actor=staff)
    failure = open_failure(tenant, hosted_a)
    browser = as_role(Role.READ_ONLY)
    url = reverse("support:tickets")
    page = page_of(browser.get(url, {"status": "open"}))
    assert failure.number in page and closed.number not in page
    page = page_of(browser.get(url, {"status": "closed"}))
    assert closed.number in page and failure.number not in page
    page = page_of(browser.get(url, {"kind": TicketKind.QUESTION}))
    assert closed.number in page and failure.number not in page
    page = page_of(browser.get(url, {"status": "resolved"}))
    assert 'data-testid="no-match"' in page and "Show all" in page
    page = page_of(browser.get(url, {"status": "bogus"}))  # ignored, not an error
    assert closed.number in page and failure.number in page

    for index in range(20):
        question(tenant, subject=f"Question {index}")
    first = page_of(browser.get(url, {"kind": TicketKind.QUESTION}))
    second = page_of(browser.get(url, {"kind": TicketKind.QUESTION, "page": 2}))
    assert first.count('data-testid="ticket-row"') == 20
    assert second.count('data-testid="ticket-row"') == 1 and "Page 2 of 2" in second
    assert "kind=question" in first  # the next page keeps the filter


# SLA-3 / SLA-4 — a failure notification shows its number and the deadlines its contract's
# terms state, in Paris time: HOSTED-A reported Tuesday 17 November 2026 at 16:00 → service
# restored by Wednesday 15:00 (8 business hours, 9:00–18:00: 2 h + 6 h); HOSTED-A states no
# intervention deadline, so none is shown.
def test_failure_notification_detail(as_role, english, tenant, hosted_a, staff):
    with time_machine.travel(paris(2026, 11, 17, 16), tick=False):
        ticket = open_failure(tenant, hosted_a)
        page = page_of(
            as_role(Role.TECHNICAL).get(reverse("support:ticket_detail", args=[ticket.pk]))
        )
    assert f'data-testid="ticket-number">{ticket.number}<' in page
    assert 'data-testid="intervention-deadline"' not in page
    assert "Work starts by" not in page
    assert 'data-testid="restoration-target">Wed 18/11/2026 15:00<' in page
    assert 'data-testid="restoration-pending"' in page
    assert "All phones are down since this morning." in page
    assert 'data-testid="set-closed"' in page  # a new ticket can be withdrawn
    assert 'data-testid="reply-form"' in page

    # Service restored in time: met.
    with time_machine.travel(paris(2026, 11, 18, 12), tick=False):
        services.ticket_reply(ticket=ticket, body="We are on it.", actor=staff)
        services.ticket_record_restoration(ticket=ticket, actor=staff)
        services.ticket_reply(ticket=ticket, body="Staff only", internal=True, actor=staff)
        page = page_of(
            as_role(Role.READ_ONLY).get(reverse("support:ticket_detail", args=[ticket.pk]))
        )
    assert 'data-testid="intervention-' not in page
    assert 'data-testid="restoration-met"' in page
    assert "We are on it." in page and "Staff only" not in page
    assert 'data-testid="reply-form"' not in page and 'data-testid="set-closed"' not in page


# SLA-1 — a question has no deadlines.
def test_question_detail_has_no_deadline(as_role, english, tenant):
    ticket = question(tenant)
    page = page_of(as_role(Role.ADMIN).get(reverse("support:ticket_detail", args=[ticket.pk])))
    assert ticket.number in page and 'data-testid="incident"' not in page


# SLA-1 — the form offers the customer's own contracts only and says the attachment limits;
# a failure notification with a PDF → redirected to the ticket, its number in the message.
def test_create_failure_notification(as_role, english, tenant, other_tenant, hosted_a):
    theirs = make_contract(other_tenant.client, "hosted-a")
    browser = as_role(Role.TECHNICAL)
    url = reverse("support:ticket_create")
    page = page_of(browser.get(url, {"contract": hosted_a.pk}))
    assert hosted_a.reference in page and theirs.reference not in page
    assert "10 MB at most per file; PDF, PNG, JPG, JPEG, TXT, LOG, PCAP, PCAPNG, ZIP." in page
    assert 'accept=".pdf,.png,' in page and "multiple" in page
    assert f'<option value="{hosted_a.pk}" selected>' in page

    response = browser.post(
        url,
        {
            "kind": TicketKind.FAILURE,
            "contract": hosted_a.pk,
            "subject": "No dial tone",
            "body": "Every phone is silent.",
            "attachments": [
                SimpleUploadedFile("report.pdf", PDF, content_type="application/pdf"),
                SimpleUploadedFile("trace.log", b"SIP/2.0 503\n", content_type="text/plain"),
            ],
        },
        follow=True,
    )
    ticket = Ticket.objects.get()
    assert response.redirect_chain == [(reverse("support:ticket_detail", args=[ticket.pk]), 302)]
    page = page_of(response)
    assert f"Your failure notification is registered as ticket {ticket.number}" in page
    assert ticket.kind == TicketKind.FAILURE and ticket.contract == hosted_a
    assert ticket.source == "portal" and ticket.opened_by == tenant.members[Role.TECHNICAL].user
    assert "report.pdf" in page and "trace.log" in page


# SLA-1 — refusals stay on the form with the reason: a failure without its contract, a file of
# a refused type or whose content does not match its extension, another customer's contract.
def test_create_validation_errors(as_role, english, tenant, other_tenant, hosted_a):
    browser = as_role(Role.ADMIN)
    url = reverse("support:ticket_create")
    data = {"kind": TicketKind.FAILURE, "subject": "Down", "body": "Nothing works."}
    page = page_of(browser.post(url, data))
    assert 'data-testid="error-contract">Choose the service that fails.<' in page

    data["contract"] = hosted_a.pk
    page = page_of(
        browser.post(url, {**data, "attachments": [SimpleUploadedFile("virus.exe", b"MZ")]})
    )
    assert "virus.exe: only PDF, PNG, JPEG, TXT, LOG, PCAP and ZIP files are accepted." in page
    page = page_of(
        browser.post(url, {**data, "attachments": [SimpleUploadedFile("fake.pdf", b"MZ\x90")]})
    )
    assert "fake.pdf does not look like a PDF file." in page

    theirs = make_contract(other_tenant.client, "hosted-a")
    page = page_of(browser.post(url, {**data, "contract": theirs.pk}))
    assert 'data-testid="error-contract">Select a valid choice.' in page
    page = page_of(browser.post(url, {"kind": TicketKind.QUESTION, "subject": "", "body": ""}))
    assert 'data-testid="error-subject"' in page and 'data-testid="error-body"' in page
    assert not Ticket.objects.exists()


# SLA-1 — the portal's form takes a failure notification only for a contract in service: an
# ordered contract is marked in the list (« not in service yet: questions only ») and refused
# for a failure with the reason on the field, nothing written; a question about it is taken.
def test_failure_form_refuses_a_contract_not_in_service(as_role, english, tenant, hosted_a):
    ordered = make_contract(tenant.client, "hosted-a", status=ContractStatus.ORDERED)
    browser = as_role(Role.TECHNICAL)
    url = reverse("support:ticket_create")
    page = page_of(browser.get(url))
    assert f"{ordered.reference} — " in page and "not in service: questions only" in page
    data = {"kind": TicketKind.FAILURE, "contract": ordered.pk, "subject": "Down", "body": "x"}
    page = page_of(browser.post(url, data))
    assert 'data-testid="error-contract">' in page and "is not in service" in page
    assert not Ticket.objects.exists()
    assert browser.post(url, {**data, "kind": TicketKind.QUESTION}).status_code == 302
    assert Ticket.objects.get().kind == TicketKind.QUESTION


# SLA-1 — a reply with a file; a customer's answer to a ticket waiting for it puts it back in
# progress; a closed ticket takes no message.
def test_reply(as_role, english, tenant, staff):
    ticket = question(tenant)
    services.ticket_set_status(ticket=ticket, status=TicketStatus.ACKNOWLEDGED, actor=staff)
    services.ticket_set_status(ticket=ticket, status=TicketStatus.WAITING_CUSTOMER, actor=staff)
    browser = as_role(Role.TECHNICAL)
    url = reverse("support:ticket_detail", args=[ticket.pk])
    page = page_of(browser.get(url))
    assert 'data-testid="waiting-you"' in page
    response = browser.post(
        url,
        {"body": "Here is the capture.", "attachments": [SimpleUploadedFile("a.txt", b"hi\n")]},
    )
    assert response.status_code == 302 and response["Location"] == url + "#messages"
    message = TicketMessage.objects.filter(ticket=ticket).latest("pk")
    assert message.body == "Here is the capture." and message.attachments.count() == 1
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.IN_PROGRESS

    page = page_of(browser.post(url, {"body": ""}))
    assert 'data-testid="error-body"' in page

    services.ticket_set_status(ticket=ticket, status=TicketStatus.RESOLVED, actor=staff)
    page = page_of(browser.get(url))
    assert 'data-testid="set-in_progress"' in page and 'data-testid="set-closed"' in page
    services.ticket_set_status(ticket=ticket, status=TicketStatus.CLOSED, actor=staff)
    page = page_of(browser.get(url))
    assert 'data-testid="reply-form"' not in page and 'data-testid="closed"' in page
    page = page_of(browser.post(url, {"body": "One more thing"}))
    assert "This ticket is closed: open a new one." in page
    assert not TicketMessage.objects.filter(body="One more thing").exists()


# SLA-1 — the customer's moves: withdraw a new ticket, reopen a resolved one; a staff move is
# refused (403) and a GET only goes back to the ticket.
def test_status_moves(as_role, english, tenant, staff):
    browser = as_role(Role.TECHNICAL)
    ticket = question(tenant)
    url = reverse("support:ticket_status", args=[ticket.pk])
    assert browser.get(url)["Location"] == reverse("support:ticket_detail", args=[ticket.pk])
    assert browser.post(url, {"status": TicketStatus.ACKNOWLEDGED}).status_code == 403
    response = browser.post(url, {"status": TicketStatus.CLOSED}, follow=True)
    assert f"Ticket {ticket.number} is now “Closed”." in page_of(response)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED
    assert browser.post(url, {"status": TicketStatus.IN_PROGRESS}).status_code == 403

    other = question(tenant, subject="Again")
    services.ticket_set_status(ticket=other, status=TicketStatus.IN_PROGRESS, actor=staff)
    services.ticket_set_status(ticket=other, status=TicketStatus.RESOLVED, actor=staff)
    browser.post(reverse("support:ticket_status", args=[other.pk]), {"status": "in_progress"})
    other.refresh_from_db()
    assert other.status == TicketStatus.IN_PROGRESS


# Attachments are streamed under their original name, never rendered by the browser; another
# customer's file, or a file of a staff internal note, does not exist (404).
def test_attachment_download(as_role, tenant, other_tenant, staff):
    ticket = question(tenant, attachments=[SimpleUploadedFile("relevé.pdf", PDF)])
    attachment = ticket.messages.get().attachments.get()
    response = as_role(Role.READ_ONLY).get(reverse("support:attachment", args=[attachment.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "relev%C3%A9.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"

    note = services.ticket_reply(
        ticket=ticket,
        body="Internal",
        internal=True,
        actor=staff,
        attachments=[SimpleUploadedFile("internal.txt", b"x\n")],
    )
    hidden = note.attachments.get()
    assert (
        as_role(Role.ADMIN).get(reverse("support:attachment", args=[hidden.pk])).status_code == 404
    )
    theirs = services.ticket_open(
        client=other_tenant.client,
        kind=TicketKind.QUESTION,
        subject="Theirs",
        body="x",
        attachments=[SimpleUploadedFile("theirs.txt", b"secret\n")],
    )
    other_file = theirs.messages.get().attachments.get()
    assert (
        as_role(Role.ADMIN).get(reverse("support:attachment", args=[other_file.pk])).status_code
        == 404
    )


# ACC-2 — a read-only member sees tickets but cannot open, answer or close one, nor request a
# credit: no button, and 403 on every POST with nothing written.
def test_read_only_member(as_role, english, tenant, hosted_w, staff):
    ticket = question(tenant)
    invoice_in_advance(OCT)  # SLA-7: the credit's base is October's invoiced subscriptions
    with time_machine.travel(TODAY, tick=False):
        down(hosted_w, paris(2026, 10, 14, 9), 70, staff)
        report = services.availability_report_compute(contract=hosted_w, month=OCT)
        browser = as_role(Role.READ_ONLY)
        page = page_of(browser.get(reverse("support:tickets")))
        assert ticket.number in page  # ACC-2: it may open its own (test_trips_billing_tickets)
        page = page_of(browser.get(reverse("support:availability_contract", args=[hosted_w.pk])))
        assert 'data-testid="request-credit"' not in page
        assert "your administrator or billing contact can request it" in page
        posts = [  # a colleague's ticket and a credit: not the read-only member's to write
            (reverse("support:ticket_detail", args=[ticket.pk]), {"body": "Hello"}),
            (reverse("support:ticket_status", args=[ticket.pk]), {"status": "closed"}),
            (reverse("support:credit_request", args=[report.pk]), {}),
        ]
        for url, data in posts:
            assert browser.post(url, data).status_code == 403, url
    assert Ticket.objects.count() == 1 and TicketMessage.objects.count() == 1
    ticket.refresh_from_db()
    report.refresh_from_db()
    assert ticket.status == TicketStatus.NEW and report.status == ReportStatus.COMPUTED
    # The technical role opens tickets but does not request credits.
    technical = as_role(Role.TECHNICAL)
    assert technical.post(reverse("support:credit_request", args=[report.pk])).status_code == 403


# Query counts — the ticket list costs the same for 1 ticket as for 10 (no N+1).
def test_ticket_list_query_count(as_role, tenant, hosted_a, django_assert_max_num_queries):
    browser = as_role(Role.ADMIN)
    open_failure(tenant, hosted_a)
    browser.get(reverse("support:tickets"))  # warm the session
    with CaptureQueriesContext(connection) as one:
        assert browser.get(reverse("support:tickets")).status_code == 200
    for index in range(9):
        if index % 2:
            open_failure(tenant, hosted_a)
        else:
            question(tenant, subject=f"Q{index}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = page_of(browser.get(reverse("support:tickets")))
    assert page.count('data-testid="ticket-row"') == 10
    assert len(one.captured_queries) <= 10


# --- Availability and credits -----------------------------------------------------------------


# SLA-6 / SLA-10 — the contract's page: a chart of the last 12 months (November 2025 to
# October 2026) with a bar per computed month and the target line, and the same figures in the
# table below. October: 70 minutes of 44 640 → 99.843 % (truncated) → 5 % → a credit.
def test_availability_chart_twelve_months(as_role, english, tenant, hosted_w, staff):
    customer = reseller_billed(tenant.client)
    assert customer.pk == hosted_w.client_id
    invoice_in_advance(OCT)  # SLA-7: the credit's base is October's invoiced subscriptions
    with time_machine.travel(TODAY, tick=False):
        down(hosted_w, paris(2026, 10, 14, 9), 70, staff)
        down(hosted_w, paris(2026, 9, 2, 9), 10, staff)
        for month in (SEP, OCT):
            services.availability_report_compute(contract=hosted_w, month=month)
        page = page_of(
            as_role(Role.ADMIN).get(reverse("support:availability_contract", args=[hosted_w.pk]))
        )
    assert page.count('data-testid="chart-month"') == 12
    # issue 17 item 3: the chart and the table end with the month in progress (November so
    # far, no outage: 100 %), then October, September, and the 9 months before as one row.
    assert page.count('data-current="true"') == 1 and 'data-value="100.000"' in page
    assert page.count('data-testid="report-current"') == 1
    assert page.count('data-testid="report-row"') == 2
    assert page.count('data-testid="report-gap"') == 1
    assert "December 2025 – August 2026</th>" in page and "Not measured (9 months)" in page
    assert "<svg" in page and 'role="img"' in page and "<desc" in page
    assert 'data-value="99.843"' in page and 'data-value="99.976"' in page
    assert ">Dec.<" in page and ">2025<" in page and ">Oct.<" in page and ">2026<" in page
    table = page[page.index('data-testid="report-table"') :]
    assert table.index("October 2026") < table.index("September 2026")  # newest first
    assert "99.85%" in page  # the target line's label
    assert 'data-testid="report-availability"><span class="danger">99.843%' in page
    assert page.count('data-testid="request-credit"') == 1  # only October has a credit
    assert "Commitment met: no credit" in page
    assert "Core network failure" in page  # the outages of the contract


# SLA-10 — one click: the report is requested; a second POST changes nothing and says so.
def test_credit_request_one_click(as_role, english, tenant, hosted_w, staff):
    invoice_in_advance(OCT)  # SLA-7: the credit's base is October's invoiced subscriptions
    with time_machine.travel(TODAY, tick=False):
        down(hosted_w, paris(2026, 10, 14, 9), 70, staff)
        report = services.availability_report_compute(contract=hosted_w, month=OCT)
        browser = as_role(Role.BILLING)
        url = reverse("support:credit_request", args=[report.pk])
        response = browser.post(url, follow=True)
    page = page_of(response)
    contract_url = reverse("support:availability_contract", args=[hosted_w.pk])
    assert response.redirect_chain == [(f"{contract_url}#report-{report.pk}", 302)]
    report.refresh_from_db()
    assert report.status == ReportStatus.REQUESTED
    assert report.requested_by == tenant.members[Role.BILLING].user
    requested_at = report.requested_at
    assert "for October 2026 is requested" in page
    assert 'data-testid="credit-status">Credit requested<' in page
    assert 'data-testid="request-credit"' not in page

    with time_machine.travel(TODAY + timedelta(minutes=5), tick=False):
        page = page_of(browser.post(url, follow=True))
        assert browser.get(url).status_code == 302  # a GET only goes back to the page
    assert "This credit was already requested" in page
    report.refresh_from_db()
    assert report.status == ReportStatus.REQUESTED and report.requested_at == requested_at


# SLA-10 / BIL-9 — decided credits: approved with its credit note (the customer's own
# document, linked to the invoices), refused with the reason.
def test_credit_decisions_shown(as_role, english, tenant, hosted_w, staff):
    reseller_billed(tenant.client)
    for month in (SEP, OCT):  # SLA-7: the bases are the months' invoiced subscriptions
        invoice_in_advance(month)
    with time_machine.travel(TODAY, tick=False):
        down(hosted_w, paris(2026, 10, 14, 9), 70, staff)
        down(hosted_w, paris(2026, 9, 14, 9), 70, staff)
        october = services.availability_report_compute(contract=hosted_w, month=OCT)
        september = services.availability_report_compute(contract=hosted_w, month=SEP)
        for report in (october, september):
            services.credit_request(report=report, actor=tenant.members[Role.ADMIN].user)
        october = services.credit_approve(report=october, actor=staff)
        services.credit_refuse(report=september, reason="Duplicate of ticket T-1", actor=staff)
        page = page_of(
            as_role(Role.ADMIN).get(reverse("support:availability_contract", args=[hosted_w.pk]))
        )
    note = october.credit_note
    assert note is not None and note.client_id == tenant.client.pk
    link = reverse("billing:detail", args=[note.pk])
    assert f'href="{link}" data-testid="credit-note">{note.number}<' in page
    assert ">Credit approved<" in page and ">Credit refused<" in page
    assert 'data-testid="refusal-reason">Duplicate of ticket T-1<' in page


# ACC-3 / SLA-10 — a partner-billed customer (Nova, 20 % wholesale discount) is invoiced by Nova:
# its SLA credit is a credit note to Nova, computed on Nova's wholesale price (149.00 retail →
# 119.20 invoiced to Nova; 5 % → 5.96). The customer's pages and e-mail give the month's rate
# (5 %) and say the credit goes to Nova, who invoices the services — never Nova's wholesale
# base, the credit in our euros or our credit note's number (before: "Base 119.20", "5.96 €
# excl. VAT · credit note A2026-…", and an e-mail "deducted from your next invoice").
def test_partner_billed_credit_shows_no_wholesale_amount(
    as_role,
    english,
    tenant,
    partner,
    hosted_w,
    staff,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    partner.wholesale_discount_percent = Decimal("20")
    partner.save(update_fields=["wholesale_discount_percent"])
    invoice_in_advance(OCT)
    with time_machine.travel(TODAY, tick=False):
        down(hosted_w, paris(2026, 10, 14, 9), 70, staff)
        report = services.availability_report_compute(contract=hosted_w, month=OCT)
        assert (report.base, report.credit_amount) == (Decimal("119.20"), Decimal("5.96"))
        browser = as_role(Role.BILLING)
        pages = [page_of(browser.get(reverse("support:availability")))]
        response = browser.post(reverse("support:credit_request", args=[report.pk]), follow=True)
        pages.append(page_of(response))
        with django_capture_on_commit_callbacks(execute=True):
            report = services.credit_approve(report=report, actor=staff)
        pages.append(page_of(browser.get(reverse("offers:detail", args=[hosted_w.pk]))))
        pages.append(
            page_of(browser.get(reverse("support:availability_contract", args=[hosted_w.pk])))
        )
    decided = [m for m in mailoutbox if hosted_w.reference in m.subject]  # in French
    assert decided and report.credit_note is not None
    for text in [*pages, *(m.body for m in decided)]:
        assert "119.20" not in text and "5.96" not in text
        assert report.credit_note.number not in text
    assert "5%" in pages[-1] and "Nova" in pages[-1]
    assert "Nova" in decided[0].body and "prochaine facture" not in decided[0].body


# SLA-9 — no credit can be requested where the SLA does not apply; the page says why.
def test_not_applicable(as_role, english, tenant, staff):
    contract = make_contract(tenant.client, "hosted-w", sla_applicable=False)
    with time_machine.travel(TODAY, tick=False):
        down(contract, paris(2026, 10, 14, 9), 300, staff)
        report = services.availability_report_compute(contract=contract, month=OCT)
        page = page_of(
            as_role(Role.ADMIN).get(reverse("support:availability_contract", args=[contract.pk]))
        )
    assert 'data-testid="sla-not-applicable"' in page
    assert report.credit_percent == 10 and report.credit_amount == 0
    # the report's reason, in the page's language (the job stored it in French)
    assert "The SLA does not apply: the access link, terminals or router" in page
    assert 'data-testid="request-credit"' not in page


# SLA-5 / SLA-6 — the overview: each contract with an SLA policy, its month so far and last
# month; the outages of the customer's contracts without staff's internal note; never another
# customer's outage.
def test_availability_overview(as_role, english, tenant, other_tenant, hosted_w, hosted_a, staff):
    reseller_billed(tenant.client)  # invoiced by us: the credit in euros (ACC-3)
    platform = make_contract(tenant.client, "platform")
    theirs = make_contract(other_tenant.client, "hosted-w")
    invoice_in_advance(OCT)  # SLA-7: the credit's base is October's invoiced subscriptions
    with time_machine.travel(TODAY, tick=False):
        down(
            hosted_w,
            paris(2026, 10, 14, 9),
            70,
            staff,
            description="Calls impossible.",
            internal_note="Transit carrier RFO pending",
        )
        down(hosted_w, paris(2026, 11, 3, 9), 60, staff, title="Router reboot")
        down(theirs, paris(2026, 11, 4, 9), 60, staff, title="Their outage")
        services.availability_report_compute(contract=hosted_w, month=OCT)
        page = page_of(as_role(Role.READ_ONLY).get(reverse("support:availability")))
    assert page.count('data-testid="availability-row"') == 2
    assert hosted_w.reference in page and hosted_a.reference in page
    assert platform.reference not in page
    # November so far: 60 minutes of 43 200 → 99.861 %; October's report: 99.843 %.
    # A no-break space before the « % » (it wrapped to a line of its own on a phone).
    assert 'data-testid="so-far">99.861%<' in page
    assert "99.843%" in page and "7.45\u00a0€" in page  # 5 % of 149.00
    assert "Core network failure" in page and "Calls impossible." in page
    assert "Router reboot" in page
    assert "Transit carrier RFO" not in page and "Their outage" not in page


# Query counts — the availability pages cost a fixed number of queries, whatever the number of
# contracts, reports and outages.
def test_availability_query_counts(as_role, tenant, staff, django_assert_max_num_queries):
    browser = as_role(Role.ADMIN)
    url = reverse("support:availability")

    def with_outages(contract, index):
        down(contract, paris(2026, 10, 3 + index, 9), 90, staff)
        down(contract, paris(2026, 11, 3 + index, 9), 30, staff)
        services.availability_report_compute(contract=contract, month=OCT)
        return contract

    with time_machine.travel(TODAY, tick=False):
        first = with_outages(make_contract(tenant.client, "hosted-w"), 0)
        browser.get(url)
        with CaptureQueriesContext(connection) as one:
            assert browser.get(url).status_code == 200
        for index, code in enumerate(("hosted-w", "hosted-a", "hosted-w"), start=1):
            with_outages(make_contract(tenant.client, code), index)
        with django_assert_max_num_queries(len(one.captured_queries)):
            page = page_of(browser.get(url))
        assert page.count('data-testid="availability-row"') == 4
        assert page.count('data-testid="outage-row"') == 8
        assert len(one.captured_queries) <= 20

        detail = reverse("support:availability_contract", args=[first.pk])
        with CaptureQueriesContext(connection) as before:
            assert browser.get(detail).status_code == 200
        for month in range(1, 10):
            services.availability_report_compute(contract=first, month=date(2026, month, 1))
        with django_assert_max_num_queries(len(before.captured_queries)):
            page = page_of(browser.get(detail))
    assert page.count('data-testid="report-availability"') == 10
    assert len(before.captured_queries) <= 22


# Another customer's contract, and a contract without availability commitment, have no
# availability page.
def test_availability_contract_404(as_role, tenant, other_tenant):
    browser = as_role(Role.ADMIN)
    theirs = make_contract(other_tenant.client, "hosted-w")
    platform = make_contract(tenant.client, "platform")
    for contract in (theirs, platform):
        url = reverse("support:availability_contract", args=[contract.pk])
        assert browser.get(url).status_code == 404


# SLA-9 — the contract page says the commitment, the last month measured and links to the
# availability page; for a contract without the SLA, why it does not apply.
def test_contract_page_sla_card(as_role, english, tenant, hosted_w, staff):
    without = make_contract(tenant.client, "hosted-w", sla_applicable=False)
    platform = make_contract(tenant.client, "platform")
    browser = as_role(Role.TECHNICAL)
    with time_machine.travel(TODAY, tick=False):
        down(hosted_w, paris(2026, 10, 14, 9), 70, staff)
        services.availability_report_compute(contract=hosted_w, month=OCT)
        page = page_of(browser.get(reverse("offers:detail", args=[hosted_w.pk])))
        assert 'data-testid="contract-sla"' in page
        assert "99.85% availability per calendar month" in page
        assert 'data-testid="contract-sla-last">October 2026: 99.843%' in page
        assert reverse("support:availability_contract", args=[hosted_w.pk]) in page
        assert f"/support/new/?contract={hosted_w.pk}" in page
        assert "does not apply" not in page
        page = page_of(browser.get(reverse("offers:detail", args=[without.pk])))
        assert (
            'data-testid="contract-sla-reason">The SLA does not apply to this contract because'
            in page
        )
        page = page_of(browser.get(reverse("offers:detail", args=[platform.pk])))
        assert 'data-testid="contract-sla"' not in page
    assert AvailabilityReport.objects.count() == 1
    assert Decimal("99.843") == AvailabilityReport.objects.get().availability_display
