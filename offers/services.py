"""Every write of the offers domain: offers from presets, the contract pipeline, tacit renewals
(CON-3), terminations (CON-4, CON-5), suspensions (CON-8), trials (CON-7), inactivity (ACC-6)."""

import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.choices import Role
from accounts.models import ApiKey, Client, Site, User
from accounts.notifications import notify_client
from kernel.errors import InvalidTransition  # noqa: F401 (raised by callers' tests)
from kernel.money import round_money
from offers import periods, signals, termination_fees
from offers.choices import (
    CONTRACT_TRANSITIONS,
    LIVE_STATUSES,
    BillingTiming,
    ContractStatus,
    FirstMonth,
    NoticeRule,
    Preset,
    PriceChangeStatus,
    SuspensionReason,
    TerminationReason,
    TerminationStatus,
)
from offers.models import (
    Contract,
    ContractEvent,
    ContractLine,
    Offer,
    PriceChange,
    Product,
    Renewal,
    Suspension,
    Termination,
    Terms,
)

INACTIVITY_MONTHS = 6  # ACC-6, PLATFORM 17.3


def paris_today() -> date:
    """Today in Europe/Paris (TIME_ZONE): the calendar every contract date lives in."""
    return timezone.localdate()


def _lock(contract: Contract) -> Contract:
    return Contract.objects.select_for_update().get(pk=contract.pk)


