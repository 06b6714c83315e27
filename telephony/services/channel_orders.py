"""TRK-3: channel orders: created with their quote, confirmed, paid (prepaid balance, direct
debit, or a payment recorded by staff) and activated at once, cancelled, expired after 7 days
unpaid.

Billing: the packs billed are the TRUNK contract's lines, one line per pack product and stretch
of time (a change ends the old line and starts a new one at a period start). An order's packs
start their line on the next billing month's first day: the order itself pays the pro-rata of
the current month (TRK-3) and ``billing.plan`` must not bill that month a second time.
"""

import secrets as _secrets
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.audit import audit_record
from accounts.notifications import notify_client
from billing import services as billing
from kernel.errors import InvalidTransition
from kernel.money import money_number
from offers import services as offers
from offers.models import Contract, ContractLine
from payments import selectors as payment_selectors
from payments import services as payments
from telephony import selectors
from telephony.choices import ORDER_TRANSITIONS, LedgerCause, OrderStatus, PaymentChoice
from telephony.events import announce_order
from telephony.models import ChannelOrder, Trunk
from telephony.services.capacity import CapacityExceeded, lock_trunk, write_ledger
from telephony.services.channel_quotes import ChannelQuote, channel_quote
from telephony.services.notices import MONEY_ROLES
from telephony.services.pack_lines import describe

# TRK-3: an order unpaid for 7 days expires. ``expires_on`` is its last day to pay (quote day +
# 7: the day of the quote does not count and the 7th day counts whole, art. 641-642 CPC), the
# day the order page shows (« Valable jusqu'au ») and the billing queue's deadline; the daily
# job expires it the day after.
ORDER_VALIDITY_DAYS = 7
SOURCE_TYPE = "channel_order"  # pending charge, prepaid debit and recorded payment of an order


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
    announce_order(order, order.trunk.contract.client)
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
            "packs": describe(quote.packs_added),
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


def _lock_customer(trunk_id) -> int:
    """The customer's row locked before its contract (``capacity``'s lock order): a payment,
    a CDR batch's prepaid debit or a suspension lift of the same customer holds it first and
    then takes contracts; taken in the other order, the two would deadlock. Returns the
    trunk's contract id."""
    contract_id, client_id = Trunk.objects.values_list("contract_id", "contract__client_id").get(
        pk=trunk_id
    )
    payments.lock_payer(client_id=client_id)
    return contract_id


