"""Customer portal pages of SIP trunks and SIP accounts (TRK-1..6, ACC-7, CON-8).

Every object is read through ``telephony.selectors`` from the signed-in member's customer:
another customer's trunk, order, decrease or SIP account is a 404 on GET and POST. Every member
may look; changing channels, paying an order, credentials and destinations need the
``technical`` permission (the admin and technical roles, ACC-2): a POST without it is a 403.

TRK-3 live quote: the trunk page's number input asks ``trunk_quote`` (an HTML fragment) as the
number changes (``static/js/channel_quote.js``); without JavaScript the form posts to
``trunk_change``, which shows the same quote with a confirm button.

ACC-7: a new secret is shown once, in the response to the POST that issues it, and never again
(the page is ``no-store``; a GET of the same address only offers the action).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from accounts.decorators import member_required
from kernel.forms import attach_errors
from offers import services as offers
from offers.choices import ContractStatus
from payments import selectors as payment_selectors
from payments.services import InsufficientBalance
from telephony import selectors, services
from telephony.choices import (
    OPEN_ORDER_STATUSES,
    DecreaseStatus,
    OrderStatus,
    PaymentChoice,
    SipStatus,
)
from telephony.forms import ChannelChangeForm, OrderPayForm
from telephony.models import ChannelDecrease, DestinationGroup, SipAccount, Trunk
from telephony.packs import NoPackCombination, best_packs

WRITE = "technical"  # ACC-2: channels, credentials and destinations (admin and technical roles)
ORDER_BADGES = {
    OrderStatus.QUOTED: "badge",
    OrderStatus.AWAITING_PAYMENT: "badge",
    OrderStatus.PAID: "badge ok",
    OrderStatus.ACTIVE: "badge ok",
    OrderStatus.CANCELLED: "badge off",
    OrderStatus.EXPIRED: "badge off",
}
SIP_BADGES = {
    SipStatus.ACTIVE: "badge ok",
    SipStatus.DISABLED: "badge alert",
    SipStatus.SUSPENDED: "badge alert",
}
CREDENTIAL_ACTIONS = ("reset", "compromised")


def _today() -> date:
    return offers.paris_today()


def _money(amount: Decimal) -> str:
    return number_format(amount, 2, force_grouping=True)


def _pack_lines(rows) -> list[services.PackLine]:
    """``(pack, count)`` pairs (or a ``packs_held`` dict) as PackLines, largest packs first."""
    items = rows.items() if isinstance(rows, dict) else rows
    return [
        services.PackLine(pack.channels, count, pack.monthly_price, pack.product.name)
        for pack, count in sorted(items, key=lambda kv: -kv[0].channels)
        if count
    ]


def _monthly(lines) -> Decimal:
    return sum((line.total for line in lines), Decimal("0"))


# --- TRK-3 / TRK-4: what a new total means --------------------------------------------------


@dataclass
class DecreasePreview:
    """TRK-4: a decrease to ``new_total`` channels, effective on the next renewal date; nothing
    is charged, the capacity is unchanged until then. From that day the packs are the best
    tariff (TRK-2) for the channels left (TRK-5 re-optimisation)."""

    trunk: Trunk
    current_channels: int
    current_packs: list
    current_monthly_price: Decimal
    new_total: int
    channels_removed: int
    effective_on: date | None
    next_packs: list = field(default_factory=list)
    next_channels: int = 0
    next_monthly_price: Decimal = Decimal("0")

    @property
    def monthly_saving(self) -> Decimal:
        return self.current_monthly_price - self.next_monthly_price


@dataclass
class ChangePreview:
    kind: str  # "increase" or "decrease"
    total: int
    quote: services.ChannelQuote | None = None
    decrease: DecreasePreview | None = None


def change_preview(trunk: Trunk, total: int, today: date) -> ChangePreview:
    """TRK-3 / TRK-4: what asking for ``total`` channels means on ``today``. Writes nothing.
    Raises ValidationError (on ``total`` where it is about the number)."""
    if trunk.contract.status != ContractStatus.ACTIVE:
        raise ValidationError(
            _("Channels can only change on an active trunk contract."), code="contract_not_active"
        )
    table = selectors.pack_table_for(trunk)
    if total < 1:
        raise ValidationError({"total": _("A trunk keeps at least one channel.")})
    if total > table.max_channels:
        raise ValidationError(
            {"total": _("A trunk holds at most %(max)s channels.") % {"max": table.max_channels}},
            code="capacity_exceeded",
        )
    held = selectors.packs_held(trunk, today)
    current = sum(pack.channels * count for pack, count in held.items())
    if total > current:
        quote = services.channel_quote(trunk=trunk, total=total, today=today)
        quote.period_last_day = quote.period_end - timedelta(days=1)
        return ChangePreview(kind="increase", total=total, quote=quote)
    if total == current:
        raise ValidationError(
            {"total": _("The trunk already has %(n)s channels.") % {"n": current}},
            code="unchanged",
        )
    pending = _pending_decrease(trunk)
    if pending is not None:
        raise ValidationError(
            {
                "total": _(
                    "A decrease to %(n)s channels is already pending from %(date)s: cancel it "
                    "first to ask for another."
                )
                % {"n": pending.channels_after, "date": date_format(pending.effective_on)}
            },
            code="decrease_pending",
        )
    try:
        selection = best_packs(total, table.options(), cap=table.max_channels)
    except NoPackCombination as error:  # pragma: no cover - bounds checked above
        raise ValidationError({"total": str(error)}) from error
    by_size = {p.channels: p for p in table.packs.all() if p.is_active}
    next_lines = _pack_lines([(by_size[size], count) for size, count in selection.items()])
    current_lines = _pack_lines(held)
    return ChangePreview(
        kind="decrease",
        total=total,
        decrease=DecreasePreview(
            trunk=trunk,
            current_channels=current,
            current_packs=current_lines,
            current_monthly_price=_monthly(current_lines),
            new_total=total,
            channels_removed=current - total,
            effective_on=trunk.contract.current_period_end,
            next_packs=next_lines,
            next_channels=selection.channels,
            next_monthly_price=_monthly(next_lines),
        ),
    )


def _pending_decrease(trunk: Trunk) -> ChannelDecrease | None:
    if hasattr(trunk, "pending_decreases"):  # prefetched by ``selectors.trunk_list``
        return next(iter(trunk.pending_decreases), None)
    return selectors.pending_decrease(trunk)


# --- Index ------------------------------------------------------------------------------------


@member_required()
def index(request):
    """The customer's trunks (capacity, packs, monthly price, pending decrease, open orders)
    and SIP accounts (username, status, mobility, devices). A fixed number of queries."""
    client = request.client
    today = _today()
    trunks = list(selectors.trunk_list(client=client))
    packs = selectors.packs_held_many(trunks, today) if trunks else {}
    open_orders = defaultdict(list)
    if trunks:
        for order in selectors.channel_orders_open(client=client):
            open_orders[order.trunk_id].append(order)
    for trunk in trunks:
        rows = packs.get(trunk.pk, [])
        trunk.pack_rows = rows
        trunk.capacity = sum(row["channels"] * row["count"] for row in rows)
        trunk.monthly_price = sum(
            (row["monthly_price"] * row["count"] for row in rows), Decimal("0")
        )
        trunk.pending_decrease = _pending_decrease(trunk)
        trunk.open_orders = open_orders.get(trunk.pk, [])
        trunk.badge = SIP_BADGES.get(trunk.status, "badge")
    accounts = list(selectors.sip_account_list(client=client))
    for account in accounts:
        account.device_count = len(account.devices.all())
        account.badge = SIP_BADGES.get(account.status, "badge")
    return render(
        request,
        "telephony/index.html",
        {"trunks": trunks, "accounts": accounts, "today": today},
    )


# --- Trunk ------------------------------------------------------------------------------------


def _trunk_context(request, trunk: Trunk, today: date) -> dict:
    held = selectors.packs_held(trunk, today)
    lines = _pack_lines(held)
    table = selectors.pack_table_for(trunk)
    orders = list(selectors.channel_order_list(client=request.client, trunk=trunk)[:10])
    for order in orders:
        order.badge = ORDER_BADGES.get(order.status, "badge")
        order.is_open = order.status in OPEN_ORDER_STATUSES
    return {
        "trunk": trunk,
        "contract": trunk.contract,
        "packs": lines,
        "capacity": sum(line.channels * line.count for line in lines),
        "monthly_price": _monthly(lines),
        "max_channels": table.max_channels,
        "table_packs": [p for p in table.packs.all() if p.is_active],
        "pending_decrease": _pending_decrease(trunk),
        "orders": orders,
        "destinations": selectors.destination_settings(trunk),
        "can_write": request.membership.can(WRITE),
        "is_active": trunk.contract.status == ContractStatus.ACTIVE,
        "status_badge": SIP_BADGES.get(trunk.status, "badge"),
        "today": today,
    }


@member_required()
def trunk_detail(request, pk):
    trunk = selectors.trunk_get(client=request.client, pk=pk)
    today = _today()
    context = _trunk_context(request, trunk, today)
    context["form"] = ChannelChangeForm(
        initial={"total": context["capacity"]}, max_channels=context["max_channels"]
    )
    return render(request, "telephony/trunk_detail.html", context)


@member_required()
def trunk_quote(request, pk):
    """TRK-3 / TRK-4: the live quote for ``?total=N``, an HTML fragment for the trunk page."""
    trunk = selectors.trunk_get(client=request.client, pk=pk)
    table = selectors.pack_table_for(trunk)
    form = ChannelChangeForm(request.GET, max_channels=table.max_channels)
    preview, errors = None, []
    if form.is_valid():
        try:
            preview = change_preview(trunk, form.cleaned_data["total"], _today())
        except ValidationError as error:
            errors = error.messages
    else:
        errors = [e for field_errors in form.errors.values() for e in field_errors]
    response = render(
        request,
        "telephony/_quote.html",
        {
            "preview": preview,
            "errors": errors,
            "trunk": trunk,
            "show_confirm": request.membership.can(WRITE),
        },
    )
    add_never_cache_headers(response)
    return response


@member_required(WRITE)
def trunk_change(request, pk):
    """TRK-3 / TRK-4 without JavaScript: POST ``total`` shows the quote and a confirm button;
    POST ``total`` + ``action=confirm`` creates the order (→ its page, to pay it) or the
    pending decrease (→ the trunk page)."""
    trunk = selectors.trunk_get(client=request.client, pk=pk)
    trunk_url = reverse("telephony:trunk", args=[trunk.pk])
    if request.method != "POST":
        return redirect(trunk_url)
    today = _today()
    table = selectors.pack_table_for(trunk)
    form = ChannelChangeForm(request.POST, max_channels=table.max_channels)
    preview = None
    if form.is_valid():
        total = form.cleaned_data["total"]
        try:
            preview = change_preview(trunk, total, today)
        except ValidationError as error:
            attach_errors(form, error)
    if preview is not None and request.POST.get("action") == "confirm":
        try:
            if preview.kind == "increase":
                order = services.channel_order_create(
                    trunk=trunk, total=total, actor=request.user, today=today
                )
            else:
                decrease = services.channel_decrease_request(
                    trunk=trunk, new_total=total, actor=request.user, today=today
                )
        except ValidationError as error:
            attach_errors(form, error)
            preview = None
        else:
            if preview.kind == "increase":
                messages.success(
                    request,
                    _(
                        "Order %(ref)s recorded. Pay it to activate the %(n)s channels: they "
                        "are active as soon as it is paid."
                    )
                    % {"ref": order.reference, "n": order.channels_added},
                )
                return redirect("telephony:order", pk=order.pk)
            messages.success(
                request,
                _(
                    "Decrease recorded: your trunk keeps its %(now)s channels until %(date)s, "
                    "then has %(n)s."
                )
                % {
                    "now": decrease.channels_before,
                    "date": date_format(decrease.effective_on),
                    "n": decrease.channels_after,
                },
            )
            return redirect(trunk_url)
    if preview is None:
        context = _trunk_context(request, trunk, today)
        context["form"] = form
        return render(request, "telephony/trunk_detail.html", context)
    return render(
        request,
        "telephony/change_confirm.html",
        {"trunk": trunk, "preview": preview, "total": total},
    )


# --- Orders -----------------------------------------------------------------------------------


@member_required()
def order_detail(request, pk):
    """TRK-3: an order, its state and how to pay it (the amount is that of a payment today)."""
    order = selectors.channel_order_get(client=request.client, pk=pk)
    client = request.client
    quote, quote_errors = None, []
    if order.status == OrderStatus.AWAITING_PAYMENT:
        try:
            quote = services.channel_quote(trunk=order.trunk, add=order.channels_requested)
        except ValidationError as error:
            quote_errors = error.messages
    balance = payment_selectors.prepaid_balance(client)
    return render(
        request,
        "telephony/order_detail.html",
        {
            "order": order,
            "trunk": order.trunk,
            "badge": ORDER_BADGES.get(order.status, "badge"),
            "quote": quote,
            "quote_errors": quote_errors,
            "balance": balance,
            "balance_enough": quote is not None and balance >= quote.prorata_gross,
            "direct_debit": payment_selectors.direct_debit_available(client),
            "creditor": settings.SEPA_CREDITOR,
            "can_write": request.membership.can(WRITE),
            "can_topup": request.membership.can("billing"),
            "is_open": order.status in OPEN_ORDER_STATUSES,
        },
    )


@member_required(WRITE)
def order_pay(request, pk):
    """TRK-3: pay from the prepaid balance or by direct debit; the channels are active at once.
    A refusal (balance short, cap, expired) writes nothing: the order stays awaiting payment."""
    order = selectors.channel_order_get(client=request.client, pk=pk)
    order_url = reverse("telephony:order", args=[order.pk])
    if request.method != "POST":
        return redirect(order_url)
    form = OrderPayForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose how the order is paid."))
        return redirect(order_url)
    try:
        order = services.channel_order_pay(
            order=order, method=form.cleaned_data["method"], actor=request.user
        )
    except InsufficientBalance as error:
        messages.error(request, " ".join(error.messages))
        return redirect(order_url)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(order_url)
    capacity = selectors.trunk_capacity(order.trunk, _today())
    if order.payment_method == PaymentChoice.DIRECT_DEBIT:
        paid = _("%(amount)s € will be collected by direct debit with your next invoice.") % {
            "amount": _money(order.amount_gross or Decimal("0"))
        }
    else:
        paid = _("%(amount)s € were debited from your prepaid balance.") % {
            "amount": _money(order.amount_gross or Decimal("0"))
        }
    messages.success(
        request,
        _("Order %(ref)s paid: your trunk now has %(n)s channels, active now.")
        % {"ref": order.reference, "n": capacity}
        + " "
        + paid,
    )
    return redirect("telephony:trunk", pk=order.trunk_id)


@member_required(WRITE)
def order_cancel(request, pk):
    """TRK-3: an unpaid order can be cancelled."""
    order = selectors.channel_order_get(client=request.client, pk=pk)
    order_url = reverse("telephony:order", args=[order.pk])
    if request.method == "POST":
        try:
            services.channel_order_cancel(order=order, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(order_url)
        messages.success(request, _("Order %(ref)s cancelled.") % {"ref": order.reference})
        return redirect("telephony:trunk", pk=order.trunk_id)
    return render(
        request,
        "telephony/confirm.html",
        {
            "title": _("Cancel order %(ref)s") % {"ref": order.reference},
            "question": _("Cancel order %(ref)s for %(n)s more channels? Nothing has been charged.")
            % {"ref": order.reference, "n": order.channels_added},
            "confirm_label": _("Cancel the order"),
            "danger": True,
            "back_url": order_url,
        },
    )


# --- TRK-4 decreases --------------------------------------------------------------------------


def _decrease_get(request, pk) -> ChannelDecrease:
    """One of the customer's decreases; another customer's is Http404."""
    decrease = (
        ChannelDecrease.objects.filter(trunk__contract__client=request.client, pk=pk)
        .select_related("trunk__contract")
        .first()
    )
    if decrease is None:
        raise Http404("No such decrease.")
    return decrease


@member_required(WRITE)
def decrease_cancel(request, pk):
    """TRK-4: a pending decrease can be cancelled until it applies."""
    decrease = _decrease_get(request, pk)
    trunk_url = reverse("telephony:trunk", args=[decrease.trunk_id])
    if request.method == "POST":
        try:
            services.channel_decrease_cancel(decrease=decrease, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("The decrease is cancelled: your trunk keeps its %(n)s channels.")
                % {"n": decrease.channels_before},
            )
        return redirect(trunk_url)
    if decrease.status != DecreaseStatus.PENDING:
        messages.info(request, _("This decrease is not pending any more."))
        return redirect(trunk_url)
    return render(
        request,
        "telephony/confirm.html",
        {
            "title": _("Cancel the decrease"),
            "question": _(
                "Cancel the decrease to %(n)s channels planned for %(date)s? The trunk keeps "
                "its channels and its packs."
            )
            % {"n": decrease.channels_after, "date": date_format(decrease.effective_on)},
            "confirm_label": _("Cancel the decrease"),
            "back_url": trunk_url,
        },
    )


# --- ACC-7 credentials (trunk and SIP account) -----------------------------------------------


def _credentials(request, owner, back_url: str, owner_label: str):
    """ACC-7: GET ``?action=reset|compromised`` asks for confirmation; POST ``action`` issues a
    new secret and shows it once, in this response only."""
    action = (request.POST if request.method == "POST" else request.GET).get("action", "reset")
    if action not in CREDENTIAL_ACTIONS:
        action = "reset"
    if request.method == "POST":
        if action == "compromised":
            owner, secret = services.sip_credentials_declare_compromised(
                account=owner, actor=request.user
            )
        else:
            owner, secret = services.sip_credentials_reset(account=owner, actor=request.user)
        response = render(
            request,
            "telephony/credentials_result.html",
            {
                "owner": owner,
                "owner_label": owner_label,
                "secret": secret,
                "action": action,
                "back_url": back_url,
            },
        )
        add_never_cache_headers(response)
        return response
    return render(
        request,
        "telephony/credentials_confirm.html",
        {
            "owner": owner,
            "owner_label": owner_label,
            "action": action,
            "back_url": back_url,
            "is_sip_account": isinstance(owner, SipAccount),
        },
    )


@member_required(WRITE)
def trunk_credentials(request, pk):
    trunk = selectors.trunk_get(client=request.client, pk=pk)
    return _credentials(request, trunk, reverse("telephony:trunk", args=[trunk.pk]), str(trunk))


@member_required(WRITE)
def sip_credentials(request, pk):
    account = selectors.sip_account_get(client=request.client, pk=pk)
    return _credentials(
        request,
        account,
        reverse("telephony:sip_account", args=[account.pk]),
        _("SIP account %(name)s") % {"name": account.username},
    )


# --- TRK-6 destinations -----------------------------------------------------------------------


def _destination(request, owner, group_pk, back_url: str, owner_label: str):
    """TRK-6: POST ``action=block|unblock``; unblocking a group blocked by default (premium
    rate, high-risk international) first shows a warning and needs ``confirm``. GET shows the
    same question. Every change is audit-logged by the service."""
    group = get_object_or_404(DestinationGroup, pk=group_pk)
    blocked = dict((g.pk, b) for g, b in selectors.destination_settings(owner))[group.pk]
    data = request.POST if request.method == "POST" else request.GET
    action = data.get("action") or ("unblock" if blocked else "block")
    if action not in ("block", "unblock"):
        action = "unblock" if blocked else "block"
    risky = group.blocked_by_default and action == "unblock"
    if request.method == "POST" and (not risky or data.get("confirm")):
        if action == "block":
            services.destination_block(owner=owner, group=group, actor=request.user)
            messages.success(
                request, _("Calls to “%(group)s” are now blocked.") % {"group": group.name}
            )
        else:
            services.destination_unblock(owner=owner, group=group, actor=request.user)
            messages.success(
                request, _("Calls to “%(group)s” are now allowed.") % {"group": group.name}
            )
        return redirect(f"{back_url}#destinations")
    return render(
        request,
        "telephony/destination_confirm.html",
        {
            "group": group,
            "blocked": blocked,
            "action": action,
            "risky": risky,
            "owner_label": owner_label,
            "back_url": back_url,
        },
    )


@member_required(WRITE)
def trunk_destination(request, pk, group_pk):
    trunk = selectors.trunk_get(client=request.client, pk=pk)
    return _destination(
        request, trunk, group_pk, reverse("telephony:trunk", args=[trunk.pk]), str(trunk)
    )


@member_required(WRITE)
def sip_destination(request, pk, group_pk):
    account = selectors.sip_account_get(client=request.client, pk=pk)
    return _destination(
        request,
        account,
        group_pk,
        reverse("telephony:sip_account", args=[account.pk]),
        _("SIP account %(name)s") % {"name": account.username},
    )


# --- SIP accounts -----------------------------------------------------------------------------


@member_required()
def sip_account_detail(request, pk):
    """ACC-7 / CON-8 / TRK-6: one SIP account, its devices, its credentials and destinations."""
    account = selectors.sip_account_get(client=request.client, pk=pk)
    suspension = account.suspensions.filter(lifted_at__isnull=True).first()
    return render(
        request,
        "telephony/sip_account_detail.html",
        {
            "account": account,
            "devices": list(account.devices.all()),
            "status_badge": SIP_BADGES.get(account.status, "badge"),
            "suspension": suspension,
            "destinations": selectors.destination_settings(account),
            "can_write": request.membership.can(WRITE),
        },
    )
