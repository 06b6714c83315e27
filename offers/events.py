"""The contract's event types (SPEC §9, webhooks), announced by ``transition_contract``."""

from django.utils.translation import gettext_lazy as _

from kernel.events import emit, register
from offers.choices import ContractStatus, QuantityChangeStatus

CONTRACT_ACTIVATED = register("contract.activated", _("A contract's service started."))
CONTRACT_SUSPENDED = register("contract.suspended", _("A contract was suspended."))
CONTRACT_RESUMED = register("contract.resumed", _("A suspended contract was resumed."))
CONTRACT_TERMINATED = register("contract.terminated", _("A contract ended."))
# PLATFORM 28 / 7.2.1: our decision on an increase of a line's quantity the customer or its
# partner asked for
QUANTITY_INCREASE_ACCEPTED = register(
    "quantity_increase.accepted",
    _("We accepted an increase of a contract line's quantity asked (PLATFORM 28)."),
)
QUANTITY_INCREASE_REFUSED = register(
    "quantity_increase.refused",
    _("We refused an increase of a contract line's quantity asked (PLATFORM 28)."),
)


def announce_increase_decision(change) -> None:
    """One event per decision on an increase asked (accepted or refused), in its transaction,
    for the partner of the contract's customer: the change as the API shows it, in short."""
    contract = change.contract
    emit(
        QUANTITY_INCREASE_ACCEPTED
        if change.status == QuantityChangeStatus.APPLIED
        else QUANTITY_INCREASE_REFUSED,
        partner_id=contract.client.partner_id,
        data={
            "id": change.pk,
            "contract": contract.pk,
            "reference": contract.reference,
            "customer": contract.client_id,
            "line": change.line_id,
            "status": change.status,
            "quantity_before": change.quantity_before,
            "quantity_after": change.quantity_after,
            "effective_on": change.effective_on,
            "prorata_amount": change.prorata_amount,
            "setup_amount": change.setup_amount,
            "refusal_reason": change.refusal_reason,
            "decided_at": change.decided_at,
        },
    )


def announce_suspension(contract, *, suspended: bool) -> None:
    """CON-8: the service of a contract under notice (terminating, its status unchanged) was
    suspended or resumed: announced as a suspended or resumed contract is."""
    _emit(CONTRACT_SUSPENDED if suspended else CONTRACT_RESUMED, contract, contract.status)


def announce_transition(contract, from_status: str, to_status: str) -> None:
    if to_status == ContractStatus.ACTIVE:
        event_type = (
            CONTRACT_RESUMED if from_status == ContractStatus.SUSPENDED else CONTRACT_ACTIVATED
        )
    elif to_status == ContractStatus.SUSPENDED:
        event_type = CONTRACT_SUSPENDED
    elif to_status == ContractStatus.TERMINATED:
        event_type = CONTRACT_TERMINATED
    else:
        return
    _emit(event_type, contract, from_status)


def _emit(event_type, contract, from_status: str) -> None:
    emit(
        event_type,
        partner_id=contract.client.partner_id,
        data={
            "id": contract.pk,
            "reference": contract.reference,
            "customer": contract.client_id,
            "status": contract.status,
            "previous_status": from_status,
        },
    )
