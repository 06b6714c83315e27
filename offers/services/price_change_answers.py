"""CON-6: what a customer told about a price increase may answer, as its contract allows.

- HOSTED-A 6 (``terminate``): refuse the increase; the contract ends without termination fee at
  the later of the requested date and the refusal + 30 days, at the old price meanwhile.
- PLATFORM (``object``): 12.2 lets the provider change alone only the tariff of the calls
  (``usage.services.tariff_changes``); a monthly price is fixed in the annexes (12.1), so an
  increase is an amendment (7.1.2): it applies to the contract only if the customer accepts it
  before the effective date (``price_change_accept``: its admin in the portal, its partner in
  the API, staff from the signed amendment); without acceptance the contract keeps its price
  and staff may terminate it (7.1.2 → 17). An objection recorded before that rule keeps
  counting: a termination without fee (17.2: one month's notice, not before the effective
  date), withdrawn by traffic on or after the effective date
  (``price_change_objections_withdraw``, called when traffic is recorded).
- TRUNK, SIP-UNL, HOSTED-W (``none``): no right to refuse. A decrease is never refused.

Both answers are recorded as a CON-4 termination (``contract_request_termination``, reason
``price_increase_refused``, fees waived) on the contract's ``PriceChangeNotice``.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from kernel.clock import paris_today
from kernel.errors import InvalidTransition
from offers import periods
from offers.choices import (
    PRICE_CHANGE_ACCEPT,
    PriceChangeRefusal,
    PriceChangeResponse,
    PriceChangeStatus,
    TerminationReason,
    TerminationStatus,
)
from offers.models import Contract, PriceChange, PriceChangeLine, PriceChangeNotice, Termination
from offers.services.price_changes import answer_lapse, refusal_right, restore_lines
from offers.services.terminations import (
    TerminationQuote,
    contract_request_termination,
    termination_cancel,
    termination_quote,
)
from offers.services.transitions import lock_contract

REFUSAL_NOTICE_DAYS = 30  # HOSTED-A 6: a refused increase ends the contract 30 days later
OBJECTION_NOTICE_MONTHS = 1  # PLATFORM 12.2 → 17.2: one month's notice
# HOSTED-A 6: the refusal ends « le Contrat en cours » without fee — one under its customer's own
# notice too (the customer could cancel it and refuse): the refusal replaces that termination.
REPLACED_BY_REFUSAL = frozenset({TerminationReason.CUSTOMER_REQUEST, TerminationReason.NON_RENEWAL})


@dataclass(frozen=True)
class PendingPriceChange:
    """A notified price change as one contract sees it (portal page, API)."""

    change: PriceChange
    notice: PriceChangeNotice
    right: str  # PriceChangeRefusal: what this contract may do against it
    blocked: str = ""  # why its scheduled termination keeps it from answering (a 409 code)

    @property
    def answer_by(self) -> date:
        """The last day to refuse or object (the day before the effective date)."""
        return self.change.effective_date - timedelta(days=1)

    @property
    def answered(self) -> bool:
        """A refusal or objection that still counts."""
        return self.notice.answer_counts

    @property
    def accepted(self) -> bool:
        """PLATFORM 7.1.2: the customer accepted the increase (the amendment)."""
        return self.notice.response == PriceChangeResponse.ACCEPTED

    def can_answer(self, today: date) -> bool:
        """The contract may refuse or object to it now."""
        return (
            self.right in (PriceChangeRefusal.TERMINATE, PriceChangeRefusal.OBJECT)
            and today < self.change.effective_date
            and not self.answered
            and not self.blocked
        )

    def can_accept(self, today: date) -> bool:
        """PLATFORM 7.1.2: the increase waits for the customer's acceptance, still possible."""
        return (
            self.right == PRICE_CHANGE_ACCEPT
            and today < self.change.effective_date
            and not self.accepted
        )


def _concerns(change: PriceChange, lines) -> bool:
    """The contract still has a line the change applies to (at the old catalogue price)."""
    return any(
        line.product_id == change.product_id
        and line.unit_monthly_price == change.old_monthly_price
        and (line.ended_on is None or line.ended_on > change.effective_date)
        for line in lines
    )


