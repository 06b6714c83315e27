"""CON-6 price changes seen from billing: scheduled by staff, customers told ≥ 7 days before
(HOSTED-A), a HOSTED-A increase may be refused (termination without fees, 30 days' notice), the
run prices each month with the price the line has. The pipeline itself is tested in
``tests/offers/test_price_changes_pipeline.py``."""

from contextlib import nullcontext
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
# the contract keeps its price until then; for a PLATFORM customer the increase is an amendment
# (PLATFORM 7.1.2 / 12.2): not accepted, its contract keeps 250.00; a contract at a negotiated
# price is not concerned by the change at all.
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
    assert platform_line.net_amount == Decimal("250.00")  # not accepted: the old price stays
    negotiated_line = invoice.lines.get(
        kind="subscription", contract_reference=negotiated.reference
    )
    assert negotiated_line.net_amount == Decimal("240.00")  # not touched
    assert offers.price_changes_daily(today=date(2026, 12, 1)) == 0  # nobody takes it
    assert ContractLine.objects.get(contract=contract).unit_monthly_price == Decimal("300.0000")
    assert ContractLine.objects.get(contract=platform).unit_monthly_price == Decimal("250.0000")
    assert ContractLine.objects.get(contract=negotiated).unit_monthly_price == Decimal("240.0000")


# --- PLATFORM 7.1.2 / 12.2: an increase of a monthly price is an amendment --------------------

DEC = date(2026, 12, 1)


def _platform_option_change(new_price: str, capture=None):
    """A PLATFORM contract signed on 1 October with an option at 250.00 € HT a month; staff
    schedule the option at ``new_price`` from 1 December and the customer is told on
    10 October."""
    client = direct_customer()
    offer = Offer.objects.get(code="platform")
    option = offer.options.filter(price_on_quote=False).order_by("pk").first()
    Product.objects.filter(pk=option.pk).update(monthly_price=Decimal("250.00"))
    option.refresh_from_db()
    with at(date(2026, 10, 1)):
        contract = make_contract(client, "platform")
        line = ContractLine.objects.create(
            contract=contract,
            product=option,
            quantity=1,
            unit_monthly_price=Decimal("250.00"),
            unit_setup_price=Decimal("0.00"),
            started_on=contract.lines.get(product=offer.main_product).started_on,
        )
    mail.outbox.clear()
    with at(date(2026, 10, 10)), capture(execute=True) if capture else nullcontext():
        change = offers.price_change_schedule(
            offer=offer, product=option, new_monthly_price=new_price, effective_date=DEC
        )
        offers.price_change_notify(price_change=change)
    return client, contract, line, change


def _december_billed(client, line) -> Decimal:
    """November's run (the night of 30 November) bills December in advance: the option's
    line on that invoice."""
    with at(DEC, 0):
        billing.run_month_sync(month=date(2026, 11, 1))
    invoice = Invoice.objects.get(client=client, month=date(2026, 11, 1), kind="invoice")
    return sum(
        (
            row.net_amount
            for row in invoice.lines.all()
            if row.contract_reference == line.contract.reference
            and line.product.name in row.description
            and row.period_start == DEC
        ),
        Decimal("0.00"),
    )


