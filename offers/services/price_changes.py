"""CON-6: the price change pipeline — ``scheduled → notified → applied | cancelled``.

- ``price_change_schedule``: staff (or ``telephony`` for a channel pack) set a new catalogue
  price from the first day of a month, with at least the notice the terms require.
- ``price_change_notify``: every contract that has the product at the old catalogue price and
  was signed before the change was scheduled is told (one ``PriceChangeNotice`` each).
- ``price_change_apply``: on the effective date, once, the lines of the contracts told that
  are still at the old catalogue price and did not refuse take the new price (one
  ``PriceChangeLine`` each) — under PLATFORM an increase only where the customer accepted it
  (7.1.2: an amendment); a negotiated price is never touched; the catalogue follows.
- ``price_change_cancel``: until the effective date.
- ``price_changes_daily``: the nightly job (notice deadlines, due changes, refusals whose
  termination was cancelled).

The customers' answers (refusal, objection, acceptance, withdrawal) are in
``price_change_answers``.
"""

import logging
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.choices import Role
from accounts.notifications import notify_client
from kernel.clock import paris_today
from kernel.errors import InvalidTransition
from offers.choices import (
    LIVE_STATUSES,
    PRICE_CHANGE_ACCEPT,
    PRICE_CHANGE_TRANSITIONS,
    ContractStatus,
    PriceChangeRefusal,
    PriceChangeResponse,
    PriceChangeStatus,
    TerminationStatus,
)
from offers.models import (
    Contract,
    ContractLine,
    Offer,
    PriceChange,
    PriceChangeEvent,
    PriceChangeLine,
    PriceChangeNotice,
    Product,
)
from offers.signals import price_change_applied, price_change_lines_restored

logger = logging.getLogger(__name__)

# Contracts a price change concerns: signed and not ended (an ordered contract's lines are
# priced already; it is billed from its service start at the price it then has).
AFFECTED_STATUSES = LIVE_STATUSES | {ContractStatus.ORDERED}


# --- Rules read from the terms signed ---------------------------------------------------------


def refusal_rule(contract: Contract) -> str:
    """CON-6: what the contract's customer may do against an increase (terms signed)."""
    return contract.terms_snapshot.get("price_change_refusal", PriceChangeRefusal.NONE)


def refusal_right(change: PriceChange, contract: Contract) -> str:
    """The right the contract has against ``change``: none for a decrease (only an increase
    can be refused), none under HOSTED-A for an increase imposed by an authority or an event
    beyond our control (HOSTED-A 6). Under the PLATFORM rule an increase of a monthly price is
    an amendment (7.1.2; 12.2's objection is for call tariffs only): ``PRICE_CHANGE_ACCEPT``,
    it applies only if the customer accepts it."""
    rule = refusal_rule(contract)
    if not change.is_increase:
        return PriceChangeRefusal.NONE
    if rule == PriceChangeRefusal.TERMINATE and change.refusal_excluded:
        return PriceChangeRefusal.NONE
    if rule == PriceChangeRefusal.OBJECT:
        return PRICE_CHANGE_ACCEPT
    return rule


# --- The pipeline's one move -----------------------------------------------------------------


def _event(change, from_status, to_status, *, actor=None, api_key=None, note=""):
    PriceChangeEvent.objects.create(
        price_change=change,
        from_status=from_status,
        to_status=to_status,
        note=note[:200],
        actor=actor if actor is not None and actor.is_authenticated else None,
        api_key=api_key,
    )


def check_price_change_transition(change: PriceChange, to_status: str) -> None:
    """InvalidTransition unless ``PRICE_CHANGE_TRANSITIONS`` allows the move."""
    if to_status not in PRICE_CHANGE_TRANSITIONS[change.status]:
        raise InvalidTransition(
            _("A price change cannot go from “%(from)s” to “%(to)s”.")
            % {
                "from": PriceChangeStatus(change.status).label,
                "to": PriceChangeStatus(to_status).label,
            },
            code="invalid_transition",
        )


def transition_price_change(
    change: PriceChange, to_status: str, *, actor=None, api_key=None, note="", extra_fields=()
) -> PriceChange:
    """Move a locked price change along its pipeline, with its event and audit rows."""
    check_price_change_transition(change, to_status)
    from_status = change.status
    change.status = to_status
    change.save(update_fields=["status", "updated_at", *extra_fields])
    _event(change, from_status, to_status, actor=actor, api_key=api_key, note=note)
    audit_record(
        action=f"price_change.{to_status}",
        instance=change,
        actor=actor,
        api_key=api_key,
        before={"status": from_status},
        after={"status": to_status, "note": note},
    )
    return change


