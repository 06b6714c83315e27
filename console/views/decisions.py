"""Decision pages, one per queue item (issue 17): answer a ticket, decide a dispute, approve an
SLA credit, record an outage's end. Each decision is the service the API and the back office
call (``support.services``, ``payments.services``), audited there; a decision that moves money
is previewed with its amounts and confirmed (``confirm``) before the service runs."""

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from console import selectors
from console.access import staff_required
from console.forms import (
    CreditDecisionForm,
    DisputeDecisionForm,
    OutageEndForm,
    TicketAnswerForm,
)
from console.views.common import render_console
from kernel.forms import attach_errors
from kernel.money import money_number, round_money
from kernel.queues import Team
from payments.choices import DisputeStatus
from payments.invoice_states import invoice_state
from payments.models import Dispute
from payments.services.disputes import dispute_accept, dispute_reject
from support import availability as av
from support.choices import ReportStatus
from support.models import AvailabilityReport, Outage, Ticket
from support.queues import ticket_deadline
from support.services.credits import approved_in_window, credit_approve, credit_refuse
from support.services.outages import outage_update
from support.services.replies import ticket_reply
from support.services.ticket_status import ticket_set_status

ZERO = Decimal("0.00")


def _amount(value) -> Decimal:
    """An amount a confirmation carried; an unreadable one matches no amount."""
    try:
        return Decimal(value)
    except InvalidOperation:
        return Decimal(-1)


def _item_context(queue_key, pk, deadline=None):
    overdue, left = selectors.time_left(deadline, timezone.now())
    return {
        "queue_key": queue_key,
        "item_pk": pk,
        "assignee": selectors.assignee_of(queue_key, pk),
        "deadline": deadline,
        "overdue": overdue,
        "time_left": left,
    }


@staff_required(Team.SUPPORT)
def ticket(request, pk):
    """SLA-1 / SLA-3: a public answer (e-mailed; the first one acknowledges a new ticket) or an
    internal note, then optionally a status move; both in one transaction."""
    item = get_object_or_404(
        Ticket.objects.select_related("client__partner", "contract__offer", "opened_by"), pk=pk
    )
    form = TicketAnswerForm(request.POST or None, ticket=item)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                ticket_reply(
                    ticket=item, body=data["body"], actor=request.user, internal=data["internal"]
                )
                item.refresh_from_db()
                if data["status"] and data["status"] != item.status:
                    ticket_set_status(ticket=item, status=data["status"], actor=request.user)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(
                request,
                _("Internal note added.")
                if data["internal"]
                else _("Answer sent to the customer."),
            )
            return redirect("console:ticket", pk=item.pk)
    return render_console(
        request,
        "console/ticket.html",
        {
            "ticket": item,
            "messages_list": item.messages.select_related("author"),
            "events": item.events.select_related("actor"),
            "form": form,
            **_item_context("support.tickets", item.pk, ticket_deadline(item)),
        },
    )


def dispute_preview(dispute: Dispute) -> dict:
    """BIL-8 → BIL-9: what accepting issues — a credit note of the disputed amount incl. VAT,
    set against what is left to pay on the invoice, any rest for the next invoices."""
    left = invoice_state(dispute.invoice).open
    against = min(dispute.amount, left)
    return {
        "credit_total": dispute.amount,
        "invoice_open": left,
        "against_invoice": against,
        "rest": dispute.amount - against,
    }


