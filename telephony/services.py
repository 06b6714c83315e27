"""Every write of trunks and SIP accounts: trunk set-up, channel quotes and orders (TRK-3),
decreases (TRK-4), the period-start work of the renewal (TRK-4, TRK-5), SIP credentials (ACC-7),
suspension of one account (CON-8) and destination blocking (TRK-6).

Locks, always in this order: the contract row, then the trunk row, then the order or decrease.
The renewal (``offers.services.contract_renew``) locks the contract and its receiver the trunk;
paying an order does the same, so the two never deadlock. Every capacity change happens with the
trunk row locked; the cap is checked under that lock.

Billing: the packs billed are the TRUNK contract's lines, one line per pack product and stretch
of time (a change ends the old line and starts a new one at a period start). An order's packs
start their line on the next period's first day: the order itself pays the pro-rata of the
current period (TRK-3) and ``billing.plan`` must not bill that month a second time.
"""

import logging
import secrets as _secrets
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.choices import Role
from accounts.notifications import notify_client
from billing import amounts
from billing import services as billing
from kernel.errors import InvalidTransition
from offers import services as offers
from offers.choices import LIVE_STATUSES, ContractStatus, Preset, SuspensionReason
from offers.models import Contract, ContractLine
from offers.periods import days_in_month, month_period
from payments import selectors as payment_selectors
from payments import services as payments
from telephony import credentials, selectors
from telephony.choices import (
    ORDER_TRANSITIONS,
    DecreaseStatus,
    LedgerCause,
    OrderStatus,
    PaymentChoice,
    SipStatus,
)
from telephony.models import (
    ChannelDecrease,
    ChannelOrder,
    DestinationGroup,
    DestinationSetting,
    Pack,
    PackLedgerEntry,
    PackTable,
    SipAccount,
    SipDevice,
    SipSuspension,
    Trunk,
)
from telephony.packs import NoPackCombination, PackSelection, best_packs

logger = logging.getLogger(__name__)

ORDER_VALIDITY_DAYS = 7  # TRK-3: an order unpaid for 7 days expires
SOURCE_TYPE = "channel_order"  # pending charge, prepaid debit and recorded payment of an order
MONEY_ROLES = (Role.ADMIN, Role.BILLING)
TECHNICAL_ROLES = (Role.ADMIN, Role.TECHNICAL)
SIP_PRESETS = {Preset.SIP_UNL, Preset.HOSTED_W, Preset.HOSTED_A}


class CapacityExceeded(ValidationError):
    """TRK-1: more channels than the trunk may hold (200, TRUNK 2): a field error on a quote
    (400); at payment, the state of the trunk refuses it (``InvalidTransition``, 409)."""


# --- Helpers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PackLine:
    """``count`` packs of ``channels`` channels at ``monthly_price`` each (€ HT)."""

    channels: int
    count: int
    monthly_price: Decimal
    name: str = ""

    @property
    def total(self) -> Decimal:
        return self.monthly_price * self.count

    def as_json(self) -> dict:
        return {
            "channels": self.channels,
            "count": self.count,
            "monthly_price": str(self.monthly_price),
        }


def _pack_lines(selection: PackSelection, table: PackTable) -> list[PackLine]:
    by_size = {p.channels: p for p in table.packs.all() if p.is_active}
    return [
        PackLine(size, count, by_size[size].monthly_price, by_size[size].product.name)
        for size, count in selection.items()
    ]


def _held_lines(held: dict[Pack, int]) -> list[PackLine]:
    return [
        PackLine(pack.channels, count, pack.monthly_price, pack.product.name)
        for pack, count in sorted(held.items(), key=lambda kv: -kv[0].channels)
        if count
    ]


def _describe(lines: list[PackLine]) -> str:
    return " + ".join(f"{line.count}×{line.channels}" for line in lines) or "—"


def _monthly(lines: list[PackLine]) -> Decimal:
    return sum((line.total for line in lines), Decimal("0"))


def _lock_trunk(trunk: Trunk) -> Trunk:
    # of=("self",): a FOR UPDATE over a join would lock the contract and the customer rows too,
    # and deadlock against inserts that only take a key-share lock on them (audit rows).
    return (
        Trunk.objects.select_for_update(of=("self",))
        .select_related("contract__client")
        .get(pk=trunk.pk)
    )


def _require_trunk_contract(contract: Contract) -> None:
    if contract.preset != Preset.TRUNK:
        raise ValidationError({"contract": _("This contract is not a SIP trunk contract.")})


def _require_active(contract: Contract) -> None:
    if contract.status != ContractStatus.ACTIVE:
        raise InvalidTransition(
            _("Channels can only change on an active trunk contract."), code="contract_not_active"
        )


def _status_of(obj) -> str:
    """ACC-7 / CON-8: disabled (compromised) first, then suspended, else active."""
    if obj.disabled_at is not None:
        return SipStatus.DISABLED
    if isinstance(obj, SipAccount) and obj.suspensions.filter(lifted_at__isnull=True).exists():
        return SipStatus.SUSPENDED
    return SipStatus.ACTIVE


def _new_username(model, prefix: str) -> str:
    for _attempt in range(10):
        username = credentials.new_username(prefix)
        if not model.objects.filter(username=username).exists():
            return username
    raise RuntimeError("could not draw a free SIP username")  # pragma: no cover


def _write_ledger(
    trunk, diff: dict[Pack, int], *, day, cause, order=None, decrease=None, actor=None
):
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


