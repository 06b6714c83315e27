"""CON-2: quantity changes of contract lines (users, SIP accounts, options — not trunk
channels, which have their own orders and decreases, TRK-3/TRK-4).

- ``line_quantity_quote``: what a change would do, nothing written — the pro rata of an
  increase and the monthly price from the next full month.
- ``line_quantity_change``: an **increase** takes effect at once (the line's quantity goes up
  today) and owes the added units pro rata by days for the rest of the calendar month, as TRK-3:
  added × monthly unit price × remaining days (today included) / days in the month, rounded
  once, half-up — plus the line's unit setup price for each unit added. The amounts are stored
  on the change row; the month-end run invoices them once, as charges keyed by that row
  (offers never calls billing: billing reads the rows, as it reads terminations' fees). A
  **decrease** takes effect at the contract's next period start
  (its next renewal date, TRK-4): pending until then, cancellable, applied by the renewal.
- PLATFORM (28, 7.2.1): an increase asked by the customer (portal) or its partner (API) is
  only *requested*: nothing changes and nothing is billed until our staff accept it
  (``line_quantity_increase_accept``: applied from that day, pro rata from it) or refuse it
  (``line_quantity_increase_refuse``); an increase our staff make is applied at once.
- ``line_quantity_decrease_cancel``: a pending decrease is cancelled until it applies.
- ``line_quantity_decreases_apply``: on a period start (``offers.signals.period_started``),
  the pending decreases due apply.
- ``quantity_changes_by_line`` and ``quantity_billed``: what the run needs to bill each month
  at the quantity in force on its first day (the increases made during that month are billed
  by their own pro rata; a decrease pending for that day already counts).

Choices where the rule book is silent (CON-2):

- only an **active** contract changes its quantities (not a suspended one — an operator does
  not sell more while a service is suspended — nor a draft or ordered one, whose lines staff
  correct before service starts; a terminating or terminated one answers 409);
- the minimum is 1 unit (no offer has another minimum); the maximum ``MAX_QUANTITY``;
- "the next period" of a decrease is the contract's next period start: the 1st of next month
  for TRUNK/SIP-UNL, the next anniversary for commitment offers (HOSTED-W, HOSTED-A, PLATFORM:
  the units are committed for the period) — the first one at least the contract's notice away:
  3 months for PLATFORM (8.2: a notice of 3 months before the anniversary, else the units
  renew), the terms' months of notice for HOSTED-W (8.1: the service "tout ou en partie" ends
  on a month's notice, the remaining months of the period due) and HOSTED-A (the rule book's
  month, CON-1): fewer units is a partial termination and never needs less notice than the
  whole contract;
- one pending decrease per line; an increase made while one is pending stays on top of it
  (the units removed are kept, as TRK-4);
- terms whose order month is free (``first_month = free_order_month``, HOSTED-W 9: "les
  Services de téléphonie hébergée sont facturés à compter du mois suivant la commande"): an
  increase is an order too, so the added units owe no pro rata — they are billed from the 1st
  of the next month, in full — but their setup fee. The contract wins over CON-2's pro rata.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.audit import audit_record
from kernel.clock import paris_today
from kernel.errors import InvalidTransition
from kernel.inputs import MAX_QUANTITY
from kernel.money import round_money
from offers import events, periods, signals, termination_fees
from offers.choices import (
    ContractStatus,
    FirstMonth,
    NoticeRule,
    Preset,
    ProductKind,
    QuantityChangeKind,
)
from offers.choices import QuantityChangeStatus as Status
from offers.models import Contract, ContractLine, LineQuantityChange
from offers.services.renewals import contract_renew

# --- Pure calculations -------------------------------------------------------------------------


def added_units_billed_from(*, day: date, started_on: date | None, free_order_month: bool):
    """The first day units added on ``day`` are billed: that day (TRK-3), or — where the order
    month is free (HOSTED-W 9) — the 1st of the next month; never before the line's start."""
    if started_on is None:
        return None
    if free_order_month:
        return max(periods.next_month_start(day), started_on)
    return max(day, started_on)