def _lock(change: PriceChange) -> PriceChange:
    return (
        PriceChange.objects.select_for_update().select_related("offer", "product").get(pk=change.pk)
    )


# --- Who a change concerns -------------------------------------------------------------------


def _lines_at_old_price(change: PriceChange):
    """Lines of the offer's contracts with the product at the old catalogue price, in service
    on the effective date (not ended by then)."""
    return ContractLine.objects.filter(
        contract__offer_id=change.offer_id,
        contract__status__in=AFFECTED_STATUSES,
        product_id=change.product_id,
        unit_monthly_price=change.old_monthly_price,
    ).filter(Q(ended_on__isnull=True) | Q(ended_on__gt=change.effective_date))


def _counting_answers(change: PriceChange):
    """Notices whose refusal or objection still counts (``PriceChangeNotice.answer_counts``)."""
    return PriceChangeNotice.objects.filter(
        price_change=change,
        withdrawn_at__isnull=True,
        termination__status__in=[TerminationStatus.SCHEDULED, TerminationStatus.EFFECTIVE],
    ).exclude(response=PriceChangeResponse.NONE)


def eligible_lines(change: PriceChange):
    """CON-6: the lines ``change`` applies to — of a contract told about it (so signed before
    it was scheduled), still at the old catalogue price (a negotiated price is not touched),
    whose customer did not refuse or object; for an increase under the PLATFORM rule, only
    where the customer accepted the amendment (7.1.2, ``refusal_right``)."""
    lines = (
        _lines_at_old_price(change)
        .filter(contract__price_change_notices__price_change=change)
        .exclude(contract_id__in=_counting_answers(change).values("contract_id"))
    )
    if change.is_increase:
        accepted = PriceChangeNotice.objects.filter(
            price_change=change, response=PriceChangeResponse.ACCEPTED
        ).values("contract_id")
        lines = lines.exclude(
            Q(contract__terms_snapshot__price_change_refusal=PriceChangeRefusal.OBJECT)
            & ~Q(contract_id__in=accepted)
        )
    return lines


def _contracts_to_notify(change: PriceChange):
    """The contracts signed before the change was scheduled with a line at the old price."""
    return (
        Contract.objects.filter(
            pk__in=_lines_at_old_price(change).values("contract_id"),
            created_at__lte=change.created_at,
        )
        .select_related("client", "offer")
        .order_by("pk")
    )


# --- Schedule, notify, cancel ----------------------------------------------------------------


@transaction.atomic
def price_change_schedule(
    *,
    offer: Offer,
    product: Product,
    new_monthly_price,
    effective_date: date,
    reason: str = "",
    refusal_excluded: bool = False,
    catalogue_price=None,
    actor=None,
    today: date | None = None,
) -> PriceChange:
    """CON-6: a new catalogue price of ``product`` for ``offer``'s contracts, from the first
    day of a month (periods are calendar months) at least the notice away that the offer's
    terms — and the terms its contracts were signed with — require (HOSTED-A 6: 7 days).
    Nobody is told yet: ``price_change_notify`` does it (the back office at once by default,
    the nightly job on the last day the notice allows at the latest).

    ``catalogue_price``: the old price, for a product whose catalogue is another app's (a
    channel pack of a pack table, TRK-1); by default the product's monthly price, and the
    product must then be the offer's main product or one of its options."""
    today = today or paris_today()
    errors = {}
    try:
        new_monthly_price = Decimal(str(new_monthly_price))
    except (ArithmeticError, InvalidOperation, ValueError):
        errors["new_monthly_price"] = _("Enter a price in euros.")
    else:
        if not new_monthly_price.is_finite() or new_monthly_price < 0:
            errors["new_monthly_price"] = _("A price cannot be negative.")
    old_price = Decimal(
        str(catalogue_price if catalogue_price is not None else product.monthly_price)
    )
    if "new_monthly_price" not in errors and new_monthly_price == old_price:
        errors["new_monthly_price"] = _("This is already the catalogue price.")
    in_offer = product.pk == offer.main_product_id or offer.options.filter(pk=product.pk).exists()
    if catalogue_price is None and not in_offer:
        errors["product"] = _("This product is not part of the offer.")
    # The offer's terms, and the terms its contracts were signed with if they ask more.
    signed = (
        Contract.objects.filter(offer=offer, status__in=AFFECTED_STATUSES, lines__product=product)
        .values_list("terms_snapshot__price_change_notice_days", flat=True)
        .distinct()
    )
    notice = max([offer.terms.price_change_rules()[0], *(int(d or 0) for d in signed)])
    if effective_date.day != 1:
        errors["effective_date"] = _(
            "A price changes on the first day of a month (billing periods are calendar months)."
        )
    elif effective_date < today + timedelta(days=notice):
        errors["effective_date"] = _(
            "Customers must be told at least %(days)d days before: choose a later month."
        ) % {"days": notice}
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            change = PriceChange.objects.create(
                offer=offer,
                product=product,
                old_monthly_price=old_price,
                new_monthly_price=new_monthly_price,
                effective_date=effective_date,
                notice_days=notice,
                refusal_excluded=refusal_excluded,
                reason=reason,
                created_by=actor,
            )
    except IntegrityError:
        raise ValidationError(
            {"effective_date": _("A price change of this product is already scheduled then.")}
        ) from None
    _event(change, "", PriceChangeStatus.SCHEDULED, actor=actor, note=reason)
    audit_record(
        action="price_change.schedule",
        instance=change,
        actor=actor,
        after={
            "offer": offer.code,
            "product": product.code,
            "old_price": old_price,
            "new_price": new_monthly_price,
            "effective_date": effective_date,
            "notice_days": notice,
        },
    )
    return change