def _sync_lines(contract: Contract, table: PackTable, target: dict[Pack, int], day: date) -> None:
    """Make the contract's pack lines live on ``day`` match ``target`` (pack → count): a line
    whose quantity changes ends on ``day`` and a new one starts on ``day`` (``day`` is a period
    start, so ``billing.plan`` bills whole months either side). A main-product line that is not
    a pack (an offer whose main product is priced per channel) ends too: the packs replace it."""
    products = {pack.product_id: pack for pack in table.packs.all()}
    live = list(
        contract.lines.select_for_update(of=("self",))
        .filter(ended_on__isnull=True)
        .select_related("product")
    )
    by_pack: dict[int, list[ContractLine]] = {}
    for line in live:
        if line.product_id in products:
            by_pack.setdefault(line.product_id, []).append(line)
        elif line.product_id == contract.offer.main_product_id:
            line.ended_on = day
            line.save(update_fields=["ended_on", "updated_at"])
    wanted = {pack.product_id: (pack, count) for pack, count in target.items() if count}
    for product_id in set(by_pack) | set(wanted):
        lines = by_pack.get(product_id, [])
        pack, count = wanted.get(product_id, (products[product_id], 0))
        if len(lines) == 1 and lines[0].quantity == count:
            continue
        for line in lines:
            line.ended_on = day
            line.save(update_fields=["ended_on", "updated_at"])
        if count:
            ContractLine.objects.create(
                contract=contract,
                product=pack.product,
                quantity=count,
                unit_setup_price=Decimal("0"),
                unit_monthly_price=pack.monthly_price,
                started_on=day,
            )


# --- Trunk set-up ----------------------------------------------------------------------------


@transaction.atomic
def trunk_create(
    *, contract: Contract, actor=None, api_key=None, today: date | None = None
) -> tuple[Trunk, str]:
    """TRK-1: the trunk of a TRUNK contract, its registration credentials (ACC-7) and its
    destination settings (TRK-6). Returns ``(trunk, secret)``: the secret is shown once.

    Its first packs come from the contract's lines: a contract whose service has not started
    yet gets the best tariff (TRK-2) for the channels ordered at once (its lines are rewritten
    before they are ever billed); a contract already in service keeps the lines it is billed
    for until its next period start, where TRK-5 re-optimises them.
    """
    contract = (
        Contract.objects.select_for_update(of=("self",)).select_related("offer").get(pk=contract.pk)
    )
    _require_trunk_contract(contract)
    if contract.status == ContractStatus.TERMINATED:
        raise InvalidTransition(_("This contract is terminated."), code="invalid_transition")
    if Trunk.objects.filter(contract=contract).exists():
        raise InvalidTransition(_("This contract already has its trunk."), code="trunk_exists")
    table = selectors.pack_table_for(contract.offer)
    today = today or offers.paris_today()
    packs_by_product = {pack.product_id: pack for pack in table.packs.all()}
    lines = list(contract.lines.filter(ended_on__isnull=True))
    held: dict[Pack, int] = {}
    started = any(line.started_on is not None for line in lines)
    channels = sum(
        line.quantity * packs_by_product[line.product_id].channels
        if line.product_id in packs_by_product
        else line.quantity
        for line in lines
        if line.product_id in packs_by_product or line.product_id == contract.offer.main_product_id
    )
    if not started:
        try:
            selection = best_packs(max(channels, 1), table.options(), cap=table.max_channels)
        except NoPackCombination as error:
            raise CapacityExceeded(
                _("A trunk holds at most %(max)s channels.") % {"max": table.max_channels},
                code="capacity_exceeded",
            ) from error
        by_size = {p.channels: p for p in table.packs.all() if p.is_active}
        for line in lines:
            if (
                line.product_id in packs_by_product
                or line.product_id == contract.offer.main_product_id
            ):
                line.delete()  # never started, never billed: replaced by the best tariff
        for size, count in selection.items():
            pack = by_size[size]
            held[pack] = count
            ContractLine.objects.create(
                contract=contract,
                product=pack.product,
                quantity=count,
                unit_setup_price=Decimal("0"),
                unit_monthly_price=pack.monthly_price,
            )
        effective = {pack: today for pack in held}
    else:
        effective = {}
        for line in lines:
            pack = packs_by_product.get(line.product_id)
            if pack is not None:
                held[pack] = held.get(pack, 0) + line.quantity
                effective[pack] = min(effective.get(pack, date.max), line.started_on or today)
        if not held and channels:
            # The offer bills per channel with a product outside its pack table: hold the best
            # tariff from today; the lines follow at the next period start (TRK-5).
            selection = best_packs(channels, table.options(), cap=table.max_channels)
            by_size = {p.channels: p for p in table.packs.all() if p.is_active}
            held = {by_size[size]: count for size, count in selection.items()}
            effective = {pack: today for pack in held}
    secret = credentials.new_secret()
    trunk = Trunk.objects.create(
        contract=contract,
        username=_new_username(Trunk, "trk"),
        secret_encrypted=credentials.encrypt(secret),
        secret_issued_at=timezone.now(),
    )
    for pack, count in held.items():
        _write_ledger(
            trunk, {pack: count}, day=effective[pack], cause=LedgerCause.INITIAL, actor=actor
        )
    _destinations_init(trunk)
    audit_record(
        action="trunk.create",
        instance=trunk,
        actor=actor,
        api_key=api_key,
        client=contract.client,
        after={"contract": contract.reference, "packs": _describe(_held_lines(held))},
    )
    return trunk, secret


# --- TRK-3 quote and orders ------------------------------------------------------------------