def increase_prorata(
    *, added: int, unit_monthly_price: Decimal, day: date, first_billed_day: date | None
) -> tuple[int, int, Decimal]:
    """CON-2 / TRK-3: the pro rata of ``added`` units from ``day`` (included) to the end of its
    calendar month, as (days charged, days in the month, amount). The amount is rounded once,
    half-up: 2 × 25.00 × 13/31 = 20.97. Days the line is not billed for (before
    ``first_billed_day``) are not charged."""
    month = periods.month_period(day)
    start = max(day, first_billed_day) if first_billed_day else month.end
    days = max((month.end - start).days, 0)
    if days == 0:
        return 0, month.days, Decimal("0.00")
    amount = round_money(Decimal(added) * Decimal(unit_monthly_price) * days / month.days)
    return days, month.days, amount


def quantity_billed(current: int, changes, month: date) -> int:
    """CON-2: the quantity a month is billed at (in advance, or when a late run catches it up):
    the line's quantity on the month's first day. ``current`` is the line's quantity now;
    ``changes`` its quantity changes as (effective on, units added (+) or removed (−),
    pending).

    - an increase effective on or after that day is not counted: its own pro rata bills the
      added units for the rest of its month;
    - the units of a decrease effective after that day still count (they were in service);
    - a decrease pending and due by that day already counts (the run prices the month as the
      contract will stand on its first day, even before the renewal has applied it)."""
    quantity = current
    for effective_on, delta, pending in changes:
        if pending:
            if effective_on <= month:
                quantity += delta
        elif delta > 0 and effective_on >= month:
            quantity -= delta
        elif delta < 0 and effective_on > month:
            quantity -= delta
    return max(quantity, 0)


# --- Quote -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuantityQuote:
    """What a quantity change would do (CON-2). ``from_date``: the first month billed in full
    at the new quantity (``from_quantity`` × unit price = ``from_monthly``, rounded)."""

    line: ContractLine
    current: int
    requested: int
    kind: str
    units: int
    effective_on: date
    unit_monthly_price: Decimal
    prorata_days: int
    period_days: int
    prorata_amount: Decimal
    setup_amount: Decimal
    from_date: date
    from_quantity: int
    from_monthly: Decimal
    pending_decrease: LineQuantityChange | None
    # PLATFORM 28 / 7.2.1: asked by the customer or its partner, the increase waits for our
    # acceptance (nothing billed before; the pro rata runs from the day accepted)
    awaits_acceptance: bool = False

    @property
    def is_increase(self) -> bool:
        return self.kind == QuantityChangeKind.INCREASE


def _pending_decrease(line: ContractLine) -> LineQuantityChange | None:
    return line.quantity_changes.filter(status=Status.PENDING).first()


def _check_changeable(contract: Contract, line: ContractLine) -> None:
    """The states in which a line's quantity may change (409 otherwise)."""
    if contract.preset == Preset.TRUNK:
        raise InvalidTransition(
            _("The channels of a SIP trunk change through channel orders and decreases."),
            code="trunk_line",
        )
    if not contract.offer.telephone_service:
        # EQP-3: a rental's quantity is its items at the customer's: it changes with an order
        # of equipment or a return, never by itself.
        raise InvalidTransition(
            _("An equipment rental changes with its equipment: order more, or end the rental."),
            code="rental_line",
        )
    if contract.status != ContractStatus.ACTIVE:
        raise InvalidTransition(
            _("Quantities change only while the contract is active; it is %(status)s.")
            % {"status": ContractStatus(contract.status).label.lower()},
            code="contract_not_active",
        )
    if line.ended_on is not None or line.started_on is None:
        raise InvalidTransition(_("This line is not in service."), code="line_not_in_service")


def line_quantity_refusal(*, contract: Contract, line: ContractLine) -> str | None:
    """Why the line's quantity cannot change now (the message shown), or None when it can."""
    try:
        _check_changeable(contract, line)
    except InvalidTransition as error:
        return " ".join(error.messages)
    return None


