"""CON-7: free test access — traffic rated but never invoiced — before the service starts
(PLATFORM 6.2: a free access "aux seules fins de test" before the service contract is signed;
signing it "vaut reconnaissance que le Service correspond à ses besoins")."""

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from kernel.clock import paris_today
from kernel.errors import InvalidTransition
from offers.choices import ContractStatus
from offers.models import Contract
from offers.services.transitions import lock_contract

# CON-7: a trial is granted (or its end date moved) only on a contract not yet in service.
TRIAL_STATUSES = {ContractStatus.DRAFT, ContractStatus.ORDERED}


@transaction.atomic
def contract_set_trial(*, contract: Contract, ends_on: date | None, actor=None) -> Contract:
    """CON-7: free test access until ``ends_on``, that day excluded (None ends it). Trial
    traffic is rated but never invoiced: while the contract is on trial the rating flags the
    calls of the days (Paris) before ``trial_ends_on`` (a date moved while the trial runs
    applies when their month is rated again); ending the trial takes the contract off trial
    (``is_trial`` false: pages show no trial; ``trial_ends_on`` keeps the day it ended, or its
    end date if already past) and the calls of the trial's days stay trial traffic whenever
    their month is rated, the calls already rated as trial keep that flag (a late file, a
    waiver, HOSTED-A's re-rating at the run).

    PLATFORM 6.2: granting a trial, or moving its end date, is refused once the contract is in
    service (active, suspended, terminating, terminated): its months are billed (subscriptions,
    the minimum commitment), so a trial there would bill its "free" month. Ending a trial is
    always possible. The activation ends a trial still running (``end_trial_at_service_start``)."""
    contract = lock_contract(contract)
    if ends_on is not None and contract.status not in TRIAL_STATUSES:
        raise InvalidTransition(
            _(
                "A trial is free test access before the service starts (CON-7): this contract "
                "is already in service."
            ),
            code="invalid_transition",
        )
    before = {"is_trial": contract.is_trial, "trial_ends_on": contract.trial_ends_on}
    if ends_on is None and contract.is_trial and contract.trial_ends_on is not None:
        # ended early (the customer signs on the 12th): the trial's days stay known — today,
        # excluded, becomes its end — so a trial-day call imported later is still trial
        # traffic (CON-7: never invoiced); a trial past its end date keeps that date
        ends_on_kept = min(contract.trial_ends_on, paris_today())
    else:
        ends_on_kept = ends_on
    contract.is_trial = ends_on is not None
    contract.trial_ends_on = ends_on_kept
    contract.save(update_fields=["is_trial", "trial_ends_on", "updated_at"])
    audit_record(
        action="contract.trial",
        instance=contract,
        actor=actor,
        before=before,
        after={"is_trial": contract.is_trial, "trial_ends_on": ends_on_kept},
    )
    return contract


def end_trial_at_service_start(contract: Contract, *, actor=None, api_key=None) -> list[str]:
    """CON-7 (PLATFORM 6.2: signing the service contract "vaut reconnaissance que le Service
    correspond à ses besoins"): the activation of a contract on trial ends the trial at the
    service start, that day excluded — the trial's remaining days are not carried over, the
    service is billed from its start. A service start after today keeps the contract on trial
    until then. Changes the locked ``contract`` in memory (audited) and returns the fields to
    save with the activation."""
    if not contract.is_trial:
        return []
    before = {"is_trial": contract.is_trial, "trial_ends_on": contract.trial_ends_on}
    contract.trial_ends_on = min(contract.trial_ends_on, contract.service_start_date)
    contract.is_trial = contract.trial_ends_on > paris_today()
    audit_record(
        action="contract.trial",
        instance=contract,
        actor=actor,
        api_key=api_key,
        before=before,
        after={"is_trial": contract.is_trial, "trial_ends_on": contract.trial_ends_on},
    )
    return ["is_trial", "trial_ends_on"]


def is_in_trial(contract: Contract, day: date) -> bool:
    """CON-7: is traffic of ``day`` trial traffic (rated, never invoiced)?"""
    return contract.is_trial and contract.trial_ends_on is not None and day < contract.trial_ends_on
