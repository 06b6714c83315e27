"""Issue 17 — decision pages: each decision is the service the API and the back office call,
audited, and a decision that moves money is previewed with its amounts before it is made."""

import html
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from accounts.choices import Role
from accounts.models import AuditLog
from billing import services as billing
from billing.models import Invoice
from payments import services as payments
from payments.models import Dispute
from support import services as support
from support.choices import ReportStatus, TicketStatus
from support.models import Outage, Ticket, TicketMessage
from tests.console.conftest import at
from tests.offers.factories import make_contract
from tests.payments.conftest import issue_invoice
from tests.support.factories import invoice_in_advance, make_staff, open_failure, paris

pytestmark = pytest.mark.django_db
OCT = date(2026, 10, 1)


@pytest.fixture
def failure(tenant):
    contract = make_contract(tenant.client, "hosted-w", quantity=10)
    with at(date(2026, 11, 2), 9):
        return open_failure(tenant, contract)


# SLA-1 / SLA-3 — a public answer to a new ticket acknowledges it (work started), is kept as a
# staff message and audited; then the status moves in the same submission.
def test_answer_ticket_and_move_status(failure, as_staff, support_agent):
    browser = as_staff(support_agent)
    url = reverse("console:ticket", args=[failure.pk])
    page = browser.get(url)
    assert page.status_code == 200 and "No dial tone" in page.content.decode()
    with at(date(2026, 11, 2), 10):
        response = browser.post(
            url, {"body": "Un technicien est en route.", "status": TicketStatus.IN_PROGRESS}
        )
    assert response.status_code == 302
    failure.refresh_from_db()
    assert failure.status == TicketStatus.IN_PROGRESS
    assert failure.first_response_at is not None and failure.intervention_started_at is not None
    message = TicketMessage.objects.filter(ticket=failure).latest("id")
    assert (message.from_staff, message.internal, message.author) == (True, False, support_agent)
    assert AuditLog.objects.filter(action="ticket.reply", actor=support_agent).exists()
    page = browser.get(url).content.decode()
    assert "Réponse envoyée au client." in page and "Un technicien est en route." in page


def test_internal_note_and_refused_move(failure, as_staff, support_agent):
    browser = as_staff(support_agent)
    url = reverse("console:ticket", args=[failure.pk])
    browser.post(url, {"body": "Voir avec l'opérateur.", "internal": "on"})
    failure.refresh_from_db()
    assert failure.status == TicketStatus.NEW  # an internal note is not an answer
    assert TicketMessage.objects.get(ticket=failure, internal=True).body == "Voir avec l'opérateur."
    # "resolved" is not a move from "new": the form refuses it, nothing is written.
    page = browser.post(url, {"body": "x", "status": TicketStatus.RESOLVED})
    assert page.status_code == 200 and 'data-testid="error-status"' in page.content.decode()
    assert TicketMessage.objects.filter(ticket=failure).count() == 2
    # An empty message is refused in French.
    page = browser.post(url, {"body": "  "})
    assert "Ce champ est obligatoire." in page.content.decode()


@pytest.fixture
def dispute(customer):
    invoice = issue_invoice(customer, "100.00")  # 120.00 incl. VAT
    with at(date(2026, 10, 10)):
        return payments.dispute_open(invoice=invoice, amount="24.00", reason="Frais non prévus")


