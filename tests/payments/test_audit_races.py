"""BIL-4 against PostgreSQL: two writes settling the same payer's invoices at once (staff
recording a transfer while another settles a direct-debit batch, two staff recording a
partner's payments) are written in turn — an invoice is never settled twice."""

from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum

from accounts.choices import BillingMode
from billing import services as billing
from billing.models import Invoice
from payments import services
from payments.models import Allocation, DirectDebit
from tests.factories import ClientFactory, PartnerFactory, SiteFactory
from tests.payments.conftest import direct_customer, issue_invoice
from tests.payments.test_direct_debit_lateness import paris, send_batch, sign_mandate
from tests.races import first_holds_its_transaction

pytestmark = pytest.mark.django_db(transaction=True)
SEP = date(2026, 9, 1)


def settled_on(invoice) -> Decimal:
    return Allocation.objects.filter(invoice=invoice).aggregate(s=Sum("amount"))["s"]


# BIL-4 — September's invoice 100.00 HT = 120.00 TTC is in the batch of 28/10 for 30/10. On
# 31/10 one member of staff records the customer's transfer of 120.00 while another settles the
# batch: the transfer settles the invoice, the debit's 120.00 stay on account. Before: both saw
# 120.00 open and each set 120.00 against it — 240.00 on a 120.00 invoice, 0.00 on account.
def test_bil4_transfer_and_batch_settlement_at_once_settle_the_invoice_once():
    client = direct_customer()
    sign_mandate(client)
    invoice = issue_invoice(client, "100.00", month=SEP, source="a")
    batch = send_batch(date(2026, 10, 28), date(2026, 10, 30))

    def transfer():
        services.payment_record(
            client=client, amount="120.00", method="transfer", received_on=date(2026, 10, 31)
        )

    def settle():
        services.debit_batch_settle(batch=batch)

    with paris(date(2026, 10, 31)):
        assert first_holds_its_transaction(transfer, settle) == []
    assert settled_on(invoice) == Decimal("120.00")
    debit_payment = DirectDebit.objects.get().payment
    assert services.payment_unallocated(debit_payment) == Decimal("120.00")


# BIL-4 — a partner-billed partner's September invoice: 1 000.00 HT = 1 200.00 TTC. Two
# members of staff record two transfers of the partner, 1 000.00 and 500.00, at once: the
# first settles 1 000.00 of the invoice, the second its last 200.00 and leaves 300.00 on
# account. Before: each saw 1 200.00 open — 1 500.00 set against a 1 200.00 invoice.
def test_bil4_two_partner_payments_at_once_never_settle_more_than_the_invoice():
    partner = PartnerFactory(billing_mode=BillingMode.PARTNER_BILLED)
    end_customer = ClientFactory(partner=partner)
    SiteFactory(client=end_customer)
    billing.charge_post(
        client=end_customer,
        kind="setup",
        source_type="test",
        source_id="p-setup",
        period_start=SEP,
        description="Installation",
        unit_price=Decimal("1000.00"),
    )
    billing.run_month_sync(month=SEP)
    invoice = Invoice.objects.get(partner=partner, month=SEP)
    payments = []

    def pay(amount):
        def record():
            payments.append(
                services.payment_record(
                    partner=partner,
                    amount=amount,
                    method="transfer",
                    received_on=date(2026, 10, 20),
                )
            )

        return record

    with paris(date(2026, 10, 20)):
        assert first_holds_its_transaction(pay("1000.00"), pay("500.00")) == []
    assert settled_on(invoice) == Decimal("1200.00")
    assert sum((services.payment_unallocated(p) for p in payments), Decimal(0)) == Decimal("300.00")


# BIL-8 / BIL-4 — September's invoice of 120.00 TTC, 24.00 of it disputed. On 20/10 one member
# of staff records the customer's transfer of 120.00 while another accepts the dispute: the
# transfer settles the invoice, the 24.00 credit note stays whole for the next invoices (BIL-9).
# Before: the two deadlocked (the acceptance held the invoice's row while waiting for the
# transfer, whose commit checked that row) and the transfer failed with a database error.
def test_bil8_dispute_accepted_while_a_transfer_is_recorded_settles_the_invoice_once():
    from billing.services.credit_notes import credit_remaining

    client = direct_customer()
    invoice = issue_invoice(client, "100.00", month=SEP, source="a")
    dispute = services.dispute_open(
        invoice=invoice, amount="24.00", reason="Wrong fee", today=date(2026, 10, 10)
    )
    notes = []

    def transfer():
        services.payment_record(
            client=client, amount="120.00", method="transfer", received_on=date(2026, 10, 20)
        )

    def accept():
        notes.append(services.dispute_accept(dispute=dispute, note="Fee waived"))

    with paris(date(2026, 10, 20)):
        assert first_holds_its_transaction(transfer, accept) == []
    assert settled_on(invoice) == Decimal("120.00")
    assert credit_remaining(notes[0]) == Decimal("24.00")


# BIL-4 — two members of staff make the batch of 30/10 at the same moment (28/10): the invoice
# of 120.00 TTC is collected once, in one batch; the second is told why it got no batch — a
# form error, not a server error (it hit the one-pending-debit rule: IntegrityError, a 500).
def test_bil4_two_batches_made_at_once_collect_the_invoice_once():
    client = direct_customer()
    sign_mandate(client)
    issue_invoice(client, "100.00", month=SEP, source="a")

    def make():
        services.debit_batch_create(collection_date=date(2026, 10, 30))

    with paris(date(2026, 10, 28)):
        errors = first_holds_its_transaction(make, make)
    assert [type(error).__name__ for error in errors] == ["ValidationError"]
    assert errors[0].code == "concurrent_batch"
    assert errors[0].messages == [  # the second thread speaks the default language
        "Une autre remise vient d'être créée pour ces factures\u00a0: rien n'a été créé. "
        "Consultez les remises, puis créez-en une nouvelle pour les factures encore dues."
    ]
    debits = DirectDebit.objects.all()
    assert [(d.amount, d.status) for d in debits] == [(Decimal("120.00"), "pending")]