@dataclass
class ChannelQuote:
    """TRK-3: what the customer sees before confirming an increase.

    ``packs_added`` cover the added channels at the best tariff (existing packs are kept until
    the period ends); the pro-rata is their monthly price × days from the activation day
    (inclusive) to the end of the billing period / days in the period. From the next period the
    trunk is re-optimised (TRK-5): ``next_packs`` and ``next_monthly_price`` are that tariff.
    """

    trunk: Trunk
    max_channels: int
    current_channels: int
    current_packs: list[PackLine]
    current_monthly_price: Decimal
    channels_requested: int
    packs_added: list[PackLine]
    monthly_price_added: Decimal
    new_channels: int
    activation_day: date
    period_start: date
    period_end: date  # exclusive: the next renewal date
    prorata_days: int
    period_days: int
    prorata_price: Decimal  # € HT, 4 decimals (the invoice line rounds it once)
    prorata_net: Decimal  # € HT, rounded to the cent, as the invoice line will show it
    prorata_gross: Decimal  # € TTC at the customer's VAT regime (what a prepaid debit takes)
    next_packs: list[PackLine] = field(default_factory=list)
    next_channels: int = 0
    next_monthly_price: Decimal = Decimal("0")

    @property
    def current_period_monthly_price(self) -> Decimal:
        """What the packs held cost a month for the rest of this period, after the order."""
        return self.current_monthly_price + self.monthly_price_added


def channel_quote(
    *, trunk: Trunk, add: int | None = None, total: int | None = None, today: date | None = None
) -> ChannelQuote:
    """TRK-3: the quote for ``add`` more channels (or for ``total`` channels in all), paid and
    activated ``today``. Nothing is written. Raises ValidationError naming ``add``/``total``
    (fewer than one channel added, or beyond the cap) and InvalidTransition when the contract is
    not active."""
    today = today or offers.paris_today()
    contract = trunk.contract
    _require_active(contract)
    table = selectors.pack_table_for(trunk)
    held = selectors.packs_held(trunk, today)
    current = sum(pack.channels * count for pack, count in held.items())
    field_name = "add" if total is None else "total"
    if add is None and total is None:
        raise ValidationError({"add": _("Give the channels to add or the new total.")})
    if add is None:
        add = total - current
    if add < 1:
        raise ValidationError(
            {field_name: _("The trunk already has %(n)s channels: ask for more.") % {"n": current}}
        )
    room = table.max_channels - current
    try:
        if add > room:
            raise NoPackCombination
        added = best_packs(add, table.options(), cap=room)
        upcoming = best_packs(current + add, table.options(), cap=table.max_channels)
    except NoPackCombination as error:
        raise CapacityExceeded(
            {
                field_name: _("A trunk holds at most %(max)s channels; this one has %(n)s.")
                % {"max": table.max_channels, "n": current}
            },
            code="capacity_exceeded",
        ) from error
    packs_added = _pack_lines(added, table)
    monthly_added = _monthly(packs_added)
    period = month_period(today)  # billing periods are calendar months (SPEC, Time)
    days = (period.end - today).days
    period_days = days_in_month(today)
    prorata_price = amounts.prorata(monthly_added, days, period_days)
    prorata_net = amounts.round_money(prorata_price)
    current_lines = _held_lines(held)
    next_lines = _pack_lines(upcoming, table)
    return ChannelQuote(
        trunk=trunk,
        max_channels=table.max_channels,
        current_channels=current,
        current_packs=current_lines,
        current_monthly_price=_monthly(current_lines),
        channels_requested=add,
        packs_added=packs_added,
        monthly_price_added=monthly_added,
        new_channels=current + added.channels,
        activation_day=today,
        period_start=max(period.start, contract.current_period_start or period.start),
        period_end=period.end,
        prorata_days=days,
        period_days=period_days,
        prorata_price=prorata_price,
        prorata_net=prorata_net,
        prorata_gross=payments.gross_amount(client=contract.client, net=prorata_net),
        next_packs=next_lines,
        next_channels=upcoming.channels,
        next_monthly_price=_monthly(next_lines),
    )


def _order_transition(order: ChannelOrder, to_status: str, *, actor=None, api_key=None, fields=()):
    from_status = order.status
    if to_status not in ORDER_TRANSITIONS[from_status]:
        raise InvalidTransition(
            _("This order is %(status)s: it cannot become %(to)s.")
            % {
                "status": OrderStatus(from_status).label.lower(),
                "to": OrderStatus(to_status).label.lower(),
            },
            code="invalid_transition",
        )
    order.status = to_status
    order.save(update_fields=["status", "updated_at", *fields])
    audit_record(
        action=f"channel_order.{to_status}",
        instance=order,
        actor=actor,
        api_key=api_key,
        client=order.trunk.contract.client,
        before={"status": from_status},
        after={"status": to_status},
    )
    return order


def _apply_quote(order: ChannelOrder, quote: ChannelQuote) -> None:
    order.packs = [line.as_json() for line in quote.packs_added]
    order.channels_added = quote.new_channels - quote.current_channels
    order.monthly_price_added = quote.monthly_price_added
    order.activation_day = quote.activation_day
    order.period_end = quote.period_end
    order.prorata_days = quote.prorata_days
    order.period_days = quote.period_days
    order.prorata_price = quote.prorata_price
    order.amount_gross = quote.prorata_gross


