"""CON-6: price changes of a product of an offer — scheduled by staff (customers e-mailed at
once), cancelled, refused by HOSTED-A customers facing an increase, applied on the effective
date."""

from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.choices import Role
from accounts.notifications import notify_client
from kernel.errors import InvalidTransition
from offers.choices import LIVE_STATUSES, Preset, PriceChangeStatus, TerminationReason
from offers.models import Contract, ContractLine, Offer, PriceChange, Product, Termination
from offers.services.clock import paris_today
from offers.services.terminations import contract_request_termination

PRICE_CHANGE_NOTICE_DAYS = 7  # customers are told at least 7 days before (HOSTED-A 6)
REFUSAL_NOTICE_DAYS = 30  # a refused increase ends the contract 30 days later, without fees


def _affected_contracts(price_change: PriceChange):
    return (
        Contract.objects.filter(
            offer=price_change.offer,
            status__in=LIVE_STATUSES,
            lines__product=price_change.product,
            lines__ended_on__isnull=True,
        )
        .distinct()
        .select_related("client")
    )


@transaction.atomic
def price_change_schedule(
    *,
    offer: Offer,
    product: Product,
    new_monthly_price,
    effective_date: date,
    reason: str = "",
    actor=None,
    today: date | None = None,
) -> PriceChange:
    """CON-6: staff schedule a new monthly price from the first day of a month at least 7 days
    away; every affected customer is e-mailed at once (HOSTED-A customers facing an increase
    are told they may refuse it and terminate without fees with 30 days' notice)."""
    today = today or paris_today()
    errors = {}
    try:
        new_monthly_price = Decimal(str(new_monthly_price))
    except ArithmeticError:
        errors["new_monthly_price"] = _("Enter a price in euros.")
    else:
        if new_monthly_price < 0:
            errors["new_monthly_price"] = _("A price cannot be negative.")
    if effective_date.day != 1:
        errors["effective_date"] = _(
            "A price changes on the first day of a month (billing periods are calendar months)."
        )
    elif effective_date < today + timedelta(days=PRICE_CHANGE_NOTICE_DAYS):
        errors["effective_date"] = _(
            "Customers must be told at least 7 days before: choose a later month."
        )
    if product != offer.main_product and not offer.options.filter(pk=product.pk).exists():
        errors["product"] = _("This product is not part of the offer.")
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            change = PriceChange.objects.create(
                offer=offer,
                product=product,
                new_monthly_price=new_monthly_price,
                effective_date=effective_date,
                reason=reason,
                created_by=actor,
            )
    except IntegrityError:
        raise ValidationError(
            {"effective_date": _("A price change of this product is already scheduled then.")}
        ) from None
    contracts = list(_affected_contracts(change).prefetch_related("lines"))
    for contract in contracts:
        current = next(
            (ln.unit_monthly_price for ln in contract.lines.all() if ln.product_id == product.pk),
            None,
        )
        notify_client(
            contract.client,
            "offers/email/price_change",
            {
                "contract": contract,
                "change": change,
                "current_price": current,
                "may_refuse": contract.preset == Preset.HOSTED_A
                and current is not None
                and new_monthly_price > current,
            },
            roles=(Role.ADMIN, Role.BILLING),
        )
    change.notified_at, change.notified_contracts = timezone.now(), len(contracts)
    change.save(update_fields=["notified_at", "notified_contracts", "updated_at"])
    audit_record(
        action="price_change.schedule",
        instance=change,
        actor=actor,
        after={
            "product": product.code,
            "price": new_monthly_price,
            "effective_date": effective_date,
            "notified": len(contracts),
        },
    )
    return change


@transaction.atomic
def price_change_cancel(*, price_change: PriceChange, actor=None) -> PriceChange:
    change = PriceChange.objects.select_for_update().get(pk=price_change.pk)
    if change.status != PriceChangeStatus.SCHEDULED or change.effective_date <= paris_today():
        raise InvalidTransition(_("This price change can no longer be cancelled."))
    change.status = PriceChangeStatus.CANCELLED
    change.save(update_fields=["status", "updated_at"])
    audit_record(action="price_change.cancel", instance=change, actor=actor)
    return change