def notice_deadline(change: PriceChange) -> date:
    """The last day customers can be told about ``change`` with the notice it needs."""
    return change.effective_date - timedelta(days=change.notice_days)


@transaction.atomic
def price_change_notify(*, price_change: PriceChange, actor=None, today: date | None = None):
    """CON-6, ``scheduled → notified``: every contract the change concerns is e-mailed (the
    admin and billing members) and gets a notice; it says whether the customer may refuse
    (HOSTED-A 6) or must accept an increase for it to apply (PLATFORM 7.1.2) and until when.
    Refused once the last day the notice allows has passed: the change must then be cancelled
    and scheduled again."""
    today = today or paris_today()
    change = _lock(price_change)
    check_price_change_transition(change, PriceChangeStatus.NOTIFIED)
    if today > notice_deadline(change):
        raise InvalidTransition(
            _(
                "Too late to notify: customers must be told at least %(days)d days before "
                "%(date)s. Cancel this change and schedule a later date."
            )
            % {"days": change.notice_days, "date": change.effective_date.isoformat()},
            code="notice_too_late",
        )
    now = timezone.now()
    contracts = list(_contracts_to_notify(change))
    for contract in contracts:
        PriceChangeNotice.objects.create(price_change=change, contract=contract, notified_at=now)
        right = refusal_right(change, contract)
        notify_client(
            contract.client,
            "offers/email/price_change",
            {
                "contract": contract,
                "change": change,
                "current_price": change.old_monthly_price,
                "may_refuse": right == PriceChangeRefusal.TERMINATE,
                "may_object": right == PriceChangeRefusal.OBJECT,
                "must_accept": right == PRICE_CHANGE_ACCEPT,
                "answer_by": change.effective_date - timedelta(days=1),
            },
            roles=(Role.ADMIN, Role.BILLING),
        )
    change.notified_at, change.notified_contracts = now, len(contracts)
    return transition_price_change(
        change,
        PriceChangeStatus.NOTIFIED,
        actor=actor,
        note=f"{len(contracts)} contract(s) notified",
        extra_fields=["notified_at", "notified_contracts"],
    )


@transaction.atomic
def price_change_cancel(
    *, price_change: PriceChange, actor=None, today: date | None = None, note: str = ""
) -> PriceChange:
    """CON-6: a scheduled or notified change can be cancelled before its effective date (it
    then never applies); the contracts told are told again. A refusal already recorded keeps
    its termination: the customer may cancel it (CON-4)."""
    today = today or paris_today()
    change = _lock(price_change)
    check_price_change_transition(change, PriceChangeStatus.CANCELLED)
    if today >= change.effective_date:
        raise InvalidTransition(
            _("The new price is in force since %(date)s: the change can no longer be cancelled.")
            % {"date": change.effective_date.isoformat()},
            code="too_late",
        )
    return _cancel(change, actor=actor, note=note)