@transaction.atomic
def channel_order_create(
    *,
    trunk: Trunk,
    add: int | None = None,
    total: int | None = None,
    actor=None,
    api_key=None,
    today: date | None = None,
    confirm: bool = True,
) -> ChannelOrder:
    """TRK-3: an order for more channels, with its quote. ``confirm`` (the default) moves it
    straight to ``awaiting_payment``; otherwise it stays ``quoted`` until
    ``channel_order_confirm``. Nothing is active before ``channel_order_pay``."""
    today = today or offers.paris_today()
    trunk = Trunk.objects.select_related("contract__client", "contract__offer").get(pk=trunk.pk)
    quote = channel_quote(trunk=trunk, add=add, total=total, today=today)
    order = ChannelOrder(
        trunk=trunk,
        reference=f"tmp-{_secrets.token_hex(6)}",
        channels_requested=quote.channels_requested,
        expires_on=today + timedelta(days=ORDER_VALIDITY_DAYS),
        created_by=actor if actor is not None and actor.is_authenticated else None,
        created_by_api_key=api_key,
    )
    _apply_quote(order, quote)
    order.save()
    order.reference = f"CH-{today.year}-{order.pk:06d}"
    order.save(update_fields=["reference"])
    audit_record(
        action="channel_order.quoted",
        instance=order,
        actor=actor,
        api_key=api_key,
        client=trunk.contract.client,
        after={
            "channels": quote.channels_requested,
            "packs": _describe(quote.packs_added),
            "prorata": quote.prorata_price,
        },
    )
    if confirm:
        _order_transition(order, OrderStatus.AWAITING_PAYMENT, actor=actor, api_key=api_key)
    return order


@transaction.atomic
def channel_order_confirm(*, order: ChannelOrder, actor=None, api_key=None) -> ChannelOrder:
    """TRK-3: the customer confirms a saved quote; the order now waits for its payment."""
    order = (
        ChannelOrder.objects.select_for_update(of=("self",))
        .select_related("trunk__contract")
        .get(pk=order.pk)
    )
    return _order_transition(order, OrderStatus.AWAITING_PAYMENT, actor=actor, api_key=api_key)


def _take_payment(order, quote, *, method, payment, actor) -> bool:
    """TRK-3 "paid": returns whether the pending charge is already paid."""
    client = order.trunk.contract.client
    description = _("Channel order %(ref)s") % {"ref": order.reference}
    if method == PaymentChoice.PREPAID:
        if quote.prorata_gross > 0:
            entry = payments.prepaid_debit(
                client=client,
                amount=quote.prorata_gross,
                source_type=SOURCE_TYPE,
                source_id=order.pk,
                description=description,
                actor=actor,
            )
            order.payment_reference = f"prepaid:{entry.pk}"
        return True
    if method == PaymentChoice.DIRECT_DEBIT:
        if not payment_selectors.direct_debit_available(client):
            raise ValidationError(
                {
                    "method": _(
                        "Direct debit needs an active SEPA mandate and no unpaid invoice "
                        "being chased."
                    )
                },
                code="direct_debit_unavailable",
            )
        order.payment_reference = "direct_debit"
        return False
    if method == PaymentChoice.RECORDED_PAYMENT:
        if (
            payment is None
            or payment.client_id != client.pk
            or payment.source_type != SOURCE_TYPE
            or payment.source_id != str(order.pk)
        ):
            raise ValidationError({"payment": _("Record the payment of this order first.")})
        if payment.amount < quote.prorata_gross:
            raise ValidationError(
                {
                    "payment": _("The payment (%(paid)s €) does not cover %(due)s €.")
                    % {"paid": payment.amount, "due": quote.prorata_gross}
                }
            )
        order.payment_reference = f"payment:{payment.pk}"
        return True
    raise ValidationError({"method": _("Choose how the order is paid.")})


@transaction.atomic
def channel_order_pay(
    *,
    order: ChannelOrder,
    method: str,
    payment=None,
    actor=None,
    api_key=None,
    today: date | None = None,
) -> ChannelOrder:
    """TRK-3: pay an order and activate its channels at once, in one transaction.

    ``method``: ``prepaid`` (the balance is debited the TTC pro-rata; ``InsufficientBalance``
    when short), ``direct_debit`` (an active mandate and no dunning; the charge is invoiced and
    debited) or ``recorded_payment`` (``payment`` recorded by staff for this order, covering
    it). Then: ledger rows (capacity up from today), contract lines from the next period start,
    the pro-rata pending charge (paid unless by direct debit). Any refusal writes nothing and
    the order stays ``awaiting_payment``.

    Cap (TRK-1): only active capacity + this order count, under the trunk's lock; an order that
    would exceed it is refused at payment (orders awaiting payment reserve nothing).
    """
    today = today or offers.paris_today()
    trunk_id = ChannelOrder.objects.values_list("trunk_id", flat=True).get(pk=order.pk)
    contract_id = Trunk.objects.values_list("contract_id", flat=True).get(pk=trunk_id)
    contract = Contract.objects.select_for_update().get(pk=contract_id)
    if contract.current_period_end is not None and contract.current_period_end <= today:
        # Paid before today's renewal job ran: the period starting today comes first.
        offers.contract_renew(contract_id=contract.pk, today=today)
    trunk = _lock_trunk(Trunk(pk=trunk_id))
    order = ChannelOrder.objects.select_for_update().get(pk=order.pk)
    order.trunk = trunk
    if order.status != OrderStatus.AWAITING_PAYMENT:
        raise InvalidTransition(
            _("This order is %(status)s: it cannot be paid.")
            % {"status": OrderStatus(order.status).label.lower()},
            code="invalid_transition",
        )
    if today >= order.expires_on:
        raise InvalidTransition(
            _("This order has expired: ask for a new quote."), code="order_expired"
        )
    try:
        quote = channel_quote(trunk=trunk, add=order.channels_requested, today=today)
    except CapacityExceeded as error:
        raise InvalidTransition(
            _("Paying this order would take the trunk beyond its %(max)s channels.")
            % {"max": selectors.pack_table_for(trunk).max_channels},
            code="capacity_exceeded",
        ) from error
    _apply_quote(order, quote)
    is_paid = _take_payment(order, quote, method=method, payment=payment, actor=actor)
    now = timezone.now()
    order.payment_method = method
    order.paid_at = now
    _order_transition(
        order,
        OrderStatus.PAID,
        actor=actor,
        api_key=api_key,
        fields=[
            "packs",
            "channels_added",
            "monthly_price_added",
            "activation_day",
            "period_end",
            "prorata_days",
            "period_days",
            "prorata_price",
            "amount_gross",
            "payment_method",
            "payment_reference",
            "paid_at",
        ],
    )
    # Activation, right after payment (TRK-3).
    table = selectors.pack_table_for(trunk)
    by_size = {p.channels: p for p in table.packs.all() if p.is_active}
    added = {by_size[line.channels]: line.count for line in quote.packs_added}
    _write_ledger(trunk, added, day=today, cause=LedgerCause.ORDER, order=order, actor=actor)
    next_start = contract.current_period_end or quote.period_end
    for pack, count in added.items():
        ContractLine.objects.create(
            contract=contract,
            product=pack.product,
            quantity=count,
            unit_setup_price=Decimal("0"),
            unit_monthly_price=pack.monthly_price,
            started_on=next_start,
        )
    billing.charge_post(
        client=contract.client,
        kind="prorata",
        source_type=SOURCE_TYPE,
        source_id=order.pk,
        period_start=today,
        period_end=quote.period_end,
        description=_("%(trunk)s: +%(n)s channels (%(packs)s), %(days)s/%(period)s days")
        % {
            "trunk": str(trunk),
            "n": order.channels_added,
            "packs": _describe(quote.packs_added),
            "days": quote.prorata_days,
            "period": quote.period_days,
        },
        unit_price=quote.prorata_price,
        quantity=1,
        contract=contract,
        is_paid=is_paid,
        actor=actor,
    )
    order.activated_at = timezone.now()
    _order_transition(
        order, OrderStatus.ACTIVE, actor=actor, api_key=api_key, fields=["activated_at"]
    )
    notify_client(
        contract.client,
        "telephony/email/channels_added",
        {"order": order, "trunk": trunk, "quote": quote},
        roles=MONEY_ROLES,
    )
    return order


