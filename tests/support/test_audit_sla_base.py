"""SLA-7 — the base of an SLA credit is what was invoiced for the month, net of the credit notes
that corrected those invoice lines (BIL-9: a correcting credit note amends the invoice); an SLA
or goodwill credit (compensation, correcting no invoice) never lowers it."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine

from billing import services as billing
from billing.choices import ChargeKind
from billing.models import InvoiceLine
from support import services
from tests.offers.factories import make_contract
from tests.support.factories import incident, make_staff, paris, reseller_billed

pytestmark = pytest.mark.django_db
JUL, AUG, SEP, OCT, NOV = (date(2026, m, 1) for m in (7, 8, 9, 10, 11))


@pytest.fixture(autouse=True)
def _no_pdf(settings):
    settings.BILLING_RENDER_PDF = False


def correct(line: InvoiceLine, amount: str):
    return billing.credit_note_issue(
        corrects=line.invoice,
        lines=[billing.CreditLine("Correction", Decimal(amount), invoice_line=line)],
        reason="Wrong price",
        actor=make_staff(),
    )


def compute(contract, month, at):
    with time_machine.travel(at, tick=False):
        return services.availability_report_compute(contract=contract, month=month)


# SLA-7 (HOSTED-W 7) — 10 users × 14.90 = 149.00 invoiced for October on September's run; staff
# then correct that line by 50.00 (the price agreed was lower): the amount invoiced for October
# is 99.00. 70 minutes down of 44 640 → 99.843 % → 5 % of 99.00 = 4.95 (before: 5 % of the
# 149.00 first billed = 7.45, a credit on 50.00 the customer never owed).
def test_hosted_w_base_net_of_a_correction(tenant):
    customer = reseller_billed(tenant.client)
    contract = make_contract(customer, "hosted-w", quantity=10)
    billing.run_month_sync(month=SEP)
    line = InvoiceLine.objects.get(contract_reference=contract.reference, period_start=OCT)
    assert line.net_amount == Decimal("149.00")
    with time_machine.travel(paris(2026, 10, 20, 12), tick=False):
        correct(line, "50.00")
        services.outage_record(
            title="Core network failure",
            started_at=paris(2026, 10, 12, 9),
            ended_at=paris(2026, 10, 12, 10, 10),
            contracts=[contract],
            actor=make_staff(),
        )
    report = compute(contract, OCT, paris(2026, 11, 1, 1))
    assert report.base == Decimal("99.0000")
    assert (report.credit_percent, report.credit_amount) == (Decimal("5"), Decimal("4.95"))


# SLA-7 / SLA-10 (HOSTED-A 4) — 300.00 fixed fees invoiced for October; consumption invoiced
# 90.00 (July), 120.00 (August), 150.00 (September), August's consumption line corrected by
# 30.00 (a dispute accepted) → 300.00 + (90.00 + 90.00 + 150.00) / 3 = 410.00; 600 minutes
# notified of 44 640 → 98.655 % → 5 % = 20.50 (before: base 420.00 → 21.00).
def test_hosted_a_base_net_of_a_correction(tenant):
    customer = reseller_billed(tenant.client)
    contract = make_contract(customer, "hosted-a", monthly_price="300.00")
    for month, amount in ((JUL, "90.00"), (AUG, "120.00"), (SEP, "150.00")):
        billing.charge_post(
            client=customer,
            contract=contract,
            kind=ChargeKind.CONSUMPTION,
            source_type="usage",
            source_id=f"{contract.pk}-{month:%Y%m}",
            period_start=month + timedelta(days=14),
            description="Calls",
            unit_price=Decimal(amount),
        )
        billing.run_month_sync(month=month)
    august = InvoiceLine.objects.get(
        contract_reference=contract.reference, kind=ChargeKind.CONSUMPTION, invoice__month=AUG
    )
    with time_machine.travel(paris(2026, 10, 31, 12), tick=False):
        correct(august, "30.00")
        incident(contract, paris(2026, 10, 6, 9), paris(2026, 10, 6, 19))
    report = compute(contract, OCT, paris(2026, 11, 1, 1))
    assert report.base_detail == {
        "fixed_fees": "300.00",
        "usage_fees": {"2026-07": "90.00", "2026-08": "90.00", "2026-09": "150.00"},
    }
    assert report.base == Decimal("410.0000")
    assert (report.credit_percent, report.credit_amount) == (Decimal("5"), Decimal("20.50"))
