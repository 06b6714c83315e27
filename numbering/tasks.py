"""Number jobs: quarantined numbers back to the pool and port-outs on their date (daily)."""

from celery import shared_task

from numbering.services.assignment import quarantine_ended
from numbering.services.port_out import port_out_apply, port_outs_due


@shared_task(name="numbering.tasks.daily", acks_late=True)
def daily() -> dict:
    left = 0
    for number_id in port_outs_due():
        left += port_out_apply(number_id=number_id)
    return {"back_to_pool": quarantine_ended(), "ported_out": left}
