"""CON-7: free test access — traffic rated but never invoiced."""

from datetime import date

from django.db import transaction

from accounts.audit import audit_record
from kernel.clock import paris_today
from offers.models import Contract
from offers.services.transitions import lock_contract


@transaction.atomic
def contract_set_trial(*, contract: Contract, ends_on: date | None, actor=None) -> Contract:
    """CON-7: free test access until ``ends_on``, that day excluded (None ends it). Trial
    traffic is rated but never invoiced: while the contract is on trial the rating flags the
    calls of the days (Paris) before ``trial_ends_on`` (a date moved while the trial runs
    applies when their month is rated again); ending the trial takes the contract off trial
    (``is_trial`` false: pages show no trial; ``trial_ends_on`` keeps the day it ended, or its
    end date if already past) and the calls of the trial's days stay trial traffic whenever
    their month is rated, the calls already rated as trial keep that flag (a late file, a
    waiver, HOSTED-A's re-rating at the run)."""
    contract = lock_contract(contract)
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


def is_in_trial(contract: Contract, day: date) -> bool:
    """CON-7: is traffic of ``day`` trial traffic (rated, never invoiced)?"""
    return contract.is_trial and contract.trial_ends_on is not None and day < contract.trial_ends_on
