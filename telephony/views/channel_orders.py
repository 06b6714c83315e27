"""TRK-3: a channel order, its payment (the channels are active at once) and its
cancellation."""

from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from accounts.choices import PaymentMethod as ClientPaymentMethod
from accounts.decorators import member_required
from billing.selectors import billing_partner
from offers.services import paris_today
from payments import selectors as payment_selectors
from payments.services import InsufficientBalance
from telephony import selectors
from telephony.choices import OPEN_ORDER_STATUSES, OrderStatus, PaymentChoice
from telephony.forms import OrderPayForm
from telephony.services.channel_orders import channel_order_cancel, channel_order_pay
from telephony.services.channel_quotes import channel_quote
from telephony.views.badges import ORDER_BADGES
from telephony.views.permissions import ORDER, PAY


def _money(amount: Decimal) -> str:
    return number_format(amount, 2, force_grouping=True)


@member_required()
def order_detail(request, pk):
    """TRK-3: an order, its state and how to pay it (the amount is that of a payment today)."""
    order = selectors.channel_order_get(client=request.client, pk=pk)
    client = request.client
    quote, quote_errors = None, []
    if order.status == OrderStatus.AWAITING_PAYMENT:
        try:
            quote = channel_quote(trunk=order.trunk, add=order.channels_requested)
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
            # ACC-3: a partner-billed customer pays its partner, never our IBAN.
            "billing_partner": billing_partner(client=client),
            "is_prepaid": client.payment_method == ClientPaymentMethod.PREPAID,
            "can_pay": request.membership.can(PAY),  # ACC-2: admin and billing
            "can_order": request.membership.can(ORDER),  # ACC-2: admin (cancel the order)
            "can_topup": request.membership.can("billing"),
            "is_open": order.status in OPEN_ORDER_STATUSES,
        },
    )


@member_required(PAY)
def order_pay(request, pk):
    """TRK-3: pay from the prepaid balance or by direct debit; the channels are active at once.
    A refusal (balance short, cap, expired) writes nothing: the order stays awaiting payment.
    ACC-2: the admin or billing role pays; any other role gets 403."""
    order = selectors.channel_order_get(client=request.client, pk=pk)
    order_url = reverse("telephony:order", args=[order.pk])
    if request.method != "POST":
        return redirect(order_url)
    form = OrderPayForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose how the order is paid."))
        return redirect(order_url)
    try:
        order = channel_order_pay(
            order=order,
            method=form.cleaned_data["method"],
            actor=request.user,
            expected_amount=form.cleaned_data.get("expected_amount"),
        )
    except InsufficientBalance as error:
        messages.error(request, " ".join(error.messages))
        return redirect(order_url)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(order_url)
    capacity = selectors.trunk_capacity(order.trunk, paris_today())
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


@member_required(ORDER)
def order_cancel(request, pk):
    """TRK-3: an unpaid order can be cancelled (ACC-2: by the admin role, who orders)."""
    order = selectors.channel_order_get(client=request.client, pk=pk)
    order_url = reverse("telephony:order", args=[order.pk])
    if request.method == "POST":
        try:
            channel_order_cancel(order=order, actor=request.user)
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
