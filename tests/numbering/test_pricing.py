"""NUM-2: numbers are billed as catalogue products — the monthly price in advance from the
month after the assignment; for a prepaid PLATFORM customer the whole rest of the commitment
period is debited at once, VAT included (PLATFORM 24.1.3), and never billed again."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from accounts.choices import PaymentMethod
from billing import services as billing
from billing.models import InvoiceLine, PendingCharge
from numbering import services
from numbering.models import NumberReservation
from offers.models import Product
from payments import services as payments
from payments.models import PrepaidEntry
from tests.factories import ClientFactory, SiteFactory
from tests.offers.factories import make_contract
from tests.support.factories import reseller_billed

pytestmark = pytest.mark.django_db
HEADER = "EZABPQM;Tranche_Debut;Tranche_Fin;Mnémo;Territoire;Date_Attribution;ZNE\n"


@pytest.fixture(autouse=True)
def catalogue():
    Product.objects.update_or_create(
        code="number-geographic",
        defaults={"name": "Numéro géographique", "kind": "option", "monthly_price": Decimal("1.2")},
    )
    services.import_ranges(content=(HEADER + "1;0172700000;0172700009;X;;;PARIS\n").encode())


def _customer(partner, offer, **contract_kwargs):
    client = reseller_billed(ClientFactory(partner=partner))
    SiteFactory(client=client, insee_code="75056")
    return client, make_contract(client, offer, **contract_kwargs)


def test_monthly_price_from_the_month_after(partner):
    client, contract = _customer(
        partner, "hosted-w", signature=date(2026, 9, 1), service_start=date(2026, 9, 2)
    )
    with time_machine.travel(date(2026, 10, 12)):
        services.assign_numbers(client=client, numbers=["0172700001"], contract=contract)
    with time_machine.travel(date(2026, 10, 31)):
        billing.run_month_sync(month=date(2026, 9, 1))  # September's run bills October
    assert not PendingCharge.objects.filter(source_type="number").exists()
    with time_machine.travel(date(2026, 11, 1)):
        billing.run_month_sync(month=date(2026, 10, 1))  # October's run bills November
    (line,) = InvoiceLine.objects.filter(description__contains="01 72 70 00 01")
    assert line.net_amount == Decimal("1.20") and line.invoice.client == client


def test_prepaid_platform_reservation_debited_once_and_not_billed_again(partner):
    # NUM-2 / PLATFORM 24.1.3: signed 1 June 2026, 12-month period → until 1 June 2027.
    client, contract = _customer(
        partner, "platform", signature=date(2026, 6, 1), service_start=date(2026, 6, 1)
    )
    client.payment_method = PaymentMethod.PREPAID
    client.save(update_fields=["payment_method"])
    payments.prepaid_topup_record(
        client=client, amount_received="100.00", received_on=date(2026, 10, 1), reference="T1"
    )
    with time_machine.travel(date(2026, 10, 12)):
        services.assign_numbers(client=client, numbers=["0172700002"], contract=contract)
    (reservation,) = NumberReservation.objects.all()
    # November 2026 → May 2027 = 7 months × 1.20 € HT = 8.40 € HT → 10.08 € TTC (20 % VAT).
    assert (reservation.first_month, reservation.end) == (date(2026, 11, 1), date(2027, 6, 1))
    assert reservation.amount_gross == Decimal("10.08")
    debit = PrepaidEntry.objects.get(source_type="number_reservation")
    assert debit.amount == Decimal("-10.08")
    with time_machine.travel(date(2026, 11, 1)):
        billing.run_month_sync(month=date(2026, 10, 1))
    charge = PendingCharge.objects.get(source_type="number")
    assert charge.is_paid and charge.unit_price == Decimal("1.2")


def test_short_balance_refuses_the_assignment(partner):
    from django.core.exceptions import ValidationError

    from numbering.models import PhoneNumber

    client, contract = _customer(
        partner, "platform", signature=date(2026, 6, 1), service_start=date(2026, 6, 1)
    )
    client.payment_method = PaymentMethod.PREPAID
    client.save(update_fields=["payment_method"])
    with time_machine.travel(date(2026, 10, 12)), pytest.raises(ValidationError):
        services.assign_numbers(client=client, numbers=["0172700003"], contract=contract)
    assert PhoneNumber.objects.get(e164="+33172700003").state == "available"


# NUM-2 / BIL-10 — the ledger line of a reservation is French whatever the language of the
# person who assigned the number, and one month is singular: signed 1 June 2026, period until
# 1 June 2027, assigned 12 April 2027 → May 2027 only: 1 × 1.20 € HT = 1.44 € TTC (20 % VAT),
# « 1 mois payé d'avance » (not « 1 mois payés »).
def test_reservation_ledger_line_is_french_and_singular(partner):
    from django.utils import translation

    client, contract = _customer(
        partner, "platform", signature=date(2026, 6, 1), service_start=date(2026, 6, 1)
    )
    client.payment_method = PaymentMethod.PREPAID
    client.save(update_fields=["payment_method"])
    payments.prepaid_topup_record(
        client=client, amount_received="100.00", received_on=date(2026, 10, 1), reference="T1"
    )
    with time_machine.travel(date(2027, 4, 12)), translation.override("en"):
        services.assign_numbers(client=client, numbers=["0172700004"], contract=contract)
    debit = PrepaidEntry.objects.get(source_type="number_reservation")
    assert (debit.description, debit.amount) == (
        "Numéro 01 72 70 00 04, 1 mois payé d'avance",
        Decimal("-1.44"),
    )
