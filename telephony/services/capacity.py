"""What every change of a trunk's channels shares (TRK-1): the cap error, the active-contract
guard, the trunk's lock and the ledger rows.

Locks, always in this order: the customer row (when money moves), the contract row, then the
trunk row, then the order or decrease. Paying an order locks the customer first, as a payment,
a CDR batch's prepaid debit and a suspension lift do before they touch contracts. The renewal
(``offers.services.contract_renew``) locks the contract and its receiver the trunk, as paying
an order does after the customer, so the two never deadlock. Every capacity change happens with the
trunk row locked; the cap is checked under that lock.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kernel.errors import InvalidTransition
from offers.choices import ContractStatus, TerminationStatus
from offers.models import Contract
from offers.periods import add_months
from telephony.models import Pack, PackLedgerEntry, Trunk


class CapacityExceeded(ValidationError):
    """TRK-1: more channels than the trunk may hold (200, TRUNK 2): a field error on a quote
    (400); at payment, the state of the trunk refuses it (``InvalidTransition``, 409)."""


def lock_trunk(trunk: Trunk) -> Trunk:
    # of=("self",): a FOR UPDATE over a join would lock the contract and the customer rows too,
    # and deadlock against inserts that only take a key-share lock on them (audit rows).
    return (
        Trunk.objects.select_for_update(of=("self",))
        .select_related("contract__client")
        .get(pk=trunk.pk)
    )


def require_active(contract: Contract) -> None:
    if contract.status != ContractStatus.ACTIVE:
        raise InvalidTransition(
            _("Channels can only change on an active trunk contract."), code="contract_not_active"
        )


def scheduled_end(contract: Contract) -> date | None:
    """CON-4: the effective date of the contract's scheduled termination (the first day without
    service), None when none is scheduled."""
    return (
        contract.terminations.filter(status=TerminationStatus.SCHEDULED)
        .order_by("effective_date")
        .values_list("effective_date", flat=True)
        .first()
    )


def require_increasable(contract: Contract, today: date) -> date | None:
    """TRK-3 (TRUNK 7: « Au cours de chaque période de facturation, le Client peut augmenter ...
    le nombre de canaux »): more channels on an active contract, and on a terminating one until
    its termination takes effect — it is in service, in a billing period, until then (a notice
    given on 21 November for 1 February left the customer unable to add a channel for two
    months). Returns the termination's effective date (None when none is scheduled): the order
    pays to the end of the month and nothing is billed from that day. A suspended contract
    still gets none (an order is activated at once), nor a terminating one whose suspension is
    still open (CON-8: asking for the termination does not lift it)."""
    if contract.status == ContractStatus.TERMINATING:
        ending = scheduled_end(contract)
        suspended = contract.suspensions.filter(lifted_at__isnull=True).exists()
        if ending is not None and ending > today and not suspended:
            return ending
    require_active(contract)
    return None


def require_decreasable(contract: Contract) -> None:
    """TRK-4 (TRUNK 7: « au cours de chaque période de facturation, le Client peut augmenter ou
    réduire le nombre de canaux »): a decrease applies at the next renewal, which every contract
    still billed gets (CON-3) — an active one, a suspended one (CON-8: still billed), and a
    terminating one whose termination takes effect after that renewal. A contract ending on
    its next renewal date has no period left to decrease (``contract_ending``, naming the day)."""
    if contract.status in {ContractStatus.ACTIVE, ContractStatus.SUSPENDED}:
        return
    if contract.status == ContractStatus.TERMINATING:
        ending = (
            contract.terminations.filter(status=TerminationStatus.SCHEDULED)
            .order_by("effective_date")
            .values_list("effective_date", flat=True)
            .first()
        )
        renewal = contract.current_period_end
        if ending is not None and renewal is not None and ending > renewal:
            return
        if ending is not None:
            raise InvalidTransition(
                _(
                    "This contract ends on %(date)s: fewer channels would only start then. "
                    "Nothing more is billed after that day."
                )
                % {"date": date_format(ending)},
                code="contract_ending",
            )
    require_active(contract)


def write_ledger(
    trunk, diff: dict[Pack, int], *, day: date, cause, order=None, decrease=None, actor=None
):
    """Append one ledger row per pack whose count changes by ``diff`` (pack → ±count) on
    ``day``: capacity is derived from these rows, never stored."""
    PackLedgerEntry.objects.bulk_create(
        PackLedgerEntry(
            trunk=trunk,
            pack=pack,
            count=count,
            effective_on=day,
            cause=cause,
            order=order,
            decrease=decrease,
            created_by=actor if actor is not None and actor.is_authenticated else None,
        )
        for pack, count in sorted(diff.items(), key=lambda kv: -kv[0].channels)
        if count
    )


def next_renewal_date(contract: Contract, today: date) -> date | None:
    """TRK-4: the first renewal date after ``today``: the end of the current period, or, when
    today's renewal job has not run yet (the period ended on or before today), the end of the
    period it is about to start."""
    end = contract.current_period_end
    while end is not None and end <= today:
        end = add_months(end, contract.term("renewal_months"))
    return end


def channels_at_renewal(held: int, decreases) -> int:
    """TRK-4, TRK-5: the channel count a renewal re-optimises: the channels ``held`` less the
    pending ``decreases`` due by then, never below one (the renewal applies it; a channel
    quote announces it)."""
    return max(held - sum(d.channels_to_remove for d in decreases), 1)