# BIL-8 → BIL-9 — accepting a dispute of 24.00 € incl. VAT on an invoice of 120.00 € issues a
# credit note of 24.00 € (20.00 HT + 4.00 VAT), previewed first: nothing is issued by the
# preview; the confirmation issues it and leaves 96.00 € to pay.
def test_accept_dispute_previewed_then_confirmed(dispute, as_staff, billing_agent):
    browser = as_staff(billing_agent)
    url = reverse("console:dispute", args=[dispute.pk])
    with at(date(2026, 10, 12)):
        preview = browser.post(url, {"decision": "accept", "note": "Frais offerts"})
        html = preview.content.decode()
        assert 'data-testid="confirm-box"' in html and "24,00" in html and "120,00" in html
        assert not Invoice.objects.filter(kind="credit_note").exists()
        done = browser.post(url, {"decision": "accept", "note": "Frais offerts", "confirm": "1"})
    assert done.status_code == 302
    dispute.refresh_from_db()
    note = dispute.credit_note
    assert (dispute.status, dispute.decided_by) == ("accepted", billing_agent)
    assert (note.total_net, note.total_vat, note.total_gross) == (
        Decimal("20.00"),
        Decimal("4.00"),
        Decimal("24.00"),
    )
    assert payments.invoice_state(dispute.invoice).open == Decimal("96.00")
    assert AuditLog.objects.filter(action="dispute.accept", actor=billing_agent).exists()
    page = browser.get(url).content.decode()
    assert f"Avoir {note.number} émis" in page
    # Decided once: a second confirmation changes nothing.
    browser.post(url, {"decision": "accept", "confirm": "1"})
    assert Invoice.objects.filter(kind="credit_note").count() == 1


# BIL-8 — rejecting needs a reason; the amount is due again on the new due date.
def test_reject_dispute_needs_reason(dispute, as_staff, billing_agent):
    browser = as_staff(billing_agent)
    url = reverse("console:dispute", args=[dispute.pk])
    with at(date(2026, 10, 12)):
        page = browser.post(url, {"decision": "reject", "confirm": "1"})
        assert 'data-testid="error-note"' in page.content.decode()
        browser.post(
            url,
            {
                "decision": "reject",
                "note": "Frais prévus au contrat",
                "new_due_date": "2026-11-30",
                "confirm": "1",
            },
        )
    dispute.refresh_from_db()
    assert (dispute.status, dispute.new_due_date) == ("rejected", date(2026, 11, 30))
    assert not Dispute.objects.filter(credit_note__isnull=False).exists()


# BIL-8 (PLATFORM 12.6) — a partner-billed partner's dispute of its own monthly invoice (120.00
# € TTC: 100.00 HT + 20.00 VAT, issued 2026-09-30) waits in billing's queue under the partner's
# name, and is decided on the same page: 24.00 € accepted → a credit note to the partner of
# 24.00 € (24.00 / 1.20 = 20.00 HT + 4.00 VAT), 96.00 € left to pay.
def test_partner_dispute_queued_and_accepted(tenant, as_staff, billing_agent):
    from kernel.queues import REGISTRY

    partner = tenant.client.partner  # partner-billed (the default)
    billing.charge_post(
        client=tenant.client,
        kind="setup",
        source_type="test",
        source_id="partner-dispute",
        period_start=date(2026, 9, 1),
        description="Installation",
        unit_price=Decimal("100.00"),
    )
    billing.run_month_sync(month=date(2026, 9, 1))
    invoice = Invoice.objects.get(partner=partner, kind="invoice")
    with at(date(2026, 10, 10)):
        item = payments.dispute_open(invoice=invoice, amount="24.00", reason="Frais non prévus")
    [row] = REGISTRY["payments.disputes"].items(partner_id=partner.pk)
    assert (row.pk, row.client_id, row.client_name, row.partner_id) == (
        item.pk,
        None,
        partner.name,
        partner.pk,
    )
    browser = as_staff(billing_agent)
    queue = browser.get(reverse("console:queue", args=["payments.disputes"])).content.decode()
    assert partner.name in queue
    url = reverse("console:dispute", args=[item.pk])
    page = browser.get(url).content.decode()
    assert 'data-testid="dispute-partner"' in page and "Motif du partenaire" in page
    with at(date(2026, 10, 12)):
        browser.post(url, {"decision": "accept", "note": "Frais offerts", "confirm": "1"})
    item.refresh_from_db()
    note = item.credit_note
    assert (note.partner, note.client, note.total_net, note.total_vat, note.total_gross) == (
        partner,
        None,
        Decimal("20.00"),
        Decimal("4.00"),
        Decimal("24.00"),
    )
    assert payments.invoice_state(invoice).open == Decimal("96.00")
    assert AuditLog.objects.get(action="dispute.accept", actor=billing_agent).partner == partner


