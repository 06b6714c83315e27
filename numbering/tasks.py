"""Number jobs: quarantined numbers back to the pool and port-outs on their date (daily)."""

import logging

from celery import shared_task

from numbering.services.assignment import end_quarantines
from numbering.services.port_out import port_out_apply, port_outs_due

logger = logging.getLogger(__name__)


@shared_task(name="numbering.tasks.daily", acks_late=True)
def daily() -> dict:
    """NUM-2 / NUM-4, idempotent. A port-out that fails is logged and the job goes on (the
    other port-outs, the quarantines ended); the number is tried again the next day."""
    left = 0
    for number_id in port_outs_due():
        try:
            left += port_out_apply(number_id=number_id)
        except Exception:  # noqa: BLE001 — logged for staff, the job goes on
            logger.exception("port-out of number %s could not be applied", number_id)
    back_to_pool, returned = end_quarantines()  # a number ported in returns to its range holder
    return {"back_to_pool": back_to_pool, "ported_out": left + returned}
