"""Daily job of channel orders (TRK-3): thin, one idempotent service call per order."""

import logging

from celery import shared_task

from offers.services import paris_today
from telephony.services.channel_orders import channel_order_expire, channel_orders_to_expire

logger = logging.getLogger(__name__)


@shared_task(name="telephony.tasks.expire_channel_orders")
def expire_channel_orders() -> int:
    """TRK-3: orders unpaid 7 days after their quote expire."""
    today = paris_today()
    expired = 0
    for order_id in list(channel_orders_to_expire(today).values_list("pk", flat=True)):
        expired += channel_order_expire(order_id=order_id, today=today)
    logger.info("channel orders: %s expired on %s", expired, today)
    return expired