@transaction.atomic
def channel_order_record_payment(
    *,
    order: ChannelOrder,
    method: str,
    received_on: date,
    reference: str,
    amount: Decimal | None = None,
    actor=None,
    today: date | None = None,
) -> ChannelOrder:
    """TRK-3: staff record a card or transfer payment for an order (``amount`` TTC, by default
    the pro-rata due if activated today) and the order is paid and activated, in one
    transaction. The contract and trunk rows are locked before the payment locks the customer
    (``payments.payment_record``): the lock order of every capacity change, so a concurrent
    order creation cannot deadlock with it."""
    today = today or offers.paris_today()
    trunk_id = ChannelOrder.objects.values_list("trunk_id", flat=True).get(pk=order.pk)
    trunk = Trunk.objects.select_related("contract").get(pk=trunk_id)
    Contract.objects.select_for_update().get(pk=trunk.contract_id)
    trunk = _lock_trunk(trunk)
    if amount is None:
        amount = channel_quote(trunk=trunk, add=order.channels_requested, today=today).prorata_gross
    payment = payments.payment_record(
        client=trunk.contract.client,
        amount=amount,
        method=method,
        received_on=received_on,
        reference=reference,
        source_type=SOURCE_TYPE,
        source_id=order.pk,
        actor=actor,
    )
    return channel_order_pay(
        order=order,
        method=PaymentChoice.RECORDED_PAYMENT,
        payment=payment,
        actor=actor,
        today=today,
    )


@transaction.atomic
def channel_order_cancel(*, order: ChannelOrder, actor=None, api_key=None) -> ChannelOrder:
    """TRK-3: an unpaid order can be cancelled; a paid one cannot."""
    order = (
        ChannelOrder.objects.select_for_update(of=("self",))
        .select_related("trunk__contract")
        .get(pk=order.pk)
    )
    order.cancelled_at = timezone.now()
    return _order_transition(
        order, OrderStatus.CANCELLED, actor=actor, api_key=api_key, fields=["cancelled_at"]
    )


def channel_orders_to_expire(today: date):
    """TRK-3: orders still unpaid on their expiry day (7 days after they were quoted)."""
    return ChannelOrder.objects.filter(
        status__in=[OrderStatus.QUOTED, OrderStatus.AWAITING_PAYMENT], expires_on__lte=today
    )


def channel_order_expire(*, order_id: int, today: date) -> bool:
    """TRK-3: expire one unpaid order (daily job). Idempotent: False when there is nothing to
    do (already paid, cancelled or expired, or not due)."""
    with transaction.atomic():
        order = (
            channel_orders_to_expire(today)
            .select_for_update(of=("self",))
            .select_related("trunk__contract")
            .filter(pk=order_id)
            .first()
        )
        if order is None:
            return False
        order.expired_at = timezone.now()
        _order_transition(order, OrderStatus.EXPIRED, fields=["expired_at"])
        return True


# --- TRK-4 decrease ---------------------------------------------------------------------------


