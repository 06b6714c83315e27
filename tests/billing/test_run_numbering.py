"""BIL-1 / BIL-2 and CGI art. 242 nonies A: the invoice series runs in one continuous
chronological sequence — an invoice is never numbered after an invoice with a later date."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from billing import services
from billing.choices import ChargeKind
from billing.models import Invoice, InvoiceRun
from billing.services.issuing import run_party
from tests.factories import ClientFactory, SiteFactory

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
OCT, NOV = date(2026, 10, 1), date(2026, 11, 1)


@pytest.fixture(autouse=True)
def _no_pdf(settings):
    settings.BILLING_RENDER_PDF = False


def customer_with_charge(price: str, day: date):
    client = ClientFactory()
    SiteFactory(client=client)
    services.charge_post(
        client=client,
        contract=None,
        kind=ChargeKind.EQUIPMENT,
        source_type="test",
        source_id=f"eq-{client.pk}",
        period_start=day,
        description="Routeur",
        unit_price=Decimal(price),
    )
    return client


def at(day: date, hour=10, minute=0):
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS))


# BIL-2 / CGI art. 242 nonies A: October's run completed on 3 December, after November's run
# issued F2026-000001 dated 30/11/2026. B's October invoice gets F2026-000002: dated
# 31/10/2026 it would precede, in date, the number before it. It is dated the day it is
# issued, 03/12/2026, due 30 days later, 02/01/2027 (100.00 HT → 120.00 TTC either way).
def test_late_run_never_dated_before_an_earlier_number():
    a = customer_with_charge("50.00", NOV)
    b = customer_with_charge("100.00", OCT)
    with at(date(2026, 12, 1), 0, 5):
        november = InvoiceRun.objects.create(month=NOV)
        first = run_party(run=november, party=("client", a.pk))
    assert (first.number, first.issue_date) == ("F2026-000001", date(2026, 11, 30))
    with at(date(2026, 12, 3)):
        services.run_month_sync(month=OCT)
    late = Invoice.objects.get(client=b, kind="invoice")
    assert late.number == "F2026-000002"
    assert late.issue_date == date(2026, 12, 3)
    assert late.due_date == date(2027, 1, 2)
    assert late.total_gross == Decimal("120.00")
    dates = list(Invoice.objects.order_by("year", "sequence").values_list("issue_date", flat=True))
    assert dates == sorted(dates)


# BIL-2: same, across the new year: October's run completed on 5 January 2027 after December's
# run (dated 31/12/2026) — the invoice is dated 05/01/2027 and is the first of 2027's series.
def test_late_run_in_the_new_year_takes_the_new_years_series():
    a = customer_with_charge("50.00", date(2026, 12, 1))
    b = customer_with_charge("100.00", OCT)
    with at(date(2027, 1, 1), 0, 5):
        december = InvoiceRun.objects.create(month=date(2026, 12, 1))
        first = run_party(run=december, party=("client", a.pk))
    assert (first.number, first.issue_date) == ("F2026-000001", date(2026, 12, 31))
    with at(date(2027, 1, 5)):
        services.run_month_sync(month=OCT)
    late = Invoice.objects.get(client=b, kind="invoice")
    assert (late.number, late.year, late.issue_date) == ("F2027-000001", 2027, date(2027, 1, 5))
    assert late.due_date == date(2027, 1, 5) + timedelta(days=30)


# BIL-1: on its night (1 November, 00:05 Paris) October's run dates its invoices 31/10/2026.
def test_run_on_time_dated_last_day_of_month():
    b = customer_with_charge("100.00", OCT)
    with at(NOV, 0, 5):
        services.run_month_sync(month=OCT)
    invoice = Invoice.objects.get(client=b, kind="invoice")
    assert (invoice.number, invoice.issue_date) == ("F2026-000001", date(2026, 10, 31))


@pytest.fixture
def inline_batches(monkeypatch):
    """The beat job's batches run in this process (the real worker is tested in test_tasks)."""
    from billing import tasks

    monkeypatch.setattr(
        tasks.run_invoice_batch,
        "delay",
        lambda *args: tasks.run_invoice_batch(*args),
    )
    return tasks


