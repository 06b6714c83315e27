"""BIL-8 / BIL-9: an accepted dispute whose credit note is one cent above the disputed amount
(0.03 € disputed on a 20 % invoice: no net gives 0.03 TTC, the credit is 0.04 €) — the cent in
the customer's favour is money set against the invoice like any credit: an invoice it covers is
settled, with no phantom cent left unpaid in its schedule (no days late, no interest, no 40 €
indemnity).

The invoice: 10.00 € HT + 20 % VAT = 12.00 € TTC, issued 30/09/2026, due 30/10/2026."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from accounts.choices import PaymentMethod as ClientPaymentMethod
from payments import services
from payments.models import CollectionCase
from tests.payments.conftest import direct_customer, issue_invoice

pytestmark = pytest.mark.django_db
DUE = date(2026, 10, 30)


def paris(day: date, hour=10):
    return time_machine.travel(f"{day.isoformat()} {hour:02d}:00 +01:00", tick=False)


def accept_three_cents(invoice):
    dispute = services.dispute_open(
        invoice=invoice, amount="0.03", reason="Rounding", today=date(2026, 10, 5)
    )
    with paris(date(2026, 10, 5)):
        note = services.dispute_accept(dispute=dispute, note="Agreed")
    # BIL-8: 0.03 at 20 %: net 0.03 + VAT 0.006 → 0.01 = 0.04 € (one cent in the customer's favour)
    assert note.total_gross == Decimal("0.04")
    return note


def late_charges(client) -> dict:
    rows = client.charges.filter(kind__in=["late_interest", "recovery_indemnity"])
    found: dict = {}
    for charge in rows.order_by("pk"):
        found.setdefault(charge.kind, []).append(charge.unit_price)
    return found


# BIL-8, BIL-9 — 12.00 € due, 0.03 disputed and accepted → 0.04 credited on 05/10: 12.00 − 0.04
# = 11.96 € left. Paid 11.96 by transfer on 25/10 (before the due date): settled, nothing left in
# its schedule — before: a phantom 0.01 € (12.00 − 0.03 = 11.97 due, 11.96 paid) kept it
# « late since 30/10 » (days_late 10 on 09/11).
def test_bil9_cent_above_the_disputed_amount_leaves_no_phantom_due():
    client = direct_customer()
    invoice = issue_invoice(client, "10.00")
    assert (invoice.amount_due, invoice.due_date) == (Decimal("12.00"), DUE)
    accept_three_cents(invoice)
    assert services.invoice_state(invoice).open == Decimal("11.96")
    services.payment_record(
        client=client, amount="11.96", received_on=date(2026, 10, 25), method="transfer"
    )
    state = services.invoice_state(invoice)
    assert state.open == Decimal("0.00")
    assert [left for _t, left in state.tranches] == [Decimal("0.00")]
    assert state.overdue_since(date(2026, 11, 9)) is None
    assert state.days_late(date(2026, 11, 9)) == 0
    assert state.late_days(date(2026, 11, 9)) == 0


# BIL-6, BIL-9 — the same invoice of a direct-debit customer: the batch of 28/10 collects the
# 11.96 € left on 05/11 (a debit collected after the due date counts as paid on it: on time).
# Settled on 05/11 with 0.00 € of interest and no 40.00 € indemnity — before: the phantom
# 0.01 € left unpaid since 30/10 made it 6 days late, and the 40.00 € indemnity was posted on an
# invoice fully paid.
def test_bil6_cent_above_the_disputed_amount_posts_no_indemnity(ecb):
    client = direct_customer(payment_method=ClientPaymentMethod.SEPA_DIRECT_DEBIT)
    services.mandate_create(
        client=client,
        account_holder=client.legal_name,
        iban="FR1420041010050500013M02606",
        bic="PSSTFRPPPAR",
        signed_on=date(2026, 9, 1),
    )
    invoice = issue_invoice(client, "10.00")
    accept_three_cents(invoice)
    with paris(date(2026, 10, 28)):
        batch = services.debit_batch_create(collection_date=date(2026, 11, 5))
    assert batch.total == Decimal("11.96")
    with paris(date(2026, 11, 9)):
        services.debit_batch_settle(batch=batch)
    case = CollectionCase.objects.get(invoice=invoice)
    assert (case.stage, case.settled_on) == ("settled", date(2026, 11, 5))
    assert services.invoice_state(invoice).late_days(date(2026, 11, 5)) == 0
    assert late_charges(client) == {}  # 0.00 € interest, 0.00 € indemnity
