"""A trunk's page (TRK-1), its live channel quote and the change of its channels: an order for
more (TRK-3) or a decrease from the next renewal date (TRK-4)."""

from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.decorators import member_required
from kernel.forms import attach_errors
from offers.choices import ContractStatus
from offers.services import paris_today
from telephony import selectors
from telephony.choices import OPEN_ORDER_STATUSES
from telephony.forms import ChannelChangeForm
from telephony.models import Trunk
from telephony.services.capacity import require_decreasable, scheduled_end
from telephony.services.channel_decreases import channel_decrease_request
from telephony.services.channel_orders import channel_order_create
from telephony.services.pack_lines import held_lines, monthly
from telephony.views.badges import ORDER_BADGES, SIP_BADGES
from telephony.views.change_preview import change_preview, increasable
from telephony.views.permissions import ORDER, PAY, WRITE, can_quote


def _decreasable(contract) -> bool:
    try:
        require_decreasable(contract)
    except ValidationError:
        return False
    return True


def _trunk_context(request, trunk: Trunk, today: date) -> dict:
    held = selectors.packs_held(trunk, today)
    lines = held_lines(held)
    table = selectors.pack_table_for(trunk)
    orders = list(selectors.channel_order_list(client=request.client, trunk=trunk)[:10])
    for order in orders:
        order.badge = ORDER_BADGES.get(order.status, "badge")
        order.is_open = order.status in OPEN_ORDER_STATUSES
    capacity = sum(line.channels * line.count for line in lines)
    return {
        "trunk": trunk,
        "contract": trunk.contract,
        "packs": lines,
        "capacity": capacity,
        "monthly_price": monthly(lines),
        "max_channels": table.max_channels,
        "table_packs": [p for p in table.packs.all() if p.is_active],
        "pending_decrease": selectors.pending_decrease(trunk, capacity=capacity),
        "orders": orders,
        "destinations": selectors.destination_settings(trunk),
        "can_write": request.membership.can(WRITE),  # credentials, destinations
        "can_quote": can_quote(request.membership),  # ACC-2: admin and technical
        "can_order": request.membership.can(ORDER),  # ACC-2: admin only
        "can_pay": request.membership.can(PAY),  # ACC-2: admin and billing
        "is_active": trunk.contract.status == ContractStatus.ACTIVE,
        "can_increase": increasable(trunk.contract, today),  # TRK-3: active, or until it ends
        "ends_on": scheduled_end(trunk.contract),  # CON-4: a terminating contract's end
        "next_renewal": selectors.trunk_next_renewal(trunk.contract),  # CON-3, as the API
        "can_decrease": _decreasable(trunk.contract),  # TRK-4: suspended, or ending later
        "status_badge": SIP_BADGES.get(trunk.status, "badge"),
        "today": today,
    }


@member_required()
def trunk_detail(request, pk):
    trunk = selectors.trunk_get(client=request.client, pk=pk)
    today = paris_today()
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
            preview = change_preview(trunk, form.cleaned_data["total"], paris_today())
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
            "show_confirm": request.membership.can(ORDER),  # ACC-2: quotes for all, orders admin
        },
    )
    add_never_cache_headers(response)
    return response


@member_required()
def trunk_change(request, pk):
    """TRK-3 / TRK-4 without JavaScript: POST ``total`` shows the quote and a confirm button;
    POST ``total`` + ``action=confirm`` creates the order (→ its page, to pay it) or the
    pending decrease (→ the trunk page).

    ACC-2: the admin and technical roles see the quote; only the admin confirms (orders cost
    money), anyone else gets 403 before anything is read or written."""
    if not can_quote(request.membership):
        raise PermissionDenied
    if request.POST.get("action") == "confirm" and not request.membership.can(ORDER):
        raise PermissionDenied
    trunk = selectors.trunk_get(client=request.client, pk=pk)
    trunk_url = reverse("telephony:trunk", args=[trunk.pk])
    if request.method != "POST":
        return redirect(trunk_url)
    today = paris_today()
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
                order = channel_order_create(
                    trunk=trunk, total=total, actor=request.user, today=today
                )
            else:
                decrease = channel_decrease_request(
                    trunk=trunk, new_total=total, actor=request.user, today=today
                )
        except ValidationError as error:
            attach_errors(form, error)
            preview = None
        else:
            if preview.kind == "increase":
                messages.success(
                    request,
                    ngettext(
                        "Order %(ref)s recorded. Pay it to activate the %(n)s channel: it is "
                        "active as soon as it is paid.",
                        "Order %(ref)s recorded. Pay it to activate the %(n)s channels: they "
                        "are active as soon as it is paid.",
                        order.channels_added,
                    )
                    % {"ref": order.reference, "n": order.channels_added},
                )
                return redirect("telephony:order", pk=order.pk)
            messages.success(
                request,
                # TRK-4: the channels are kept up to the day before the renewal date, included
                # (« jusqu'au 1er décembre » would include the day the decrease applies).
                _(
                    "Decrease recorded: your trunk keeps its %(now)s channels up to %(last)s "
                    "included, then has %(n)s from %(date)s."
                )
                % {
                    "now": decrease.channels_before,
                    "last": date_format(decrease.effective_on - timedelta(days=1)),
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
        {
            "trunk": trunk,
            "preview": preview,
            "total": total,
            "show_confirm": request.membership.can(ORDER),
        },
    )