def _take_payment(order, quote, *, method, payment, actor) -> bool:
    """TRK-3 "paid": returns whether the pending charge is already paid."""
    client = order.trunk.contract.client
    # a ledger line is French (BIL-10), with its English twin for an English reader
    description = payments.ledger_text(
        lambda: _("Channel order %(ref)s") % {"ref": order.reference}
    )
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
                    % {
                        "paid": money_number(payment.amount),
                        "due": money_number(quote.prorata_gross),
                    }
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
    expected_amount: Decimal | None = None,
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

    ``expected_amount`` is the amount incl. VAT the payer was shown (the portal's order page):
    re-quoted today it may differ (a page read before midnight, paid after it: one day left of
    November shown, a whole December due), and then nothing is paid (``ValidationError`` on
    ``expected_amount``, code ``quote_changed``): money moves only for the amount shown.
    """
    today = today or offers.paris_today()
    trunk_id = ChannelOrder.objects.values_list("trunk_id", flat=True).get(pk=order.pk)
    contract_id = _lock_customer(trunk_id)
    contract = Contract.objects.select_for_update().get(pk=contract_id)
    if contract.current_period_end is not None and contract.current_period_end <= today:
        # Paid before today's renewal job ran: the period starting today comes first.
        offers.contract_renew(contract_id=contract.pk, today=today)
    trunk = lock_trunk(Trunk(pk=trunk_id))
    order = ChannelOrder.objects.select_for_update().get(pk=order.pk)
    order.trunk = trunk
    if order.status != OrderStatus.AWAITING_PAYMENT:
        raise InvalidTransition(
            _("This order is %(status)s: it cannot be paid.")
            % {"status": OrderStatus(order.status).label.lower()},
            code="invalid_transition",
        )
    if today > order.expires_on:
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
    if expected_amount is not None and quote.prorata_gross != expected_amount:
        raise ValidationError(
            {
                "expected_amount": _(
                    "The amount due has changed since it was shown: %(amount)s € incl. VAT if "
                    "paid today. Check it and pay again."
                )
                % {"amount": money_number(quote.prorata_gross)}
            },
            code="quote_changed",
        )
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
    write_ledger(trunk, added, day=today, cause=LedgerCause.ORDER, order=order, actor=actor)
    # The order pays up to the end of the billing month (a calendar month, SPEC "Time"); its
    # packs are billed from the next month's first day even when the contract's commitment
    # period runs longer (terms anchored on the signature for 12 months): starting them at the
    # period's end left the months in between unbilled.
    next_start = quote.period_end
    if quote.contract_ends_on is not None and quote.contract_ends_on <= next_start:
        added_lines = {}  # CON-4: the contract ends with the month the order pays
    else:
        added_lines = added
    for pack, count in added_lines.items():
        ContractLine.objects.create(
            contract=contract,
            product=pack.product,
            quantity=count,
            unit_setup_price=Decimal("0"),
            unit_monthly_price=pack.monthly_price,
            started_on=next_start,
        )
    # BIL-3: the words of an invoice line are French, whatever the payer's language.
    with translation.override(settings.LANGUAGE_CODE):
        description = ngettext(
            "%(trunk)s: +%(n)s channel (%(packs)s), %(days)s/%(period)s days",
            "%(trunk)s: +%(n)s channels (%(packs)s), %(days)s/%(period)s days",
            order.channels_added,
        ) % {
            "trunk": str(trunk),
            "n": order.channels_added,
            "packs": describe(quote.packs_added),
            "days": quote.prorata_days,
            "period": quote.period_days,
        }
    billing.charge_post(
        client=contract.client,
        kind="prorata",
        source_type=SOURCE_TYPE,
        source_id=order.pk,
        period_start=today,
        period_end=quote.period_end,
        description=description,
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
    transaction. The customer, contract and trunk rows are locked in that order before the
    payment is recorded: the lock order of every capacity change, so neither a concurrent
    order creation nor another payment of the customer (which lifts its suspensions) can
    deadlock with it.

    An amount above what the order costs today (a transfer of the amount quoted days before,
    recorded later: fewer days of pro-rata) pays the order with the amount due and the rest is
    recorded as a payment on account (BIL-4): it settles the customer's open invoices, then the
    next ones — the customer's money is never lost."""
    today = today or offers.paris_today()
    trunk_id = ChannelOrder.objects.values_list("trunk_id", flat=True).get(pk=order.pk)
    _lock_customer(trunk_id)
    trunk = Trunk.objects.select_related("contract").get(pk=trunk_id)
    Contract.objects.select_for_update().get(pk=trunk.contract_id)
    trunk = lock_trunk(trunk)
    try:
        due = channel_quote(trunk=trunk, add=order.channels_requested, today=today).prorata_gross
    except ValidationError:
        if amount is None:
            raise
        due = None  # not payable today: channel_order_pay refuses it with its own message
    amount = due if amount is None else Decimal(str(amount))
    rest = amount - due if due is not None and amount > due else Decimal("0")
    payment = payments.payment_record(
        client=trunk.contract.client,
        amount=amount - rest,
        method=method,
        received_on=received_on,
        reference=reference,
        source_type=SOURCE_TYPE,
        source_id=order.pk,
        actor=actor,
    )
    order = channel_order_pay(
        order=order,
        method=PaymentChoice.RECORDED_PAYMENT,
        payment=payment,
        actor=actor,
        today=today,
    )
    if rest > 0:
        payments.payment_record(
            client=trunk.contract.client,
            amount=rest,
            method=method,
            received_on=received_on,
            reference=reference,
            rest_of=payment,  # the same transfer: not refused as recorded twice
            actor=actor,
        )
    return order


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
    """TRK-3: orders still unpaid after their last day to pay (``expires_on``, 7 days after
    the day they were quoted)."""
    return ChannelOrder.objects.filter(
        status__in=[OrderStatus.QUOTED, OrderStatus.AWAITING_PAYMENT], expires_on__lt=today
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
