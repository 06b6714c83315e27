"""BIL-6/BIL-7 daily collection job, on a real Celery worker (Redis broker, PostgreSQL)."""

from datetime import date

import pytest

from payments import services
from payments.models import CollectionCase
from payments.tasks import daily_collection
from tests.payments.conftest import direct_customer, issue_invoice


# BIL-7 — the beat task runs in a worker process: the first reminder is recorded the day after
# the due date, and running it twice the same day changes nothing more (idempotent).
@pytest.mark.celery_worker
def test_bil7_daily_collection_on_real_worker(live_worker):
    client = direct_customer()
    invoice = issue_invoice(client, "100.00")  # due 2026-10-30
    for _ in range(2):
        daily_collection.apply_async(kwargs={"today": "2026-10-31"}, queue=live_worker.queue)

    def reminded():
        case = CollectionCase.objects.filter(invoice=invoice).first()
        return case is not None and case.first_reminder_on == date(2026, 10, 31)

    assert live_worker.wait_for(reminded), live_worker.log_tail()
    live_worker.drain()
    case = CollectionCase.objects.get(invoice=invoice)
    assert (case.stage, case.second_reminder_on) == ("reminded", None)
    assert services.invoice_state(invoice).open == invoice.amount_due
    assert client.charges.filter(kind="recovery_indemnity").count() == 1