def pending_decreases(*, contract: Contract) -> dict[int, LineQuantityChange]:
    """The contract's pending decreases by line (CON-2: visible until they apply). One
    query."""
    return {
        change.line_id: change
        for change in LineQuantityChange.objects.filter(contract=contract, status=Status.PENDING)
    }


def removable(contract: Contract, line: ContractLine) -> bool:
    """PLATFORM 17.1 (« certains des Services ou Options »), HOSTED-W 8.1 (« tout ou en
    partie »): an option may be ended on its own — quantity 0, a decrease that ends the line on
    its date. The main product, and the other contracts' lines, keep at least 1 unit."""
    return contract.preset in {Preset.PLATFORM, Preset.HOSTED_W} and (
        line.product.kind == ProductKind.OPTION
    )


def _check_quantity(quantity, current: int, minimum: int = 1) -> int:
    """The requested quantity as a field error (400) when it cannot be one."""
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        try:
            quantity = int(str(quantity).strip())
        except (TypeError, ValueError):
            raise ValidationError(
                {"quantity": _("Give the new quantity as a whole number.")}, code="invalid"
            ) from None
    if quantity < minimum:
        if minimum == 0:
            raise ValidationError(
                {"quantity": _("Give 0 to end the option, or a positive quantity.")},
                code="min_value",
            )
        raise ValidationError({"quantity": _("A line keeps at least 1 unit.")}, code="min_value")
    if quantity > MAX_QUANTITY:
        raise ValidationError(
            {"quantity": _("At most %(max)s units.") % {"max": MAX_QUANTITY}}, code="max_value"
        )
    if quantity == current:
        raise ValidationError(
            {
                "quantity": ngettext(
                    "The line already has %(n)s unit.", "The line already has %(n)s units.", current
                )
                % {"n": current}
            },
            code="unchanged",
        )
    return quantity


def needs_acceptance(contract: Contract) -> bool:
    """PLATFORM 28 (« après acceptation du Prestataire et en fonction des capacités techniques
    disponibles ») and 7.2.1 (more volume or a new option only on our express acceptance): an
    increase the customer or its partner asks for on a PLATFORM contract waits for our staff."""
    return contract.preset == Preset.PLATFORM


def _asked_by_customer(actor, api_key) -> bool:
    """A request of the customer (a member in the portal) or its partner (an API key), not of
    our staff (whose own increase is our acceptance) nor of the system."""
    return api_key is not None or (actor is not None and not actor.is_staff)


def decrease_notice_months(contract: Contract) -> int:
    """CON-2: the months of notice a decrease needs before the period start it takes effect
    at — the contract's own notice (CON-4): 3 for PLATFORM (8.2), the terms' months for a
    notice in months (HOSTED-W 8.1, HOSTED-A), none for a notice to the end of the month."""
    rule = contract.term("notice_rule")
    if rule == NoticeRule.PLATFORM:
        return termination_fees.PLATFORM_NOTICE_MONTHS
    if rule == NoticeRule.MONTHS:
        return int(contract.term("notice_months") or 0)
    return 0


def _next_period_start(contract: Contract, today: date) -> date | None:
    """The contract's next renewal date as of ``today``, even before the nightly renewal of a
    period that ended this morning.

    PLATFORM (8.2, 17.1, 3.3): fewer units is the end of some services or options, which the
    contract allows at an anniversary only with a notice given at least 3 months before it —
    otherwise they renew for a further 12 months. The decrease then takes effect at the first
    anniversary at least 3 months after ``today`` (as a non-renewal, CON-4), never at a nearer
    one. HOSTED-W (8.1: "tout ou en partie", a month's notice, the remaining months of the
    period due) and HOSTED-A likewise with the terms' months of notice: asked two weeks before
    the anniversary, the units leave at the next one."""
    end = contract.current_period_end
    if end is not None and end <= today:
        period = contract.period_at(today)
        end = period.end if period is not None else None
    notice = decrease_notice_months(contract)
    if end is not None and notice:
        anchor = contract.anchor_date
        end = termination_fees.first_anniversary_from(
            max(end, periods.add_months(today, notice)),
            anchor,
            contract.term("initial_months"),
            contract.term("renewal_months"),
        )
    return end


