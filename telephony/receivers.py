"""Period-start work of trunks, on the signals of offers and billing (one-way dependencies:
neither app imports telephony)."""

from django.dispatch import receiver

from billing.signals import run_preparing
from offers.choices import Preset
from offers.signals import period_started
from telephony import services


@receiver(period_started, dispatch_uid="telephony.trunk_period_started")
def trunk_period_started(sender, contract, period_start, period_end, **kwargs):
    """TRK-4 / TRK-5: pending decreases, then re-optimisation, inside the renewal's
    transaction (the contract row is locked), exactly once per period."""
    if contract.preset == Preset.TRUNK:
        services.trunk_period_start(contract=contract, period_start=period_start)


@receiver(run_preparing, dispatch_uid="telephony.renew_trunks_before_run")
def renew_trunks_before_run(sender, month, target, today, **kwargs):
    """BIL-1: the run bills ``target`` (M+1) as the trunks will stand on its first day; once
    that day has come, renew them first (the nightly renewal job then finds them done)."""
    if today >= target:
        services.trunks_renew_for_run(target=target)
