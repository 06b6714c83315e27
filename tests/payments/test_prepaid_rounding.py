"""BIL-10: the prepaid ledger agrees with the invoice that lists what it paid."""

from datetime import date
from decimal import Decimal

import pytest

from billing import services as billing
from billing.choices import ChargeKind
from billing.models import Invoice
from offers.models import Contract
from payments import services
from payments.choices import PrepaidKind
from payments.models import PrepaidEntry
from tests.offers.factories import make_contract
from tests.payments.conftest import direct_customer

OCT = date(2026, 10, 1)
pytestmark = pytest.mark.django_db


def _prepaid_consumption(client, source_id, net):
    """A consumption paid from the balance: the ledger debits its TTC, rounded on its own; the
    charge is posted as paid, keyed by the same source."""
    services.prepaid_debit(
        client=client,
        amount=(Decimal(net) * Decimal("1.20")).quantize(Decimal("0.01")),
        source_type="cdr",
        source_id=source_id,
        description="Appels",
    )
    billing.charge_post(
        client=client,
        kind=ChargeKind.CONSUMPTION,
        source_type="cdr",
        source_id=source_id,
        period_start=OCT,
        description="Appels",
        unit_price=Decimal(net),
        is_paid=True,
    )


# BIL-10 — two consumptions of 5.03 HT debited 6.04 TTC each (5.03 × 1.20 = 6.036 → 6.04):
# the ledger took 12.08; the invoice computes VAT on the total, 10.06 × 20 % = 2.012 → 2.01,
# so 12.07 was paid: the 0.01 taken in excess goes back to the balance, once.
# Balance: 50.00 − 12.08 + 0.01 = 37.93.
def test_bil10_ledger_gives_back_the_cent_the_invoice_did_not_take():
    client = direct_customer()
    services.prepaid_topup_record(
        client=client, amount_received=Decimal("50.00"), received_on=OCT, reference="VIR-1"
    )
    _prepaid_consumption(client, "cdr-1", "5.03")
    _prepaid_consumption(client, "cdr-2", "5.03")
    billing.run_month_sync(month=OCT)
    invoice = Invoice.objects.get(client=client)
    assert (invoice.paid_in_advance, invoice.amount_due) == (Decimal("12.07"), Decimal("0.00"))
    rounding = PrepaidEntry.objects.get(kind=PrepaidKind.ROUNDING)
    assert (rounding.amount, rounding.balance_after) == (Decimal("0.01"), Decimal("37.93"))
    assert invoice.number in rounding.description
    # The run again: no second invoice, no second rounding.
    billing.run_month_sync(month=OCT)
    assert PrepaidEntry.objects.filter(kind=PrepaidKind.ROUNDING).count() == 1


# BIL-10 — one consumption: 5.03 × 1.20 = 6.036 → 6.04 both ways: nothing to square.
def test_bil10_no_rounding_entry_when_ledger_and_invoice_agree():
    client = direct_customer()
    services.prepaid_topup_record(
        client=client, amount_received=Decimal("50.00"), received_on=OCT, reference="VIR-1"
    )
    _prepaid_consumption(client, "cdr-1", "5.03")
    billing.run_month_sync(month=OCT)
    assert Invoice.objects.get(client=client).paid_in_advance == Decimal("6.04")
    assert not PrepaidEntry.objects.filter(kind=PrepaidKind.ROUNDING).exists()


# BIL-10 — the other way: two consumptions of 5.02 HT debited 6.02 TTC each (5.02 × 1.20 =
# 6.024 → 6.02): the ledger took 12.04; the invoice states 10.04 + VAT 2.008 → 2.01 = 12.05
# paid. The invoice is the legal figure: the cent the ledger took short is taken when it is
# issued, once, so the prepaid page and the invoice name the same 12.05.
# Balance: 50.00 − 12.04 − 0.01 = 37.95.
def test_bil10_ledger_takes_the_cent_the_invoice_says_was_paid():
    client = direct_customer()
    services.prepaid_topup_record(
        client=client, amount_received=Decimal("50.00"), received_on=OCT, reference="VIR-1"
    )
    _prepaid_consumption(client, "cdr-1", "5.02")
    _prepaid_consumption(client, "cdr-2", "5.02")
    billing.run_month_sync(month=OCT)
    invoice = Invoice.objects.get(client=client)
    assert (invoice.paid_in_advance, invoice.amount_due) == (Decimal("12.05"), Decimal("0.00"))
    rounding = PrepaidEntry.objects.get(kind=PrepaidKind.ROUNDING)
    assert (rounding.amount, rounding.balance_after) == (Decimal("-0.01"), Decimal("37.95"))
    assert invoice.number in rounding.description
    debited = -sum(e.amount for e in PrepaidEntry.objects.filter(amount__lt=0))
    assert debited == invoice.paid_in_advance
    billing.run_month_sync(month=OCT)
    assert PrepaidEntry.objects.filter(kind=PrepaidKind.ROUNDING).count() == 1


# BIL-10 / USE-8 / CON-8 — the same cent taken from a balance that the two debits had brought
# to exactly 0.00 (12.04 topped up): the balance is −0.01 (an overdraft, traffic already
# carried) and the customer's active contract is suspended for an exhausted balance, as any
# consumption debit at zero.
def test_bil10_rounding_taken_at_zero_suspends_like_a_consumption_debit():
    client = direct_customer()
    contract = make_contract(client, "hosted-a")
    services.prepaid_topup_record(
        client=client, amount_received=Decimal("12.04"), received_on=OCT, reference="VIR-1"
    )
    _prepaid_consumption(client, "cdr-1", "5.02")
    _prepaid_consumption(client, "cdr-2", "5.02")
    billing.run_month_sync(month=OCT)
    rounding = PrepaidEntry.objects.get(kind=PrepaidKind.ROUNDING)
    assert (rounding.amount, rounding.balance_after, rounding.overdraft) == (
        Decimal("-0.01"),
        Decimal("-0.01"),
        True,
    )
    contract = Contract.objects.get(pk=contract.pk)
    assert contract.status == "suspended"
    assert contract.suspensions.get().reason == "prepaid_exhausted"