@staff_required(Team.BILLING)
def dispute(request, pk):
    item = get_object_or_404(
        Dispute.objects.select_related(
            "client__partner", "partner", "invoice", "credit_note", "decided_by"
        ),
        pk=pk,
    )
    form = DisputeDecisionForm(request.POST or None)
    confirming = False
    if request.method == "POST" and item.status == DisputeStatus.OPEN and form.is_valid():
        data = form.cleaned_data
        if "confirm" not in request.POST:
            confirming = True  # the preview: nothing moves yet
        else:
            try:
                if data["decision"] == form.ACCEPT:
                    note = dispute_accept(dispute=item, note=data["note"], actor=request.user)
                    messages.success(
                        request,
                        _("Dispute accepted: credit note %(number)s issued.")
                        % {"number": note.number},
                    )
                else:
                    dispute_reject(
                        dispute=item,
                        note=data["note"],
                        new_due_date=data["new_due_date"],
                        actor=request.user,
                    )
                    messages.success(request, _("Dispute rejected."))
            except ValidationError as error:
                attach_errors(form, error)
            else:
                return redirect("console:dispute", pk=item.pk)
    return render_console(
        request,
        "console/dispute.html",
        {
            "dispute": item,
            "documents": item.documents.all(),
            "form": form,
            "confirming": confirming,
            "preview": dispute_preview(item) if item.status == DisputeStatus.OPEN else None,
            **_item_context("payments.disputes", item.pk),
        },
    )


def credit_preview(report: AvailabilityReport) -> dict:
    """SLA-8: what approving gives: the credit computed, capped so that it and the credits
    approved for the contract in the last 30 days stay within 20 % of the report's base."""
    window = approved_in_window(report.contract, timezone.now(), exclude_pk=report.pk)
    cap = round_money(report.base * av.CAP_PERCENT / av.HUNDRED)
    approved = av.capped_credit(report.credit_amount, report.base, window)
    return {
        "computed": report.credit_amount,
        "cap": cap,
        "window": window,
        "approved": approved,
        "dropped": report.credit_amount - approved,
    }


@staff_required(Team.BILLING)
def credit(request, pk):
    item = get_object_or_404(
        AvailabilityReport.objects.select_related(
            "contract__client__partner", "contract__offer", "credit_note"
        ),
        pk=pk,
    )
    form = CreditDecisionForm(request.POST or None)
    confirming = False
    if request.method == "POST" and item.status == ReportStatus.REQUESTED and form.is_valid():
        data = form.cleaned_data
        shown = request.POST.get("approved")
        if "confirm" not in request.POST or (data["decision"] == form.APPROVE and shown is None):
            # an approval is confirmed only with the amount the confirmation showed
            confirming = True
        else:
            try:
                if data["decision"] == form.APPROVE:
                    # the amount the confirmation showed: refused if the cap gives another now
                    item = credit_approve(
                        report=item, actor=request.user, expected_amount=_amount(shown)
                    )
                    messages.success(
                        request,
                        _("Credit approved: %(amount)s € excl. VAT.")
                        % {"amount": money_number(item.approved_amount)},
                    )
                else:
                    credit_refuse(report=item, reason=data["reason"], actor=request.user)
                    messages.success(request, _("Credit refused."))
            except ValidationError as error:
                attach_errors(form, error)
            else:
                return redirect("console:credit", pk=pk)
    return render_console(
        request,
        "console/credit.html",
        {
            "report": item,
            "form": form,
            "confirming": confirming,
            "preview": credit_preview(item) if item.status == ReportStatus.REQUESTED else None,
            **_item_context("support.credits", item.pk),
        },
    )


@staff_required(Team.SUPPORT)
def outage(request, pk):
    """SLA-5: record the end of an ongoing outage."""
    item = get_object_or_404(Outage.objects.select_related("offer"), pk=pk)
    form = OutageEndForm(request.POST or None, initial={"ended_at": timezone.localtime()})
    if request.method == "POST" and item.is_ongoing and form.is_valid():
        try:
            outage_update(outage=item, actor=request.user, ended_at=form.cleaned_data["ended_at"])
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("The end of the outage is recorded."))
            return redirect("console:outage", pk=pk)
    return render_console(
        request,
        "console/outage.html",
        {
            "outage": item,
            "contracts": item.contracts.select_related("client", "offer")[:50],
            "form": form,
            **_item_context("support.outages", item.pk),
        },
    )
