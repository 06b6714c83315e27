"""Customer portal pages of support (SLA-1, SLA-3..7, SLA-9, SLA-10).

Every read goes through ``support.selectors`` (and ``offers.selectors``) scoped to the signed-in
member's customer — another customer's ticket, file, contract or report is a 404, on GET and
POST alike — and every write through ``support.services``. Viewing is open to every member;
opening tickets needs the ``technical`` or ``tickets`` permission (every role but billing), or
the ``billing`` one for a question; answering them the same, the read-only role on its own
tickets only (``permissions.may_write_ticket``, as ``ticket_reply`` and ``ticket_set_status``
require); requesting a credit the ``billing`` one (``credit_request``).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.decorators import member_required
from billing.selectors import billing_partner
from kernel.forms import attach_errors
from offers import selectors as offers_selectors
from offers.choices import SlaPolicy
from offers.models import Contract
from offers.periods import add_months, month_start
from support import selectors
from support.availability_display import (
    OUTAGES_SHOWN,
    availability_chart,
    contract_month_so_far,
    ended_before,
    failure_rows,
    month_so_far,
    outage_rows,
    paris_midnight,
    sla_contracts,
    sla_target,
    table_rows,
)
from support.choices import ReportStatus, TicketKind, TicketSource, TicketStatus
from support.forms import ReplyForm, TicketFilterForm, TicketForm
from support.models import Ticket
from support.services.credits import credit_request as credit_request_service
from support.services.permissions import may_write_ticket, ticket_kinds_for
from support.services.replies import ticket_reply
from support.services.ticket_status import CUSTOMER_MOVES, ticket_set_status
from support.services.tickets import ticket_open

TICKETS_PER_PAGE = 20
CHART_MONTHS = 12

TICKET_BADGES = {
    TicketStatus.NEW: "badge",
    TicketStatus.ACKNOWLEDGED: "badge",
    TicketStatus.IN_PROGRESS: "badge",
    TicketStatus.WAITING_CUSTOMER: "badge alert",
    TicketStatus.RESOLVED: "badge ok",
    TicketStatus.CLOSED: "badge off",
}
REPORT_BADGES = {
    ReportStatus.COMPUTED: "badge off",
    ReportStatus.REQUESTED: "badge",
    ReportStatus.APPROVED: "badge ok",
    ReportStatus.REFUSED: "badge alert",
}
# The customer's buttons for the moves ``CUSTOMER_MOVES`` allows (the answer that puts
# a ticket waiting for the customer back in progress is the reply form itself).
CUSTOMER_ACTIONS = {
    (TicketStatus.NEW, TicketStatus.CLOSED): (
        gettext_lazy("Withdraw this ticket"),
        gettext_lazy("Opened by mistake, or the problem went away: close the ticket."),
        "btn btn-ghost",
    ),
    (TicketStatus.RESOLVED, TicketStatus.IN_PROGRESS): (
        gettext_lazy("Reopen"),
        gettext_lazy("The problem is still there: support takes the ticket back."),
        "btn btn-ghost",
    ),
    (TicketStatus.RESOLVED, TicketStatus.CLOSED): (
        gettext_lazy("Confirm it is solved"),
        gettext_lazy("Close the ticket: it then takes no more messages."),
        "btn",
    ),
}


# --- What the pages say -----------------------------------------------------------------------


@dataclass(frozen=True)
class Met:
    """Whether a deadline was met: ``state`` is met, missed or pending."""

    state: str
    label: str
    badge: str


def met(value: bool | None, closed: bool = False) -> Met:
    if value is True:
        return Met("met", _("Met"), "badge ok")
    if value is False:
        return Met("missed", _("Missed"), "badge alert")
    if closed:  # closed before the deadline (withdrawn, a duplicate): the clock stopped
        return Met("withdrawn", _("Closed before the deadline"), "badge")
    return Met("pending", _("Pending"), "badge")


def _decorate_ticket(ticket: Ticket) -> Ticket:
    ticket.badge = TICKET_BADGES.get(ticket.status, "badge")
    closed = ticket.closed_at is not None
    if ticket.intervention_deadline is not None:
        ticket.intervention = met(ticket.intervention_met, closed)
    if ticket.restoration_target is not None:
        ticket.restoration = met(ticket.restoration_met, closed)
    # SLA-3 (PLATFORM 14.2): the contract has an intervention clause, but this report is no
    # incident (30 minutes or less, or the customer's doing): the page says why, not "none".
    ticket.no_incident = (
        ticket.is_incident
        and ticket.intervention_deadline is None
        and bool(ticket.contract.terms_snapshot.get("intervention_business_hours"))
    )
    return ticket


# --- Tickets (SLA-1, SLA-3, SLA-4) -------------------------------------------------------------


@member_required()
def ticket_list(request):
    form = TicketFilterForm(request.GET)
    tickets = selectors.ticket_list(client=request.client, filters=form.filters())
    page = Paginator(tickets, TICKETS_PER_PAGE).get_page(request.GET.get("page"))
    for ticket in page.object_list:
        _decorate_ticket(ticket)
    return render(
        request,
        "support/ticket_list.html",
        {
            "page": page,
            "form": form,
            "is_filtered": form.is_filtered,
            "can_open": bool(ticket_kinds_for(request.membership)),
        },
    )


@member_required()
def ticket_create(request):
    """SLA-1 / ACC-2: the admin, technical and read-only roles open any ticket; the billing
    role opens questions (about invoices and payments) only."""
    kinds = ticket_kinds_for(request.membership)
    if not kinds:
        raise PermissionDenied
    if request.method == "POST":
        form = TicketForm(request.POST, request.FILES, client=request.client, kinds=kinds)
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket = ticket_open(
                    client=request.client,
                    kind=data["kind"],
                    subject=data["subject"],
                    body=data["body"],
                    contract=data["contract"],
                    # SLA-4: a question has no failure to date.
                    detected_at=data.get("detected_at")
                    if data["kind"] == TicketKind.FAILURE
                    else None,
                    source=TicketSource.PORTAL,
                    attachments=data["attachments"],
                    actor=request.user,
                )
            except ValidationError as error:
                attach_errors(form, error)
            else:
                if ticket.is_incident and ticket.intervention_deadline is not None:
                    text = _(
                        "Your failure notification is registered as ticket %(number)s. Our "
                        "support starts working on it by %(deadline)s."
                    ) % {
                        "number": ticket.number,
                        "deadline": _when(ticket.intervention_deadline),
                    }
                elif ticket.is_incident and ticket.restoration_target is not None:
                    # SLA-4: no intervention clause, but a restoration target (HOSTED-W/A).
                    text = _(
                        "Your failure notification is registered as ticket %(number)s. Our "
                        "target is to restore the service by %(target)s."
                    ) % {
                        "number": ticket.number,
                        "target": _when(ticket.restoration_target),
                    }
                elif ticket.is_incident:
                    text = _("Your failure notification is registered as ticket %(number)s.") % {
                        "number": ticket.number
                    }
                else:
                    text = _("Your request is registered as ticket %(number)s.") % {
                        "number": ticket.number
                    }
                messages.success(request, text)
                return redirect("support:ticket_detail", pk=ticket.pk)
    else:
        initial = {}
        contract = request.GET.get("contract", "")
        # ASCII digits: str.isdigit() takes "²", which int() refuses
        if contract.isascii() and contract.isdigit() and TicketKind.FAILURE in kinds:
            initial = {"contract": int(contract), "kind": TicketKind.FAILURE}
        form = TicketForm(client=request.client, initial=initial, kinds=kinds)
    return render(
        request,
        "support/ticket_form.html",
        {"form": form, "can_report_failure": TicketKind.FAILURE in kinds},
    )


def _when(moment: datetime) -> str:
    local = timezone.localtime(moment)
    return f"{date_format(local, 'SHORT_DATE_FORMAT')} {local:%H:%M}"


@member_required()
def ticket_detail(request, pk):
    ticket = _decorate_ticket(selectors.ticket_get(client=request.client, pk=pk))
    can_write = may_write_ticket(request.membership, ticket)
    form = ReplyForm() if can_write else None
    if request.method == "POST":
        if not can_write:
            raise PermissionDenied
        form = ReplyForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                ticket_reply(
                    ticket=ticket,
                    body=form.cleaned_data["body"],
                    attachments=form.cleaned_data["attachments"],
                    actor=request.user,
                )
            except ValidationError as error:
                attach_errors(form, error)
            else:
                messages.success(request, _("Your message is sent."))
                return redirect(reverse("support:ticket_detail", args=[ticket.pk]) + "#messages")
    actions = []
    if can_write:
        for (from_status, to_status), (label, help_text, css) in CUSTOMER_ACTIONS.items():
            if from_status == ticket.status and (from_status, to_status) in CUSTOMER_MOVES:
                actions.append({"status": to_status, "label": label, "help": help_text, "css": css})
    return render(
        request,
        "support/ticket_detail.html",
        {
            "ticket": ticket,
            "messages_list": ticket.public_messages,
            # A closed ticket takes no message: no form, unless to say why a reply failed.
            "form": form if ticket.status != TicketStatus.CLOSED or form and form.errors else None,
            "can_write": can_write,
            "actions": actions,
        },
    )


@member_required()
def ticket_status(request, pk):
    """SLA-1: the customer withdraws a new ticket, reopens a resolved one or confirms it
    (``CUSTOMER_MOVES``); a GET goes back to the ticket. ACC-2: the roles that may write on
    the ticket's kind, the read-only role on its own tickets (``may_write_ticket``), else 403."""
    ticket = selectors.ticket_get(client=request.client, pk=pk)
    if not may_write_ticket(request.membership, ticket):
        raise PermissionDenied
    detail_url = reverse("support:ticket_detail", args=[ticket.pk])
    if request.method == "POST":
        status = request.POST.get("status", "")
        try:
            ticket_set_status(ticket=ticket, status=status, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Ticket %(number)s is now “%(status)s”.")
                % {"number": ticket.number, "status": TicketStatus(status).label},
            )
    return redirect(detail_url)