@transaction.atomic
def channel_decrease_request(
    *,
    trunk: Trunk,
    channels_to_remove: int | None = None,
    new_total: int | None = None,
    actor=None,
    api_key=None,
    today: date | None = None,
) -> ChannelDecrease:
    """TRK-4: fewer channels from the next renewal date (the capacity is unchanged until then).
    Never below 1 channel; one pending decrease per trunk (cancel it to ask another). The
    number removed is kept: an increase paid meanwhile stays on top of it."""
    today = today or offers.paris_today()
    trunk = _lock_trunk(trunk)
    contract = trunk.contract
    _require_active(contract)
    current = selectors.trunk_capacity(trunk, today)
    field_name = "channels_to_remove" if new_total is None else "new_total"
    if channels_to_remove is None and new_total is None:
        raise ValidationError({"new_total": _("Give the new total or the channels to remove.")})
    if channels_to_remove is None:
        channels_to_remove = current - new_total
    if channels_to_remove < 1:
        raise ValidationError({field_name: _("A decrease removes at least one channel.")})
    if current - channels_to_remove < 1:
        raise ValidationError({field_name: _("A trunk keeps at least one channel.")})
    if trunk.decreases.filter(status=DecreaseStatus.PENDING).exists():
        raise InvalidTransition(
            _("A decrease is already pending: cancel it first."), code="decrease_pending"
        )
    decrease = ChannelDecrease.objects.create(
        trunk=trunk,
        channels_to_remove=channels_to_remove,
        channels_before=current,
        effective_on=contract.current_period_end,
        requested_by=actor if actor is not None and actor.is_authenticated else None,
        requested_by_api_key=api_key,
    )
    audit_record(
        action="channel_decrease.request",
        instance=decrease,
        actor=actor,
        api_key=api_key,
        client=contract.client,
        after={
            "channels_before": current,
            "channels_after": decrease.channels_after,
            "effective_on": decrease.effective_on,
        },
    )
    return decrease


@transaction.atomic
def channel_decrease_cancel(
    *, decrease: ChannelDecrease, actor=None, api_key=None, today: date | None = None
) -> ChannelDecrease:
    """TRK-4: a pending decrease can be cancelled until it applies."""
    today = today or offers.paris_today()
    trunk = _lock_trunk(decrease.trunk)
    decrease = ChannelDecrease.objects.select_for_update().get(pk=decrease.pk)
    if decrease.status != DecreaseStatus.PENDING or today >= decrease.effective_on:
        raise InvalidTransition(
            _("This decrease is not pending any more."), code="invalid_transition"
        )
    decrease.status = DecreaseStatus.CANCELLED
    decrease.cancelled_at = timezone.now()
    decrease.cancelled_by = actor if actor is not None and actor.is_authenticated else None
    decrease.save(update_fields=["status", "cancelled_at", "cancelled_by", "updated_at"])
    audit_record(
        action="channel_decrease.cancel",
        instance=decrease,
        actor=actor,
        api_key=api_key,
        client=trunk.contract.client,
        before={"status": DecreaseStatus.PENDING},
        after={"status": DecreaseStatus.CANCELLED},
    )
    return decrease


# --- TRK-4 / TRK-5 at each period start -----------------------------------------------------


@dataclass
class PeriodStartResult:
    """What the period start did to a trunk (TRK-4, TRK-5)."""

    trunk: Trunk
    channels_before: int
    channels_after: int
    packs_before: list[PackLine]
    packs_after: list[PackLine]
    monthly_before: Decimal
    monthly_after: Decimal
    decreases_applied: list[ChannelDecrease]

    @property
    def changed(self) -> bool:
        return _describe(self.packs_before) != _describe(self.packs_after)

    @property
    def monthly_saving(self) -> Decimal:
        return self.monthly_before - self.monthly_after


def trunk_period_start(*, contract: Contract, period_start: date) -> PeriodStartResult | None:
    """TRK-4 then TRK-5, on the first day of a period (``offers.signals.period_started``, inside
    the renewal's transaction with the contract locked): pending decreases due by then apply,
    then the packs are replaced by the best tariff (TRK-2) for that day's channel count; the
    contract lines follow; the customer is told what changed and what it saves a month.

    Idempotent: a second call for the same day finds the packs already optimal and the
    decreases applied, and writes nothing. A TRUNK contract whose trunk has not been set up
    (``trunk_create``) keeps its lines: it has no packs to re-optimise yet.
    """
    with transaction.atomic():
        trunk = Trunk.objects.filter(contract=contract).first()
        if trunk is None:
            return None
        trunk = _lock_trunk(trunk)
        table = selectors.pack_table_for(trunk)
        held = selectors.packs_held(trunk, period_start)
        before = sum(pack.channels * count for pack, count in held.items())
        decreases = list(
            trunk.decreases.select_for_update().filter(
                status=DecreaseStatus.PENDING, effective_on__lte=period_start
            )
        )
        channels = max(before - sum(d.channels_to_remove for d in decreases), 1)
        selection = best_packs(channels, table.options(), cap=max(table.max_channels, channels))
        by_size = {p.channels: p for p in table.packs.all() if p.is_active}
        target = {by_size[size]: count for size, count in selection.items()}
        diff = {pack: target.get(pack, 0) - held.get(pack, 0) for pack in set(held) | set(target)}
        now = timezone.now()
        for decrease in decreases:
            decrease.status = DecreaseStatus.APPLIED
            decrease.applied_at = now
            decrease.save(update_fields=["status", "applied_at", "updated_at"])
        _write_ledger(
            trunk,
            diff,
            day=period_start,
            cause=LedgerCause.DECREASE if decreases else LedgerCause.REOPTIMISATION,
            decrease=decreases[0] if decreases else None,
        )
        _sync_lines(trunk.contract, table, target, period_start)
        result = PeriodStartResult(
            trunk=trunk,
            channels_before=before,
            channels_after=selection.channels,
            packs_before=_held_lines(held),
            packs_after=_held_lines(target),
            monthly_before=_monthly(_held_lines(held)),
            monthly_after=_monthly(_held_lines(target)),
            decreases_applied=decreases,
        )
        if result.changed:
            audit_record(
                action="trunk.reoptimise",
                instance=trunk,
                client=trunk.contract.client,
                before={"packs": _describe(result.packs_before), "monthly": result.monthly_before},
                after={
                    "packs": _describe(result.packs_after),
                    "monthly": result.monthly_after,
                    "decreases": [d.pk for d in decreases],
                    "period_start": period_start,
                },
            )
            notify_client(
                trunk.contract.client,
                "telephony/email/packs_reoptimised",
                {"result": result, "trunk": trunk, "period_start": period_start},
                roles=MONEY_ROLES,
            )
        return result


