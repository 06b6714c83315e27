"""The customer's row before its contracts: a channel order paid at the moment another write
moves the same customer's money and contracts must wait its turn, never deadlock with it
(PostgreSQL aborts one of two transactions that wait for each other: a member of staff or a
CDR batch would get an error for a write that was valid).

Each test holds the other write at the point where it owns the customer's money rows and is
about to touch a contract, starts the order's payment, waits until PostgreSQL shows it waiting
for a lock, then lets the other write go on."""

import threading
import time
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.choices import PaymentMethod
from offers import services as offers_services
from offers.models import Contract
from payments import selectors as payment_selectors
from payments import services as payments
from payments.models import Payment
from payments.services import prepaid as prepaid_module
from telephony import selectors, services
from telephony.choices import OrderStatus
from telephony.models import ChannelOrder
from tests.payments.conftest import issue_invoice
from tests.telephony.factories import customer, make_trunk, top_up
from tests.usage.money_helpers import call

pytestmark = pytest.mark.django_db(transaction=True)
NOV, PAY_DAY = date(2026, 11, 1), date(2026, 11, 21)


def _wait_for_a_lock_wait(timeout=10.0) -> bool:
    """True once another backend of this database waits for a row lock."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.05)
    return False


def _interleave(first, second, monkeypatch, owner, name):
    """Run ``first`` until it calls ``owner.name`` (it then holds the customer's money rows),
    run ``second`` until it waits for a lock, then let ``first`` go on. Returns both results
    (or the exceptions they raised)."""
    paused, go_on = threading.Event(), threading.Event()
    original = getattr(owner, name)

    def held(*args, **kwargs):
        paused.set()
        go_on.wait(timeout=15)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, held)
    results = {}

    def run(key, work):
        try:
            results[key] = work()
        except Exception as error:  # noqa: BLE001 - the outcome is asserted by the test
            results[key] = error
        finally:
            connection.close()

    one = threading.Thread(target=run, args=("first", first))
    one.start()
    assert paused.wait(timeout=15), "the first write never reached the contract"
    two = threading.Thread(target=run, args=("second", second))
    two.start()
    waiting = _wait_for_a_lock_wait()
    go_on.set()
    one.join(30)
    two.join(30)
    assert waiting, "the order's payment never waited for the first write"
    return results["first"], results["second"]


# BIL-10 / CON-8 / TRK-3 — a prepaid customer (10.00 € topped up, an 8-channel trunk) pays an
# order of 4 channels from the balance (6.80 € TTC) while a CDR batch debits November's calls:
# 10.0000 € HT → 12.00 € TTC, the balance goes to −2.00 and the customer's active contracts are
# suspended (CON-8). The batch holds the ledger and suspends the trunk's contract; the order's
# payment waits for the customer, then finds the contract suspended: refused with its message,
# nothing debited for it, the trunk still 8 channels. Before: the payment held the contract and
# waited for the ledger, the batch held the ledger and waited for the contract — PostgreSQL
# aborted one ("deadlock detected").
def test_order_paid_from_the_balance_while_a_cdr_batch_exhausts_it(monkeypatch):
    from usage.services.prepaid import prepaid_debit_month

    client = customer(payment_method=PaymentMethod.PREPAID)
    trunk = make_trunk(client, channels=8, start=date(2026, 10, 1), renew_to=NOV)
    top_up(client, "10.00")
    order = services.channel_order_create(trunk=trunk, add=4, today=PAY_DAY)
    call(client, trunk=trunk, cost="10.0000", started_at=datetime(2026, 11, 5, 9, tzinfo=UTC))

    batch, payment = _interleave(
        lambda: prepaid_debit_month(client=client, month=NOV, source="batch:1"),
        lambda: services.channel_order_pay(order=order, method="prepaid", today=PAY_DAY),
        monkeypatch,
        prepaid_module,
        "prepaid_suspend_exhausted",
    )

    assert not isinstance(batch, Exception), batch
    assert batch.amount == Decimal("-12.00")
    assert isinstance(payment, ValidationError), payment
    assert payment.messages == [
        "Les canaux ne peuvent être modifiés que sur un contrat de trunk actif."
    ]
    assert payment_selectors.prepaid_balance(client) == Decimal("-2.00")
    assert Contract.objects.get(pk=trunk.contract_id).status == "suspended"
    assert ChannelOrder.objects.get(pk=order.pk).status == OrderStatus.AWAITING_PAYMENT
    assert selectors.trunk_capacity(trunk, PAY_DAY) == 8


# BIL-4 / BIL-7 / TRK-3 — a customer's trunk is suspended for an unpaid September invoice
# (due 30/10). Its transfer for the invoice and its transfer for an order of 4
# channels are recorded at the same moment by two members of staff. The invoice's payment lifts
# the suspension; the order's payment waits for the customer, then finds the contract active:
# both recorded, the order paid and its 4 channels active (12). Before: the order's payment held
# the contract and waited for the customer, the invoice's payment held the customer and waited
# for the contract to lift it — one of them aborted ("deadlock detected").
def test_order_payment_recorded_while_a_transfer_lifts_the_suspension(monkeypatch):
    client = customer()
    trunk = make_trunk(client, channels=8, start=date(2026, 10, 1), renew_to=NOV)
    order = services.channel_order_create(trunk=trunk, add=4, today=PAY_DAY)
    due = services.channel_quote(trunk=trunk, add=4, today=PAY_DAY).prorata_gross
    september = issue_invoice(client, "100.00", month=date(2026, 9, 1), source="sep")
    payments.collection_run(today=PAY_DAY)
    payments.client_suspend_for_non_payment(client=client, today=PAY_DAY)
    assert Contract.objects.get(pk=trunk.contract_id).status == "suspended"
    open_amount = payments.invoice_state(september).open

    invoice_paid, order_paid = _interleave(
        lambda: payments.payment_record(
            client=client,
            amount=open_amount,
            method="transfer",
            received_on=PAY_DAY,
            reference="VIR-SEPT",
        ),
        lambda: services.channel_order_record_payment(
            order=order,
            method="transfer",
            received_on=PAY_DAY,
            reference="VIR-CANAUX",
            amount=due,
            today=PAY_DAY,
        ),
        monkeypatch,
        offers_services,
        "contract_lift_suspension",
    )

    assert isinstance(invoice_paid, Payment), invoice_paid
    assert isinstance(order_paid, ChannelOrder), order_paid
    assert payments.invoice_state(september).open == 0
    assert Contract.objects.get(pk=trunk.contract_id).status == "active"
    assert ChannelOrder.objects.get(pk=order.pk).status == OrderStatus.ACTIVE
    assert selectors.trunk_capacity(trunk, PAY_DAY) == 12
