"""The deadlines of a failure notification (SLA-2, SLA-3, SLA-4): the contract's support hours
and the intervention and restoration deadlines that its terms — and only its terms — give."""

from datetime import datetime, timedelta

from offers.models import Contract
from support.business_hours import (
    BusinessCalendar,
    add_elapsed_hours,
    deadline,
    subdivision_for,
)

# SLA-3 (PLATFORM 14.2): an "incident" is an interruption of *more than* 30 minutes that is not
# the customer's fault. The terms carry no field for it: it goes with the intervention clause
# (``intervention_business_hours``), the only clause it qualifies.
INCIDENT_MIN_DURATION = timedelta(minutes=30)


def contract_calendar(contract: Contract) -> BusinessCalendar | None:
    """SLA-2: the support hours of the contract's terms, with its site's Alsace-Moselle
    holidays; None when the offer has no business hours (elapsed time)."""
    terms = contract.terms_snapshot
    site = contract.site
    subdiv = subdivision_for(site.insee_code or site.postal_code) if site is not None else None
    return BusinessCalendar.from_terms(
        terms.get("support_days", ""),
        terms.get("support_start"),
        terms.get("support_end"),
        subdiv,
    )


def intervention_deadline(contract: Contract, reported_at: datetime) -> datetime | None:
    """SLA-3 (PLATFORM 14.2-3): the terms' intervention hours from the report — business hours
    when the offer has them, elapsed hours otherwise. None when the terms state no intervention
    clause (TRUNK, SIP-UNL, HOSTED-W, HOSTED-A): no deadline is made up for them."""
    hours = contract.terms_snapshot.get("intervention_business_hours")
    if not hours:
        return None
    return deadline(reported_at, hours, contract_calendar(contract))


def restoration_target(
    contract: Contract, reported_at: datetime, detected_at: datetime | None = None
) -> datetime | None:
    """SLA-4: the terms' restoration hours — in business hours from the notification when the
    terms say so (HOSTED-A: 8), else elapsed from the detection (HOSTED-W: 4 h; the detection
    defaults to the report); None when the terms have no target (PLATFORM, TRUNK, SIP-UNL)."""
    terms = contract.terms_snapshot
    target_hours = terms.get("restoration_target_hours")
    if not target_hours:
        return None
    calendar = contract_calendar(contract)
    if terms.get("restoration_in_business_hours") and calendar is not None:
        return deadline(reported_at, target_hours, calendar)
    return add_elapsed_hours(detected_at or reported_at, target_hours)


def incident_deadlines(
    contract: Contract, reported_at: datetime, detected_at: datetime | None = None
) -> tuple[datetime | None, datetime | None]:
    """SLA-3 / SLA-4: (intervention deadline, restoration target) of a failure notification,
    each None when the contract's terms state no such clause."""
    return (
        intervention_deadline(contract, reported_at),
        restoration_target(contract, reported_at, detected_at),
    )


def is_incident(
    *,
    reported_at: datetime,
    detected_at: datetime | None,
    restored_at: datetime | None,
    customer_caused: bool,
) -> bool:
    """SLA-3 (PLATFORM 14.2): a report is an incident — one that the intervention deadline
    applies to — unless the customer caused it (SLA-11) or the service came back within 30
    minutes of the failure's start (the detection when given, else the report). Exactly 30
    minutes is not "longer than 30 minutes": no incident. While the service is down, it is."""
    if customer_caused:
        return False
    if restored_at is None:
        return True
    start = min(filter(None, [reported_at, detected_at]))
    return restored_at - start > INCIDENT_MIN_DURATION