def trunks_renew_for_run(*, target: date) -> int:
    """BIL-1: before the run prices month ``target`` in advance, renew the trunks whose period
    ends by then, so that their decreases and re-optimisation of ``target``'s first day are in
    the lines the run reads. ``contract_renew`` is idempotent: the nightly job finds them done."""
    ids = Contract.objects.filter(
        status__in=LIVE_STATUSES,
        current_period_end__lte=target,
        terms_snapshot__preset=Preset.TRUNK,
        trunk__isnull=False,
    ).values_list("pk", flat=True)
    return sum(offers.contract_renew(contract_id=pk, today=target) for pk in list(ids))


# --- ACC-7 SIP accounts and credentials -----------------------------------------------------


def _lock_credentials(account):
    return type(account).objects.select_for_update().get(pk=account.pk)


@transaction.atomic
def sip_account_create(
    *,
    contract: Contract,
    label: str = "",
    mobility: bool = False,
    actor=None,
    api_key=None,
) -> tuple[SipAccount, str]:
    """ACC-7: a SIP account of a SIP-UNL or hosted contract, with a generated username and
    secret, and premium/high-risk destinations blocked (TRK-6). Returns ``(account, secret)``:
    the secret is shown once and stored only encrypted."""
    if contract.preset not in SIP_PRESETS:
        raise ValidationError(
            {"contract": _("SIP accounts belong to SIP or hosted telephony contracts.")}
        )
    if contract.status == ContractStatus.TERMINATED:
        raise InvalidTransition(_("This contract is terminated."), code="invalid_transition")
    secret = credentials.new_secret()
    account = SipAccount.objects.create(
        contract=contract,
        label=label,
        mobility=mobility,
        username=_new_username(SipAccount, "sip"),
        secret_encrypted=credentials.encrypt(secret),
        secret_issued_at=timezone.now(),
    )
    _destinations_init(account)
    audit_record(
        action="sip_account.create",
        instance=account,
        actor=actor,
        api_key=api_key,
        client=contract.client,
        after={"username": account.username, "mobility": mobility},
    )
    return account, secret


@transaction.atomic
def sip_account_update(
    *, account: SipAccount, label: str | None = None, mobility: bool | None = None, actor=None
) -> SipAccount:
    account = _lock_credentials(account)
    before = {"label": account.label, "mobility": account.mobility}
    if label is not None:
        account.label = label
    if mobility is not None:
        account.mobility = mobility
    account.save(update_fields=["label", "mobility", "updated_at"])
    audit_record(
        action="sip_account.update",
        instance=account,
        actor=actor,
        client=account.contract.client,
        before=before,
        after={"label": account.label, "mobility": account.mobility},
    )
    return account


def _issue_secret(account) -> str:
    secret = credentials.new_secret()
    account.secret_encrypted = credentials.encrypt(secret)
    account.secret_issued_at = timezone.now()
    return secret


@transaction.atomic
def sip_credentials_reset(*, account: SipAccount | Trunk, actor=None, api_key=None) -> tuple:
    """ACC-7: a new secret for a SIP account or a trunk (the old one stops working). Returns
    ``(account, secret)``: the secret is shown once."""
    account = _lock_credentials(account)
    secret = _issue_secret(account)
    account.save(update_fields=["secret_encrypted", "secret_issued_at", "updated_at"])
    audit_record(
        action=f"{account._meta.model_name}.credentials_reset",
        instance=account,
        actor=actor,
        api_key=api_key,
        client=account.contract.client,
        after={"secret": "reissued"},
    )
    return account, secret


@transaction.atomic
def sip_credentials_declare_compromised(
    *, account: SipAccount | Trunk, actor=None, api_key=None
) -> tuple:
    """ACC-7: credentials declared compromised by the customer or staff: the account (or the
    trunk's registration) is disabled at once, a new secret is issued (shown once: returned as
    ``(account, secret)``), its registered devices are dropped (they used the old secret), the
    audit log records it and the customer's admin and technical contacts are told by e-mail.
    Re-enabled by ``sip_credentials_enable`` once the new secret is on the devices."""
    account = _lock_credentials(account)
    before = account.status
    secret = _issue_secret(account)
    account.disabled_at = timezone.now()
    account.status = SipStatus.DISABLED
    account.save(
        update_fields=[
            "secret_encrypted",
            "secret_issued_at",
            "disabled_at",
            "status",
            "updated_at",
        ]
    )
    dropped = 0
    if isinstance(account, SipAccount):
        dropped, _rows = account.devices.all().delete()
    audit_record(
        action=f"{account._meta.model_name}.declare_compromised",
        instance=account,
        actor=actor,
        api_key=api_key,
        client=account.contract.client,
        before={"status": before},
        after={"status": account.status, "secret": "reissued", "devices_dropped": dropped},
    )
    notify_client(
        account.contract.client,
        "telephony/email/credentials_compromised",
        {"account": account, "declared_by": actor},
        roles=TECHNICAL_ROLES,
    )
    return account, secret


@transaction.atomic
def sip_credentials_enable(*, account: SipAccount | Trunk, actor=None, api_key=None):
    """ACC-7: credentials disabled after a compromise work again (with their new secret)."""
    account = _lock_credentials(account)
    if account.disabled_at is None:
        raise InvalidTransition(_("These credentials are not disabled."), code="invalid_transition")
    account.disabled_at = None
    account.status = _status_of(account)
    account.save(update_fields=["disabled_at", "status", "updated_at"])
    audit_record(
        action=f"{account._meta.model_name}.enable",
        instance=account,
        actor=actor,
        api_key=api_key,
        client=account.contract.client,
        before={"status": SipStatus.DISABLED},
        after={"status": account.status},
    )
    return account


