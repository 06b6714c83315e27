"""The contract pipeline's one move (CON-2): lock the row, check the transition map, save the
status with its event and audit rows. Every service that changes a contract's status goes
through ``transition_contract``."""

from django.utils.translation import gettext as _

from accounts.audit import audit_record
from kernel.errors import InvalidTransition
from offers.choices import CONTRACT_TRANSITIONS, ContractStatus
from offers.events import announce_transition
from offers.models import Contract, ContractEvent
from offers.signals import contract_status_changed


def lock_contract(contract: Contract) -> Contract:
    """The contract re-read with its row locked until the end of the transaction."""
    return Contract.objects.select_for_update().get(pk=contract.pk)


def transition_contract(
    contract: Contract, to_status: str, *, actor=None, api_key=None, note="", extra_fields=()
) -> Contract:
    """Move a locked contract along the pipeline, with its event and audit rows."""
    from_status = contract.status
    if to_status not in CONTRACT_TRANSITIONS[from_status]:
        raise InvalidTransition(
            _("A contract cannot go from %(from)s to %(to)s.")
            % {"from": ContractStatus(from_status).label, "to": ContractStatus(to_status).label},
            code="invalid_transition",
        )
    contract.status = to_status
    contract.save(update_fields=["status", "updated_at", *extra_fields])
    ContractEvent.objects.create(
        contract=contract,
        from_status=from_status,
        to_status=to_status,
        note=note[:200],
        actor=actor,
        api_key=api_key,
    )
    audit_record(
        action=f"contract.{to_status}",
        instance=contract,
        actor=actor,
        api_key=api_key,
        before={"status": from_status},
        after={"status": to_status, "note": note},
    )
    announce_transition(contract, from_status, to_status)
    contract_status_changed.send(
        sender=Contract, contract=contract, from_status=from_status, to_status=to_status
    )
    return contract