def _scheduled_termination(contract: Contract) -> Termination | None:
    """The contract's scheduled termination, from the selectors' prefetch when there is one."""
    prefetched = getattr(contract, "scheduled_terminations", None)
    if prefetched is not None:
        return next(iter(prefetched), None)
    return contract.terminations.filter(status=TerminationStatus.SCHEDULED).first()


def refusal_blocked(change: PriceChange, termination: Termination | None) -> str:
    """CON-6: why a contract whose termination is already scheduled cannot refuse ``change``
    (an InvalidTransition code), or "" when it can: a contract that ends on or before the
    effective date never pays the new price (``ends_before_change``); a termination the
    customer did not give itself (ours, a port-out, an earlier refusal) is not replaced
    (``termination_scheduled``). Its own notice is (``REPLACED_BY_REFUSAL``)."""
    if termination is None:
        return ""
    if termination.effective_date <= change.effective_date:
        return "ends_before_change"
    if termination.reason not in REPLACED_BY_REFUSAL:
        return "termination_scheduled"
    return ""


def pending_price_changes(contract: Contract) -> list[PendingPriceChange]:
    """CON-6: the notified changes that will change this contract's price, earliest first.
    Reads ``pending_price_change_notices`` when prefetched (the API's list)."""
    notices = getattr(contract, "pending_price_change_notices", None)
    if notices is None:
        notices = list(
            contract.price_change_notices.filter(
                price_change__status=PriceChangeStatus.NOTIFIED
            ).select_related("price_change__product", "termination")
        )
    lines = list(contract.lines.all())
    scheduled = _scheduled_termination(contract) if notices else None
    pending = [
        PendingPriceChange(
            notice.price_change,
            notice,
            refusal_right(notice.price_change, contract),
            refusal_blocked(notice.price_change, scheduled),
        )
        for notice in notices
        if notice.price_change.status == PriceChangeStatus.NOTIFIED
        and _concerns(notice.price_change, lines)
    ]
    return sorted(pending, key=lambda p: (p.change.effective_date, p.change.pk))


def pending_price_change_get(contract: Contract, price_change_id) -> PendingPriceChange | None:
    return next(
        (p for p in pending_price_changes(contract) if p.change.pk == price_change_id), None
    )


def _check_can_answer(pending: PendingPriceChange | None, contract: Contract, today: date):
    """InvalidTransition (HTTP 409) with a stable code unless the contract may refuse now."""
    if pending is None:
        raise InvalidTransition(
            _("This price change is not pending for this contract."),
            code="price_change_not_pending",
        )
    change = pending.change
    if pending.right == PriceChangeRefusal.NONE:
        if not change.is_increase:
            raise InvalidTransition(
                _("Only a price increase can be refused."), code="not_an_increase"
            )
        if change.refusal_excluded:
            raise InvalidTransition(
                _(
                    "This increase results from a decision of an authority or an event beyond "
                    "our control: it cannot be refused."
                ),
                code="no_refusal_right",
            )
        raise InvalidTransition(
            _("The terms of this contract give no right to refuse a price change."),
            code="no_refusal_right",
        )
    if pending.right == PRICE_CHANGE_ACCEPT:
        raise InvalidTransition(
            _(
                "This increase is an amendment to the contract (PLATFORM 7.1.2): it applies only "
                "if the customer accepts it; without acceptance the current price stays."
            ),
            code="no_refusal_right",
        )
    if today >= change.effective_date:
        raise InvalidTransition(
            _("The new price is in force since %(date)s: it can no longer be refused.")
            % {"date": change.effective_date.isoformat()},
            code="too_late",
        )
    if pending.answered:
        raise InvalidTransition(
            _("This price change has already been refused for this contract."),
            code="already_refused",
        )
    termination = contract.terminations.filter(status=TerminationStatus.SCHEDULED).first()
    blocked = refusal_blocked(change, termination)
    if blocked == "ends_before_change":
        raise InvalidTransition(
            _(
                "This contract ends on %(date)s, before the new price applies: there is nothing "
                "to refuse."
            )
            % {"date": termination.effective_date.strftime("%d/%m/%Y")},
            code=blocked,
        )
    if blocked:
        raise InvalidTransition(
            _(
                "A termination is already scheduled for this contract (effective %(date)s) and "
                "only its customer's own notice can be replaced by a refusal."
            )
            % {"date": termination.effective_date.strftime("%d/%m/%Y")},
            code=blocked,
        )


