"""BIL-9: a credit note line names the invoice line it credits, and the credits of an invoice
line never exceed what that line billed — not only the invoice's total (an invoice with other
lines had room for a second credit of the same month)."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from billing import services as billing
from billing.choices import ChargeKind
from billing.models import Invoice, InvoiceLine
from offers import services as offers
from offers.choices import TerminationStatus
from tests.offers.factories import make_contract
from tests.payments.conftest import direct_customer
from tests.payments.test_price_changes import at_catalogue_price

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
DEC = date(2026, 12, 1)


def at(day: date, hour: int = 10):
    return time_machine.travel(
        datetime(day.year, day.month, day.day, hour, tzinfo=PARIS), tick=False
    )


def _december_at_the_new_price():
    """3 HOSTED-A users at 280.00 € told on 10 October of 305.50 € from 1 December; the
    customer also owes a setup fee of 200.00 €. November's run bills December in advance at
    3 × 305.50 = 916.50 € HT, and the fee: 1 116.50 € HT."""
    client = direct_customer()
    offer = at_catalogue_price("hosted-a", "280.00")
    with at(date(2026, 10, 1)):
        contract = make_contract(client, "hosted-a", quantity=3)
    with at(date(2026, 10, 10)):
        change = offers.price_change_schedule(
            offer=offer, product=offer.main_product, new_monthly_price="305.50", effective_date=DEC
        )
        offers.price_change_notify(price_change=change)
    billing.charge_post(
        client=client,
        kind=ChargeKind.SETUP,
        source_type="test.setup",
        source_id="1",
        period_start=date(2026, 11, 20),
        description="Frais de mise en service",
        unit_price=Decimal("200.00"),
    )
    with at(DEC, 0):
        billing.run_month_sync(month=date(2026, 11, 1))
    assert offers.price_changes_daily(today=DEC) == 1
    november = Invoice.objects.get(client=client, month=date(2026, 11, 1), kind="invoice")
    assert november.total_net == Decimal("1116.50")
    return contract, change, november


def _credited_on(line: InvoiceLine) -> Decimal:
    return sum(
        (credit.net_amount for credit in InvoiceLine.objects.filter(credited_line=line)),
        Decimal(0),
    )


# BIL-9 / CON-6 / CON-4 — the refusal of the increase (letter received on 28 November, typed in
# on 3 December) gives December its old price back: November's December line (916.50 € HT) is
# credited 3 × 25.50 = 76.50 € HT. On 4 December staff find the customer's termination letter
# received on 30 October (HOSTED-A: 30 days' notice, the contract ended on 29 November): they
# cancel the refusal's termination and record that letter — December is not due at all. Its
# line billed 916.50 and 76.50 of it is credited already: the termination credits
# 916.50 − 76.50 = 840.00 € HT (1 008.00 € TTC), not 916.50 again (993.00 € credited on a
# line of 916.50: the invoice's 200.00 € setup fee left room for it).
def test_bil9_termination_credits_only_what_the_restore_left_on_the_line():
    contract, change, november = _december_at_the_new_price()
    december_line = november.lines.get(kind="subscription", contract_reference=contract.reference)
    assert december_line.net_amount == Decimal("916.50")
    with at(date(2026, 12, 3)):
        notice = offers.price_change_refuse(
            price_change=change, contract=contract, received_on=date(2026, 11, 28)
        )
    restore = Invoice.objects.get(kind="credit_note", corrects=november)
    assert restore.total_net == Decimal("76.50")
    assert restore.lines.get().credited_line == december_line
    with at(date(2026, 12, 4)):
        offers.termination_cancel(termination=notice.termination)
        contract.refresh_from_db()
        termination = offers.contract_request_termination(
            contract=contract, notice_date=date(2026, 10, 30)
        )
    assert termination.status == TerminationStatus.SCHEDULED
    assert termination.fee_start <= DEC
    (credit,) = Invoice.objects.filter(kind="credit_note", corrects=november).exclude(pk=restore.pk)
    assert (credit.total_net, credit.total_gross) == (Decimal("840.00"), Decimal("1008.00"))
    assert credit.lines.get().credited_line == december_line
    # what the December line billed, credited once in all
    assert _credited_on(december_line) == Decimal("916.50")


# BIL-8 → BIL-9 / CON-4 — the same customer, no price change: 3 HOSTED-A users at 305.50 €,
# November's invoice bills December (916.50 € HT) and the setup fee (200.00 € HT). On 2
# December a dispute of 91.80 € TTC (3 × 25.50 = 76.50 € HT) is accepted: it names no line, so
# it goes to the line with the most left, December's. The termination letter received on 30
# October is typed in on 4 December: December is credited 916.50 − 76.50 = 840.00 € HT, not
# 916.50 again. Each credit note line names the line it credits in its e-invoice (BT-154), which
# EN 16931 accepts.
def test_bil9_dispute_then_termination_credits_the_line_once():
    from payments import services as payments
    from tests.billing.test_einvoice_rules import assert_en16931

    client = direct_customer()
    at_catalogue_price("hosted-a", "305.50")
    with at(date(2026, 10, 1)):
        contract = make_contract(client, "hosted-a", quantity=3)
    billing.charge_post(
        client=client,
        kind=ChargeKind.SETUP,
        source_type="test.setup",
        source_id="1",
        period_start=date(2026, 11, 20),
        description="Frais de mise en service",
        unit_price=Decimal("200.00"),
    )
    with at(DEC, 0):
        billing.run_month_sync(month=date(2026, 11, 1))
    november = Invoice.objects.get(client=client, month=date(2026, 11, 1), kind="invoice")
    december_line = november.lines.get(kind="subscription", contract_reference=contract.reference)
    with at(date(2026, 12, 2)):
        dispute = payments.dispute_open(
            invoice=november, amount="91.80", reason="Hausse de prix refusée"
        )
        disputed = payments.dispute_accept(dispute=dispute, note="Accepté")
    assert [(line.net_amount, line.credited_line) for line in disputed.lines.all()] == [
        (Decimal("76.50"), december_line)
    ]
    with at(date(2026, 12, 4)):
        offers.contract_request_termination(contract=contract, notice_date=date(2026, 10, 30))
    (credit,) = Invoice.objects.filter(kind="credit_note", corrects=november).exclude(
        pk=disputed.pk
    )
    assert (credit.total_net, credit.total_gross) == (Decimal("840.00"), Decimal("1008.00"))
    assert _credited_on(december_line) == Decimal("916.50")
    xml = assert_en16931(credit)
    assert f"Ligne {december_line.position} de la facture {november.number}".encode() in xml
