"""Every write of support: tickets and messages (SLA-1, SLA-3, SLA-4), attachments, the
abusive-ticket penalty (SLA-11), outages and their announcements (SLA-5), monthly availability
reports (SLA-6, SLA-7, SLA-9), SLA credits on request (SLA-8, SLA-10) and goodwill credits
within the liability cap (SLA-12).

Who may do what: staff (``user.is_staff``) do everything; a customer's member opens and answers
its own company's tickets (technical permission, ACC-2) and requests its credits (billing
permission); a partner's API key acts for its own customers. A refusal is ``PermissionDenied``.

One module per use-case family:

- ``tickets``: ``ticket_open`` — a question or a failure notification, with its first message;
- ``ticket_status``: the ticket's pipeline (the one transition function, with its event and audit
  rows), ``CUSTOMER_MOVES`` and ``ticket_set_status``;
- ``replies``: ``ticket_reply`` — answers and internal notes, and the moves an answer makes;
- ``incidents``: on a failure notification, ``ticket_record_restoration`` (SLA-4) and
  ``ticket_charge_abusive_penalty`` (SLA-11);
- ``deadlines``: the contract's support hours and a failure's intervention and restoration
  deadlines (SLA-2, SLA-3, SLA-4);
- ``attachments``: which files are accepted (``attachment_check``) and how they are kept;
- ``outages``: ``outage_record``, ``outage_update``, ``outage_announce`` and their checks (SLA-5);
- ``unavailability``: the unavailability intervals of contracts in a month (SLA-6);
- ``invoiced``: what was invoiced (and paid) for a contract, from issued invoices: the base of
  credits and of the liability cap;
- ``reports``: the credit's base and ``availability_report_compute`` (SLA-6, SLA-7, SLA-9), the
  contracts of the monthly job;
- ``credits``: ``credit_request``, ``credit_approve`` (SLA-8 cap), ``credit_refuse`` (SLA-10);
- ``goodwill``: the liability cap of an event and service and ``goodwill_credit_issue``
  (SLA-12);
- ``permissions``: who may act, and who of the customer is told.

Other apps and the tests use the names re-exported below (``support.services.ticket_open``);
the modules of support import from the submodule itself.
"""

from kernel.errors import InvalidTransition

from .attachments import ALLOWED_ATTACHMENTS, MAX_ATTACHMENT_BYTES, attachment_check
from .credits import approved_in_window, credit_approve, credit_refuse, credit_request
from .deadlines import INCIDENT_MIN_DURATION, contract_calendar, incident_deadlines, is_incident
from .goodwill import (
    LiabilityRoom,
    event_date_of,
    goodwill_contracts,
    goodwill_credit_issue,
    liability_cap,
    liability_room,
)
from .incidents import PENALTY_AMOUNT, ticket_charge_abusive_penalty, ticket_record_restoration
from .invoiced import invoiced_consumption, invoiced_subscriptions, paid_subscriptions
from .outages import (
    ANNOUNCEMENT_BUSINESS_DAYS,
    announcement_deadline,
    outage_affected_contracts,
    outage_announce,
    outage_check,
    outage_record,
    outage_update,
)
from .replies import ticket_reply
from .reports import availability_report_compute, contracts_for_sla_month, sla_base
from .ticket_status import CUSTOMER_MOVES, ticket_set_status
from .tickets import ticket_open
from .unavailability import outage_intervals, ticket_intervals, unavailability_intervals

__all__ = [
    "ALLOWED_ATTACHMENTS",
    "ANNOUNCEMENT_BUSINESS_DAYS",
    "CUSTOMER_MOVES",
    "INCIDENT_MIN_DURATION",
    "MAX_ATTACHMENT_BYTES",
    "PENALTY_AMOUNT",
    "InvalidTransition",
    "LiabilityRoom",
    "announcement_deadline",
    "approved_in_window",
    "attachment_check",
    "availability_report_compute",
    "contract_calendar",
    "contracts_for_sla_month",
    "credit_approve",
    "credit_refuse",
    "credit_request",
    "event_date_of",
    "goodwill_contracts",
    "goodwill_credit_issue",
    "incident_deadlines",
    "is_incident",
    "liability_cap",
    "liability_room",
    "invoiced_consumption",
    "invoiced_subscriptions",
    "outage_affected_contracts",
    "outage_announce",
    "outage_check",
    "outage_intervals",
    "outage_record",
    "outage_update",
    "paid_subscriptions",
    "sla_base",
    "ticket_charge_abusive_penalty",
    "ticket_intervals",
    "ticket_open",
    "ticket_record_restoration",
    "ticket_reply",
    "ticket_set_status",
    "unavailability_intervals",
]
