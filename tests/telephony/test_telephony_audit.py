"""Audit of trunks, channel orders and SIP accounts: cases no other test showed."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from billing import services as billing
from billing.models import Invoice
from offers import services as offers
from payments import services as payments
from payments.invoice_states import invoice_state
from payments.models import Payment
from payments.services.allocation import on_account_apply
from telephony import services
from telephony.choices import SipStatus
from telephony.models import SipAccount
from telephony.services.sip_accounts import sip_account_create_ordered
from tests.offers.factories import make_contract
from tests.telephony.factories import customer, make_trunk

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


# CON-8 / ACC-7 — a SIP-UNL contract suspended for fraud with one of its 2 accounts still to
# create: the account the customer creates meanwhile is suspended like its contract (portal
# and API read "suspended"), never "active" while the contract is suspended; lifting the
# contract's suspension makes it active.
def test_sip_account_created_on_suspended_contract_reads_suspended():
    client = customer()
    start = date(2026, 10, 1)
    contract = make_contract(client, "sip-unl", quantity=2, signature=start, service_start=start)
    services.sip_account_create(contract=contract, label="Accueil")
    offers.contract_suspend(contract=contract, reason="fraud")

    account, _secret = sip_account_create_ordered(
        contract=contract, label="Atelier", today=date(2026, 10, 5)
    )

    assert SipAccount.objects.get(pk=account.pk).status == SipStatus.SUSPENDED
    offers.contract_lift_suspension(contract=contract)
    assert SipAccount.objects.get(pk=account.pk).status == SipStatus.ACTIVE


# TRK-3 / BIL-4 — an order paid late: 8 channels, +4 quoted on 21 November (17.00 × 10/30 =
# 5.6667 → 5.67 HT, 6.80 TTC); the customer transfers those 6.80 on the 21st, staff record
# them on the 23rd: the channels are active from the 23rd and the order costs 17.00 × 8/30 =
# 4.5333 → 4.53 HT, 5.44 TTC. The 6.80 − 5.44 = 1.36 € left are the customer's: on account,
# they settle the next invoice (November's run: 4.53 + December 10.00 + 39.00 = 53.53 HT,
# 64.24 TTC, of which 5.44 paid by the order → 58.80 open, 57.44 once the 1.36 are set
# against it), never lost.
def test_channel_order_payment_above_the_amount_due_leaves_the_rest_on_account():
    trunk = make_trunk(customer(), channels=8, start=date(2026, 10, 1), renew_to=date(2026, 11, 1))
    client = trunk.contract.client
    order = services.channel_order_create(trunk=trunk, add=4, today=date(2026, 11, 21))
    assert order.amount_gross == Decimal("6.80")

    with time_machine.travel(datetime(2026, 11, 23, 10, tzinfo=PARIS), tick=False):
        order = services.channel_order_record_payment(
            order=order,
            method="transfer",
            received_on=date(2026, 11, 21),
            reference="VIR-CH-1",
            amount=Decimal("6.80"),
            today=date(2026, 11, 23),
        )
    assert order.amount_gross == Decimal("5.44")
    received = Payment.objects.filter(client=client)
    assert sum(p.amount for p in received) == Decimal("6.80")  # what the bank received
    on_account = sum(payments.payment_unallocated(p) for p in received.filter(source_type=""))
    assert on_account == Decimal("1.36")

    with time_machine.travel(datetime(2026, 12, 1, 0, 10, tzinfo=PARIS), tick=False):
        billing.run_month_sync(month=date(2026, 11, 1))
        invoice = Invoice.objects.get(client=client, month=date(2026, 11, 1))
        assert invoice.total_gross == Decimal("64.24")
        on_account_apply(today=date(2026, 12, 1))
        assert invoice_state(invoice).open == Decimal("57.44")