def _cancel(change: PriceChange, *, actor=None, note="") -> PriceChange:
    notices = list(change.notices.select_related("contract__client", "contract__offer"))
    change.cancelled_at = timezone.now()
    transition_price_change(
        change, PriceChangeStatus.CANCELLED, actor=actor, note=note, extra_fields=["cancelled_at"]
    )
    for notice in notices:
        notify_client(
            notice.contract.client,
            "offers/email/price_change_cancelled",
            {"contract": notice.contract, "change": change, "notice": notice},
            roles=(Role.ADMIN, Role.BILLING),
        )
    return change


# --- Apply ----------------------------------------------------------------------------------


def reprice_lines(change: PriceChange, lines, *, actor=None, note="") -> int:
    """Give ``lines`` (a queryset) the change's new price, each with its ``PriceChangeLine``
    and audit row; returns how many changed. Locks the lines in pk order."""
    changed = 0
    for line in (
        lines.select_for_update(of=("self",)).select_related("contract__client").order_by("pk")
    ):
        PriceChangeLine.objects.create(
            price_change=change,
            line=line,
            old_price=line.unit_monthly_price,
            new_price=change.new_monthly_price,
        )
        before = line.unit_monthly_price
        line.unit_monthly_price = change.new_monthly_price
        line.save(update_fields=["unit_monthly_price", "updated_at"])
        audit_record(
            action="contract_line.price_change",
            instance=line,
            actor=actor,
            client=line.contract.client,
            before={"price": before},
            after={"price": change.new_monthly_price, "change": change.pk, "note": note},
        )
        changed += 1
    return changed


def restore_lines(change: PriceChange, contract: Contract, *, actor=None, note="") -> int:
    """CON-6: a refusal received before ``change``'s effective date but recorded after it was
    applied — the contract's lines it repriced take their old price back, as if it had skipped
    them (their ``PriceChangeLine`` is removed: the run bills them at the old price from the
    effective date). A line whose price moved again since is left as it is. Audited; then
    ``price_change_lines_restored`` lets billing credit what was invoiced at the new price.
    Returns how many lines changed."""
    rows = list(
        PriceChangeLine.objects.filter(price_change=change, line__contract=contract)
        .select_related("line")
        .order_by("line_id")
    )
    restored = []
    for row in rows:
        line = ContractLine.objects.select_for_update().get(pk=row.line_id)
        if line.unit_monthly_price != row.new_price:
            continue
        line.unit_monthly_price = row.old_price
        line.save(update_fields=["unit_monthly_price", "updated_at"])
        row.delete()
        audit_record(
            action="contract_line.price_restored",
            instance=line,
            actor=actor,
            client=contract.client,
            before={"price": row.new_price},
            after={"price": row.old_price, "change": change.pk, "note": note},
        )
        restored.append((line, row.old_price, row.new_price))
    if restored:
        price_change_lines_restored.send(
            sender=PriceChange, price_change=change, contract=contract, lines=restored, actor=actor
        )
    return len(restored)


def price_change_apply(*, price_change_id: int, today: date) -> int:
    """CON-6, ``notified → applied``, on (or after) the effective date, once: the eligible
    lines (``eligible_lines``) take the new price, then the catalogue price follows if nobody
    changed it meanwhile. Returns how many lines changed; 0 for a change not due, applied or
    cancelled meanwhile (the row is locked and re-read: running the job twice changes
    nothing the second time)."""
    with transaction.atomic():
        change = (
            PriceChange.objects.select_for_update()
            .filter(
                pk=price_change_id, status=PriceChangeStatus.NOTIFIED, effective_date__lte=today
            )
            .first()
        )
        if change is None:
            return 0
        changed = reprice_lines(change, eligible_lines(change))
        catalogue = Product.objects.filter(
            pk=change.product_id, monthly_price=change.old_monthly_price
        ).update(monthly_price=change.new_monthly_price, updated_at=timezone.now())
        if catalogue:
            audit_record(
                action="product.price_change",
                instance=change.product,
                before={"monthly_price": change.old_monthly_price},
                after={"monthly_price": change.new_monthly_price, "change": change.pk},
            )
        change.applied_at = timezone.now()
        transition_price_change(
            change,
            PriceChangeStatus.APPLIED,
            note=f"{changed} line(s) repriced",
            extra_fields=["applied_at"],
        )
        price_change_applied.send(sender=PriceChange, price_change=change)
        return changed


