"""The contract's event types (SPEC §9, webhooks), announced by ``transition_contract``."""

from django.utils.translation import gettext_lazy as _

from kernel.events import emit, register
from offers.choices import NOTIFIED_BY_US, ContractStatus, QuantityChangeStatus, TerminationReason

CONTRACT_DATA = ("id", "reference", "customer", "status", "previous_status")
CONTRACT_ACTIVATED = register(
    "contract.activated", _("A contract's service started."), data=CONTRACT_DATA
)
CONTRACT_SUSPENDED = register(
    "contract.suspended", _("A contract was suspended."), data=CONTRACT_DATA
)
CONTRACT_RESUMED = register(
    "contract.resumed", _("A suspended contract was resumed."), data=CONTRACT_DATA
)
CONTRACT_TERMINATED = register("contract.terminated", _("A contract ended."), data=CONTRACT_DATA)
INCREASE_DATA = (
    "id",
    "contract",
    "reference",
    "customer",
    "line",
    "status",
    "quantity_before",
    "quantity_after",
)
DECISION_DATA = (
    *INCREASE_DATA,
    "effective_on",
    "prorata_amount",
    "setup_amount",
    "refusal_reason",
    "decided_at",
    "termination",
)
TERMINATION_DATA = ("id", "contract", "reference", "customer", "status", "reason")
# PLATFORM 28 / 7.2.1: an increase of a line's quantity the customer or its partner asked for,
# awaiting our acceptance; then our decision on it
QUANTITY_INCREASE_REQUESTED = register(
    "quantity_increase.requested",
    _(
        "An increase of a contract line's quantity was asked, awaiting our acceptance "
        "(PLATFORM 28)."
    ),
    data=(*INCREASE_DATA, "requested_at", "requested_by"),
)
QUANTITY_INCREASE_ACCEPTED = register(
    "quantity_increase.accepted",
    _("We accepted an increase of a contract line's quantity asked (PLATFORM 28)."),
    data=DECISION_DATA,
)
QUANTITY_INCREASE_REFUSED = register(
    "quantity_increase.refused",
    _("We refused an increase of a contract line's quantity asked (PLATFORM 28)."),
    data=DECISION_DATA,
)

# CON-4: a termination recorded (its effective date, reason and fee), or cancelled before its
# effective date; contract.terminated follows on the effective date
TERMINATION_SCHEDULED = register(
    "termination.scheduled",
    _("A contract's termination was recorded: its effective date, reason and fee (CON-4)."),
    data=(
        *TERMINATION_DATA,
        "terminated_by",
        "recorded_by",
        "notice_date",
        "effective_date",
        "fee_rule",
        "fee_amount",
    ),
)
TERMINATION_CANCELLED = register(
    "termination.cancelled",
    _("A scheduled termination was cancelled before its effective date (CON-4)."),
    data=(*TERMINATION_DATA, "effective_date", "cancelled_at", "cancelled_by", "contract_status"),
)


def _recorded_by(actor, api_key) -> str:
    """Who recorded a decision: the partner (its API key), our staff, the customer (a user of
    the customer in the portal), or the system (an automatic one: a port-out, NUM-4)."""
    if api_key is not None:
        return "partner"
    if actor is None:
        return "system"
    return "staff" if actor.is_staff else "customer"


def _termination_data(termination) -> dict:
    contract = termination.contract
    return {
        "id": termination.pk,
        "contract": contract.pk,
        "reference": contract.reference,
        "customer": contract.client_id,
        "status": termination.status,
        "reason": termination.reason,
    }


def announce_termination_scheduled(termination, *, actor=None, api_key=None) -> None:
    """One event per termination recorded, in its transaction: the effective date, the reason
    code, which party ends the contract (``terminated_by``: the customer's notice, or ours —
    17.4, 17.2, 13.1, a closing for inactivity), who recorded it and the fee quoted."""
    ours = termination.reason in NOTIFIED_BY_US | {TerminationReason.RESELLER}
    emit(
        TERMINATION_SCHEDULED,
        partner_id=termination.contract.client.partner_id,
        data={
            **_termination_data(termination),
            "terminated_by": "reseller" if ours else "customer",
            "recorded_by": _recorded_by(actor, api_key),
            "notice_date": termination.notice_date,
            "effective_date": termination.effective_date,
            "fee_rule": termination.fee_rule,
            "fee_amount": termination.fee_amount,
        },
    )


def announce_termination_cancelled(termination, contract, *, actor=None, api_key=None) -> None:
    """One event per termination cancelled, in its transaction: the effective date that no
    longer holds, who cancelled it and the status ``contract`` (as it now stands) returns to."""
    emit(
        TERMINATION_CANCELLED,
        partner_id=contract.client.partner_id,
        data={
            **_termination_data(termination),
            "effective_date": termination.effective_date,
            "cancelled_at": termination.cancelled_at,
            "cancelled_by": _recorded_by(actor, api_key),
            "contract_status": contract.status,
        },
    )


def _increase_data(change) -> dict:
    contract = change.contract
    return {
        "id": change.pk,
        "contract": contract.pk,
        "reference": contract.reference,
        "customer": contract.client_id,
        "line": change.line_id,
        "status": change.status,
        "quantity_before": change.quantity_before,
        "quantity_after": change.quantity_after,
    }


def announce_increase_requested(change, *, actor=None, api_key=None) -> None:
    """One event per increase asked that awaits our acceptance (PLATFORM 28 / 7.2.1), in the
    transaction that records it, for the partner of the contract's customer: the change as the
    API shows it, in short (``status`` ``requested``), when and by whom it was asked
    (``customer``: a user of the customer in the portal; ``partner``: its API key).
    ``quantity_increase.accepted`` or ``.refused`` follows with our decision."""
    emit(
        QUANTITY_INCREASE_REQUESTED,
        partner_id=change.contract.client.partner_id,
        data={
            **_increase_data(change),
            "requested_at": change.created_at,
            "requested_by": _recorded_by(actor, api_key),
        },
    )


def announce_increase_decision(change, termination=None) -> None:
    """One event per decision on an increase asked (accepted or refused), in its transaction,
    for the partner of the contract's customer: the change as the API shows it, in short;
    ``termination``: the one whose recording refused it (CON-4), else null."""
    contract = change.contract
    emit(
        QUANTITY_INCREASE_ACCEPTED
        if change.status == QuantityChangeStatus.APPLIED
        else QUANTITY_INCREASE_REFUSED,
        partner_id=contract.client.partner_id,
        data={
            **_increase_data(change),
            "effective_on": change.effective_on,
            "prorata_amount": change.prorata_amount,
            "setup_amount": change.setup_amount,
            "refusal_reason": change.refusal_reason,
            "decided_at": change.decided_at,
            "termination": termination.pk if termination is not None else None,
        },
    )


def announce_suspension(contract, *, suspended: bool) -> None:
    """CON-8: the service of a contract under notice (terminating, its status unchanged) was
    suspended or resumed: announced as a suspended or resumed contract is."""
    _emit(CONTRACT_SUSPENDED if suspended else CONTRACT_RESUMED, contract, contract.status)


def announce_transition(contract, from_status: str, to_status: str) -> None:
    if from_status == ContractStatus.TERMINATING and to_status != ContractStatus.TERMINATED:
        # a termination cancelled: the contract goes back to where it was, nothing started or
        # was suspended — termination.cancelled says it (``announce_termination_cancelled``)
        return
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