def _quote(contract: Contract, line: ContractLine, quantity, today: date) -> QuantityQuote:
    _check_changeable(contract, line)
    current = line.quantity
    quantity = _check_quantity(quantity, current, 0 if removable(contract, line) else 1)
    pending = _pending_decrease(line)
    price = Decimal(line.unit_monthly_price)
    if quantity > current:
        first = added_units_billed_from(
            day=today,
            started_on=line.started_on,
            free_order_month=contract.term("first_month") == FirstMonth.FREE_ORDER_MONTH,
        )
        days, period_days, amount = increase_prorata(
            added=quantity - current, unit_monthly_price=price, day=today, first_billed_day=first
        )
        from_date = periods.next_month_start(today)
        from_quantity = quantity
        if pending is not None and pending.effective_on <= from_date:
            from_quantity -= pending.units
        return QuantityQuote(
            line=line,
            current=current,
            requested=quantity,
            kind=QuantityChangeKind.INCREASE,
            units=quantity - current,
            effective_on=today,
            unit_monthly_price=price,
            prorata_days=days,
            period_days=period_days,
            prorata_amount=amount,
            setup_amount=round_money((quantity - current) * Decimal(line.unit_setup_price)),
            from_date=from_date,
            from_quantity=from_quantity,
            from_monthly=round_money(from_quantity * price),
            pending_decrease=pending,
            awaits_acceptance=needs_acceptance(contract),
        )
    if pending is not None:
        raise InvalidTransition(
            _("A decrease of this line is already pending: cancel it first."),
            code="decrease_pending",
        )
    effective = _next_period_start(contract, today)
    if effective is None:
        raise InvalidTransition(
            _("This contract has no next period to take the decrease."), code="no_next_period"
        )
    return QuantityQuote(
        line=line,
        current=current,
        requested=quantity,
        kind=QuantityChangeKind.DECREASE,
        units=current - quantity,
        effective_on=effective,
        unit_monthly_price=price,
        prorata_days=0,
        period_days=0,
        prorata_amount=Decimal("0.00"),
        setup_amount=Decimal("0.00"),
        from_date=effective,
        from_quantity=quantity,
        from_monthly=round_money(quantity * price),
        pending_decrease=None,
    )


def line_quantity_quote(*, line: ContractLine, quantity, today: date | None = None):
    """CON-2: what changing ``line`` to ``quantity`` units would do today. Nothing is written.
    Raises ``ValidationError`` (``quantity``) for a quantity that cannot be, and
    ``InvalidTransition`` when the contract or the line does not allow a change."""
    today = today or paris_today()
    line = ContractLine.objects.select_related("contract", "product").get(pk=line.pk)
    return _quote(line.contract, line, quantity, today)


# --- Writes ------------------------------------------------------------------------------------


def _lock(line: ContractLine, today: date) -> tuple[Contract, ContractLine]:
    """Lock the contract then the line (the order of every quantity change). A change made on a
    period's first day before the nightly renewal renews first, so that the new period (and its
    pending decreases applied) is what the change sees."""
    contract_id = ContractLine.objects.values_list("contract_id", flat=True).get(pk=line.pk)
    contract = Contract.objects.select_for_update().get(pk=contract_id)
    if contract.current_period_end is not None and contract.current_period_end <= today:
        contract_renew(contract_id=contract.pk, today=today)
        contract = Contract.objects.select_for_update().get(pk=contract_id)
    line = (
        ContractLine.objects.select_for_update(of=("self",))
        .select_related("product")
        .get(pk=line.pk)
    )
    line.contract = contract
    return contract, line