@pytest.fixture
def requested_report(tenant):
    """HOSTED-W, 10 channels (base 149.00 invoiced for October): 70 minutes down on 12 October
    → 99.843 % < 99.85 % → 5 % → 7.45 € HT, requested by the customer."""
    staff = make_staff()
    contract = make_contract(tenant.client, "hosted-w", quantity=10)
    with time_machine.travel(paris(2026, 10, 30), tick=False):
        support.outage_record(
            title="Panne",
            started_at=paris(2026, 10, 12, 9),
            ended_at=paris(2026, 10, 12, 10, 10),
            contracts=[contract],
            actor=staff,
        )
    invoice_in_advance(OCT)
    report = support.availability_report_compute(contract=contract, month=OCT)
    return support.credit_request(report=report, actor=tenant.members[Role.BILLING].user)


# SLA-8 / SLA-10 — approving previews 7.45 € (cap 20 % × 149.00 = 29.80, nothing approved in
# the last 30 days), then issues the credit note of 7.45 € HT.
def test_approve_credit(requested_report, as_staff, billing_agent):
    browser = as_staff(billing_agent)
    url = reverse("console:credit", args=[requested_report.pk])
    page = browser.get(url).content.decode()
    assert "7,45" in page and "29,80" in page
    browser.post(url, {"decision": "approve"})
    requested_report.refresh_from_db()
    assert requested_report.status == ReportStatus.REQUESTED  # previewed only
    browser.post(url, {"decision": "approve", "approved": "7.45", "confirm": "1"})
    requested_report.refresh_from_db()
    assert requested_report.status == ReportStatus.APPROVED
    assert requested_report.approved_amount == Decimal("7.45")
    assert requested_report.credit_note.total_net == Decimal("7.45")
    assert AuditLog.objects.filter(action="sla_credit.approve", actor=billing_agent).exists()


def test_refuse_credit_with_reason(requested_report, as_staff, billing_agent):
    browser = as_staff(billing_agent)
    url = reverse("console:credit", args=[requested_report.pk])
    page = browser.post(url, {"decision": "refuse", "confirm": "1"})
    assert 'data-testid="error-reason"' in page.content.decode()
    browser.post(url, {"decision": "refuse", "reason": "Panne chez le client", "confirm": "1"})
    requested_report.refresh_from_db()
    assert (requested_report.status, requested_report.refusal_reason) == (
        ReportStatus.REFUSED,
        "Panne chez le client",
    )


# SLA-5 — recording an ongoing outage's end takes it out of the queue.
def test_record_outage_end(tenant, as_staff, support_agent):
    contract = make_contract(tenant.client, "hosted-w", quantity=10)
    with time_machine.travel(paris(2026, 11, 19, 12), tick=False):
        outage = support.outage_record(
            title="Panne opérateur",
            started_at=paris(2026, 11, 19, 10),
            contracts=[contract],
            actor=make_staff(),
        )
        browser = as_staff(support_agent)
        url = reverse("console:outage", args=[outage.pk])
        page = browser.post(url, {"ended_at": "2026-11-19T09:00"})  # before its start
        assert page.status_code == 200 and Outage.objects.get(pk=outage.pk).ended_at is None
        # SLA-5 / SLA-6 — not excusable: an end after now (19 November 12:00) would count
        # minutes not lived yet (13:00: 60 of them); refused on the form, still ongoing.
        page = browser.post(url, {"ended_at": "2026-11-19T13:00"})
        assert "ne peut pas se terminer dans le futur" in html.unescape(page.content.decode())
        assert Outage.objects.get(pk=outage.pk).ended_at is None
        browser.post(url, {"ended_at": "2026-11-19T11:30"})
    outage.refresh_from_db()
    assert outage.ended_at == paris(2026, 11, 19, 11, 30)
    assert AuditLog.objects.filter(action="outage.update", actor=support_agent).exists()
    page = browser.get(reverse("console:queue", args=["support.outages"])).content.decode()
    assert "Panne opérateur" not in page


def test_decision_pages_404_for_unknown_items(as_staff, superuser):
    browser = as_staff(superuser)
    for name in ("ticket", "dispute", "credit", "outage"):
        assert browser.get(reverse(f"console:{name}", args=[999999])).status_code == 404


