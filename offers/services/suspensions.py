"""CON-8: suspending a contract with a reason of the closed list, and lifting it."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.choices import Role
from accounts.notifications import notify_client
from kernel.errors import InvalidTransition
from offers.choices import ContractStatus, SuspensionReason, TerminationStatus
from offers.events import announce_suspension
from offers.models import Contract, Suspension, Termination
from offers.services.transitions import lock_contract, transition_contract
from offers.signals import contract_status_changed

# CON-8 / ACC-2: a suspension for money (an exhausted prepaid balance, USE-8; non-payment,
# BIL-7) is lifted by paying — a top-up, a payment —, which is the billing role's as much as the
# administrator's: both are told of it and of its lifting. The other reasons (fraud, abnormal
# traffic, an authority's order…) are the administrators' business.
MONEY_REASONS = frozenset({SuspensionReason.PREPAID_EXHAUSTED, SuspensionReason.NON_PAYMENT})


def told_roles(reason: str) -> tuple:
    """Who of the customer is e-mailed a suspension (and its lifting) for ``reason``."""
    return (Role.ADMIN, Role.BILLING) if reason in MONEY_REASONS else (Role.ADMIN,)


def contracts_to_suspend(client):
    """CON-8: the customer's contracts whose service a suspension of the whole customer (an
    exhausted prepaid balance, USE-8; non-payment, BIL-7) suspends: the active ones, and the
    ones under notice (terminating) whose service is not suspended already."""
    return Contract.objects.filter(
        Q(status=ContractStatus.ACTIVE)
        | Q(status=ContractStatus.TERMINATING) & Exists(_in_service_under_notice()),
        client=client,
    ).order_by("pk")


def _in_service_under_notice():
    """The scheduled termination of a contract that was active, its service not suspended,
    when it was given notice (``previous_status``: a suspension sets it to suspended, its
    lifting back to active). Not one terminated before its service started (ordered)."""
    return Termination.objects.filter(
        contract=OuterRef("pk"),
        status=TerminationStatus.SCHEDULED,
        previous_status=ContractStatus.ACTIVE,
    )


@transaction.atomic
def contract_suspend(*, contract: Contract, reason: str, note: str = "", actor=None) -> Suspension:
    """CON-8: suspend a contract's service with a reason of the closed list; the customer is
    told. An active contract becomes suspended. A contract under notice (terminating) keeps its
    status — its termination still takes effect on its date, the nightly job closing the
    suspension with it — while its service is suspended all the same: an open suspension, its
    trunk and SIP accounts suspended, and its termination, if cancelled, returns it to
    suspended (USE-8: a prepaid customer under notice does not keep calling on a zero balance
    until its last day). Lifting is ``contract_lift_suspension`` in both cases."""
    if reason not in SuspensionReason.values:
        raise ValidationError({"reason": _("Choose a reason from the list.")})
    contract = lock_contract(contract)
    if contract.status == ContractStatus.ACTIVE:
        transition_contract(contract, ContractStatus.SUSPENDED, actor=actor, note=reason)
    elif (
        contract.status == ContractStatus.TERMINATING
        and contract.terminations.filter(
            status=TerminationStatus.SCHEDULED, previous_status=ContractStatus.ACTIVE
        ).exists()
    ):
        _suspend_under_notice(contract, reason=reason, actor=actor)
    else:
        raise InvalidTransition(
            _("Only an active contract, or one under notice not suspended yet, can be suspended."),
            code="invalid_transition",
        )
    suspension = Suspension.objects.create(
        contract=contract, reason=reason, note=note, started_at=timezone.now(), started_by=actor
    )
    if contract.status == ContractStatus.TERMINATING:
        _service_follows(contract)  # the trunk and SIP accounts read suspended
    notify_client(
        contract.client,
        "offers/email/suspended",
        {"contract": contract, "suspension": suspension},
        roles=told_roles(reason),
    )
    return suspension


def _service_follows(contract: Contract) -> None:
    """A contract under notice keeps its status when its service is suspended or resumed: what
    derives from the suspension (its trunk's and SIP accounts' status) follows all the same."""
    contract_status_changed.send(
        sender=Contract, contract=contract, from_status=contract.status, to_status=contract.status
    )


def _suspend_under_notice(contract: Contract, *, reason: str, actor) -> None:
    """The status stays terminating: a cancelled termination now returns the contract to
    suspended (not to active with its service suspended); audited and announced as a
    suspension."""
    contract.terminations.filter(
        status=TerminationStatus.SCHEDULED, previous_status=ContractStatus.ACTIVE
    ).update(previous_status=ContractStatus.SUSPENDED, updated_at=timezone.now())
    audit_record(
        action="contract.suspended",
        instance=contract,
        actor=actor,
        before={"status": contract.status},
        after={"status": contract.status, "note": reason},
    )
    announce_suspension(contract, suspended=True)


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
        announce_suspension(contract, suspended=False)
        _service_follows(contract)  # the status stays; the trunk and SIP accounts read active
    notify_client(
        contract.client,
        "offers/email/suspension_lifted",
        {"contract": contract},
        roles=told_roles(suspension.reason),
    )
    return suspension
