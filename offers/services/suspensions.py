"""CON-8: suspending a contract with a reason of the closed list, and lifting it."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.notifications import notify_client
from kernel.errors import InvalidTransition
from offers.choices import ContractStatus, SuspensionReason, TerminationStatus
from offers.models import Contract, Suspension
from offers.services.transitions import lock_contract, transition_contract
from offers.signals import contract_status_changed


@transaction.atomic
def contract_suspend(*, contract: Contract, reason: str, note: str = "", actor=None) -> Suspension:
    """CON-8: suspend a contract with a reason of the closed list; the customer is told."""
    if reason not in SuspensionReason.values:
        raise ValidationError({"reason": _("Choose a reason from the list.")})
    contract = lock_contract(contract)
    if contract.status != ContractStatus.ACTIVE:
        # A terminating contract keeps its course to termination: suspending it would hide the
        # scheduled termination behind a status the nightly job cannot end.
        raise InvalidTransition(
            _("Only an active contract can be suspended."), code="invalid_transition"
        )
    transition_contract(contract, ContractStatus.SUSPENDED, actor=actor, note=reason)
    suspension = Suspension.objects.create(
        contract=contract, reason=reason, note=note, started_at=timezone.now(), started_by=actor
    )
    notify_client(
        contract.client, "offers/email/suspended", {"contract": contract, "suspension": suspension}
    )
    return suspension


@transaction.atomic
def contract_lift_suspension(*, contract: Contract, actor=None) -> Suspension:
    """CON-8: lifting a suspension is one action. A contract suspended and then terminated
    (suspended → terminating) keeps its suspension open — its service stays suspended — until
    it is lifted here: the contract keeps terminating, and its termination, if cancelled, now
    returns it to active."""
    contract = lock_contract(contract)
    suspension = contract.suspensions.select_for_update().filter(lifted_at__isnull=True).first()
    if suspension is None or contract.status not in {
        ContractStatus.SUSPENDED,
        ContractStatus.TERMINATING,
    }:
        raise InvalidTransition(_("This contract is not suspended."), code="invalid_transition")
    suspension.lift(at=timezone.now(), by=actor)
    if contract.status == ContractStatus.SUSPENDED:
        transition_contract(contract, ContractStatus.ACTIVE, actor=actor, note="suspension lifted")
    else:
        contract.terminations.filter(
            status=TerminationStatus.SCHEDULED, previous_status=ContractStatus.SUSPENDED
        ).update(previous_status=ContractStatus.ACTIVE, updated_at=timezone.now())
        audit_record(
            action="contract.suspension_lifted",
            instance=contract,
            actor=actor,
            before={"suspension": suspension.pk, "status": contract.status},
            after={"lifted_at": suspension.lifted_at, "status": contract.status},
        )
        # The status stays; what derives from the suspension follows (the trunk and SIP
        # accounts read active again).
        contract_status_changed.send(
            sender=Contract,
            contract=contract,
            from_status=contract.status,
            to_status=contract.status,
        )
    notify_client(contract.client, "offers/email/suspension_lifted", {"contract": contract})
    return suspension
