"""The deadlines of a failure notification (SLA-2, SLA-3, SLA-4): the contract's support hours
and the intervention and restoration deadlines they give."""

from datetime import datetime

from offers.models import Contract
from support.business_hours import (
    BusinessCalendar,
    add_elapsed_hours,
    deadline,
    subdivision_for,
)

INTERVENTION_HOURS = 4  # SLA-3 (PLATFORM 14.2-3), when the terms do not state their own


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


def incident_deadlines(
    contract: Contract, reported_at: datetime, detected_at: datetime | None = None
) -> tuple[datetime, datetime | None]:
    """SLA-3: the intervention deadline — 4 business hours (or the terms' own number) from the
    report, elapsed hours when the offer has no business hours.
    SLA-4: the restoration target — the terms' hours, in business hours from the notification
    when the terms say so (HOSTED-A: 8), else elapsed from the detection (HOSTED-W: 4 h; the
    detection defaults to the report); None when the terms have no target (PLATFORM)."""
    calendar = contract_calendar(contract)
    terms = contract.terms_snapshot
    hours = terms.get("intervention_business_hours") or INTERVENTION_HOURS
    intervention = deadline(reported_at, hours, calendar)
    target_hours = terms.get("restoration_target_hours")
    if not target_hours:
        return intervention, None
    if terms.get("restoration_in_business_hours") and calendar is not None:
        return intervention, deadline(reported_at, target_hours, calendar)
    return intervention, add_elapsed_hours(detected_at or reported_at, target_hours)