@transaction.atomic
def line_quantity_change(
    *,
    line: ContractLine,
    quantity,
    actor=None,
    api_key=None,
    today: date | None = None,
) -> LineQuantityChange:
    """CON-2: change ``line`` to ``quantity`` units, as quoted by ``line_quantity_quote``.

    An increase: the line's quantity goes up today and the change row carries the pro rata
    of the added units for the rest of the month (the next invoice bills it once, keyed by the
    row). A decrease: a pending row, effective at the next period start. Either way one audit
    row (who, before, after). A refusal writes nothing."""
    today = today or paris_today()
    contract, line = _lock(line, today)
    quote = _quote(contract, line, quantity, today)
    actor_user = actor if actor is not None and actor.is_authenticated else None
    if quote.is_increase and line.quantity_changes.filter(status=Status.REQUESTED).exists():
        raise InvalidTransition(
            _("An increase of this line already awaits our acceptance."),
            code="increase_requested",
        )
    if quote.is_increase and quote.awaits_acceptance and _asked_by_customer(actor_user, api_key):
        return _request_increase(contract, line, quote, actor_user, api_key)
    increase = quote.is_increase
    change = LineQuantityChange.objects.create(
        contract=contract,
        line=line,
        kind=quote.kind,
        status=Status.APPLIED if increase else Status.PENDING,
        quantity_before=quote.current,
        quantity_after=quote.requested,
        units=quote.units,
        effective_on=quote.effective_on,
        unit_monthly_price=quote.unit_monthly_price,
        prorata_days=quote.prorata_days,
        period_days=quote.period_days,
        prorata_amount=quote.prorata_amount,
        setup_amount=quote.setup_amount,
        requested_by=actor_user,
        requested_by_api_key=api_key,
        applied_at=timezone.now() if increase else None,
    )
    if increase:
        line.quantity = quote.requested
        line.save(update_fields=["quantity", "updated_at"])
    audit_record(
        action=f"contract_line.quantity_{quote.kind}",
        instance=contract,
        actor=actor_user,
        api_key=api_key,
        before={"line": line.pk, "quantity": quote.current},
        after={
            "line": line.pk,
            "quantity": quote.requested,
            "change": change.pk,
            "effective_on": quote.effective_on,
            "prorata": quote.prorata_amount,
            "setup": quote.setup_amount,
        },
    )
    return change


def _request_increase(contract, line, quote, actor_user, api_key) -> LineQuantityChange:
    """PLATFORM 28 / 7.2.1: the increase asked is recorded, awaiting our acceptance; the line
    keeps its quantity and nothing is billed (no pro rata, no setup) until staff accept it."""
    change = LineQuantityChange.objects.create(
        contract=contract,
        line=line,
        kind=QuantityChangeKind.INCREASE,
        status=Status.REQUESTED,
        quantity_before=quote.current,
        quantity_after=quote.requested,
        units=quote.units,
        effective_on=quote.effective_on,
        unit_monthly_price=quote.unit_monthly_price,
        requested_by=actor_user,
        requested_by_api_key=api_key,
    )
    audit_record(
        action="contract_line.quantity_increase_request",
        instance=contract,
        actor=actor_user,
        api_key=api_key,
        before={"line": line.pk, "quantity": quote.current},
        after={"line": line.pk, "quantity": quote.requested, "change": change.pk},
    )
    events.announce_increase_requested(change, actor=actor_user, api_key=api_key)
    return change


@transaction.atomic
def line_quantity_decrease_cancel(
    *, change: LineQuantityChange, actor=None, api_key=None, today: date | None = None
) -> LineQuantityChange:
    """CON-2 / TRK-4: a pending decrease is cancelled until it applies; the line keeps its
    quantity."""
    today = today or paris_today()
    Contract.objects.select_for_update().get(pk=change.contract_id)
    change = LineQuantityChange.objects.select_for_update().get(pk=change.pk)
    if change.status != Status.PENDING or today >= change.effective_on:
        raise InvalidTransition(
            _("This decrease is not pending any more."), code="invalid_transition"
        )
    actor_user = actor if actor is not None and actor.is_authenticated else None
    change.status = Status.CANCELLED
    change.cancelled_at = timezone.now()
    change.cancelled_by = actor_user
    change.save(update_fields=["status", "cancelled_at", "cancelled_by", "updated_at"])
    audit_record(
        action="contract_line.quantity_decrease_cancel",
        instance=change.contract,
        actor=actor_user,
        api_key=api_key,
        before={"line": change.line_id, "change": change.pk, "status": Status.PENDING},
        after={"line": change.line_id, "change": change.pk, "status": Status.CANCELLED},
    )
    return change


