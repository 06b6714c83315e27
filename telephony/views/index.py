"""The customer's trunks and SIP accounts (TRK-1, ACC-7)."""

from collections import defaultdict
from decimal import Decimal

from django.core.paginator import Paginator
from django.shortcuts import render

from accounts.decorators import member_required
from offers.services import paris_today
from telephony import selectors
from telephony.views.badges import SIP_BADGES
from telephony.views.permissions import WRITE

SIP_ACCOUNTS_PER_PAGE = 25


@member_required()
def index(request):
    """The customer's trunks (capacity, packs, monthly price, pending decrease, open orders)
    and SIP accounts (username, status, mobility, devices). A fixed number of queries."""
    client = request.client
    today = paris_today()
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
        trunk.pending_decrease = selectors.pending_decrease(trunk, capacity=trunk.capacity)
        trunk.open_orders = open_orders.get(trunk.pk, [])
        trunk.badge = SIP_BADGES.get(trunk.status, "badge")
    # a hosted-telephony customer may hold hundreds of accounts: a page at a time, as the
    # portal's other lists
    page = Paginator(selectors.sip_account_list(client=client), SIP_ACCOUNTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    accounts = list(page.object_list)
    for account in accounts:
        account.device_count = len(account.devices.all())
        account.badge = SIP_BADGES.get(account.status, "badge")
    # CON-1 (issue 17 item 8): a SIP-UNL contract bills N accounts; say when fewer (or more)
    # exist, with the button that creates the missing ones for the roles that may.
    gaps = [
        count
        for count in selectors.sip_account_counts(client=client, today=today)
        if count.missing or count.extra
    ]
    return render(
        request,
        "telephony/index.html",
        {
            "trunks": trunks,
            "accounts": accounts,
            "page": page,
            "today": today,
            "sip_gaps": gaps,
            "can_create_sip": request.membership.can(WRITE),
        },
    )