def price_changes_daily(*, today: date) -> int:
    """The nightly job (CON-6); returns how many lines were repriced.

    1. A scheduled change not notified yet is notified on the last day its notice allows; one
       whose last day has passed is cancelled (it cannot be applied without its notice).
    2. Notified changes effective by today are applied (``price_change_apply``).
    3. A refusal or objection whose termination was cancelled no longer counts: the contract
       takes the price of the change applied meanwhile.
    A change that fails is logged and the others go on; each step is idempotent."""
    for change in PriceChange.objects.filter(status=PriceChangeStatus.SCHEDULED).order_by("pk"):
        try:
            if today > notice_deadline(change):
                with transaction.atomic():
                    change = _lock(change)
                    if change.status == PriceChangeStatus.SCHEDULED:  # not notified meanwhile
                        _cancel(change, note="notice deadline passed without notification")
            elif today == notice_deadline(change):
                price_change_notify(price_change=change, today=today)
        except Exception:  # noqa: BLE001 — logged for staff (rolled back); the others go on
            logger.exception("price change %s: could not be notified or cancelled", change.pk)
    repriced = 0
    due = PriceChange.objects.filter(
        status=PriceChangeStatus.NOTIFIED, effective_date__lte=today
    ).order_by("effective_date", "pk")
    for change_id in list(due.values_list("pk", flat=True)):
        try:
            repriced += price_change_apply(price_change_id=change_id, today=today)
        except Exception:  # noqa: BLE001 — logged for staff; the change stays notified
            logger.exception("price change %s: could not be applied on %s", change_id, today)
    lapsed = PriceChangeNotice.objects.filter(
        withdrawn_at__isnull=True, termination__status=TerminationStatus.CANCELLED
    ).exclude(response=PriceChangeResponse.NONE)
    for notice_id in list(lapsed.values_list("pk", flat=True)):
        try:
            repriced += answer_lapse(
                notice_id=notice_id, note="termination cancelled: the new price applies"
            )
        except Exception:  # noqa: BLE001 — logged for staff; tried again the next night
            logger.exception("price change notice %s: refusal could not lapse", notice_id)
    return repriced


def answer_lapse(*, notice_id: int, note: str, actor=None) -> int:
    """A refusal or objection stops counting (withdrawn, or its termination cancelled): the
    notice records it and, if the change is already applied, the contract's lines still at
    the old price take the new one now. Returns how many lines changed; idempotent."""
    with transaction.atomic():
        notice = (
            PriceChangeNotice.objects.select_for_update()
            .filter(pk=notice_id, withdrawn_at__isnull=True)
            .exclude(response=PriceChangeResponse.NONE)
            .select_related("price_change", "contract")
            .first()
        )
        if notice is None:
            return 0
        notice.withdrawn_at, notice.withdrawn_note = timezone.now(), note[:200]
        notice.save(update_fields=["withdrawn_at", "withdrawn_note", "updated_at"])
        change = notice.price_change
        changed = 0
        if change.status == PriceChangeStatus.APPLIED:
            lines = eligible_lines(change).filter(contract=notice.contract)
            changed = reprice_lines(change, lines, actor=actor, note=note)
        audit_record(
            action="price_change.answer_withdrawn",
            instance=change,
            actor=actor,
            client=notice.contract.client,
            after={"contract": notice.contract.reference, "note": note, "lines": changed},
        )
        return changed


# --- What the run reads ----------------------------------------------------------------------


def price_steps_by_line(contracts) -> dict[int, list[tuple[date, Decimal, Decimal, bool]]]:
    """For the run (BIL-1, CON-6): per contract line, the price changes of *that line* as
    ``(effective date, price before, price after, applied)``: the changes applied to it (its
    history, for a month billed late), and the notified changes that will apply to it on
    their date (the run bills the next month in advance, before the nightly job applies
    them). Past changes of the product are never re-applied: a line's price is its own."""
    contracts = list(contracts)
    line_ids = [line.pk for contract in contracts for line in contract.lines.all()]
    if not line_ids:
        return {}
    steps: dict[int, list[tuple[date, Decimal, Decimal, bool]]] = {}
    for row in PriceChangeLine.objects.filter(line_id__in=line_ids).select_related("price_change"):
        steps.setdefault(row.line_id, []).append(
            (row.price_change.effective_date, row.old_price, row.new_price, True)
        )
    pending = PriceChange.objects.filter(
        status=PriceChangeStatus.NOTIFIED, offer_id__in={c.offer_id for c in contracts}
    )
    for change in pending:
        for line_id, price in (
            eligible_lines(change).filter(pk__in=line_ids).values_list("pk", "unit_monthly_price")
        ):
            steps.setdefault(line_id, []).append(
                (change.effective_date, price, change.new_monthly_price, False)
            )
    for line_steps in steps.values():
        line_steps.sort()
    return steps