def line_quantity_decreases_apply(*, contract: Contract, period_start: date) -> int:
    """CON-2 / TRK-4: on a period's first day, the contract's pending decreases due by then
    apply: each line loses the units removed (never below 1); a PLATFORM or HOSTED-W option
    left with no unit (17.1, 8.1) ends that day (``ended_on``, quantity 0, so its history reads
    as for any decrease: its units before that day are the changes undone).
    Idempotent: an applied decrease is not pending any more. Returns how many applied."""
    applied = 0
    with transaction.atomic():
        due = list(
            LineQuantityChange.objects.select_for_update()
            .filter(contract=contract, status=Status.PENDING, effective_on__lte=period_start)
            .order_by("line_id", "pk")
        )
        now = timezone.now()
        for change in due:
            line = ContractLine.objects.select_for_update().get(pk=change.line_id)
            before = line.quantity
            if before - change.units <= 0:
                line.quantity, line.ended_on = 0, change.effective_on
                line.save(update_fields=["quantity", "ended_on", "updated_at"])
            else:
                line.quantity = before - change.units
                line.save(update_fields=["quantity", "updated_at"])
            change.status = Status.APPLIED
            change.applied_at = now
            change.save(update_fields=["status", "applied_at", "updated_at"])
            audit_record(
                action="contract_line.quantity_decrease_apply",
                instance=contract,
                before={"line": line.pk, "quantity": before},
                after={
                    "line": line.pk,
                    "quantity": line.quantity,
                    "ended_on": line.ended_on,
                    "change": change.pk,
                },
            )
            applied += 1
    return applied


@receiver(signals.period_started, dispatch_uid="offers.quantity_decreases_at_period_start")
def _decreases_at_period_start(sender, contract, period_start, **kwargs):
    """CON-3 → CON-2: the renewal (inside its transaction, the contract locked) applies the
    decreases due on the new period's first day, exactly once per period."""
    line_quantity_decreases_apply(contract=contract, period_start=period_start)


# --- For the billing run -----------------------------------------------------------------------


def quantity_changes_by_line(line_ids, since: date) -> dict[int, tuple]:
    """CON-2: each line's quantity changes that can matter to a month from ``since`` on, as
    ``quantity_billed`` reads them: (effective on, units added or removed, pending). One
    query."""
    rows = (
        LineQuantityChange.objects.filter(line_id__in=list(line_ids))
        .filter(status__in=[Status.APPLIED, Status.PENDING])  # not cancelled, asked or refused
        .filter(Q(effective_on__gte=since) | Q(status=Status.PENDING))
        .order_by("effective_on", "pk")
        .values_list("line_id", "kind", "units", "effective_on", "status")
    )
    changes: dict[int, list] = {}
    for line_id, kind, units, effective_on, status in rows:
        delta = units if kind == QuantityChangeKind.INCREASE else -units
        changes.setdefault(line_id, []).append((effective_on, delta, status == Status.PENDING))
    return {line_id: tuple(items) for line_id, items in changes.items()}


def quantity_changed_by_line(line_ids) -> dict[int, int]:
    """CON-2: the units each line gained (+) or lost (−) by its applied changes: its quantity
    when it started is its quantity now minus this (what its own setup fee counts; the units
    added later pay theirs with their change). One query."""
    rows = LineQuantityChange.objects.filter(
        line_id__in=list(line_ids), status=Status.APPLIED
    ).values_list("line_id", "kind", "units")
    changed: dict[int, int] = {}
    for line_id, kind, units in rows:
        delta = units if kind == QuantityChangeKind.INCREASE else -units
        changed[line_id] = changed.get(line_id, 0) + delta
    return changed
