"""BIL-4 SEPA direct debit: mandates, pain.008 batches (validated against the schema), FRST then
RCUR, the undisputed part only, rejects re-invoicing the bank fee."""

import os
from datetime import date
from decimal import Decimal

import pytest
import sepaxml
import time_machine
import xmlschema
from django.core.exceptions import ValidationError

from billing.models import PendingCharge
from payments import selectors, services
from payments.models import DirectDebit
from tests.payments.conftest import direct_customer, issue_invoice

pytestmark = pytest.mark.django_db
SCHEMA = xmlschema.XMLSchema(
    os.path.join(os.path.dirname(sepaxml.__file__), "schemas", "pain.008.001.02.xsd")
)
IBAN = "FR1420041010050500013M02606"
IBAN_DE = "DE89370400440532013000"


def mandate(client, iban=IBAN, bic="PSSTFRPPPAR"):
    return services.mandate_create(
        client=client,
        account_holder=client.legal_name,
        iban=iban,
        bic=bic,
        signed_on=date(2026, 9, 1),
    )


def test_bil4_mandate_validation():
    client = direct_customer()
    with pytest.raises(ValidationError) as exc:
        services.mandate_create(
            client=client,
            account_holder="",
            iban="FR1420041010050500013M02607",
            bic="XX",
            signed_on=date(2026, 9, 1),
        )
    assert set(exc.value.message_dict) == {"iban", "bic", "account_holder"}
    first = mandate(client)
    second = mandate(client, iban=IBAN_DE, bic="COBADEFFXXX")
    first.refresh_from_db()
    assert (first.status, second.status) == ("revoked", "active")
    assert selectors.active_mandate(client) == second
    assert second.masked_iban == "DE89 •••• 3000"


# BIL-4 — the batch of invoices due: a valid pain.008.001.02 file, FRST for a mandate's first
# collection and RCUR after, the disputed part left out (BIL-8).
def test_bil4_pain008_batch_validates_and_sequences():
    alice, bob = direct_customer(legal_name="Alice SARL"), direct_customer(legal_name="Bob SAS")
    mandate(alice)
    mandate(bob, iban=IBAN_DE, bic="COBADEFFXXX")
    a1 = issue_invoice(alice, "100.00")  # 120.00, due 2026-10-30
    b1 = issue_invoice(bob, "1000.00")  # 1 200.00
    services.dispute_open(invoice=b1, amount="200.00", reason="x", today=date(2026, 10, 2))
    with time_machine.travel("2026-10-28 10:00 +01:00", tick=False):
        batch = services.debit_batch_create(collection_date=date(2026, 10, 30))
    SCHEMA.validate(batch.xml)  # raises when the file does not match the schema
    assert (batch.count, batch.total) == (2, Decimal("1120.00"))
    amounts = dict(batch.debits.values_list("invoice_id", "amount"))
    assert amounts == {a1.pk: Decimal("120.00"), b1.pk: Decimal("1000.00")}
    assert (
        "<SeqTp>FRST</SeqTp>" in batch.xml and '<InstdAmt Ccy="EUR">1000.00</InstdAmt>' in batch.xml
    )
    with time_machine.travel("2026-10-31 10:00 +01:00", tick=False):
        services.debit_batch_settle(batch=batch)
        assert services.invoice_state(a1).open == 0
        assert services.invoice_state(b1).undisputed_open == 0
        a2 = issue_invoice(alice, "50.00", month=date(2026, 10, 1), source="oct")
    with time_machine.travel("2026-11-27 10:00 +01:00", tick=False):
        nxt = services.debit_batch_create(collection_date=date(2026, 11, 30))
    SCHEMA.validate(nxt.xml)
    assert list(nxt.debits.values_list("invoice_id", "sequence_type")) == [(a2.pk, "RCUR")]


def test_bil4_nothing_due_is_a_clear_error():
    with pytest.raises(ValidationError, match="No invoice is due"):
        services.debit_batch_create(collection_date=date(2027, 1, 4))


# BIL-4 (PLATFORM 12.3.3) — a rejected debit: the invoice is due again and the bank's reject
# fee (taxable) is re-invoiced as a pending charge.
def test_bil4_reject_reverses_payment_and_reinvoices_fee():
    client = direct_customer()
    mandate(client)
    invoice = issue_invoice(client, "100.00")
    with time_machine.travel("2026-10-28 10:00 +01:00", tick=False):
        batch = services.debit_batch_create(collection_date=date(2026, 10, 30))
    with time_machine.travel("2026-10-31 10:00 +01:00", tick=False):
        services.debit_batch_settle(batch=batch)
        assert services.invoice_state(invoice).open == 0
        debit = DirectDebit.objects.get()
        services.debit_reject(debit=debit, reason="AM04 insufficient funds", bank_fee="7.50")
    state = services.invoice_state(invoice)
    assert (state.open, state.payments) == (Decimal("120.00"), [])
    fee = PendingCharge.objects.get(kind="reject_fee")
    assert (fee.unit_price, fee.vat_category, fee.client) == (Decimal("7.5000"), "", client)
    with pytest.raises(Exception, match="already rejected"):
        services.debit_reject(debit=debit, reason="again", bank_fee="1")


# BIL-3 / BIL-4 — the reject fee (7.50 HT) recorded by a staff member reading the back office
# in English is re-invoiced in French: « Frais de rejet de prélèvement — facture F… ».
def test_bil4_reject_fee_recorded_in_english_is_invoiced_in_french():
    from django.utils import translation

    client = direct_customer()
    mandate(client)
    invoice = issue_invoice(client, "100.00")
    with time_machine.travel("2026-10-28 10:00 +01:00", tick=False):
        batch = services.debit_batch_create(collection_date=date(2026, 10, 30))
    with time_machine.travel("2026-10-31 10:00 +01:00", tick=False), translation.override("en"):
        services.debit_batch_settle(batch=batch)
        debit = DirectDebit.objects.get()
        services.debit_reject(debit=debit, reason="AM04 insufficient funds", bank_fee="7.50")
    fee = PendingCharge.objects.get(kind="reject_fee")
    assert (fee.description, fee.unit_price) == (
        f"Frais de rejet de prélèvement — facture {invoice.number}",
        Decimal("7.5000"),
    )
