"""Telephony's staff work queue (issue 17, ``kernel.queues``): channel orders awaiting payment
(TRK-3), the nearest expiry first."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kernel.money import money
from kernel.queues import QueueItem, Team, end_of_paris_day, register
from telephony.choices import OrderStatus
from telephony.models import ChannelOrder


def orders_awaiting_payment(*, partner_id=None):
    orders = ChannelOrder.objects.filter(status=OrderStatus.AWAITING_PAYMENT).select_related(
        "trunk__contract__client"
    )
    if partner_id is not None:
        orders = orders.filter(trunk__contract__client__partner_id=partner_id)
    return [
        QueueItem.of(
            pk=order.pk,
            title=f"{order.reference} — {money(order.amount_gross)}",
            client=order.trunk.contract.client,
            created_at=order.created_at,
            deadline=end_of_paris_day(order.expires_on),
            detail=order.get_payment_method_display(),
            url=reverse("admin:telephony_channelorder_change", args=[order.pk]),
        )
        for order in orders
    ]


register(
    "telephony.channel_orders",
    label=_("Channel orders awaiting payment"),
    team=Team.BILLING,
    fetch=orders_awaiting_payment,
    order=70,
)
