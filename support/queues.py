"""Support's staff work queues (issue 17, ``kernel.queues``): open tickets (overdue first, by
SLA deadline), ongoing outages, and availability credits the customers requested."""

from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kernel.money import money_number
from kernel.queues import QueueItem, Team, register
from support.choices import OPEN_STATUSES, ReportStatus
from support.models import AvailabilityReport, Outage, Ticket


def ticket_deadline(ticket: Ticket):
    """SLA-3/SLA-4: the intervention deadline until work starts, then the restoration target
    until the service is restored; a question has no SLA deadline."""
    if ticket.intervention_started_at is None and ticket.intervention_deadline:
        return ticket.intervention_deadline
    if ticket.restored_at is None:
        return ticket.restoration_target
    return None


def open_tickets(*, partner_id=None):
    tickets = Ticket.objects.filter(status__in=OPEN_STATUSES).select_related("client")
    if partner_id is not None:
        tickets = tickets.filter(client__partner_id=partner_id)
    return [
        QueueItem.of(
            pk=ticket.pk,
            title=f"{ticket.number} — {ticket.subject}",
            client=ticket.client,
            created_at=ticket.reported_at,
            deadline=ticket_deadline(ticket),
            detail=f"{ticket.get_kind_display()} · {ticket.get_status_display()}",
            url=reverse("console:ticket", args=[ticket.pk]),
        )
        for ticket in tickets
    ]


def ongoing_outages(*, partner_id=None):
    outages = Outage.objects.filter(ended_at__isnull=True).select_related("offer")
    if partner_id is not None:
        outages = outages.filter(contracts__client__partner_id=partner_id).distinct()
    return [
        QueueItem(
            pk=outage.pk,
            title=outage.title,
            client_id=None,
            client_name=outage.offer.name if outage.offer_id else "",
            created_at=outage.started_at,
            detail=outage.get_scope_display(),
            url=reverse("console:outage", args=[outage.pk]),
        )
        for outage in outages
    ]


def requested_credits(*, partner_id=None):
    reports = AvailabilityReport.objects.filter(status=ReportStatus.REQUESTED).select_related(
        "contract__client", "contract__offer"
    )
    if partner_id is not None:
        reports = reports.filter(contract__client__partner_id=partner_id)
    return [
        QueueItem.of(
            pk=report.pk,
            title=f"{report.contract} — {report.month:%m/%Y}",
            client=report.contract.client,
            created_at=report.requested_at or report.computed_at,
            detail=gettext("%(amount)s € excl. VAT")
            % {"amount": money_number(report.credit_amount)},
            extra={"amount": report.credit_amount},
            url=reverse("console:credit", args=[report.pk]),
        )
        for report in reports
    ]


register("support.tickets", label=_("Tickets"), team=Team.SUPPORT, fetch=open_tickets, order=10)
register(
    "support.outages",
    label=_("Ongoing outages"),
    team=Team.SUPPORT,
    fetch=ongoing_outages,
    order=20,
)
register(
    "support.credits",
    label=_("SLA credits to approve"),
    team=Team.BILLING,
    fetch=requested_credits,
    order=50,
)