@transaction.atomic
def price_change_refuse(
    *, price_change: PriceChange, contract: Contract, actor=None, api_key=None
) -> Termination:
    """CON-6 (HOSTED-A 6): the customer refuses an increase before it takes effect: the
    contract ends 30 days after the refusal, without termination fees, and keeps its price
    until then."""
    change = PriceChange.objects.select_for_update().get(pk=price_change.pk)
    line = contract.lines.filter(product=change.product, ended_on__isnull=True).first()
    if change.status != PriceChangeStatus.SCHEDULED or change.offer_id != contract.offer_id:
        raise InvalidTransition(_("This price change does not concern this contract."))
    if contract.preset != Preset.HOSTED_A:
        raise InvalidTransition(
            _("Under these terms, using the service after the change means accepting it.")
        )
    if line is None or change.new_monthly_price <= line.unit_monthly_price:
        raise InvalidTransition(_("Only a price increase can be refused."))
    if paris_today() >= change.effective_date:
        raise InvalidTransition(
            _("The new price is already in force: it can no longer be refused.")
        )
    termination = contract_request_termination(
        contract=contract,
        actor=actor,
        api_key=api_key,
        reason=TerminationReason.PRICE_INCREASE_REFUSED,
        waive_fees=True,
        notice_days=REFUSAL_NOTICE_DAYS,
    )
    change.refused_by.add(contract)
    audit_record(
        action="price_change.refuse",
        instance=change,
        actor=actor,
        api_key=api_key,
        client=contract.client,
        after={"contract": contract.reference, "effective_date": termination.effective_date},
    )
    return termination


def price_changes_by_line(contracts) -> dict[int, list[tuple[date, Decimal]]]:
    """For the run: the scheduled prices of each contract line, by effective date (a contract
    that refused a change keeps its price)."""
    contracts = list(contracts)
    changes = list(
        PriceChange.objects.filter(
            status=PriceChangeStatus.SCHEDULED, offer_id__in={c.offer_id for c in contracts}
        )
        .prefetch_related("refused_by")
        .order_by("effective_date")
    )
    if not changes:
        return {}
    out: dict[int, list[tuple[date, Decimal]]] = {}
    for contract in contracts:
        for change in changes:
            if change.offer_id != contract.offer_id:
                continue
            if any(c.pk == contract.pk for c in change.refused_by.all()):
                continue
            for line in contract.lines.all():
                if line.product_id == change.product_id:
                    out.setdefault(line.pk, []).append(
                        (change.effective_date, change.new_monthly_price)
                    )
    return out


def price_changes_apply(*, today: date | None = None) -> int:
    """CON-6, daily: lines of the affected contracts take the new price from its effective date
    (the contract pages, termination fees and SLA bases read the line price)."""
    today = today or paris_today()
    updated = 0
    due = PriceChange.objects.filter(
        status=PriceChangeStatus.SCHEDULED, effective_date__lte=today
    ).order_by("effective_date")
    for change in due:
        with transaction.atomic():
            lines = (
                ContractLine.objects.select_for_update()
                .filter(
                    contract__offer=change.offer,
                    product=change.product,
                    ended_on__isnull=True,
                    contract__status__in=LIVE_STATUSES,
                )
                .exclude(contract__refused_price_changes=change)
                .exclude(unit_monthly_price=change.new_monthly_price)
            )
            for line in lines:
                before = line.unit_monthly_price
                line.unit_monthly_price = change.new_monthly_price
                line.save(update_fields=["unit_monthly_price", "updated_at"])
                audit_record(
                    action="contract_line.price_change",
                    instance=line,
                    before={"price": before},
                    after={"price": change.new_monthly_price, "change": change.pk},
                )
                updated += 1
    return updated