@transaction.atomic
def sip_account_suspend(
    *, account: SipAccount, reason: str, note: str = "", actor=None
) -> SipSuspension:
    """CON-8: staff suspend one SIP account with a reason of the closed list; logged, the
    customer is told. The account keeps being billed (suspension is not termination)."""
    if reason not in SuspensionReason.values:
        raise ValidationError({"reason": _("Choose a reason from the list.")})
    account = _lock_credentials(account)
    if account.suspensions.filter(lifted_at__isnull=True).exists():
        raise InvalidTransition(
            _("This SIP account is already suspended."), code="invalid_transition"
        )
    suspension = SipSuspension.objects.create(
        account=account, reason=reason, note=note, started_at=timezone.now(), started_by=actor
    )
    before = account.status
    account.status = _status_of(account)
    account.save(update_fields=["status", "updated_at"])
    audit_record(
        action="sip_account.suspend",
        instance=account,
        actor=actor,
        client=account.contract.client,
        before={"status": before},
        after={"status": account.status, "reason": reason, "note": note},
    )
    notify_client(
        account.contract.client,
        "telephony/email/sip_suspended",
        {"account": account, "suspension": suspension},
        roles=TECHNICAL_ROLES,
    )
    return suspension


@transaction.atomic
def sip_account_lift_suspension(*, account: SipAccount, actor=None) -> SipSuspension:
    """CON-8: lifting a suspension is one action; the customer is told."""
    account = _lock_credentials(account)
    suspension = account.suspensions.select_for_update().filter(lifted_at__isnull=True).first()
    if suspension is None:
        raise InvalidTransition(_("This SIP account is not suspended."), code="invalid_transition")
    suspension.lift(at=timezone.now(), by=actor)
    before = account.status
    account.status = _status_of(account)
    account.save(update_fields=["status", "updated_at"])
    audit_record(
        action="sip_account.lift_suspension",
        instance=account,
        actor=actor,
        client=account.contract.client,
        before={"status": before},
        after={"status": account.status},
    )
    notify_client(
        account.contract.client,
        "telephony/email/sip_suspension_lifted",
        {"account": account},
        roles=TECHNICAL_ROLES,
    )
    return suspension


@transaction.atomic
def sip_device_register(
    *,
    account: SipAccount,
    device_id: str,
    user_agent: str = "",
    supplied_by_reseller: bool = False,
    seen_at=None,
) -> SipDevice:
    """ACC-7: a device seen registering on the account (from provisioning), or declared by
    staff. A disabled account registers nothing."""
    if account.disabled_at is not None:
        raise InvalidTransition(_("This SIP account is disabled."), code="account_disabled")
    device, _created = SipDevice.objects.update_or_create(
        account=account,
        device_id=device_id,
        defaults={
            "user_agent": user_agent[:200],
            "supplied_by_reseller": supplied_by_reseller,
            "last_seen_at": seen_at or timezone.now(),
        },
    )
    return device


@transaction.atomic
def sip_device_remove(*, device: SipDevice, actor=None) -> None:
    audit_record(
        action="sip_device.remove",
        instance=device.account,
        actor=actor,
        client=device.account.contract.client,
        before={"device": device.device_id, "user_agent": device.user_agent},
    )
    device.delete()


# --- TRK-6 destinations ----------------------------------------------------------------------


def _owner_kwargs(owner) -> dict:
    if isinstance(owner, Trunk):
        return {"trunk": owner}
    if isinstance(owner, SipAccount):
        return {"sip_account": owner}
    raise TypeError("destinations belong to a trunk or a SIP account")


def _destinations_init(owner) -> None:
    """TRK-6: a new trunk or SIP account starts with every group at its default (premium-rate
    and high-risk blocked)."""
    DestinationSetting.objects.bulk_create(
        DestinationSetting(group=group, blocked=group.blocked_by_default, **_owner_kwargs(owner))
        for group in DestinationGroup.objects.all()
    )


def _destination_set(*, owner, group, blocked: bool, actor, api_key) -> DestinationSetting:
    kwargs = _owner_kwargs(owner)
    type(owner).objects.select_for_update().get(pk=owner.pk)
    setting = DestinationSetting.objects.filter(group=group, **kwargs).first()
    before = setting.blocked if setting is not None else group.blocked_by_default
    if setting is None:
        try:
            with transaction.atomic():
                setting = DestinationSetting.objects.create(group=group, blocked=blocked, **kwargs)
        except IntegrityError:  # pragma: no cover - created meanwhile; the lock above prevents it
            setting = DestinationSetting.objects.get(group=group, **kwargs)
    if setting.blocked != blocked:
        setting.blocked = blocked
        setting.save(update_fields=["blocked", "updated_at"])
    if before != blocked:
        audit_record(
            action=f"destination.{'block' if blocked else 'unblock'}",
            instance=owner,
            actor=actor,
            api_key=api_key,
            client=owner.contract.client,
            before={"group": group.code, "blocked": before},
            after={"group": group.code, "blocked": blocked},
        )
    return setting


@transaction.atomic
def destination_block(
    *, owner: Trunk | SipAccount, group: DestinationGroup, actor=None, api_key=None
) -> DestinationSetting:
    """TRK-6: ``owner`` may no longer call ``group``; audited with who, before and after."""
    return _destination_set(owner=owner, group=group, blocked=True, actor=actor, api_key=api_key)


@transaction.atomic
def destination_unblock(
    *, owner: Trunk | SipAccount, group: DestinationGroup, actor=None, api_key=None
) -> DestinationSetting:
    """TRK-6: ``owner`` may call ``group`` again; audited with who, before and after."""
    return _destination_set(owner=owner, group=group, blocked=False, actor=actor, api_key=api_key)