# BIL-1: the beat job fired late — beat down at 00:05 on 1 November, run at its restart on
# 2 November 01:00 Paris (celery runs a missed crontab once). It runs October, the month that
# ended, not November, which has not: B's October invoice, 100.00 HT → 120.00 TTC, dated
# 31/10/2026 for month 10/2026; no run of November.
def test_beat_job_fired_late_runs_the_month_that_ended(inline_batches):
    b = customer_with_charge("100.00", OCT)
    with at(date(2026, 11, 2), 1, 0):
        inline_batches.month_end_run()
    assert list(InvoiceRun.objects.values_list("month", "status")) == [(OCT, "done")]
    invoice = Invoice.objects.get(client=b, kind="invoice")
    assert (invoice.month, invoice.issue_date) == (OCT, date(2026, 10, 31))
    assert invoice.total_gross == Decimal("120.00")


# BIL-1, DST nights: 00:05 Paris on 1 April 2027 (summer time since 28 March, 22:05 UTC on
# 31 March) runs March; 00:05 Paris on 1 November 2027 (winter time since 31 October, 23:05
# UTC on 31 October) runs October. Each invoice dated the last day of its month.
@pytest.mark.parametrize(
    ("utc", "month", "dated"),
    [
        (datetime(2027, 3, 31, 22, 5, tzinfo=ZoneInfo("UTC")), date(2027, 3, 1), date(2027, 3, 31)),
        (
            datetime(2027, 10, 31, 23, 5, tzinfo=ZoneInfo("UTC")),
            date(2027, 10, 1),
            date(2027, 10, 31),
        ),
    ],
)
def test_beat_job_on_dst_nights(inline_batches, utc, month, dated):
    b = customer_with_charge("100.00", month)
    with time_machine.travel(utc):
        inline_batches.month_end_run()
    invoice = Invoice.objects.get(client=b, kind="invoice")
    assert (invoice.month, invoice.issue_date) == (month, dated)


