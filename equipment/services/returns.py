"""EQP-5 / EQP-6: returns and non-returns.

A return is opened at the end of a rental (this app's daily job reacts to the terminations of
rental contracts, CON-4), or when an RMA replacement is shipped (the defective item). Its due
date is the first French business day after the last day of the rental (the day before the
termination's effective date) — after an RMA, after the day the replacement was shipped.

EQP-6: an item not back by its due date, or back not working (except the defective item of an
RMA, expected not to work), awaits staff's decision for ``DECISION_DAYS`` days: bill it, or
repossess it at the customer's cost (HOSTED-A 3 a/b, both audited). Without a decision by then
the daily job bills it — at the order form's price, or, when the model is no longer sold, at
the tariff in force when the rental started (HOSTED-W 5.5.4).
"""

import logging
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from billing.services import charge_post
from equipment import events
from equipment.choices import (
    UNSETTLED_OUTCOMES,
    WITH_CUSTOMER,
    ItemState,
    ReturnOutcome,
    ReturnReason,
    ReturnStatus,
    RmaClosure,
    Tenure,
)
from equipment.models import EquipmentOrder, EquipmentReturn, Item, ReturnItem
from equipment.services.catalogue import tariff_on
from equipment.services.items import item_move, lock_items, occurred_day
from equipment.services.return_open import open_return
from equipment.services.rma import rma_close, rmas_close_unshipped
from kernel.clock import paris_today
from kernel.errors import InvalidTransition
from kernel.money import round_price
from offers.choices import ContractStatus, TerminationStatus
from offers.models import Termination
from offers.periods import day_before

logger = logging.getLogger(__name__)
DECISION_DAYS = 7
# EQP-5 / EQP-6: an item with a line in one of these is expected back, or settled, by a return.
DEALT_WITH_OUTCOMES = [*UNSETTLED_OUTCOMES, ReturnOutcome.BILLED, ReturnOutcome.REPOSSESSION]
NON_RETURN_SOURCE = "equipment_non_return"
REPOSSESSION_SOURCE = "equipment_repossession"


def rental_endings_without_return(today: date) -> list[int]:
    """Terminations of rental contracts effective by ``today`` whose return is not opened."""
    contract_ids = EquipmentOrder.objects.filter(
        tenure=Tenure.RENTAL,
        contract__status=ContractStatus.TERMINATED,
    ).exclude(
        contract__in=EquipmentReturn.objects.filter(reason=ReturnReason.RENTAL_END).values(
            "contract"
        )
    )
    return list(
        Termination.objects.filter(
            contract__in=contract_ids.values("contract"),
            status=TerminationStatus.EFFECTIVE,
            effective_date__lte=today,
        ).values_list("pk", flat=True)
    )


def rental_end_items(contract) -> list[Item]:
    """EQP-5: the items the end of the rental ``contract`` sends back — its items still at the
    customer's, except those another return of this rental already deals with (an RMA's
    defective item on its way back, one billed or repossessed as not returned). What its end
    quote names and its return expects."""
    # Only this rental's returns count: an item repaired and rented again may carry the line
    # of an earlier customer's return (billed as returned not working), which settled that
    # rental, not this one.
    dealt_with = ReturnItem.objects.filter(
        item=OuterRef("pk"),
        equipment_return__contract=contract,
        outcome__in=DEALT_WITH_OUTCOMES,
    )
    return list(
        Item.objects.filter(
            order__contract=contract, client=contract.client_id, state__in=WITH_CUSTOMER
        )
        .exclude(Exists(dealt_with))
        .order_by("serial_number")
    )


def return_open_for_termination(*, termination_id: int) -> EquipmentReturn | None:
    """EQP-5: the rental's contract has ended: its items still at the customer's are expected
    back — except those another return of this rental already deals with (the defective item of
    an RMA on its way back, or one already billed or repossessed as not returned, EQP-6): an
    item is expected once and billed once per rental. Idempotent (one return per contract end:
    a unique constraint)."""
    termination = Termination.objects.select_related("contract__client").get(pk=termination_id)
    contract = termination.contract
    items = rental_end_items(contract)
    try:
        with transaction.atomic():
            equipment_return = open_return(
                client=contract.client,
                reason=ReturnReason.RENTAL_END,
                items=items,
                last_day=day_before(termination.effective_date),
                contract=contract,
            )
            # EQP-4: an RMA of the rental still awaiting its replacement gets none: the item
            # is to be returned
            rmas_close_unshipped(
                client=contract.client,
                items=Item.objects.filter(order__contract=contract),
                reason=RmaClosure.RENTAL_ENDED,
            )
            return equipment_return
    except IntegrityError:
        return None  # opened by another run