def test_closed_ticket_has_no_answer_form(failure, as_staff, support_agent):
    support.ticket_set_status(ticket=failure, status=TicketStatus.CLOSED, actor=support_agent)
    page = as_staff(support_agent).get(reverse("console:ticket", args=[failure.pk]))
    assert 'data-testid="answer-form"' not in page.content.decode()
    assert Ticket.objects.get(pk=failure.pk).status == TicketStatus.CLOSED


# SLA-8 — the amount confirmed is the amount shown. HOSTED-W, 10 channels, base 149.00 a month,
# cap 20 % = 29.80. October: 70 minutes down → 5 % → 7.45, previewed with nothing approved in
# the last 30 days. Before the confirmation, September's credit (24 hours down out of 43 200
# minutes → 96.667 % < 97 % → 20 % → 29.80) is approved: the cap now leaves October 0.00. The
# confirmation of 7.45 is refused with the amount now (« 0,00 € HT »), nothing is written; a
# confirmation of the new preview approves 0.00.
def test_credit_changed_between_preview_and_confirmation(tenant, as_staff, billing_agent):
    staff = make_staff()
    contract = make_contract(tenant.client, "hosted-w", quantity=10)
    with time_machine.travel(paris(2026, 10, 30), tick=False):
        support.outage_record(
            title="Panne",
            started_at=paris(2026, 9, 10, 9),
            ended_at=paris(2026, 9, 11, 9),
            contracts=[contract],
            actor=staff,
        )
        support.outage_record(
            title="Panne",
            started_at=paris(2026, 10, 12, 9),
            ended_at=paris(2026, 10, 12, 10, 10),
            contracts=[contract],
            actor=staff,
        )
    invoice_in_advance(date(2026, 9, 1))
    invoice_in_advance(OCT)
    customer_user = tenant.members[Role.BILLING].user
    september, october = (
        support.credit_request(
            report=support.availability_report_compute(contract=contract, month=month),
            actor=customer_user,
        )
        for month in (date(2026, 9, 1), OCT)
    )
    assert (september.credit_amount, october.credit_amount) == (Decimal("29.80"), Decimal("7.45"))
    browser = as_staff(billing_agent)
    url = reverse("console:credit", args=[october.pk])
    preview = browser.post(url, {"decision": "approve"}).content.decode()
    assert 'name="approved" value="7.45"' in preview
    support.credit_approve(report=september, actor=staff)

    # a confirmation without the amount it showed (a hand-made request) approves nothing: the
    # confirmation page again, with today's amount
    again = browser.post(url, {"decision": "approve", "confirm": "1"}).content.decode()
    assert 'name="approved" value="0.00"' in again
    october.refresh_from_db()
    assert october.status == ReportStatus.REQUESTED

    refused = browser.post(url, {"decision": "approve", "approved": "7.45", "confirm": "1"})
    october.refresh_from_db()
    assert october.status == ReportStatus.REQUESTED and october.credit_note is None
    assert "0,00\u00a0€ HT désormais" in refused.content.decode()
    assert Invoice.objects.filter(kind="credit_note").count() == 1  # September's only

    browser.post(url, {"decision": "approve", "approved": "0.00", "confirm": "1"})
    october.refresh_from_db()
    assert (october.status, october.approved_amount) == (ReportStatus.APPROVED, Decimal("0.00"))


# SLA-8, issue 17 — the SLA credits queue read « 7.45 € HT » on the English console (« HT »
# typed after the amount): now « 7.45 € excl. VAT » in English, « 7,45 € HT » in French.
def test_credit_queue_row_says_excl_vat_in_the_page_language(
    requested_report, as_staff, billing_agent
):
    browser = as_staff(billing_agent)
    url = reverse("console:queue", args=["support.credits"])
    english, french = (
        browser.get(url, HTTP_ACCEPT_LANGUAGE=lang).content.decode().replace("\u00a0", " ")
        for lang in ("en", "fr")
    )
    assert "7.45 € excl. VAT" in english and "€ HT" not in english
    assert "7,45 € HT" in french
