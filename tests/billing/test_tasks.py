"""BIL-1 / BIL-2 through real Celery workers on Redis and PostgreSQL: the month-end run is
idempotent, survives a worker killed mid-run, and concurrent runs give one set of invoices with
gapless numbers."""

from datetime import date

import pytest

from accounts.models import Client
from billing import tasks
from billing.models import Invoice, InvoiceDocument, InvoiceLine, InvoiceRun, PendingCharge
from offers import services as offers
from offers.models import Offer
from tests.factories import ClientFactory, SiteFactory

pytestmark = pytest.mark.celery_worker
OCT = "2026-10-01"
WORKER_ENV = {"BILLING_BATCH_SIZE": "10", "BILLING_RENDER_PDF": "false"}


def make_customers(n):
    offers_by_code = {o.code: o for o in Offer.objects.all()}
    codes = ["sip-unl", "trunk", "hosted-a", "platform"]
    for i in range(n):
        client = ClientFactory()
        SiteFactory(client=client)
        contract = offers.contract_create(
            client=client,
            offer=offers_by_code[codes[i % 4]],
            site=client.sites.first(),
            signature_date=date(2026, 8, 1),
            order_date=date(2026, 8, 1),
            quantity=1 + i % 3,
        )
        offers.contract_order(contract=contract)
        offers.contract_activate(contract=contract, service_start_date=date(2026, 9, 1))


def assert_one_gapless_set(expected):
    invoices = Invoice.objects.filter(kind="invoice", month=date(2026, 10, 1))
    assert invoices.count() == expected
    assert invoices.values("client").distinct().count() == expected
    sequences = sorted(invoices.values_list("sequence", flat=True))
    assert sequences == list(range(1, expected + 1))  # no gap, no duplicate (BIL-2)
    # every charge invoiced exactly once
    assert PendingCharge.objects.filter(invoice_line__isnull=True).count() == 0
    assert InvoiceLine.objects.count() == PendingCharge.objects.count()


# BIL-1 — executed twice through the worker: the same invoices, nothing duplicated.
def test_run_twice_on_real_worker(live_workers):
    make_customers(30)
    live_workers.start(env=WORKER_ENV)
    tasks.month_end_run.apply_async((OCT,), queue=live_workers.queue)
    assert live_workers.wait_for(lambda: InvoiceRun.objects.filter(status="done").exists(), 60), (
        live_workers.log_tail()
    )
    first = sorted(Invoice.objects.values_list("number", "client_id", "total_gross"))
    tasks.month_end_run.apply_async((OCT,), queue=live_workers.queue)
    assert live_workers.drain()
    assert InvoiceRun.objects.get().status == "done"
    assert sorted(Invoice.objects.values_list("number", "client_id", "total_gross")) == first
    assert_one_gapless_set(30)


# BIL-1 — a worker killed (SIGKILL) in the middle of the run; the run restarted on a new worker
# completes the missing customers and duplicates nothing.
def test_worker_killed_mid_run(live_workers):
    make_customers(120)
    worker = live_workers.start(env={**WORKER_ENV, "BILLING_BATCH_SIZE": "40"}, concurrency=1)
    tasks.month_end_run.apply_async((OCT,), queue=live_workers.queue)
    assert live_workers.wait_for(lambda: Invoice.objects.count() >= 5, 60), live_workers.log_tail()
    live_workers.kill(worker)
    partial = Invoice.objects.count()
    assert 0 < partial < 120, "the kill must land in the middle of the run"
    live_workers.start(env=WORKER_ENV)
    tasks.month_end_run.apply_async((OCT,), queue=live_workers.queue)
    assert live_workers.wait_for(
        lambda: InvoiceRun.objects.filter(status="done").exists()
        and Invoice.objects.count() == 120,
        90,
    ), live_workers.log_tail()
    assert live_workers.drain()
    assert_one_gapless_set(120)


# BIL-1 / BIL-2 — 8 runs started at once on two workers give one set of invoices.
def test_eight_concurrent_runs(live_workers):
    make_customers(60)
    live_workers.start(env=WORKER_ENV)
    live_workers.start(env=WORKER_ENV)
    for _ in range(8):
        tasks.month_end_run.apply_async((OCT,), queue=live_workers.queue)
    assert live_workers.wait_for(lambda: Invoice.objects.count() == 60, 90), live_workers.log_tail()
    assert live_workers.drain()
    assert_one_gapless_set(60)
    assert Client.objects.count() == 60


# BIL-3 — the PDF is rendered by a Celery task after issue and stored.
def test_pdf_rendered_by_worker(live_workers):
    make_customers(2)
    live_workers.start(env={"BILLING_RENDER_PDF": "true"})
    tasks.month_end_run.apply_async((OCT,), queue=live_workers.queue)
    assert live_workers.wait_for(lambda: InvoiceDocument.objects.count() == 2, 60), (
        live_workers.log_tail()
    )
    document = InvoiceDocument.objects.first()
    assert document.pdf.read(4) == b"%PDF"
