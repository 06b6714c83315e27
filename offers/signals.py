"""Signals other apps listen to, so that offers never imports them (one-way dependencies)."""

from django.dispatch import Signal

# CON-2: sent by ``contract_create`` before anything is written, to let the apps that serve an
# offer refuse a contract they could not serve; kwargs: ``offer``, ``quantity`` (the main
# product's), ``options``. Each receiver answers a dict of field errors (empty: nothing to say);
# they are refused with the other field errors (TRK-1: a trunk of more than 200 channels).
contract_checking = Signal()

# CON-3: sent inside the renewal's transaction (the contract row is locked) once the new period
# exists; kwargs: ``contract``, ``period_start``, ``period_end``. Receivers run their
# period-start work there (TRK-4 pending decreases, TRK-5 re-optimisation), atomically with
# the renewal and exactly once per period.
period_started = Signal()

# CON-2: sent by ``contract_activate`` inside its transaction (the contract row is locked), once
# the contract is active and its lines have started; kwargs: ``contract``. Receivers set up what
# the service needs from its first day (TRK-1: the trunk of a TRUNK contract).
contract_activated = Signal()

# CON-6: sent inside ``price_change_apply``'s transaction once the lines and the catalogue took
# the new price; kwargs: ``price_change``. Receivers keep their own catalogues in step
# (telephony: the channel pack sold as this product).
price_change_applied = Signal()

# CON-6: sent inside a late-recorded refusal's transaction once the contract's lines took their
# old price back (``restore_lines``); kwargs: ``price_change``, ``contract``, ``lines`` (a list
# of ``(line, old price, new price)``), ``actor``. Billing credits what it invoiced at the new
# price from the effective date.
price_change_lines_restored = Signal()

# CON-4 / CON-5: sent by ``contract_request_termination`` inside its transaction (the contract
# row is locked) once the termination is recorded; kwargs: ``termination``, ``actor``. Billing
# credits what its runs invoiced in advance for months from the termination's fee start (a
# letter or a port-out notice recorded after the run; nothing for one recorded in time).
termination_recorded = Signal()

# CON-8 and the contract pipeline: sent by ``transition_contract`` inside its transaction (the
# contract row is locked) once the contract took its new status; kwargs: ``contract``,
# ``from_status``, ``to_status``. Receivers keep what they derive from it in step (telephony:
# the status of the trunk and SIP accounts of a suspended contract). Also sent with
# ``from_status == to_status`` (terminating) when the suspension of a contract suspended and
# then terminated is lifted: its status stays, its service resumes.
contract_status_changed = Signal()

# CON-5 (PLATFORM 24.4.5, 17.6, 24.1; HOSTED-A 5, 2): sent by the termination quote to learn the
# contract's monthly subscriptions held outside its lines on its last day of service; kwargs:
# ``contract``, ``day``. Each receiver answers a ``Decimal`` (€ HT a month, unrounded):
# numbering, the monthly prices of the numbers assigned to the contract (PLATFORM 24.1.3 puts
# them among the « Abonnements » the fee counts; HOSTED-A 2 makes them part of the Service whose
# « Frais Fixes » its fee counts).
contract_monthly_subscriptions = Signal()