@member_required()
def attachment_download(request, pk):
    """A file of one of the customer's tickets, under its original name, never rendered by the
    browser (``attachment`` + ``nosniff``)."""
    attachment = selectors.attachment_get(client=request.client, pk=pk)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as error:
        raise Http404("File missing.") from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- Availability and credits (SLA-5..10) ------------------------------------------------------


@member_required()
def availability(request):
    client = request.client
    contracts = sla_contracts(client)
    this_month = month_start(timezone.localdate())
    last_month = add_months(this_month, -1)
    reports = {
        r.contract_id: r
        for r in selectors.availability_report_list(client=client).filter(month=last_month)
    }
    # SLA-6: a service ended before this month is not measured in it (no "so far" figure).
    ended = ended_before(contracts, this_month)
    so_far = month_so_far([c for c in contracts if c.pk not in ended], this_month)
    rows = [
        {
            "contract": c,
            "target": sla_target(c.term("sla_policy")),
            "so_far": so_far.get(c.pk),
            "so_far_below": c.pk in so_far and so_far[c.pk] < sla_target(c.term("sla_policy")),
            "last": reports.get(c.pk),
            "last_badge": REPORT_BADGES.get(reports[c.pk].status) if c.pk in reports else "",
        }
        for c in contracts
    ]
    since = timezone.now() - timedelta(days=366)
    outages = list(
        selectors.outage_list(client=client).filter(
            Q(ended_at__isnull=True) | Q(ended_at__gte=since)
        )[:OUTAGES_SHOWN]
    )
    all_contracts = list(Contract.objects.filter(client=client).order_by("reference"))
    return render(
        request,
        "support/availability.html",
        {
            "rows": rows,
            "this_month": this_month,
            "last_month": last_month,
            # SLA-6: the outages and, for HOSTED-A, the failure notifications that count.
            "outages": sorted(
                outage_rows(client, outages, all_contracts)
                + failure_rows(client, all_contracts, since),
                key=lambda row: row["started_at"],
                reverse=True,
            ),
        },
    )