def _transition(
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
    return contract


# --- Catalogue ------------------------------------------------------------------------------


@transaction.atomic
def offer_create_from_preset(
    *, preset: str, code: str, name: str, main_product: Product, actor: User | None = None
) -> Offer:
    """CON-1: a new offer whose terms start as a copy of the preset's reference terms."""
    reference = Terms.objects.get(preset=preset, is_preset=True)
    terms = Terms.objects.get(pk=reference.pk)
    terms.pk = None
    terms.is_preset = False
    terms.name = f"{name} — {reference.name}"
    terms.save()
    offer = Offer.objects.create(
        code=code, name=name, preset=preset, main_product=main_product, terms=terms
    )
    audit_record(
        action="offer.create",
        instance=offer,
        actor=actor,
        after={"preset": preset, "terms": terms.snapshot()},
    )
    return offer


# --- Contracts ------------------------------------------------------------------------------


@dataclass
class LineRequest:
    product: Product
    quantity: int = 1
    unit_monthly_price: object = None  # staff-entered for "on quote" products
    unit_setup_price: object = None


@transaction.atomic
def contract_create(
    *,
    client: Client,
    offer: Offer,
    site: Site | None,
    signature_date: date,
    order_date: date,
    options: list[LineRequest] = (),
    quantity: int = 1,
    purchase_order_ref: str = "",
    sla_applicable: bool = True,
    actor: User | None = None,
    api_key: ApiKey | None = None,
) -> Contract:
    """CON-2: a draft contract with the offer's terms copied as signed and its lines priced."""
    errors = {}
    if site is not None and site.client_id != client.pk:
        errors["site"] = _("This site belongs to another customer.")
    if not offer.is_active:
        errors["offer"] = _("This offer is no longer sold.")
    if order_date < signature_date:
        errors["order_date"] = _("The order cannot precede the signature.")
    allowed = set(offer.options.values_list("pk", flat=True))
    for line in options:
        if line.product.pk not in allowed:
            errors["options"] = _("%(name)s is not an option of this offer.") % {
                "name": line.product.name
            }
        elif line.product.price_on_quote and line.unit_monthly_price is None:
            errors["options"] = _("%(name)s is priced on quote: give its price.") % {
                "name": line.product.name
            }
        elif line.quantity < 1:
            errors["options"] = _("Quantities start at 1.")
    if quantity < 1:
        errors["quantity"] = _("Quantities start at 1.")
    if errors:
        raise ValidationError(errors)

    contract = Contract.objects.create(
        reference=f"tmp-{secrets.token_hex(8)}",
        client=client,
        site=site,
        offer=offer,
        terms_snapshot=offer.terms.snapshot(),
        signature_date=signature_date,
        order_date=order_date,
        purchase_order_ref=purchase_order_ref,
        sla_applicable=sla_applicable,
    )
    contract.reference = f"CT-{order_date.year}-{contract.pk:06d}"
    contract.save(update_fields=["reference"])
    for line in [LineRequest(offer.main_product, quantity), *options]:
        ContractLine.objects.create(
            contract=contract,
            product=line.product,
            quantity=line.quantity,
            unit_monthly_price=(
                line.unit_monthly_price
                if line.unit_monthly_price is not None
                else line.product.monthly_price
            ),
            unit_setup_price=(
                line.unit_setup_price
                if line.unit_setup_price is not None
                else line.product.setup_price
            ),
        )
    ContractEvent.objects.create(
        contract=contract, to_status=ContractStatus.DRAFT, actor=actor, api_key=api_key
    )
    audit_record(
        action="contract.create",
        instance=contract,
        actor=actor,
        api_key=api_key,
        after={
            "offer": offer.code,
            "terms": contract.terms_snapshot,
            "lines": [str(line) for line in contract.lines.all()],
        },
    )
    return contract


@transaction.atomic
def contract_order(*, contract: Contract, actor=None, api_key=None) -> Contract:
    contract = _lock(contract)
    contract.ordered_at = timezone.now()
    return _transition(
        contract, ContractStatus.ORDERED, actor=actor, api_key=api_key, extra_fields=["ordered_at"]
    )


@transaction.atomic
def contract_activate(
    *, contract: Contract, service_start_date: date, actor=None, api_key=None
) -> Contract:
    """The service is up: the service start date fixes the first commitment period."""
    contract = _lock(contract)
    if service_start_date < contract.order_date:
        raise ValidationError({"service_start_date": _("Service cannot start before the order.")})
    contract.service_start_date = service_start_date
    period = contract.period_at(service_start_date) or contract.period_at(contract.anchor_date)
    contract.current_period_start, contract.current_period_end = period.start, period.end
    contract.activated_at = timezone.now()
    contract.lines.filter(started_on__isnull=True).update(started_on=service_start_date)
    contract = _transition(
        contract,
        ContractStatus.ACTIVE,
        actor=actor,
        api_key=api_key,
        extra_fields=[
            "service_start_date",
            "current_period_start",
            "current_period_end",
            "activated_at",
        ],
    )
    signals.contract_activated.send(sender=Contract, contract=contract)
    return contract


# --- CON-3 tacit renewal --------------------------------------------------------------------


def contracts_due_for_renewal(today: date):
    return Contract.objects.filter(status__in=LIVE_STATUSES, current_period_end__lte=today)


def contract_renew(*, contract_id: int, today: date) -> int:
    """CON-3: renew one contract for every period that ended on or before ``today`` (catching
    up after downtime), unless a termination takes effect by then. Returns the renewals made.

    Safe to run twice, concurrently or after a crash: the contract row is locked, the period is
    re-read, and the unique (contract, period start) of ``Renewal`` is the final guard.
    """
    renewed = 0
    while True:
        with transaction.atomic():
            contract = Contract.objects.select_for_update().filter(pk=contract_id).first()
            if (
                contract is None
                or contract.status not in LIVE_STATUSES
                or contract.current_period_end is None
                or contract.current_period_end > today
            ):
                return renewed
            ending = contract.current_period_end
            if contract.terminations.filter(
                status=TerminationStatus.SCHEDULED, effective_date__lte=ending
            ).exists():
                return renewed
            period = contract.period_at(ending)
            try:
                with transaction.atomic():
                    Renewal.objects.create(
                        contract=contract, period_start=period.start, period_end=period.end
                    )
            except IntegrityError:
                return renewed  # already renewed by someone else: nothing to do
            contract.current_period_start, contract.current_period_end = period.start, period.end
            contract.save(
                update_fields=["current_period_start", "current_period_end", "updated_at"]
            )
            signals.period_started.send(
                sender=Contract,
                contract=contract,
                period_start=period.start,
                period_end=period.end,
            )
            audit_record(
                action="contract.renew",
                instance=contract,
                before={"period_end": ending},
                after={"period_start": period.start, "period_end": period.end},
            )
            renewed += 1


# --- CON-4 / CON-5 termination --------------------------------------------------------------


@dataclass
class TerminationQuote:
    """What the customer sees before confirming a termination."""

    notice_date: date
    requested_date: date | None
    effective_date: date
    fee: termination_fees.FeeQuote
    fee_waived: bool = False

    @property
    def fee_amount(self):
        return Decimal("0.00") if self.fee_waived else self.fee.amount


def invoiced_through(contract: Contract, effective: date) -> date | None:
    """CON-5 until billing records it: for subscriptions billed in advance, the month holding
    the last day of service has been invoiced in full (on the last day of the month before);
    HOSTED-W's order month is free and therefore never invoiced."""
    if contract.term("subscription_timing") != BillingTiming.ADVANCE:
        return None
    if contract.status in {ContractStatus.DRAFT, ContractStatus.ORDERED}:
        return None
    last_day = periods.day_before(effective)
    if contract.term("first_month") == FirstMonth.FREE_ORDER_MONTH and periods.month_start(
        last_day
    ) == periods.month_start(contract.order_date):
        return None
    return periods.next_month_start(last_day)


def termination_quote(
    *,
    contract: Contract,
    notice_date: date | None = None,
    requested_date: date | None = None,
    waive_fees: bool = False,
    notice_days: int | None = None,
) -> TerminationQuote:
    """CON-4: effective date from the notice rule; CON-5: the fee by the offer's rule.
    ``notice_days`` replaces the rule (CON-6: 30 days' notice after refusing an increase)."""
    notice_date = notice_date or paris_today()
    if requested_date is not None and requested_date < notice_date:
        raise ValidationError({"requested_date": _("The requested date is in the past.")})
    rule = contract.term("notice_rule")
    anchor = contract.anchor_date or contract.order_date
    initial, renewal = contract.term("initial_months"), contract.term("renewal_months")
    fee_applies = True
    if notice_days is not None:
        effective = max(requested_date or notice_date, notice_date + timedelta(days=notice_days))
    elif rule == NoticeRule.END_OF_MONTH:
        effective = termination_fees.effective_date_end_of_month(notice_date, requested_date)
    elif rule == NoticeRule.PLATFORM:
        effective, fee_applies = termination_fees.platform_effective_date(
            notice_date, requested_date, anchor, initial, renewal
        )
    else:
        effective = termination_fees.effective_date(
            notice_date, requested_date, contract.term("notice_months")
        )
    fee = termination_fees.quote_termination_fee(
        rule=contract.term("fee_rule") if fee_applies else termination_fees.FeeRule.NONE,
        effective_date=effective,
        invoiced_through=invoiced_through(contract, effective),
        anchor=anchor,
        initial_months=initial,
        renewal_months=renewal,
        monthly_fees=contract.monthly_fees,
        minimum_commitment=Decimal(contract.term("minimum_monthly_commitment")),
    )
    return TerminationQuote(
        notice_date=notice_date,
        requested_date=requested_date,
        effective_date=effective,
        fee=fee,
        fee_waived=waive_fees,
    )


def _fee_breakdown(quote: TerminationQuote) -> list[dict]:
    return [
        {
            "label": line.label,
            "months": line.months,
            "rate_percent": str(line.rate_percent),
            "monthly_base": str(line.monthly_base),
            "amount": str(round_money(line.amount)),
        }
        for line in quote.fee.lines
    ]


@transaction.atomic
def contract_request_termination(
    *,
    contract: Contract,
    requested_date: date | None = None,
    actor: User | None = None,
    api_key: ApiKey | None = None,
    reason: str = TerminationReason.CUSTOMER_REQUEST,
    waive_fees: bool = False,
    notice_days: int | None = None,
) -> Termination:
    """CON-4: the request made in the portal or the API is the written notice (its timestamp is
    the notice date); the quote is recomputed at that moment and stored with its breakdown."""
    contract = _lock(contract)
    if contract.status == ContractStatus.DRAFT:
        raise InvalidTransition(
            _("A draft contract is deleted, not terminated."), code="invalid_transition"
        )
    if contract.terminations.filter(status=TerminationStatus.SCHEDULED).exists():
        raise InvalidTransition(
            _("A termination is already scheduled for this contract."), code="termination_scheduled"
        )
    if not contract.can_request_termination():
        raise InvalidTransition(
            _("This contract is already terminating or terminated."), code="invalid_transition"
        )
    notice_at = timezone.now()
    quote = termination_quote(
        contract=contract,
        notice_date=timezone.localdate(notice_at),
        requested_date=requested_date,
        waive_fees=waive_fees,
        notice_days=notice_days,
    )
    termination = Termination.objects.create(
        contract=contract,
        reason=reason,
        notice_at=notice_at,
        notice_date=quote.notice_date,
        requested_date=requested_date,
        effective_date=quote.effective_date,
        fee_rule=quote.fee.rule,
        fee_start=quote.fee.fee_start,
        fee_amount=quote.fee_amount,
        fee_breakdown=[] if waive_fees else _fee_breakdown(quote),
        previous_status=contract.status,
        requested_by=actor,
        requested_by_api_key=api_key,
    )
    _transition(
        contract,
        ContractStatus.TERMINATING,
        actor=actor,
        api_key=api_key,
        note=f"effective {quote.effective_date.isoformat()}",
    )
    audit_record(
        action="termination.request",
        instance=termination,
        actor=actor,
        api_key=api_key,
        client=contract.client,
        after={"effective_date": quote.effective_date, "fee": quote.fee_amount, "reason": reason},
    )
    notify_client(
        contract.client,
        "offers/email/termination_scheduled",
        {"contract": contract, "termination": termination},
    )
    return termination


@transaction.atomic
def termination_cancel(
    *, termination: Termination, actor=None, api_key=None, today: date | None = None
) -> Termination:
    """CON-4: a scheduled termination can be cancelled until its effective date."""
    termination = Termination.objects.select_for_update().get(pk=termination.pk)
    contract = _lock(termination.contract)
    today = today or paris_today()
    if termination.status != TerminationStatus.SCHEDULED:
        raise InvalidTransition(
            _("This termination is not scheduled any more."), code="invalid_transition"
        )
    if today >= termination.effective_date:
        raise InvalidTransition(_("The termination has already taken effect."), code="too_late")
    termination.status = TerminationStatus.CANCELLED
    termination.cancelled_at = timezone.now()
    termination.cancelled_by = actor
    termination.save(update_fields=["status", "cancelled_at", "cancelled_by", "updated_at"])
    _transition(
        contract,
        termination.previous_status,
        actor=actor,
        api_key=api_key,
        note="termination cancelled",
    )
    return termination


def termination_apply(*, termination_id: int, today: date) -> bool:
    """The effective date has come: the contract ends (daily job). Idempotent."""
    with transaction.atomic():
        termination = (
            Termination.objects.select_for_update()
            .filter(
                pk=termination_id, status=TerminationStatus.SCHEDULED, effective_date__lte=today
            )
            .first()
        )
        if termination is None:
            return False
        contract = _lock(termination.contract)
        now = timezone.now()
        termination.status = TerminationStatus.EFFECTIVE
        termination.applied_at = now
        termination.save(update_fields=["status", "applied_at", "updated_at"])
        contract.terminated_at = now
        contract.lines.filter(ended_on__isnull=True).update(ended_on=termination.effective_date)
        contract.suspensions.filter(lifted_at__isnull=True).update(lifted_at=now)
        _transition(
            contract,
            ContractStatus.TERMINATED,
            note="effective date reached",
            extra_fields=["terminated_at"],
        )
        return True


def terminations_due(today: date):
    return Termination.objects.filter(status=TerminationStatus.SCHEDULED, effective_date__lte=today)


# --- CON-8 suspension -----------------------------------------------------------------------


@transaction.atomic
def contract_suspend(*, contract: Contract, reason: str, note: str = "", actor=None) -> Suspension:
    """CON-8: suspend a contract with a reason of the closed list; the customer is told."""
    if reason not in SuspensionReason.values:
        raise ValidationError({"reason": _("Choose a reason from the list.")})
    contract = _lock(contract)
    if contract.status != ContractStatus.ACTIVE:
        # A terminating contract keeps its course to termination: suspending it would hide the
        # scheduled termination behind a status the nightly job cannot end.
        raise InvalidTransition(
            _("Only an active contract can be suspended."), code="invalid_transition"
        )
    _transition(contract, ContractStatus.SUSPENDED, actor=actor, note=reason)
    suspension = Suspension.objects.create(
        contract=contract, reason=reason, note=note, started_at=timezone.now(), started_by=actor
    )
    notify_client(
        contract.client, "offers/email/suspended", {"contract": contract, "suspension": suspension}
    )
    return suspension


@transaction.atomic
def contract_lift_suspension(*, contract: Contract, actor=None) -> Suspension:
    contract = _lock(contract)
    suspension = contract.suspensions.select_for_update().filter(lifted_at__isnull=True).first()
    if suspension is None or contract.status != ContractStatus.SUSPENDED:
        raise InvalidTransition(_("This contract is not suspended."), code="invalid_transition")
    suspension.lift(at=timezone.now(), by=actor)
    _transition(contract, ContractStatus.ACTIVE, actor=actor, note="suspension lifted")
    notify_client(contract.client, "offers/email/suspension_lifted", {"contract": contract})
    return suspension


# --- CON-7 trial, ACC-6 inactivity ----------------------------------------------------------


@transaction.atomic
def contract_set_trial(*, contract: Contract, ends_on: date | None, actor=None) -> Contract:
    """CON-7: free test access until ``ends_on`` (None ends it). Trial traffic is rated but
    never invoiced: billing reads ``is_trial``/``trial_ends_on``."""
    contract = _lock(contract)
    before = {"is_trial": contract.is_trial, "trial_ends_on": contract.trial_ends_on}
    contract.is_trial = ends_on is not None
    contract.trial_ends_on = ends_on
    contract.save(update_fields=["is_trial", "trial_ends_on", "updated_at"])
    audit_record(
        action="contract.trial",
        instance=contract,
        actor=actor,
        before=before,
        after={"is_trial": contract.is_trial, "trial_ends_on": ends_on},
    )
    return contract


def is_in_trial(contract: Contract, day: date) -> bool:
    """CON-7: is traffic of ``day`` trial traffic (rated, never invoiced)?"""
    return contract.is_trial and contract.trial_ends_on is not None and day < contract.trial_ends_on


@transaction.atomic
def contract_record_traffic(*, contract: Contract, day: date, actor=None) -> Contract:
    """ACC-6: the last day with traffic (fed by usage, or set by staff until usage exists)."""
    contract = _lock(contract)
    if contract.last_traffic_on is None or day > contract.last_traffic_on:
        contract.last_traffic_on = day
        contract.inactive_flagged_on = None
        contract.save(update_fields=["last_traffic_on", "inactive_flagged_on", "updated_at"])
    return contract


def contracts_flag_inactive(*, today: date) -> int:
    """ACC-6 (PLATFORM 17.3): a live contract without any traffic for 6 months since its last
    call (or since service start if it never had any) is flagged and the customer is told;
    staff may then close it. Flagging is idempotent (flagged once until traffic resumes)."""
    flagged = 0
    limit = periods.add_months(today, -INACTIVITY_MONTHS)
    candidates = Contract.objects.filter(
        status__in=LIVE_STATUSES, inactive_flagged_on__isnull=True, service_start_date__isnull=False
    )
    for contract in candidates.select_related("client").iterator():
        last = contract.last_traffic_on or contract.service_start_date
        if last > limit:
            continue
        with transaction.atomic():
            updated = Contract.objects.filter(
                pk=contract.pk, inactive_flagged_on__isnull=True
            ).update(inactive_flagged_on=today)
            if updated:
                audit_record(
                    action="contract.flag_inactive",
                    instance=contract,
                    after={"last_traffic_on": last, "flagged_on": today},
                )
                notify_client(
                    contract.client,
                    "offers/email/inactive",
                    {"contract": contract, "last_traffic": last},
                )
                flagged += 1
    return flagged


# --- CON-6 price changes --------------------------------------------------------------------

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
