"""SLA-12 (PLATFORM 15.3) — « Abonnements payés »: a subscription line paid in advance (a
prepaid number reservation or channel order, BIL-10: the invoice lists it as already paid) was
paid, whatever is still due on the rest of its invoice."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine

from billing import services as billing
from billing.models import Invoice
from offers.periods import next_month_start
from payments import services as payments
from support import selectors
from tests.offers.factories import make_contract
from tests.support.factories import make_staff, paris, reseller_billed

pytestmark = pytest.mark.django_db
JUL, AUG, SEP, OCT = (date(2026, m, 1) for m in (7, 8, 9, 10))
EVENT_DAY = date(2026, 10, 15)  # window [15 July, 15 October): invoices of 31/07, 31/08, 30/09


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.BILLING_RENDER_PDF = False


# SLA-12 — a PLATFORM service at 250.00 € HT a month, with a number whose months were paid in
# advance from the prepaid balance (10.00 € HT a month, listed as already paid on the invoices of
# 31 July, 31 August and 30 September). Nothing else paid: the subscriptions paid in the 3 months
# before 15 October are 3 × 10.00 = 30.00 (before: 0.00 — the invoices were not settled, so the
# prepaid months counted for nothing). July's invoice then paid in full: 250.00 + 10.00 + 10.00
# + 10.00 = 280.00.
def test_prepaid_subscription_lines_count_as_paid(tenant):
    customer = reseller_billed(tenant.client)
    contract = make_contract(customer, "platform", monthly_price="250.00")
    for month in (AUG, SEP, OCT):
        billing.charge_post(
            client=customer,
            contract=contract,
            kind="subscription",
            source_type="number",
            source_id=f"prepaid-{month:%Y%m}",
            period_start=month,
            period_end=next_month_start(month),
            description="Numéro 01 23 45 67 89",
            unit_price=Decimal("10.00"),
            is_paid=True,
        )
    invoices = {}
    for month in (JUL, AUG, SEP):
        billing.run_month_sync(month=month)
        invoices[month] = Invoice.objects.get(kind="invoice", client=customer, month=month)
    assert all(invoice.paid_in_advance == Decimal("12.00") for invoice in invoices.values())
    assert selectors.liability_cap(contract=contract, day=EVENT_DAY) == Decimal("30.00")

    with time_machine.travel(paris(2026, 11, 20, 10), tick=False):
        payments.payment_record(
            amount=invoices[JUL].amount_due,
            method="transfer",
            received_on=invoices[JUL].issue_date + timedelta(days=5),
            client=customer,
            invoices=[invoices[JUL]],
            actor=make_staff(),
        )
    assert selectors.liability_cap(contract=contract, day=EVENT_DAY) == Decimal("280.00")
