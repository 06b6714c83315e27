"""CON-6 price changes seen from billing: scheduled by staff, customers told ≥ 7 days before
(HOSTED-A), a HOSTED-A increase may be refused (termination without fees, 30 days' notice), the
run prices each month with the price the line has. The pipeline itself is tested in
``tests/offers/test_price_changes_pipeline.py``."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError

from billing import services as billing
from billing.models import Invoice
from offers import services as offers
from offers.models import ContractLine, Offer, Product
from tests.offers.factories import make_contract
from tests.payments.conftest import direct_customer

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def at(day: date, hour: int = 10):
    return time_machine.travel(
        datetime(day.year, day.month, day.day, hour, tzinfo=PARIS), tick=False
    )


def at_catalogue_price(offer_code: str, price: str) -> Offer:
    """The offer with its main product at ``price`` in the catalogue (the contracts signed then
    are at the catalogue price, which a price change moves)."""
    offer = Offer.objects.select_related("main_product").get(code=offer_code)
    Product.objects.filter(pk=offer.main_product_id).update(monthly_price=Decimal(price))
    offer.main_product.refresh_from_db()
    return offer


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


# CON-6 — every affected customer is e-mailed when the change is notified (≥ 7 days before);
# the run of November bills December at the new price, the run of October still the old one.
def test_con6_customers_told_and_run_prices_month(django_capture_on_commit_callbacks):
    client = direct_customer()
    offer = at_catalogue_price("hosted-a", "300.00")
    with at(date(2026, 10, 1)):
        contract = make_contract(client, "hosted-a")
    mail.outbox.clear()
    with at(date(2026, 10, 20)), django_capture_on_commit_callbacks(execute=True):
        change = offers.price_change_schedule(
            offer=offer,
            product=offer.main_product,
            new_monthly_price="330.00",
            effective_date=date(2026, 12, 1),
            reason="Indexation",
        )
        change = offers.price_change_notify(price_change=change)
    assert change.notified_contracts == 1
    assert {m.subject for m in mail.outbox} == {
        f"Nouveau prix pour votre contrat {contract.reference}"
    }
    assert "330,00" in mail.outbox[0].body  # the member reads French (amounts with commas)
    with at(date(2026, 11, 1), 0):
        billing.run_month_sync(month=date(2026, 10, 1))
    with at(date(2026, 12, 1), 0):
        billing.run_month_sync(month=date(2026, 11, 1))
    october = Invoice.objects.get(client=client, month=date(2026, 10, 1))
    november = Invoice.objects.get(client=client, month=date(2026, 11, 1))
    assert october.lines.get(kind="subscription").net_amount == Decimal("300.00")  # November
    assert november.lines.get(kind="subscription").net_amount == Decimal("330.00")  # December
    # The daily job moves the line to the new price on the effective date, once.
    assert offers.price_changes_daily(today=date(2026, 11, 30)) == 0
    assert offers.price_changes_daily(today=date(2026, 12, 1)) == 1
    assert offers.price_changes_daily(today=date(2026, 12, 1)) == 0
    assert ContractLine.objects.get(contract=contract).unit_monthly_price == Decimal("330.0000")


# CON-6 (HOSTED-A 6) — refusing an increase ends the contract 30 days later without fees, and
# the contract keeps its price until then; PLATFORM customers object instead (12.2); a
# contract at a negotiated price is not concerned by the change at all.
def test_con6_hosted_a_refusal_terminates_without_fees():
    client = direct_customer()
    hosted = at_catalogue_price("hosted-a", "300.00")
    platform_offer = at_catalogue_price("platform", "250.00")
    with at(date(2026, 10, 1)):
        contract = make_contract(client, "hosted-a")
        platform = make_contract(client, "platform")
        negotiated = make_contract(client, "platform", monthly_price="240.00")
    with at(date(2026, 10, 10)):
        change = offers.price_change_schedule(
            offer=hosted,
            product=hosted.main_product,
            new_monthly_price="330.00",
            effective_date=date(2026, 12, 1),
        )
        offers.price_change_notify(price_change=change)
        p_change = offers.price_change_schedule(
            offer=platform_offer,
            product=platform_offer.main_product,
            new_monthly_price="260.00",
            effective_date=date(2026, 12, 1),
        )
        offers.price_change_notify(price_change=p_change)
    with at(date(2026, 11, 10)):
        notice = offers.price_change_refuse(price_change=change, contract=contract)
        termination = notice.termination
        assert termination.effective_date == date(2026, 11, 10) + timedelta(days=30)
        assert (termination.fee_amount, termination.reason) == (
            Decimal("0.00"),
            "price_increase_refused",
        )
        with pytest.raises(offers.InvalidTransition) as error:
            offers.price_change_refuse(price_change=p_change, contract=negotiated)
        assert error.value.code == "price_change_not_pending"
    with at(date(2026, 12, 1), 0):
        billing.run_month_sync(month=date(2026, 11, 1))
    invoice = Invoice.objects.get(client=client, month=date(2026, 11, 1))
    hosted_line = invoice.lines.get(kind="subscription", contract_reference=contract.reference)
    assert hosted_line.net_amount == Decimal("300.00")  # December, still at the old price
    platform_line = invoice.lines.get(kind="subscription", contract_reference=platform.reference)
    assert platform_line.net_amount == Decimal("260.00")  # 1 × 260.00 from 1 December
    negotiated_line = invoice.lines.get(
        kind="subscription", contract_reference=negotiated.reference
    )
    assert negotiated_line.net_amount == Decimal("240.00")  # not touched
    assert offers.price_changes_daily(today=date(2026, 12, 1)) == 1  # the PLATFORM line only
    assert ContractLine.objects.get(contract=contract).unit_monthly_price == Decimal("300.0000")
    assert ContractLine.objects.get(contract=negotiated).unit_monthly_price == Decimal("240.0000")