def refusal_termination(
    right: str, effective_date: date, requested_date: date | None, today: date
) -> tuple[date | None, int]:
    """CON-6: ``(requested_date, notice_days)`` of the termination a refusal or an objection
    records (``contract_request_termination``) — a price change's or new call tariffs'
    (``usage.services.tariff_changes``): HOSTED-A 6, 30 days' notice after the refusal (or a
    later date asked); PLATFORM 12.2 → 17.2, one month after the objection, not before
    ``effective_date``."""
    if right == PriceChangeRefusal.TERMINATE:
        return requested_date, REFUSAL_NOTICE_DAYS
    earliest = max(effective_date, periods.add_months(today, OBJECTION_NOTICE_MONTHS))
    return max(requested_date or today, earliest), 0


def refusal_termination_quote(
    *, contract: Contract, right: str, effective_date: date, requested_date=None, today: date
) -> TerminationQuote:
    """The end date (fee waived) that ``refusal_termination`` gives, before it is confirmed."""
    requested, days = refusal_termination(right, effective_date, requested_date, today)
    return termination_quote(
        contract=contract,
        notice_date=today,
        requested_date=requested,
        waive_fees=True,
        notice_days=days,
    )


def refusal_termination_record(
    *,
    contract: Contract,
    right: str,
    effective_date: date,
    requested_date: date | None,
    today: date,
    actor=None,
    api_key=None,
    expected_effective_date: date | None = None,
    notice_date: date | None = None,
) -> Termination:
    """The CON-4 termination without fee (reason *price increase refused*) a refusal or an
    objection records; ``notice_date``: a letter received earlier than it is recorded."""
    requested, days = refusal_termination(right, effective_date, requested_date, today)
    return contract_request_termination(
        contract=contract,
        requested_date=requested,
        actor=actor,
        api_key=api_key,
        reason=TerminationReason.PRICE_INCREASE_REFUSED,
        waive_fees=True,
        notice_days=days,
        expected_effective_date=expected_effective_date,
        notice_date=notice_date,
    )


def pending_refusal_quote(
    pending: PendingPriceChange | None,
    contract: Contract,
    *,
    requested_date: date | None = None,
    today: date | None = None,
) -> TerminationQuote:
    """What refusing (or objecting to) ``pending`` would do, before it is confirmed: the end
    date, fee waived. InvalidTransition when the contract may not refuse it."""
    today = today or paris_today()
    _check_can_answer(pending, contract, today)
    return refusal_termination_quote(
        contract=contract,
        right=pending.right,
        effective_date=pending.change.effective_date,
        requested_date=requested_date,
        today=today,
    )


def refusal_quote(
    *,
    price_change: PriceChange,
    contract: Contract,
    requested_date: date | None = None,
    today: date | None = None,
) -> tuple[PendingPriceChange, TerminationQuote]:
    """``pending_refusal_quote`` for ``price_change`` as ``contract`` sees it."""
    pending = pending_price_change_get(contract, price_change.pk)
    quote = pending_refusal_quote(pending, contract, requested_date=requested_date, today=today)
    return pending, quote


def _lock_answer(price_change: PriceChange, contract: Contract):
    """The change, the contract and the contract's notice of the change (None if never told),
    locked in that order, as every answer to a change takes them."""
    change = PriceChange.objects.select_for_update().get(pk=price_change.pk)
    contract = lock_contract(contract)
    notice = (
        PriceChangeNotice.objects.select_for_update(of=("self",))
        .filter(price_change=change, contract=contract)
        .select_related("termination")
        .first()
    )
    return change, contract, notice


