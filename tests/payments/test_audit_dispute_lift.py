"""BIL-7 / BIL-8 (PLATFORM 12.5.1, 12.6.1): a customer suspended for non-payment that pays
everything it does not dispute has nothing more than 8 days late — its suspension is lifted
then, not only once the disputed part is settled too.

The invoice: 1 000.00 € HT + 20 % VAT = 1 200.00 € TTC, issued 30/09/2026, due 30/10/2026
(dispute period until 29/11/2026). ECB rate on 1 July 2026: 2.15 %.
"""

from datetime import date
from decimal import Decimal

import pytest

from offers.models import Contract
from payments import selectors, services
from payments.models import CollectionCase
from tests.offers.factories import make_contract
from tests.payments.conftest import direct_customer, issue_invoice
from tests.payments.test_direct_debit_lateness import paris

pytestmark = pytest.mark.django_db


def suspended_customer():
    """Unpaid 1 200.00 €: reminded 31/10 and 07/11, suspended by staff on 08/11 (9 days late)."""
    client = direct_customer()
    invoice = issue_invoice(client, "1000.00")
    contract = make_contract(client, "hosted-a")  # after the run: the invoice is 1 200.00
    assert invoice.amount_due == Decimal("1200.00")
    for day in (date(2026, 10, 31), date(2026, 11, 7), date(2026, 11, 8)):
        with paris(day):
            services.collection_run(today=day)
    with paris(date(2026, 11, 8)):
        services.client_suspend_for_non_payment(client=client, today=date(2026, 11, 8))
    assert Contract.objects.get(pk=contract.pk).status == "suspended"
    assert CollectionCase.objects.get(invoice=invoice).stage == "suspended"
    return client, invoice, contract


# BIL-7 / BIL-8 — on 10/11 the customer disputes 200.00 € of the invoice and pays the
# 1 000.00 € it does not dispute: 1 200.00 − 1 000.00 = 200.00 € left, all of it under review,
# nothing undisputed late. Before: still suspended (the lift waited for the invoice to be fully
# settled, the disputed 200.00 € included) and its case kept « suspended », so that once the
# dispute was rejected (due again 10/12) and unpaid past 18/12 no suspension was proposed any
# more. Now: lifted on the payment, the case back to its last reminder; proposed again on
# 19/12 (10/12 + 9 days) when the rejected 200.00 € is still unpaid.
def test_bil7_paying_all_undisputed_lifts_the_suspension():
    client, invoice, contract = suspended_customer()
    with paris(date(2026, 11, 10)):
        dispute = services.dispute_open(
            invoice=invoice, amount="200.00", reason="Not ordered", today=date(2026, 11, 10)
        )
        services.payment_record(
            client=client, amount="1000.00", method="transfer", received_on=date(2026, 11, 10)
        )
    state = services.invoice_state(invoice)
    assert (state.open, state.disputed, state.undisputed_open) == (
        Decimal("200.00"),
        Decimal("200.00"),
        Decimal("0.00"),
    )
    assert Contract.objects.get(pk=contract.pk).status == "active"
    case = CollectionCase.objects.get(invoice=invoice)
    assert case.stage == "final_reminder"
    with paris(date(2026, 11, 10)):
        services.dispute_reject(
            dispute=dispute, note="Ordered on 02/09", new_due_date=date(2026, 12, 10)
        )
    with paris(date(2026, 12, 18)):
        services.collection_run(today=date(2026, 12, 18))  # 8 days late: not yet
    assert CollectionCase.objects.get(invoice=invoice).stage == "final_reminder"
    with paris(date(2026, 12, 19)):
        services.collection_run(today=date(2026, 12, 19))
    assert CollectionCase.objects.get(invoice=invoice).stage == "suspension_proposed"


# BIL-7 / BIL-8 — the other order: 1 000.00 € paid on 10/11 (200.00 € still late: stays
# suspended), then the 200.00 € left disputed on 12/11 (within the 60 days, until 29/11):
# nothing undisputed is late any more — lifted. Before: still suspended.
def test_bil7_disputing_what_is_left_lifts_the_suspension():
    client, invoice, contract = suspended_customer()
    with paris(date(2026, 11, 10)):
        services.payment_record(
            client=client, amount="1000.00", method="transfer", received_on=date(2026, 11, 10)
        )
    assert Contract.objects.get(pk=contract.pk).status == "suspended"
    with paris(date(2026, 11, 12)):
        services.dispute_open(
            invoice=invoice, amount="200.00", reason="Not ordered", today=date(2026, 11, 12)
        )
    assert Contract.objects.get(pk=contract.pk).status == "active"
    assert CollectionCase.objects.get(invoice=invoice).stage == "final_reminder"


# BIL-7 — a suspension proposed on 08/11 (staff have not confirmed it) for an invoice whose
# undisputed part is then paid leaves the dunning queue: the case goes back to its last
# reminder. Before: it stayed in the queue, and the « suspend » action then refused it.
def test_bil7_proposal_withdrawn_when_nothing_undisputed_is_late():
    client = direct_customer()
    invoice = issue_invoice(client, "1000.00")
    for day in (date(2026, 10, 31), date(2026, 11, 7), date(2026, 11, 8)):
        with paris(day):
            services.collection_run(today=day)
    assert CollectionCase.objects.get(invoice=invoice).stage == "suspension_proposed"
    with paris(date(2026, 11, 10)):
        services.dispute_open(
            invoice=invoice, amount="200.00", reason="Not ordered", today=date(2026, 11, 10)
        )
        services.payment_record(
            client=client, amount="1000.00", method="transfer", received_on=date(2026, 11, 10)
        )
    assert CollectionCase.objects.get(invoice=invoice).stage == "final_reminder"
    assert list(selectors.dunning_queue()) == []