@member_required()
def availability_contract(request, pk):
    client = request.client
    contract = offers_selectors.contract_get(client=client, pk=pk)
    target = sla_target(contract.term("sla_policy"))
    if target is None:
        raise Http404("This contract has no availability commitment.")
    # The chart ends with the month in progress (issue 17 item 3): the last 11 reports and
    # this month so far, the same figure as the "this month so far" line above it.
    this_month = month_start(timezone.localdate())
    history = selectors.availability_history(
        client=client, contract_pk=contract.pk, months=CHART_MONTHS, until=this_month
    )
    # SLA-6: a service not started yet is not measured (the monthly job skips it).
    started = contract.service_start_date and contract.service_start_date <= timezone.localdate()
    # ... nor one whose termination took effect before this month (the job skips it as well).
    ended_on = ended_before([contract], this_month).get(contract.pk)
    current = contract_month_so_far(contract, this_month) if started and not ended_on else None
    counts_failures = contract.term("sla_policy") == SlaPolicy.HOSTED_A
    since = paris_midnight(history[0].month)
    outages = list(
        selectors.outages_affecting(Contract.objects.filter(pk=contract.pk, client=client)).filter(
            Q(ended_at__isnull=True) | Q(ended_at__gte=since)
        )[:OUTAGES_SHOWN]
    )
    reports = {
        r.month: r
        for r in selectors.availability_report_list(client=client, contract=contract).filter(
            month__gte=history[0].month, month__lte=history[-1].month
        )
    }
    for report in reports.values():
        report.badge = REPORT_BADGES.get(report.status, "badge")
        # BIL-9: the credit note opens in the invoices when it is the customer's own document.
        report.credit_note_visible = (
            report.credit_note is not None and report.credit_note.client_id == client.pk
        )
    # The chart and the table below it show the same months (the table newest first).
    history = [selectors.MonthPoint(p.month, reports.get(p.month)) for p in history]
    return render(
        request,
        "support/availability_contract.html",
        {
            "contract": contract,
            "policy_label": SlaPolicy(contract.term("sla_policy")).label,
            "target": target,
            "chart": availability_chart(history, target, current),
            "months": table_rows(history, current, ended_on),
            # SLA-6: what the availability counts — the outages, and for HOSTED-A the failure
            # notifications — so "this month so far" and the list below always agree.
            "outages": sorted(
                outage_rows(client, outages, [contract])
                + (failure_rows(client, [contract], since) if counts_failures else []),
                key=lambda row: row["started_at"],
                reverse=True,
            ),
            "counts_failures": counts_failures,
            "can_request": request.membership.can("billing"),
            "so_far": current.availability if current else None,
            "ended_on": ended_on,
        },
    )