@transaction.atomic
def price_change_refuse(
    *,
    price_change: PriceChange,
    contract: Contract,
    requested_date: date | None = None,
    actor=None,
    api_key=None,
    expected_effective_date: date | None = None,
    received_on: date | None = None,
) -> PriceChangeNotice:
    """CON-6: the customer (admin role), its partner or staff records the refusal of an
    increase (HOSTED-A 6) or the objection to it (PLATFORM 12.2) before its effective date.
    The contract's termination is recorded as a CON-4 termination without fee, reason
    ``price_increase_refused``; the contract keeps its old price (the change skips it) while
    the answer counts. ``expected_effective_date``: the end date the customer confirmed (the
    request is refused, nothing written, if it has moved).

    ``received_on`` (staff, from the customer's letter): the day the letter reached us, when
    it is recorded later — the answer is judged, and its notice counted, from that day. A
    letter received before the effective date and recorded after the change was applied gives
    the contract its old price back from the effective date (``restore_lines``; billing
    credits what it invoiced at the new price). A PLATFORM objection is refused once the
    contract had traffic on or after the effective date: that use accepted the new price."""
    today = paris_today()
    change, contract, notice = _lock_answer(price_change, contract)
    answer_day = today
    if received_on is not None:
        told_on = timezone.localdate(notice.notified_at) if notice is not None else None
        answer_day = letter_received_on_checked(
            received_on,
            today=today,
            told_on=told_on,
            told_message=_(
                "The customer was told of this price change on %(date)s: a refusal is received "
                "from then."
            )
            % {"date": told_on.strftime("%d/%m/%Y") if told_on else ""},
        )
    pending = None
    if notice is not None and change.status == PriceChangeStatus.NOTIFIED:
        if _concerns(change, contract.lines.all()):
            pending = PendingPriceChange(change, notice, refusal_right(change, contract))
    elif notice is not None and received_on is not None and _applied_to(change, contract):
        pending = PendingPriceChange(change, notice, refusal_right(change, contract))
    _check_can_answer(pending, contract, answer_day)
    applied = change.status == PriceChangeStatus.APPLIED
    if applied and pending.right == PriceChangeRefusal.OBJECT:
        _check_no_use_since(contract, change.effective_date)
    # HOSTED-A 6: the customer's own notice (checked above) gives way to the refusal's
    # termination, without fee; the refusal's e-mail tells the customer, not a « cancelled »
    replaced = contract.terminations.filter(status=TerminationStatus.SCHEDULED).first()
    if replaced is not None:
        termination_cancel(
            termination=replaced, actor=actor, api_key=api_key, today=today, notify=False
        )
    termination = refusal_termination_record(
        contract=contract,
        right=pending.right,
        effective_date=change.effective_date,
        requested_date=requested_date,
        today=answer_day,
        actor=actor,
        api_key=api_key,
        expected_effective_date=expected_effective_date,
        notice_date=received_on,
    )
    objection = pending.right == PriceChangeRefusal.OBJECT
    notice.response = PriceChangeResponse.OBJECTED if objection else PriceChangeResponse.REFUSED
    notice.responded_at = termination.notice_at
    notice.responded_by = actor if actor is not None and actor.is_authenticated else None
    notice.responded_by_api_key = api_key
    notice.termination = termination
    notice.withdrawn_at, notice.withdrawn_note = None, ""
    notice.save()
    restored = 0
    if applied:
        restored = restore_lines(
            change,
            contract,
            actor=actor,
            note=f"refusal received on {received_on.isoformat()}, recorded on {today}",
        )
    audit_record(
        action="price_change.object" if objection else "price_change.refuse",
        instance=change,
        actor=actor,
        api_key=api_key,
        client=contract.client,
        after={
            "contract": contract.reference,
            "termination": termination.pk,
            "effective_date": termination.effective_date,
            "received_on": received_on,
            "lines_restored": restored,
            "termination_replaced": replaced.pk if replaced is not None else None,
        },
    )
    return notice


def letter_received_on_checked(
    received_on: date, *, today: date, told_on: date | None = None, told_message: str = ""
) -> date:
    """CON-6: the day a customer's letter reached us (staff typing it later), if it can be:
    not in the future, not before the customer was told (``told_on``; ``told_message`` is the
    field's error then). Shared by price changes and call tariffs."""
    if received_on > today:
        raise ValidationError({"received_on": _("A letter cannot be received in the future.")})
    if told_on is not None and received_on < told_on:
        raise ValidationError({"received_on": told_message})
    return received_on


def _applied_to(change: PriceChange, contract: Contract) -> bool:
    """The change was applied to one of the contract's lines."""
    return PriceChangeLine.objects.filter(price_change=change, line__contract=contract).exists()


