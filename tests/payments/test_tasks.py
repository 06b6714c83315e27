"""BIL-6/BIL-7 daily collection job: fanned out in idempotent batches, on a real Celery worker
(Redis broker, PostgreSQL) and in process."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core import mail

from payments import services, tasks
from payments.models import CollectionCase
from payments.services import collection
from payments.services.collection import collection_cases_open, collection_due
from payments.services.late_charges import late_charges_waiting
from payments.tasks import collection_batch, daily_collection, late_charges_batch
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


def _paris(day: date, hour=10):
    return time_machine.travel(f"{day.isoformat()} {hour:02d}:00 +01:00", tick=False)


# BIL-7 — a collection batch redelivered (the worker was lost after the work, before the ack:
# ``acks_late``) runs twice with the same cases on the same day: one reminder is sent and one
# 40.00 € recovery indemnity is posted, however many times it runs.
@pytest.mark.django_db
def test_bil7_redelivered_collection_batch_reminds_and_charges_once(
    django_capture_on_commit_callbacks,
):
    client = direct_customer()
    invoice = issue_invoice(client, "100.00")  # 120.00 € incl. VAT, due 2026-10-30
    collection_cases_open()
    case_ids = collection_due(date(2026, 10, 31))
    mail.outbox.clear()
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            assert collection_batch(case_ids, "2026-10-31") == {"reminded": 1}
    case = CollectionCase.objects.get(invoice=invoice)
    assert (case.stage, case.first_reminder_on) == ("reminded", date(2026, 10, 31))
    assert len(mail.outbox) == 2  # one reminder, to the admin and the billing contact
    assert all("Relance" in m.subject and "120,00\xa0€" in m.body for m in mail.outbox)
    indemnities = client.charges.filter(kind="recovery_indemnity")
    assert [c.unit_price for c in indemnities] == [Decimal("40.00")]
    assert services.invoice_state(invoice).open == Decimal("120.00")


# BIL-6 — paid late while the ECB rate was missing, the case waits; the late-charges batch,
# redelivered once the rate is entered, posts the interest (11.98 €) and the indemnity
# (40.00 €) once each.
@pytest.mark.django_db
def test_bil6_redelivered_late_charges_batch_posts_once():
    client = direct_customer()
    invoice = issue_invoice(client, "1000.00")  # 1 200.00 € incl. VAT, due 2026-10-30
    with _paris(date(2026, 11, 29)):
        services.payment_record(
            client=client, amount="1200.00", method="transfer", received_on=date(2026, 11, 29)
        )
    case_ids = late_charges_waiting()
    assert case_ids == [CollectionCase.objects.get(invoice=invoice).pk]
    assert late_charges_batch(case_ids) == {"not_posted": 1}  # the ECB rate is still missing
    services.ecb_rate_set(effective_on=date(2026, 7, 1), rate="2.15")
    assert late_charges_batch(case_ids) == {"posted": 1}
    assert late_charges_batch(case_ids) == {"not_posted": 1}
    amounts = {c.kind: c.unit_price for c in client.charges.all()}
    assert client.charges.filter(kind__in=["late_interest", "recovery_indemnity"]).count() == 2
    assert (amounts["late_interest"], amounts["recovery_indemnity"]) == (
        Decimal("11.98"),
        Decimal("40.00"),
    )
    assert late_charges_waiting() == []


# BIL-7 — the daily job fans out: one task per batch of cases (idempotent), and one failing
# case is logged without stopping its batch.
@pytest.mark.django_db
def test_bil7_daily_collection_enqueues_one_task_per_batch(monkeypatch):
    client = direct_customer()
    invoices = [
        issue_invoice(client, "100.00", month=month, source=str(month))
        for month in (date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1))
    ]
    enqueued = []
    monkeypatch.setattr(collection, "COLLECTION_BATCH_SIZE", 2)
    monkeypatch.setattr(
        tasks.collection_batch, "delay", lambda ids, today: enqueued.append((ids, today))
    )
    assert tasks.daily_collection(today="2027-01-05") == {"collection": 3, "late_charges": 0}
    assert [(len(ids), today) for ids, today in enqueued] == [(2, "2027-01-05"), (1, "2027-01-05")]
    everything = [case_id for ids, _today in enqueued for case_id in ids]
    real_step = collection.collection_step

    def step(*, case_id, today):
        if case_id == everything[0]:
            raise RuntimeError("boom")
        return real_step(case_id=case_id, today=today)

    monkeypatch.setattr(collection, "collection_step", step)
    stages = collection_batch(everything, "2027-01-05")
    assert stages["failed"] == 1 and sum(stages.values()) == 3
    reminded = CollectionCase.objects.filter(
        invoice__in=invoices, first_reminder_on=date(2027, 1, 5)
    )
    assert reminded.count() == 2
