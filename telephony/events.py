"""Channel orders' event types (SPEC §9, webhooks), announced by the order's one transition."""

from django.utils.translation import gettext_lazy as _

from kernel.events import emit, register
from telephony.choices import OrderStatus

ORDER_DATA = ("id", "reference", "customer", "trunk", "channels_added", "status")
CHANNEL_ORDER_PAID = register("channel_order.paid", _("A channel order was paid."), data=ORDER_DATA)
CHANNEL_ORDER_ACTIVE = register(
    "channel_order.active", _("The channels of a paid order are in service."), data=ORDER_DATA
)
EVENT_OF_STATUS = {OrderStatus.PAID: CHANNEL_ORDER_PAID, OrderStatus.ACTIVE: CHANNEL_ORDER_ACTIVE}


def announce_order(order, client) -> None:
    event_type = EVENT_OF_STATUS.get(order.status)
    if event_type is None:
        return
    emit(
        event_type,
        partner_id=client.partner_id,
        data={
            "id": order.pk,
            "reference": order.reference,
            "customer": client.pk,
            "trunk": order.trunk_id,
            "channels_added": order.channels_added,
            "status": order.status,
        },
    )