def _check_no_use_since(contract: Contract, effective_date: date) -> None:
    """PLATFORM 12.2: using the service on or after the effective date accepts the new price —
    an objection recorded late is refused once the contract had traffic since."""
    if contract.last_traffic_on is not None and contract.last_traffic_on >= effective_date:
        raise InvalidTransition(
            _(
                "The service was used on %(date)s, on or after the effective date: the new "
                "price is accepted (PLATFORM 12.2), the objection can no longer be recorded."
            )
            % {"date": contract.last_traffic_on.strftime("%d/%m/%Y")},
            code="too_late",
        )


def price_change_objections_withdraw(*, contract: Contract, day: date, actor=None) -> int:
    """PLATFORM 12.2: traffic on ``day``, on or after the effective date of a change the
    customer objected to, is acceptance of the new price and withdraws the objection: its
    termination is cancelled (while it has not taken effect) and the contract's lines take
    the new price if the change is applied already (else the change applies to them on its
    date). Audited; returns how many lines changed. Called by ``contract_record_traffic``."""
    today = paris_today()
    notices = PriceChangeNotice.objects.filter(
        contract=contract,
        response=PriceChangeResponse.OBJECTED,
        withdrawn_at__isnull=True,
        price_change__effective_date__lte=day,
        price_change__status__in=[PriceChangeStatus.NOTIFIED, PriceChangeStatus.APPLIED],
        termination__status=TerminationStatus.SCHEDULED,
        termination__effective_date__gt=today,
    ).select_related("termination", "price_change")
    changed = 0
    for notice in list(notices):
        termination_cancel(termination=notice.termination, actor=actor, today=today)
        changed += answer_lapse(
            notice_id=notice.pk,
            actor=actor,
            note=f"traffic on {day.isoformat()}: objection withdrawn, new price accepted",
        )
    return changed


@transaction.atomic
def price_change_accept(
    *, price_change: PriceChange, contract: Contract, actor=None, api_key=None
) -> PriceChangeNotice:
    """CON-6, PLATFORM 7.1.2: the customer accepts an increase of a monthly price — the
    amendment it signs (its admin in the portal, its partner in the API, staff recording the
    signed amendment) — before the effective date: the change then applies to the contract's
    lines on that date (``eligible_lines``); without it they keep their price. Recorded on the
    contract's notice (``accepted``, when and by whom) and audited. InvalidTransition (409)
    with a stable code otherwise: price_change_not_pending, no_acceptance_needed (a decrease,
    or terms other than PLATFORM's), too_late (on or after the effective date),
    already_accepted."""
    today = paris_today()
    change, contract, notice = _lock_answer(price_change, contract)
    if (
        notice is None
        or change.status != PriceChangeStatus.NOTIFIED
        or not _concerns(change, contract.lines.all())
    ):
        raise InvalidTransition(
            _("This price change is not pending for this contract."),
            code="price_change_not_pending",
        )
    if refusal_right(change, contract) != PRICE_CHANGE_ACCEPT:
        raise InvalidTransition(
            _(
                "This price change needs no acceptance: only an increase under the PLATFORM "
                "terms is an amendment to accept (7.1.2)."
            ),
            code="no_acceptance_needed",
        )
    if today >= change.effective_date:
        raise InvalidTransition(
            _(
                "The effective date %(date)s has passed without acceptance: the contract keeps "
                "its current price."
            )
            % {"date": change.effective_date.isoformat()},
            code="too_late",
        )
    if notice.response == PriceChangeResponse.ACCEPTED:
        raise InvalidTransition(
            _("This price change has already been accepted for this contract."),
            code="already_accepted",
        )
    before = notice.response
    notice.response = PriceChangeResponse.ACCEPTED
    notice.responded_at = timezone.now()
    notice.responded_by = actor if actor is not None and actor.is_authenticated else None
    notice.responded_by_api_key = api_key
    notice.save(
        update_fields=[
            "response",
            "responded_at",
            "responded_by",
            "responded_by_api_key",
            "updated_at",
        ]
    )
    audit_record(
        action="price_change.accept",
        instance=change,
        actor=actor,
        api_key=api_key,
        client=contract.client,
        before={"response": before},
        after={
            "contract": contract.reference,
            "response": PriceChangeResponse.ACCEPTED,
            "old_price": change.old_monthly_price,
            "new_price": change.new_monthly_price,
            "effective_date": change.effective_date,
        },
    )
    return notice
