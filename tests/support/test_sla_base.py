"""SLA-7 / SLA-10 — the base of an SLA credit is read from issued invoices, never from the
contract's live lines: a contract terminated effective 1 November has no live line left when
its October report runs on 1 November at 01:00, and still gets the base of what was invoiced for
October. HOSTED-A: the fixed fees invoiced for the month + the average consumption invoiced in
each of the 3 months before (0 for a month without); HOSTED-W: the month's subscriptions
invoiced."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine

from billing import services as billing
from billing.choices import ChargeKind
from billing.models import InvoiceLine
from offers import services as offers
from offers.choices import ContractStatus
from support import services
from tests.offers.factories import make_contract
from tests.support.factories import incident, make_staff, paris, reseller_billed

pytestmark = pytest.mark.django_db
JUN, JUL, AUG, SEP, OCT, NOV = (date(2026, m, 1) for m in (6, 7, 8, 9, 10, 11))


@pytest.fixture(autouse=True)
def _no_pdf(settings):
    settings.BILLING_RENDER_PDF = False


@pytest.fixture
def staff():
    return make_staff()


@pytest.fixture
def customer(tenant):
    return reseller_billed(tenant.client)


def consumption(contract, month, amount):
    """Consumption of ``month``, invoiced by the run of ``month`` (in arrears)."""
    billing.charge_post(
        client=contract.client,
        contract=contract,
        kind=ChargeKind.CONSUMPTION,
        source_type="usage",
        source_id=f"{contract.pk}-{month:%Y%m}",
        period_start=month + timedelta(days=14),
        description="Calls",
        unit_price=Decimal(amount),
    )


def terminate_on_november_1st(contract):
    """Notice given on 15 September 2026 for 1 November (HOSTED-A/W: 1 month's notice); the
    daily job applies it on 1 November: every line ends, no live line is left."""
    with time_machine.travel(paris(2026, 9, 15, 10), tick=False):
        termination = offers.contract_request_termination(contract=contract, requested_date=NOV)
    assert termination.effective_date == NOV
    with time_machine.travel(paris(2026, 11, 1, 0, 5), tick=False):
        assert offers.termination_apply(termination_id=termination.pk, today=NOV)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.TERMINATED
    assert contract.monthly_fees == 0  # what the old base read


def compute(contract, month=OCT):
    with time_machine.travel(paris(2026, 11, 1, 1), tick=False):
        return services.availability_report_compute(contract=contract, month=month)


# SLA-7 / SLA-10 — HOSTED-A, the brief's case: 300.00 € of fixed fees invoiced for October (on
# September's run, in advance); consumption invoiced 60.00 in July, 90.00 in August, nothing in
# September → base 300.00 + (60.00 + 90.00 + 0) / 3 = 350.00. June's 500.00 is 4 months before:
# not counted; another contract's lines on the same invoices are not either. Terminated
# effective 1 November, the October report still has base 350.00. Unavailable 669.6 minutes of
# 44 640 (11 h 09 min 36 s = 40 176 s) → (2 678 400 − 40 176) / 2 678 400 = 98.5 % → tier
# [98, 99) → 5 % × 350.00 = 17.50.
def test_hosted_a_base_of_terminated_contract(customer, staff):
    contract = make_contract(customer, "hosted-a", monthly_price="300.00")
    other = make_contract(customer, "hosted-a", monthly_price="250.00")
    for month, amount in ((JUN, "500.00"), (JUL, "60.00"), (AUG, "90.00")):
        consumption(contract, month, amount)
        consumption(other, month, "1000.00")
        billing.run_month_sync(month=month)
    billing.run_month_sync(month=SEP)  # October's 300.00 in advance; no consumption
    terminate_on_november_1st(contract)
    with time_machine.travel(paris(2026, 10, 31, 12), tick=False):
        incident(contract, paris(2026, 10, 6, 9), paris(2026, 10, 6, 20, 9, 36), staff=staff)
    report = compute(contract)
    assert report.base == Decimal("350.00")
    assert report.base_detail == {
        "fixed_fees": "300.00",
        "usage_fees": {"2026-07": "60.00", "2026-08": "90.00", "2026-09": "0.00"},
    }
    assert report.unavailable_seconds == 40_176
    assert report.availability == Decimal("98.500000")
    assert (report.credit_percent, report.credit_amount) == (Decimal("5"), Decimal("17.50"))


# SLA-7 — HOSTED-A, a first month billed pro rata: service from 16 October 2026, October's run
# bills 16/31 of 300.00 = 154.8387 → 154.84 (rounded once, on the line). The base is what was
# actually invoiced, 154.84 + (0 + 0 + 0) / 3; 600 minutes of failure → 98.655 % → 5 % →
# 7.742 → 7.74.
def test_hosted_a_base_of_prorata_first_month(customer, staff):
    contract = make_contract(
        customer,
        "hosted-a",
        monthly_price="300.00",
        signature=date(2026, 10, 1),
        service_start=date(2026, 10, 16),
    )
    billing.run_month_sync(month=OCT)  # October pro rata (started during M) + November
    line = InvoiceLine.objects.get(
        contract_reference=contract.reference, kind=ChargeKind.PRORATA
    )  # the setup fee (490.00) is on the same invoice: not a fixed monthly fee
    assert (line.period_start, line.net_amount) == (date(2026, 10, 16), Decimal("154.84"))
    with time_machine.travel(paris(2026, 10, 31, 12), tick=False):
        incident(contract, paris(2026, 10, 20, 9), paris(2026, 10, 20, 19), staff=staff)
    report = compute(contract)
    assert report.base == Decimal("154.84")
    assert report.base_detail["fixed_fees"] == "154.84"
    assert report.availability_display == Decimal("98.655")
    assert (report.credit_percent, report.credit_amount) == (Decimal("5"), Decimal("7.74"))


# SLA-7 — HOSTED-A with nothing invoiced for the month (no run yet): the fixed part is 0.00,
# never the live monthly fees (300.00 on the contract's lines).
def test_hosted_a_base_without_invoice(customer, staff):
    contract = make_contract(customer, "hosted-a", monthly_price="300.00")
    assert contract.monthly_fees == Decimal("300.00")
    report = compute(contract)
    assert report.base == 0 and report.base_detail["fixed_fees"] == "0.00"


# SLA-7 — HOSTED-W: "the month's amount invoiced for the failed service". 10 users × 14.90 =
# 149.00 invoiced for October (September's run); terminated effective 1 November, the October
# report keeps base 149.00; 70 minutes of 44 640 → 99.843 % → 5 % → 7.45.
def test_hosted_w_base_of_terminated_contract(customer, staff):
    contract = make_contract(customer, "hosted-w", quantity=10)
    billing.run_month_sync(month=SEP)
    terminate_on_november_1st(contract)
    with time_machine.travel(paris(2026, 10, 30, 12), tick=False):
        services.outage_record(
            title="Down",
            started_at=paris(2026, 10, 12, 9),
            ended_at=paris(2026, 10, 12, 10, 10),
            contracts=[contract],
            actor=staff,
        )
    report = compute(contract)
    assert report.base == Decimal("149.00")
    assert report.base_detail == {"source": "invoiced", "invoiced": "149.00"}
    assert (report.credit_percent, report.credit_amount) == (Decimal("5"), Decimal("7.45"))


# SLA-7 / HOSTED-W 9 — the order month is free: nothing is invoiced for it, so the base is
# 0.00 and there is no credit, however long the outage (2 000 minutes → 95.5 %, tier 20 %),
# and nothing to request. The month after, invoiced in full (149.00), has its base.
def test_hosted_w_free_order_month(customer, staff):
    contract = make_contract(
        customer,
        "hosted-w",
        quantity=10,
        signature=date(2026, 10, 5),
        service_start=date(2026, 10, 9),
    )
    billing.run_month_sync(month=OCT)  # November in advance; October free
    with time_machine.travel(paris(2026, 11, 30, 12), tick=False):
        for month in (OCT, NOV):
            services.outage_record(
                title="Down",
                started_at=paris(2026, month.month, 20, 9),
                ended_at=paris(2026, month.month, 20, 9) + timedelta(minutes=2000),
                excusable=False,
                excuse_reason="",
                contracts=[contract],
                actor=staff,
            )
    october = compute(contract)
    assert october.credit_percent == Decimal("20")
    assert october.base == 0 and october.credit_amount == 0 and not october.can_request
    with time_machine.travel(paris(2026, 12, 1, 1), tick=False):
        november = services.availability_report_compute(contract=contract, month=NOV)
    assert november.base == Decimal("149.00")
    assert november.credit_amount == Decimal("29.80")  # 20 % × 149.00