# BIL-1 — the run's progress across a restart. October, four buyers, batches of two: the first
# start's worker commits [A, B] and dies before counting it; staff restart the run, which now
# has two buyers left, [C, D] (A and B invoiced): total 2. The first start's batch, delivered
# again (acks_late) after the restart, invoices nothing and must not count: before, it added
# its 2 → "2 / 2", run done while C and D were not invoiced (then 4 / 2).
def test_restart_stale_batch_does_not_count(settings, monkeypatch):
    from billing import tasks
    from billing.services import runs

    settings.BILLING_BATCH_SIZE = 2
    buyers = [customer_with_charge("10.00", OCT) for _ in range(4)]
    sent = []
    monkeypatch.setattr(tasks.run_invoice_batch, "delay", lambda *args: sent.append(args))
    tasks.month_end_run("2026-10-01")
    first_start = list(sent)
    assert len(first_start) == 2
    real_count = runs._count_batch

    def worker_dies(*args, **kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(runs, "_count_batch", worker_dies)
    with pytest.raises(SystemExit):
        tasks.run_invoice_batch(*first_start[0])
    monkeypatch.setattr(runs, "_count_batch", real_count)
    assert Invoice.objects.filter(kind="invoice").count() == 2
    sent.clear()
    tasks.month_end_run("2026-10-01")  # the restart
    run = InvoiceRun.objects.get()
    assert (run.total, run.done, run.status) == (2, 0, "running")
    tasks.run_invoice_batch(*first_start[0])  # delivered again
    run.refresh_from_db()
    assert (run.done, run.failed, run.status) == (0, 0, "running")
    for args in sent:
        tasks.run_invoice_batch(*args)
    run.refresh_from_db()
    assert (run.total, run.done, run.failed, run.status) == (2, 2, 0, "done")
    assert sorted(Invoice.objects.values_list("client_id", flat=True)) == [b.pk for b in buyers]


# BIL-1 — the run's preparation (the month's consumption and penalties posted, USE-6) fails:
# no invoice is issued, and staff see it on the run's row — before, the task died in the
# worker's log and the run's page still showed the previous start's "1 / 1, done".
def test_preparation_failure_shown_on_the_run(monkeypatch):
    from billing import tasks
    from usage import receivers

    customer_with_charge("100.00", OCT)
    services.run_month_sync(month=OCT)
    assert InvoiceRun.objects.get().status == "done"

    def broken(month, today):
        raise RuntimeError("calls of 10/2026 locked")

    monkeypatch.setattr(receivers.billing, "consumption_post_for_run", broken)
    with pytest.raises(RuntimeError):
        tasks.month_end_run("2026-10-01")
    run = InvoiceRun.objects.get()
    assert run.status == "failed" and run.finished_at is not None
    assert run.errors == [
        "Préparation de la campagne en échec\u00a0: calls of 10/2026 locked. Aucune facture "
        "n'a été émise\u00a0; relancez la campagne une fois la cause corrigée."
    ]
    assert Invoice.objects.count() == 1


# BIL-1 — the database drops the connection while a batch is counted: the task is retried (it
# is idempotent), so the run reaches "1 / 1, done" instead of staying "0 / 1, running" forever.
def test_batch_retried_after_a_database_error(monkeypatch):
    from django.db import OperationalError

    from billing import tasks
    from billing.services import runs

    b = customer_with_charge("100.00", OCT)
    run, parties = services.run_start(month=OCT)
    real_count, calls = runs._count_batch, []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real_count(*args, **kwargs)

    monkeypatch.setattr(runs, "_count_batch", flaky)
    tasks.run_invoice_batch.apply(args=(run.pk, [list(parties[0])], runs.started_token(run)))
    run.refresh_from_db()
    assert (run.total, run.done, run.failed, run.status) == (1, 1, 0, "done")
    assert Invoice.objects.filter(client=b).count() == 1  # 100.00 HT → 120.00 TTC, once
    assert Invoice.objects.get(client=b).total_gross == Decimal("120.00")


# BIL-2 / BIL-9 (CGI art. 242 nonies A: credit notes are a chronological series too) — staff
# issue a credit note at 23:59:59 on 05/11/2026; while it is computed, another credit note is
# issued and committed just after midnight: A2026-000001 dated 06/11/2026. The first one,
# numbered next, A2026-000002, is dated the day it is numbered, 06/11/2026 — it was dated
# 05/11/2026 (the day it started), before the number preceding it. 10.00 HT + 20 % → 12.00 TTC.
def test_credit_note_never_dated_before_the_number_preceding_it(monkeypatch):
    from billing.services import credit_notes

    client = customer_with_charge("100.00", NOV)
    with at(date(2026, 12, 1), 0, 5):
        services.run_month_sync(month=OCT)
    invoice = Invoice.objects.get(client=client, kind="invoice")
    real_rows, meanwhile = credit_notes._rows, []
    started = []

    def note(reason):
        return services.credit_note_issue(
            corrects=invoice,
            lines=[services.CreditLine("Geste commercial", Decimal("10.00"))],
            reason=reason,
        )

    def rows_while_another_is_issued(*args, **kwargs):
        if not started:
            started.append(True)
            with at(date(2026, 11, 6), 0, 0):
                meanwhile.append(note("Après minuit"))
        return real_rows(*args, **kwargs)

    monkeypatch.setattr(credit_notes, "_rows", rows_while_another_is_issued)
    with time_machine.travel(datetime(2026, 11, 5, 23, 59, 59, tzinfo=PARIS), tick=False):
        late = note("Avant minuit")

    assert (meanwhile[0].number, meanwhile[0].issue_date) == ("A2026-000001", date(2026, 11, 6))
    assert (late.number, late.issue_date) == ("A2026-000002", date(2026, 11, 6))
    assert late.total_gross == Decimal("12.00")