def non_return_price(item: Item) -> tuple[Decimal, str]:
    """EQP-6: the order form's price; for a model no longer sold, the sale tariff in force
    when the rental started (the rental's order date), or the order form's if it has none."""
    order = item.order
    if order is None:
        raise ValidationError(_("This item was never ordered."))
    if item.model.is_sold:
        return order.replacement_price, _("order form %(ref)s") % {"ref": order.reference}
    started = order.contract.order_date if order.contract_id else order.ordered_on
    tariff = tariff_on(item.model, started)
    if tariff is None:
        return order.replacement_price, _("order form %(ref)s") % {"ref": order.reference}
    return tariff.sale_price, _("tariff in force on %(date)s (model no longer sold)") % {
        "date": started.strftime("%d/%m/%Y")
    }


def _await_decision(line: ReturnItem, today: date) -> None:
    # BIL-3: the price basis goes on the invoice line: French, whatever staff's language.
    with translation.override(settings.LANGUAGE_CODE):
        amount, basis = non_return_price(line.item)
    line.outcome = ReturnOutcome.AWAITING_DECISION
    line.amount, line.price_basis = round_price(amount), basis[:200]
    line.decide_by = today + timedelta(days=DECISION_DAYS)
    line.save(update_fields=["outcome", "amount", "price_basis", "decide_by"])


def _maybe_close(equipment_return: EquipmentReturn) -> None:
    if not equipment_return.lines.filter(outcome__in=UNSETTLED_OUTCOMES).exists():
        equipment_return.status = ReturnStatus.CLOSED
        equipment_return.closed_at = timezone.now()
        equipment_return.save(update_fields=["status", "closed_at", "updated_at"])
        if equipment_return.rma_id:
            rma_close(rma=equipment_return.rma)
        events.announce_return(events.RETURN_UPDATED, equipment_return)


def _lock_line(line: ReturnItem) -> ReturnItem:
    return (
        ReturnItem.objects.select_for_update(of=("self",))
        .select_related("equipment_return__client", "item__order__contract", "item__model")
        .get(pk=line.pk)
    )


@transaction.atomic
def return_receive(
    *, line: ReturnItem, working: bool = True, actor=None, received_on: date | None = None
) -> ReturnItem:
    """EQP-5: staff received an item of a return on ``received_on`` (the day it arrived, today
    by default, never in the future: recorded late, it keeps its real day). Not working
    (EQP-6) it counts as not returned — except the defective item of an RMA, expected so —
    and awaits staff's decision for ``DECISION_DAYS`` days from the day it arrived. A
    repossessed item (HOSTED-A 3 b) is received the same way, once: it leaves the customer's
    and the repossession (and its cost) stands."""
    received_on = occurred_day(received_on)
    line = _lock_line(line)
    # EQP-6 (HOSTED-A 3 b): a repossessed item is taken back at the customer's cost: its
    # receipt only brings it back (the decision and its cost stand), as nothing else could
    repossessed = line.outcome == ReturnOutcome.REPOSSESSION and line.received_on is None
    if line.outcome not in UNSETTLED_OUTCOMES and not repossessed:
        raise InvalidTransition(_("This item was already settled."))
    (item,) = lock_items([line.item])
    item_move(
        item, ItemState.RETURNED, actor=actor, note=line.equipment_return.reference,
        occurred_on=received_on,
    )  # fmt: skip
    line.received_at, line.received_on = timezone.now(), received_on
    line.save(update_fields=["received_at", "received_on"])
    if repossessed:
        audit_record(
            action="equipment_return.receive",
            instance=line.equipment_return,
            actor=actor,
            after={
                "item": item.serial_number, "outcome": line.outcome, "received_on": received_on,
            },
        )  # fmt: skip
        return line
    is_rma = line.equipment_return.reason == ReturnReason.RMA
    if not is_rma:  # EQP-4: the item is back: an RMA of it awaiting a replacement gets none
        rmas_close_unshipped(
            client=line.equipment_return.client,
            items=[item],
            reason=RmaClosure.ITEM_RETURNED,
            actor=actor,
        )
    if working or is_rma:
        # back in time (by its due date), a line the daily job found late (the receipt was
        # recorded after it ran) no longer awaits a non-return decision
        line.outcome, line.decide_by = ReturnOutcome.RETURNED, None
        line.save(update_fields=["outcome", "decide_by"])
    else:
        _await_decision(line, received_on)
    audit_record(
        action="equipment_return.receive",
        instance=line.equipment_return,
        actor=actor,
        after={
            "item": item.serial_number, "working": working, "outcome": line.outcome,
            "received_on": received_on,
        },
    )  # fmt: skip
    _maybe_close(line.equipment_return)
    return line


def non_returns_due(today: date) -> list[int]:
    """EQP-6: lines of open returns due before ``today`` still expected."""
    return list(
        ReturnItem.objects.filter(
            outcome=ReturnOutcome.EXPECTED,
            equipment_return__status=ReturnStatus.OPEN,
            equipment_return__due_date__lt=today,
        ).values_list("pk", flat=True)
    )


