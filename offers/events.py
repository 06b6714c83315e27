"""The contract's event types (SPEC §9, webhooks), announced by ``transition_contract``."""

from django.utils.translation import gettext_lazy as _

from kernel.events import emit, register
from offers.choices import ContractStatus

CONTRACT_ACTIVATED = register("contract.activated", _("A contract's service started."))
CONTRACT_SUSPENDED = register("contract.suspended", _("A contract was suspended."))
CONTRACT_RESUMED = register("contract.resumed", _("A suspended contract was resumed."))
CONTRACT_TERMINATED = register("contract.terminated", _("A contract ended."))


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
    emit(
        event_type,
        partner_id=contract.client.partner_id,
        data={
            "id": contract.pk,
            "reference": contract.reference,
            "customer": contract.client_id,
            "status": to_status,
            "previous_status": from_status,
        },
    )
