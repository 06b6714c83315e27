"""Closed lists of support: tickets and their status pipeline (SLA-1), outages and their
excuses (SLA-5), availability reports and their credit pipeline (SLA-10)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class TicketKind(models.TextChoices):
    """SLA-1: a question, or a failure notification (notification de défaillance) of a service."""

    QUESTION = "question", _("Question")
    FAILURE = "failure_notification", _("Failure notification")


class TicketSource(models.TextChoices):
    PORTAL = "portal", _("Customer portal")
    API = "api", _("Partner API")
    STAFF = "staff", _("Support staff")


class TicketStatus(models.TextChoices):
    NEW = "new", _("New")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_CUSTOMER = "waiting_customer", _("Waiting for the customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


# SLA-1: the only moves a ticket can make; anything else raises InvalidTransition.
TICKET_TRANSITIONS: dict[str, set[str]] = {
    TicketStatus.NEW: {
        TicketStatus.ACKNOWLEDGED,
        TicketStatus.IN_PROGRESS,  # staff start at once: the acknowledgement is implied
        TicketStatus.CLOSED,  # a duplicate or a ticket opened by mistake
    },
    TicketStatus.ACKNOWLEDGED: {
        TicketStatus.IN_PROGRESS,
        TicketStatus.WAITING_CUSTOMER,
        TicketStatus.RESOLVED,
    },
    TicketStatus.IN_PROGRESS: {TicketStatus.WAITING_CUSTOMER, TicketStatus.RESOLVED},
    TicketStatus.WAITING_CUSTOMER: {TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED},
    TicketStatus.RESOLVED: {
        TicketStatus.IN_PROGRESS,  # reopened: the problem is back
        TicketStatus.CLOSED,
    },
    TicketStatus.CLOSED: set(),
}
# Statuses in which support has started working on the ticket (SLA-3 intervention).
WORKING_STATUSES = {
    TicketStatus.ACKNOWLEDGED,
    TicketStatus.IN_PROGRESS,
    TicketStatus.WAITING_CUSTOMER,
    TicketStatus.RESOLVED,
}
OPEN_STATUSES = {
    TicketStatus.NEW,
    TicketStatus.ACKNOWLEDGED,
    TicketStatus.IN_PROGRESS,
    TicketStatus.WAITING_CUSTOMER,
}


class ExcuseReason(models.TextChoices):
    """SLA-5: the closed list of reasons that make an unavailability excusable."""

    FORCE_MAJEURE = "force_majeure", _("Force majeure")
    NOT_SUPPLIED = "not_supplied", _("Equipment or service not supplied by us")
    CUSTOMER_ACTS = "customer_acts", _("Customer's acts or omissions")
    PLANNED_MAINTENANCE = "planned_maintenance", _("Planned maintenance (announced)")
    OVER_CAPACITY = "over_capacity", _("Traffic beyond the service's capacity")
    OTHER_OPERATOR = "other_operator", _("Another operator's acts")
    CUSTOMER_NOT_COOPERATING = "customer_not_cooperating", _("Customer not cooperating")


class OutageScope(models.TextChoices):
    """SLA-5: which contracts an outage affects."""

    CONTRACTS = "contracts", _("The contracts listed")
    OFFER = "offer", _("Every contract of an offer")


class ReportStatus(models.TextChoices):
    COMPUTED = "computed", _("Computed")
    REQUESTED = "requested", _("Credit requested")
    APPROVED = "approved", _("Credit approved")
    REFUSED = "refused", _("Credit refused")


# SLA-10: computed by the monthly job, requested by the customer, decided by staff.
REPORT_TRANSITIONS: dict[str, set[str]] = {
    ReportStatus.COMPUTED: {ReportStatus.REQUESTED},
    ReportStatus.REQUESTED: {ReportStatus.APPROVED, ReportStatus.REFUSED},
    ReportStatus.APPROVED: set(),
    ReportStatus.REFUSED: set(),
}


# SLA-9: why the SLA does not apply, stored on the report in the language active where it was
# computed (French in the monthly job's worker) and read in the reader's (``kernel.stored_texts``).
SLA_NOT_APPLICABLE = gettext_noop(
    "The SLA does not apply: the access link, terminals or router of this service were "
    "not ordered from us."
)
