"""SLA-10 end to end through a real Celery worker on Redis and PostgreSQL: the monthly job
computes the reports, the customer requests the credit, staff approve it, and the next
month-end run deducts the credit note from the customer's invoice."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from accounts.choices import BillingMode, Role
from billing import services as billing
from billing.models import Invoice
from support import services, tasks
from support.choices import ReportStatus
from support.models import AvailabilityReport
from tests.factories import ClientFactory, MembershipFactory, PartnerFactory, SiteFactory
from tests.offers.factories import make_contract
from tests.support.factories import invoice_in_advance, make_staff, paris

pytestmark = pytest.mark.celery_worker
OCT, NOV = date(2026, 10, 1), date(2026, 11, 1)


# SLA-10 — the beat job of 1 November for October, run twice on a real worker: one report per
# contract with an SLA policy (HOSTED-W 10 users, 149.00 a month: 70 minutes down of 44 640 →
# 99.843 % → 5 % → 7.45), none for PLATFORM. The customer's billing member requests the credit,
# staff approve, and November's run sets the credit note (7.45 HT, 8.94 TTC) against
# November's invoice: the amount due is 8.94 lower, to the cent.
def test_monthly_job_to_credit_note_on_next_invoice(live_worker, settings):
    settings.BILLING_RENDER_PDF = False
    partner = PartnerFactory(billing_mode=BillingMode.RESELLER_BILLED)
    customer = ClientFactory(partner=partner)
    SiteFactory(client=customer)
    billing_member = MembershipFactory(client=customer, role=Role.BILLING).user
    hosted_w = make_contract(customer, "hosted-w", quantity=10)
    platform = make_contract(customer, "platform")
    staff = make_staff()
    services.outage_record(
        title="Core network failure",
        started_at=paris(2026, 10, 14, 9),
        ended_at=paris(2026, 10, 14, 10, 10),
        contracts=[hosted_w, platform],
        actor=staff,
    )
    invoice_in_advance(OCT)  # SLA-7: the base is October's invoiced subscriptions (149.00)

    tasks.monthly_sla_reports.apply_async((OCT.isoformat(),), queue=live_worker.queue)
    tasks.monthly_sla_reports.apply_async((OCT.isoformat(),), queue=live_worker.queue)
    assert live_worker.wait_for(
        lambda: AvailabilityReport.objects.filter(contract=hosted_w, month=OCT).exists(), 60
    ), live_worker.log_tail()
    assert live_worker.drain(), live_worker.log_tail()
    report = AvailabilityReport.objects.get()
    assert report.contract == hosted_w and not platform.availability_reports.exists()
    assert report.unavailable_minutes == Decimal("70.00")
    assert report.availability_display == Decimal("99.843")
    assert (report.credit_percent, report.credit_amount) == (Decimal("5"), Decimal("7.45"))

    report = services.credit_request(report=report, actor=billing_member)
    report = services.credit_approve(report=report, actor=staff)
    assert report.status == ReportStatus.APPROVED and report.approved_amount == Decimal("7.45")
    # A rerun of the job after the decision changes nothing.
    tasks.monthly_sla_reports.apply_async((OCT.isoformat(),), queue=live_worker.queue)
    assert live_worker.drain(), live_worker.log_tail()
    assert AvailabilityReport.objects.get().status == ReportStatus.APPROVED

    billing.run_month_sync(month=NOV)
    invoice = Invoice.objects.get(kind="invoice", client=customer, month=NOV)
    note = report.credit_note
    assert note.total_net == Decimal("7.45") and note.total_gross == Decimal("8.94")
    assert invoice.credit_applied == Decimal("8.94")
    assert invoice.amount_due == invoice.total_gross - Decimal("8.94")
    assert invoice.credit_allocations.get().credit_note == note


# SLA-10 — without a month, the job computes the month that ended yesterday (Paris).
def test_default_month_is_last_month(db, monkeypatch):
    sent = []
    monkeypatch.setattr(tasks.compute_sla_report, "delay", lambda *args: sent.append(args))
    customer = ClientFactory()
    SiteFactory(client=customer)
    contract = make_contract(customer, "hosted-a")
    with time_machine.travel(paris(2026, 12, 1, 1), tick=False):
        assert tasks.monthly_sla_reports() == 1
    assert sent == [(contract.pk, NOV.isoformat())]
    # The per-contract task computes it, and is a no-op for a contract that is gone.
    assert tasks.compute_sla_report(contract.pk, NOV.isoformat()) is not None
    assert tasks.compute_sla_report(10**9, NOV.isoformat()) is None


# SLA-10 — beat catching up after a stop: the crontab of 1 December 01:00 missed (machine
# down), beat runs it at its restart on 2 December 03:00. The month that ended is still
# November; the month under way (December, 1 day old) has no report to compute yet (it was
# computed from one day and announced to the partner, and November's was never computed).
def test_late_run_still_computes_the_month_that_ended(db, monkeypatch):
    sent = []
    monkeypatch.setattr(tasks.compute_sla_report, "delay", lambda *args: sent.append(args))
    customer = ClientFactory()
    SiteFactory(client=customer)
    contract = make_contract(customer, "hosted-a")
    with time_machine.travel(paris(2026, 12, 2, 3), tick=False):
        assert tasks.monthly_sla_reports() == 1
    assert sent == [(contract.pk, NOV.isoformat())]