def non_return_record(*, line_id: int, today: date) -> bool:
    """EQP-6: the item is late — it now awaits staff's decision (idempotent)."""
    with transaction.atomic():
        line = (
            ReturnItem.objects.select_for_update()
            .filter(pk=line_id, outcome=ReturnOutcome.EXPECTED)
            .first()
        )
        if line is None:
            return False
        _await_decision(line, today)
        audit_record(
            action="equipment_return.late",
            instance=line.equipment_return,
            after={"item": line.item.serial_number, "amount": line.amount},
        )
        return True


def decisions_due(today: date) -> list[int]:
    return list(
        ReturnItem.objects.filter(
            outcome=ReturnOutcome.AWAITING_DECISION, decide_by__lte=today
        ).values_list("pk", flat=True)
    )


@transaction.atomic
def non_return_bill(*, line: ReturnItem, actor=None) -> ReturnItem:
    """EQP-6: the item is invoiced at its non-return price (a charge of kind equipment: a sale,
    with the title retention clause on the invoice)."""
    line = _lock_line(line)
    if line.outcome != ReturnOutcome.AWAITING_DECISION:
        raise InvalidTransition(_("This item does not await a decision."))
    item = line.item
    # BIL-3: the words of an invoice line are French, whatever staff's language.
    with translation.override(settings.LANGUAGE_CODE):
        description = _(
            "Equipment not returned: %(model)s, serial number %(serial)s (%(basis)s)"
        ) % {"model": item.model.name, "serial": item.serial_number, "basis": line.price_basis}
    line.charge = charge_post(
        client=line.equipment_return.client,
        kind="equipment",
        source_type=NON_RETURN_SOURCE,
        source_id=line.pk,
        period_start=paris_today(),
        description=description,
        unit_price=line.amount,
        contract=item.order.contract if item.order_id else None,
        actor=actor,
    )
    line.outcome = ReturnOutcome.BILLED
    line.decided_at, line.decided_by = timezone.now(), actor
    line.save(update_fields=["charge", "outcome", "decided_at", "decided_by"])
    audit_record(
        action="equipment_return.bill",
        instance=line.equipment_return,
        actor=actor,
        after={"item": item.serial_number, "amount": line.amount, "basis": line.price_basis},
    )
    _maybe_close(line.equipment_return)
    return line


@transaction.atomic
def non_return_repossess(*, line: ReturnItem, cost=Decimal("0"), actor) -> ReturnItem:
    """EQP-6 (HOSTED-A 3 b): staff choose repossession instead; its cost (€ HT, if known) is
    the customer's."""
    if actor is None or not actor.is_staff:
        raise ValidationError(_("Only staff decide a repossession."))
    line = _lock_line(line)
    if line.outcome not in UNSETTLED_OUTCOMES:
        raise InvalidTransition(_("This item does not await a decision."))
    cost = Decimal(cost or 0)
    if cost < 0:
        raise ValidationError({"cost": _("A cost is never negative.")})
    item = line.item
    if cost > 0:
        with translation.override(settings.LANGUAGE_CODE):  # BIL-3: an invoice line
            description = _("Repossession of %(model)s, serial number %(serial)s") % {
                "model": item.model.name,
                "serial": item.serial_number,
            }
        line.charge = charge_post(
            client=line.equipment_return.client,
            kind="other",
            source_type=REPOSSESSION_SOURCE,
            source_id=line.pk,
            period_start=paris_today(),
            description=description,
            unit_price=cost,
            actor=actor,
        )
    line.outcome = ReturnOutcome.REPOSSESSION
    line.decided_at, line.decided_by = timezone.now(), actor
    line.save(update_fields=["charge", "outcome", "decided_at", "decided_by"])
    audit_record(
        action="equipment_return.repossess",
        instance=line.equipment_return,
        actor=actor,
        after={"item": item.serial_number, "cost": cost},
    )
    _maybe_close(line.equipment_return)
    return line


def _each(ids, step, what: str) -> int:
    """``step(id)`` for each id, counting the truthy outcomes; one that fails is logged and the
    others go on (it is tried again by the next daily job)."""
    done = 0
    for pk in ids:
        try:
            done += bool(step(pk))
        except InvalidTransition:
            continue  # decided meanwhile
        except Exception:  # noqa: BLE001 — logged for staff, the job goes on
            logger.exception("equipment daily job: %s %s failed", what, pk)
    return done


def daily(today: date) -> dict:
    """The app's daily job (idempotent): returns of ended rentals, late items, and the
    decisions not taken in time billed. An item (or a return) that fails is logged and the
    job goes on; the next day's job tries it again."""
    opened = _each(
        rental_endings_without_return(today),
        lambda pk: return_open_for_termination(termination_id=pk),
        "return of termination",
    )
    late = _each(
        non_returns_due(today), lambda pk: non_return_record(line_id=pk, today=today), "late item"
    )
    billed = _each(
        decisions_due(today), lambda pk: non_return_bill(line=ReturnItem(pk=pk)), "billing of item"
    )
    return {"returns_opened": opened, "late": late, "billed": billed}
