"""CON-6 price changes: scheduled by staff, customers told ≥ 7 days before, a HOSTED-A increase
may be refused (termination without fees, 30 days' notice), the run prices each month with the
price in force."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError

from billing import services as billing
from billing.models import Invoice
from offers import services as offers
from offers.models import ContractLine, Offer
from tests.offers.factories import make_contract
from tests.payments.conftest import direct_customer

pytestmark = pytest.mark.django_db


def hosted_a_price(offer):
    return offer.main_product


# CON-6 — validation: first day of a month, at least 7 days away, a product of the offer.
def test_con6_schedule_validation():
    offer = Offer.objects.get(code="hosted-a")
    other = Offer.objects.get(code="trunk").main_product
    with pytest.raises(ValidationError) as exc:
        offers.price_change_schedule(
            offer=offer,
            product=other,
            new_monthly_price="-1",
            effective_date=date(2026, 12, 15),
            today=date(2026, 11, 20),
        )
    assert set(exc.value.message_dict) == {"new_monthly_price", "effective_date", "product"}
    with pytest.raises(ValidationError, match="at least 7 days"):
        offers.price_change_schedule(
            offer=offer,
            product=offer.main_product,
            new_monthly_price="10",
            effective_date=date(2026, 12, 1),
            today=date(2026, 11, 25),
        )


# CON-6 — every affected customer is e-mailed when the change is scheduled (≥ 7 days before);
# the run of November bills December at the new price, the run of October still the old one.
def test_con6_customers_told_and_run_prices_month(django_capture_on_commit_callbacks, settings):
    settings.BILLING_RENDER_PDF = False
    client = direct_customer()
    contract = make_contract(client, "hosted-a", monthly_price="300.00")
    offer = contract.offer
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        change = offers.price_change_schedule(
            offer=offer,
            product=offer.main_product,
            new_monthly_price="330.00",
            effective_date=date(2026, 12, 1),
            reason="Indexation",
            today=date(2026, 10, 20),
        )
    assert change.notified_contracts == 1
    assert {m.subject for m in mail.outbox} == {
        f"Nouveau prix pour votre contrat {contract.reference}"
    }
    assert "330,00" in mail.outbox[0].body  # the member reads French (amounts with commas)
    billing.run_month_sync(month=date(2026, 10, 1))
    billing.run_month_sync(month=date(2026, 11, 1))
    october = Invoice.objects.get(client=client, month=date(2026, 10, 1))
    november = Invoice.objects.get(client=client, month=date(2026, 11, 1))
    assert october.lines.get(kind="subscription").net_amount == Decimal("300.00")  # November
    assert november.lines.get(kind="subscription").net_amount == Decimal("330.00")  # December
    # The daily job moves the line to the new price from the effective date.
    assert offers.price_changes_apply(today=date(2026, 11, 30)) == 0
    assert offers.price_changes_apply(today=date(2026, 12, 1)) == 1
    assert ContractLine.objects.get(contract=contract).unit_monthly_price == Decimal("330.0000")


# CON-6 (HOSTED-A 6) — refusing an increase ends the contract 30 days later without fees, and
# the contract keeps its price until then; PLATFORM customers cannot refuse (use = acceptance).
def test_con6_hosted_a_refusal_terminates_without_fees(settings):
    settings.BILLING_RENDER_PDF = False
    client = direct_customer()
    contract = make_contract(client, "hosted-a", monthly_price="300.00")
    platform = make_contract(client, "platform", monthly_price="250.00")
    with time_machine.travel("2026-11-10 10:00 +01:00", tick=False):
        change = offers.price_change_schedule(
            offer=contract.offer,
            product=contract.offer.main_product,
            new_monthly_price="330.00",
            effective_date=date(2026, 12, 1),
        )
        termination = offers.price_change_refuse(price_change=change, contract=contract)
        assert termination.effective_date == date(2026, 11, 10) + timedelta(days=30)
        assert (termination.fee_amount, termination.reason) == (
            Decimal("0.00"),
            "price_increase_refused",
        )
        p_change = offers.price_change_schedule(
            offer=platform.offer,
            product=platform.offer.main_product,
            new_monthly_price="260.00",
            effective_date=date(2026, 12, 1),
        )
        with pytest.raises(offers.InvalidTransition, match="means accepting"):
            offers.price_change_refuse(price_change=p_change, contract=platform)
    billing.run_month_sync(month=date(2026, 11, 1))
    invoice = Invoice.objects.get(client=client, month=date(2026, 11, 1))
    hosted = invoice.lines.get(kind="subscription", contract_reference=contract.reference)
    assert hosted.net_amount == Decimal("300.00")  # December, still at the refused-old price
    assert offers.price_changes_apply(today=date(2026, 12, 1)) == 1  # the PLATFORM line only
    assert ContractLine.objects.get(contract=contract).unit_monthly_price == Decimal("300.0000")
