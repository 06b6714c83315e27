"""Partner API of support: tickets and messages (SLA-1, SLA-3), outages (SLA-5), availability
reports and the credit request (SLA-10); scoping (ACC-3), validation errors, query counts."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.choices import Role
from offers.choices import ContractStatus
from offers.models import Offer, Termination
from offers.services.terminations import termination_apply
from support import services
from support.choices import OutageScope, ReportStatus, TicketKind, TicketStatus
from support.models import Ticket
from tests.factories import ClientFactory, SiteFactory
from tests.offers.factories import make_contract
from tests.support.factories import invoice_in_advance, make_staff, paris

pytestmark = pytest.mark.django_db
OCT = date(2026, 10, 1)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def staff():
    return make_staff()


def open_question(client, subject="Question"):
    return services.ticket_open(
        client=client, kind=TicketKind.QUESTION, subject=subject, body="How?"
    )


# SLA-1 / SLA-3 — the partner opens a failure notification for its customer: 201 with the
# number, the deadline and the restoration target; the ticket is marked as opened by the API.
def test_create_failure_notification(api, tenant):
    contract = make_contract(tenant.client, "platform")
    with time_machine.travel(paris(2026, 12, 24, 16), tick=False):
        response = api.post(
            reverse("api:ticket-list"),
            {
                "customer": tenant.client.pk,
                "kind": "failure_notification",
                "contract": contract.pk,
                "subject": "Trunk down",
                "body": "No calls since 15:40.",
            },
            format="json",
        )
    assert response.status_code == 201, response.json()
    body = response.json()
    ticket = Ticket.objects.get(pk=body["id"])
    assert body["number"] == ticket.number and body["number"].startswith("T2026-")
    assert body["status"] == "new" and body["source"] == "api"
    assert body["intervention_deadline"] == "2026-12-28T12:00:00+01:00"
    assert body["intervention_met"] is None and body["restoration_target"] is None
    assert ticket.opened_by_api_key == api.key


# Validation: another partner's customer, another customer's contract, a failure without a
# service, missing fields → 400 with the fields named; a read-only key may not write.
def test_create_bad_input(api, read_only_api, tenant, other_tenant, partner):
    sibling = ClientFactory(partner=partner)
    SiteFactory(client=sibling)
    siblings_contract = make_contract(sibling, "platform")
    url = reverse("api:ticket-list")
    base = {"customer": tenant.client.pk, "kind": "question", "subject": "Hi", "body": "x"}
    cases = [
        ({**base, "customer": other_tenant.client.pk}, "customer"),
        ({**base, "kind": "failure_notification", "contract": siblings_contract.pk}, "contract"),
        ({**base, "kind": "failure_notification"}, "contract"),
        ({**base, "kind": "complaint"}, "kind"),
        ({k: v for k, v in base.items() if k != "subject"}, "subject"),
    ]
    for data, field in cases:
        response = api.post(url, data, format="json")
        assert response.status_code == 400, (data, response.content)
        error = response.json()["error"]
        assert error["code"] == "validation_error" and field in error["fields"], (field, error)
    assert not Ticket.objects.exists()
    assert read_only_api.post(url, base, format="json").status_code == 403


# SLA-1 — the API takes a failure notification only for a contract in service, as the portal:
# an ordered contract (service not started) and a terminated one are refused, 400 naming
# ``contract``; a question about them is still taken (201).
def test_create_failure_for_a_contract_not_in_service(api, tenant):
    ordered = make_contract(tenant.client, "hosted-a", status=ContractStatus.ORDERED)
    ended = make_contract(tenant.client, "hosted-a", status=ContractStatus.TERMINATING)
    day = Termination.objects.get(contract=ended).effective_date  # its first day without service
    url = reverse("api:ticket-list")
    base = {"customer": tenant.client.pk, "subject": "Down", "body": "No calls."}
    with time_machine.travel(paris(day.year, day.month, day.day, 10), tick=False):
        termination = Termination.objects.get(contract=ended)
        assert termination_apply(termination_id=termination.pk, today=day)
        for contract in (ordered, ended):
            data = {**base, "kind": "failure_notification", "contract": contract.pk}
            response = api.post(url, data, format="json")
            assert response.status_code == 400, response.content
            error = response.json()["error"]
            assert error["code"] == "validation_error" and "contract" in error["fields"], error
            assert api.post(url, {**data, "kind": "question"}, format="json").status_code == 201
    assert not Ticket.objects.filter(kind=TicketKind.FAILURE).exists()


# SLA-1 — messages: internal notes never listed; the partner answers (JSON or multipart with a
# file, downloadable through the API); a closed ticket takes no message (409).
def test_messages(api, tenant, staff):
    ticket = open_question(tenant.client)
    services.ticket_reply(ticket=ticket, body="Secret staff note", actor=staff, internal=True)
    services.ticket_reply(ticket=ticket, body="Please send a capture.", actor=staff)
    url = reverse("api:ticket-messages", args=[ticket.pk])
    listed = api.get(url).json()
    assert [m["body"] for m in listed] == ["How?", "Please send a capture."]
    assert [m["from_staff"] for m in listed] == [False, True]

    upload = SimpleUploadedFile("capture.pcap", b"\xd4\xc3\xb2\xa1" + b"\x00" * 60)
    response = api.post(url, {"body": "Here it is", "attachments": [upload]}, format="multipart")
    assert response.status_code == 201, response.content
    attachment = response.json()["attachments"][0]
    assert (attachment["name"], attachment["size"]) == ("capture.pcap", 64)
    download = api.get(attachment["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"\xd4\xc3\xb2\xa1")

    bad = SimpleUploadedFile("capture.pcap", b"MZ not a capture")
    response = api.post(url, {"body": "again", "attachments": [bad]}, format="multipart")
    assert response.status_code == 400 and "attachments" in response.json()["error"]["fields"]
    assert api.post(url, {"body": ""}, format="json").status_code == 400

    for status in (TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED, TicketStatus.CLOSED):
        services.ticket_set_status(ticket=ticket, status=status, actor=staff)
    response = api.post(url, {"body": "Still there?"}, format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "ticket_closed"
    detail = api.get(reverse("api:ticket-detail", args=[ticket.pk])).json()
    assert detail["status"] == "closed"
    assert api.patch(reverse("api:ticket-detail", args=[ticket.pk]), {}).status_code == 405


# ACC-3 — another partner's ticket, file and report answer 404 on every command.
def test_other_partner_commands_404(api, tenant, other_tenant, staff):
    theirs = open_question(other_tenant.client)
    message = services.ticket_reply(
        ticket=theirs,
        body="file",
        actor=other_tenant.members[Role.TECHNICAL].user,
        attachments=[SimpleUploadedFile("a.txt", b"hello")],
    )
    attachment = message.attachments.get()
    contract = make_contract(other_tenant.client, "hosted-w")
    report = services.availability_report_compute(contract=contract, month=OCT)
    assert api.get(reverse("api:ticket-messages", args=[theirs.pk])).status_code == 404
    assert (
        api.post(reverse("api:ticket-messages", args=[theirs.pk]), {"body": "x"}).status_code == 404
    )
    assert (
        api.get(reverse("api:ticket-attachment", args=[theirs.pk, attachment.pk])).status_code
        == 404
    )
    # Our own ticket with their file's id: still 404.
    ours = open_question(tenant.client)
    assert (
        api.get(reverse("api:ticket-attachment", args=[ours.pk, attachment.pk])).status_code == 404
    )
    assert api.post(reverse("api:availability-report-request", args=[report.pk])).status_code == 404
    assert theirs.messages.count() == 2


# SLA-5 — outages: only those affecting the partner's customers' contracts (listed, or all
# contracts of an offer the partner's customers have), never the internal note.
def test_outages(api, tenant, other_tenant, staff):
    mine = make_contract(tenant.client, "hosted-w")
    theirs = make_contract(other_tenant.client, "trunk")
    start = paris(2026, 11, 2, 10)
    listed = services.outage_record(
        title="Ours",
        internal_note="root cause: config push",
        started_at=start,
        ended_at=start + timedelta(hours=1),
        contracts=[mine, theirs],
        actor=staff,
    )
    services.outage_record(title="Theirs", started_at=start, contracts=[theirs], actor=staff)
    offer_wide = services.outage_record(
        title="All hosted",
        started_at=start,
        scope=OutageScope.OFFER,
        offer=Offer.objects.get(code="hosted-w"),
        actor=staff,
    )
    body = api.get(reverse("api:outage-list")).json()
    assert {row["title"] for row in body["results"]} == {"Ours", "All hosted"}
    row = next(r for r in body["results"] if r["id"] == listed.pk)
    assert row["contracts"] == [mine.pk]  # not the other partner's contract
    assert "internal_note" not in row and "config push" not in str(body)
    assert row["ongoing"] is False and row["excusable"] is False
    wide = api.get(reverse("api:outage-detail", args=[offer_wide.pk])).json()
    assert wide["scope"] == "offer" and wide["offer"] == "hosted-w" and wide["ongoing"]
    assert api.get(reverse("api:outage-list"), {"ongoing": "true"}).json()["count"] == 1


# SLA-5 — ?ongoing= and ?excusable= are true, false, 1 or 0: another value is a 400 naming the
# filter, not the unfiltered list.
def test_outage_boolean_filters_refuse_other_values(api, tenant, staff):
    contract = make_contract(tenant.client, "hosted-w")
    start = paris(2026, 11, 2, 10)
    services.outage_record(
        title="Ended",
        started_at=start,
        ended_at=start + timedelta(hours=1),
        contracts=[contract],
        actor=staff,
    )
    services.outage_record(title="Ongoing", started_at=start, contracts=[contract], actor=staff)
    url = reverse("api:outage-list")

    def titles(**params):
        response = api.get(url, params)
        assert response.status_code == 200, response.json()
        return [row["title"] for row in response.json()["results"]]

    assert titles(ongoing="1") == titles(ongoing="TRUE") == ["Ongoing"]
    assert titles(ongoing="0") == ["Ended"]
    for params in [{"ongoing": "x"}, {"ongoing": "maybe"}, {"excusable": "perhaps"}]:
        response = api.get(url, params)
        assert response.status_code == 400, params
        assert set(response.json()["error"]["fields"]) == set(params)


# ACC-3 — an operation answers with or without its trailing slash: POST /api/v1/tickets opens
# the ticket (it was a 500 under DEBUG, and otherwise a 301 to the list, which a client follows
# as a GET); the other operations answer the same without the slash.
@pytest.mark.parametrize("debug", [True, False])
def test_operations_without_trailing_slash(api, tenant, settings, debug):
    settings.DEBUG = debug
    payload = {"customer": tenant.client.pk, "kind": "question", "subject": "s", "body": "b"}
    response = api.post("/api/v1/tickets", payload, format="json")
    assert response.status_code == 201, response.content[:300]
    ticket = Ticket.objects.get(pk=response.json()["id"])
    assert ticket.subject == "s" and ticket.client == tenant.client
    assert api.get("/api/v1/tickets").json()["count"] == 1
    detail = api.get(f"/api/v1/tickets/{ticket.pk}")
    assert detail.status_code == 200 and detail.json()["number"] == ticket.number
    message = {"body": "More details."}
    response = api.post(f"/api/v1/tickets/{ticket.pk}/messages", message, format="json")
    assert response.status_code == 201, response.content[:300]
    assert reverse("api:ticket-detail", args=[ticket.pk]).endswith("/")  # the named route
    missing = api.post("/api/v1/tickets/999999999/messages", message, format="json")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


# SLA-10 — the partner reads its customers' reports and requests a credit in one call; a
# second request, or one without credit, is a 409 with its code.
def test_reports_and_request(api, tenant, staff):
    contract = make_contract(tenant.client, "hosted-w", quantity=10)
    quiet = make_contract(tenant.client, "hosted-w", quantity=1)
    with time_machine.travel(paris(2026, 10, 30), tick=False):
        services.outage_record(
            title="Down",
            started_at=paris(2026, 10, 12, 9),
            ended_at=paris(2026, 10, 12, 10, 10),
            contracts=[contract],
            actor=staff,
        )
    invoice_in_advance(OCT)  # SLA-7: the base is what was invoiced for October (149.00)
    report = services.availability_report_compute(contract=contract, month=OCT)
    nothing = services.availability_report_compute(contract=quiet, month=OCT)
    body = api.get(reverse("api:availability-report-list"), {"month": "2026-10"}).json()
    assert body["count"] == 2
    row = api.get(reverse("api:availability-report-detail", args=[report.pk])).json()
    assert row["availability"] == "99.843189"  # truncated and row["credit_amount"] == "7.45"
    assert row["credit_percent"] == "5.00" and row["base"] == "149.0000"
    assert row["can_request"] is True and row["status"] == "computed"
    url = reverse("api:availability-report-request", args=[report.pk])
    response = api.post(url)
    assert response.status_code == 200 and response.json()["status"] == "requested"
    report.refresh_from_db()
    assert report.status == ReportStatus.REQUESTED and report.requested_by_api_key == api.key
    again = api.post(url)
    assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_transition"
    none = api.post(reverse("api:availability-report-request", args=[nothing.pk]))
    assert none.status_code == 409 and none.json()["error"]["code"] == "no_credit"
    assert api.get(reverse("api:availability-report-list"), {"month": "2026-13"}).status_code == (
        400
    )


# Query counts: the list endpoints do not grow with the number of rows (no N+1).
def test_list_query_counts(api, tenant, staff, django_assert_max_num_queries):
    contracts = [make_contract(tenant.client, "hosted-w") for _ in range(3)]
    for i in range(4):
        ticket = open_question(tenant.client, subject=f"Q{i}")
        services.ticket_reply(ticket=ticket, body="answer", actor=staff)
    for contract in contracts:
        services.outage_record(
            title="x",
            started_at=paris(2026, 10, 1, 10),
            ended_at=paris(2026, 10, 1, 11),
            contracts=contracts,
            actor=staff,
        )
        services.availability_report_compute(contract=contract, month=OCT)
    with django_assert_max_num_queries(5):
        assert api.get(reverse("api:ticket-list")).json()["count"] == 4
    with django_assert_max_num_queries(6):
        assert api.get(reverse("api:outage-list")).json()["count"] == 3
    with django_assert_max_num_queries(5):
        assert api.get(reverse("api:availability-report-list")).json()["count"] == 3
    with django_assert_max_num_queries(6):
        api.get(reverse("api:ticket-messages", args=[ticket.pk]))


# SLA-1 — a subject sent on two lines (« Trunk down\r\nBcc: … ») is one line: the ticket is
# opened and its e-mail sent with the subject on one line — it was a 500 once the ticket was
# committed (Django refuses a header with a line break), and no e-mail went out.
def test_subject_with_a_line_break_is_one_line(
    api, tenant, mailoutbox, django_capture_on_commit_callbacks
):
    with (
        time_machine.travel(paris(2026, 12, 24, 16), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = api.post(
            reverse("api:ticket-list"),
            {
                "customer": tenant.client.pk,
                "kind": "question",
                "subject": "Trunk down\r\nBcc: someone@elsewhere.example",
                "body": "No calls since 15:40.",
            },
            format="json",
        )
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(pk=response.json()["id"])
    assert ticket.subject == "Trunk down Bcc: someone@elsewhere.example"
    assert mailoutbox and all("\n" not in m.subject for m in mailoutbox)
    assert all(m.bcc == [] for m in mailoutbox)