@member_required("billing")
def credit_request(request, pk):
    """SLA-10: one click asks for the month's credit; asking again changes nothing."""
    report = selectors.availability_report_get(client=request.client, pk=pk)
    url = reverse("support:availability_contract", args=[report.contract_id])
    if request.method == "POST":
        if report.status != ReportStatus.COMPUTED:
            messages.info(
                request,
                _("This credit was already requested: its status is “%(status)s”.")
                % {"status": report.get_status_display()},
            )
        else:
            try:
                credit_request_service(report=report, actor=request.user)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                _credit_requested_message(request, report)
    return redirect(f"{url}#report-{report.pk}")


def _credit_requested_message(request, report) -> None:
    partner = billing_partner(client=request.client)
    if partner is not None:
        # ACC-3: the credit is the partner's, on its wholesale price: no amount shown.
        messages.success(
            request,
            _(
                "Your credit for %(month)s is requested: it is granted to %(partner)s, "
                "who invoices your services. We will tell you our decision by e-mail."
            )
            % {"month": _month(report.month), "partner": partner.name},
        )
    else:
        messages.success(
            request,
            _(
                "Your credit of %(amount)s € excl. VAT for %(month)s is requested. We "
                "will tell you our decision by e-mail."
            )
            % {
                "amount": _money(report.credit_amount),
                "month": _month(report.month),
            },
        )


def _money(amount: Decimal) -> str:
    return number_format(amount, 2, force_grouping=True)


def _month(month: date) -> str:
    return date_format(month, "F Y")