# CON-6, PLATFORM 7.1.2 / 12.2 — 12.2 lets the provider change alone only the call tariffs;
# a subscription or option price is fixed in the annexes (12.1) and its increase is an
# amendment (7.1.2). Option 250.00 → 262.40 from 1 December, told on 10 October, the customer
# never accepts: December is billed 250.00 (not 262.40), the nightly job of 1 December leaves
# the line at 250.00 and the catalogue takes 262.40 for new contracts. The e-mail says the
# new price needs the customer's acceptance; an objection is not what the contract gives.
def test_con6_platform_increase_not_accepted_keeps_the_old_price(
    django_capture_on_commit_callbacks,
):
    client, contract, line, change = _platform_option_change(
        "262.40", django_capture_on_commit_callbacks
    )
    assert "262,40" in mail.outbox[0].body  # the member reads French
    assert "avenant" in mail.outbox[0].body and "opposer" not in mail.outbox[0].body
    with at(date(2026, 11, 20)), pytest.raises(offers.InvalidTransition) as error:
        offers.price_change_refuse(price_change=change, contract=contract)
    assert error.value.code == "no_refusal_right"
    assert _december_billed(client, line) == Decimal("250.00")
    assert offers.price_changes_daily(today=DEC) == 0
    assert ContractLine.objects.get(pk=line.pk).unit_monthly_price == Decimal("250.0000")
    with at(DEC), pytest.raises(offers.InvalidTransition) as error:
        offers.price_change_accept(price_change=change, contract=contract)
    assert error.value.code in {"price_change_not_pending", "too_late"}  # applied: too late
    # The catalogue takes the new price for contracts signed from now on.
    assert Product.objects.get(pk=line.product_id).monthly_price == Decimal("262.40")


# CON-6, PLATFORM 7.1.2 / 12.2 — the same increase accepted on 20 November (the amendment
# signed): December is billed 262.40 and the line takes 262.40 on 1 December; the acceptance is
# on the notice, audited; accepting twice is refused.
def test_con6_platform_increase_accepted_applies_from_the_effective_date():
    from accounts.models import AuditLog

    client, contract, line, change = _platform_option_change("262.40")
    with at(date(2026, 11, 20)):
        notice = offers.price_change_accept(price_change=change, contract=contract)
        with pytest.raises(offers.InvalidTransition) as error:
            offers.price_change_accept(price_change=change, contract=contract)
    assert error.value.code == "already_accepted"
    assert notice.response == "accepted" and notice.responded_at is not None
    audit = AuditLog.objects.get(action="price_change.accept")
    assert audit.after["contract"] == contract.reference
    assert _december_billed(client, line) == Decimal("262.40")
    assert offers.price_changes_daily(today=DEC) == 1
    assert ContractLine.objects.get(pk=line.pk).unit_monthly_price == Decimal("262.4000")


# CON-6, PLATFORM 7.1.2 / 12.2 — a decrease only favours the customer: 250.00 → 240.00 applies
# on 1 December without acceptance (and there is nothing to accept).
def test_con6_platform_decrease_applies_without_acceptance():
    client, contract, line, change = _platform_option_change("240.00")
    with at(date(2026, 11, 20)), pytest.raises(offers.InvalidTransition) as error:
        offers.price_change_accept(price_change=change, contract=contract)
    assert error.value.code == "no_acceptance_needed"
    assert _december_billed(client, line) == Decimal("240.00")
    assert offers.price_changes_daily(today=DEC) == 1
    assert ContractLine.objects.get(pk=line.pk).unit_monthly_price == Decimal("240.0000")


# CON-6 (HOSTED-A 6) — unchanged: an increase applies without acceptance unless refused, and
# there is no amendment to accept (300.00 → 330.00 from 1 December).
def test_con6_hosted_a_increase_needs_no_acceptance():
    client = direct_customer()
    offer = at_catalogue_price("hosted-a", "300.00")
    with at(date(2026, 10, 1)):
        contract = make_contract(client, "hosted-a")
    with at(date(2026, 10, 10)):
        change = offers.price_change_schedule(
            offer=offer,
            product=offer.main_product,
            new_monthly_price="330.00",
            effective_date=DEC,
        )
        offers.price_change_notify(price_change=change)
    with at(date(2026, 11, 20)), pytest.raises(offers.InvalidTransition) as error:
        offers.price_change_accept(price_change=change, contract=contract)
    assert error.value.code == "no_acceptance_needed"
    assert offers.price_changes_daily(today=DEC) == 1
    assert ContractLine.objects.get(contract=contract).unit_monthly_price == Decimal("330.0000")
