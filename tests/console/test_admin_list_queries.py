"""The back office lists at scale: a list page does as many queries for 30 rows as for 5 (no
query per row), and its search finds a customer by name or SIREN, an invoice by its number."""

from datetime import date, timedelta
from decimal import Decimal
from itertools import count

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditLog
from billing.models import Invoice
from numbering.models import PhoneNumber
from payments.models import Payment
from support.choices import TicketKind, TicketSource
from support.models import AvailabilityReport, Outage, Ticket
from telephony import services as telephony
from tests.offers.factories import make_contract
from tests.telephony.factories import customer, seed_catalogue

pytestmark = pytest.mark.django_db

_serial = count(1)


@pytest.fixture
def contract(db):
    seed_catalogue()
    start = date(2026, 10, 1)
    return make_contract(customer(), "hosted-a", signature=start, service_start=start)


def _ticket(contract):
    n = next(_serial)
    return Ticket.objects.create(
        number=f"T-LIST-{n:04d}",
        client=contract.client,
        contract=contract,
        kind=TicketKind.QUESTION,
        subject=f"Question {n}",
        source=TicketSource.STAFF,
        reported_at=timezone.now(),
    )


def _report(contract):
    n = next(_serial)
    return AvailabilityReport.objects.create(
        contract=contract,
        month=date(2020 + n // 12, n % 12 + 1, 1),
        policy="hosted-a",
        minutes_in_month=43_200,
        availability=Decimal("99.900"),
        computed_at=timezone.now(),
    )


def _phone_number(contract):
    return PhoneNumber.objects.create(
        e164=f"+3315550{next(_serial):04d}",
        number_type="geographic",
        state="assigned",
        client=contract.client,
        contract=contract,
    )


def _invoice(contract):
    return Invoice.objects.create(client=contract.client, month=date(2026, 10, 1), kind="invoice")


def _payment(contract):
    return Payment.objects.create(
        client=contract.client,
        method="transfer",
        amount=Decimal("12.00"),
        received_on=date(2026, 10, 5),
    )


def _audit(contract):
    return AuditLog.objects.create(
        client=contract.client,
        action="update",
        object_type="offers.contract",
        object_id=str(contract.pk),
        object_repr=str(contract),
    )


def _outage(contract):
    """An outage of this contract only (listed)."""
    outage = Outage.objects.create(
        title=f"Panne {next(_serial)}", started_at=timezone.now() - timedelta(hours=2)
    )
    outage.contracts.add(contract)
    return outage


MAKERS = {
    # the lists that name a contract (« CT-… — Hébergé A »: its offer) beside their money
    "support_ticket": _ticket,
    "support_availabilityreport": _report,
    "telephony_sipaccount": lambda contract: telephony.sip_account_create(
        contract=contract, label="Poste"
    ),
    "numbering_phonenumber": _phone_number,
    # the money and the biggest tables
    "billing_invoice": _invoice,
    "payments_payment": _payment,
    "accounts_auditlog": _audit,
    # an outage names its offer and whether it was announced
    "support_outage": _outage,
}


@pytest.mark.parametrize("name", MAKERS)
def test_list_queries_do_not_grow_with_rows(
    name, contract, superuser, as_staff, django_assert_max_num_queries
):
    staff = as_staff(superuser)
    url = reverse(f"admin:{name}_changelist")
    make = MAKERS[name]
    for _ in range(5):
        make(contract)
    staff.get(url)
    with django_assert_max_num_queries(30) as five:
        page = staff.get(url)
    assert page.status_code == 200
    rows = page.context["cl"].result_count
    for _ in range(25):
        make(contract)
    with django_assert_max_num_queries(len(five.captured_queries), info=name):
        page = staff.get(url)
    assert page.context["cl"].result_count == rows + 25


# --- search: a customer by its SIREN, an invoice by its number ------------------------------


SIREN_MAKERS = {
    "support_ticket": _ticket,
    "support_availabilityreport": _report,
    "accounts_auditlog": _audit,
    "payments_payment": _payment,
}


# A customer calls and gives its SIREN: every list of its tickets, reports, payments and audit
# entries finds its rows by it, as the customers', contracts' and invoices' lists do.
@pytest.mark.parametrize("name", SIREN_MAKERS)
def test_search_finds_a_customer_by_siren(name, contract, superuser, as_staff):
    staff = as_staff(superuser)
    make = SIREN_MAKERS[name]
    mine = make(contract)
    seed_catalogue()
    start = date(2026, 10, 1)
    theirs = make(make_contract(customer(), "hosted-a", signature=start, service_start=start))
    url = reverse(f"admin:{name}_changelist")
    page = staff.get(url, {"q": contract.client.siren})
    assert page.status_code == 200
    found = {row.pk for row in page.context["cl"].queryset}
    assert mine.pk in found, name
    assert theirs.pk not in found, name


# A transfer arrives naming the invoice it pays: the payments' list finds it by the invoice's
# number (its allocations), as the direct debits' and collection cases' lists do.
def test_payments_found_by_the_invoice_they_pay(contract, superuser, as_staff):
    from payments.models import Allocation

    invoice = Invoice.objects.create(
        client=contract.client,
        month=date(2026, 10, 1),
        kind="invoice",
        status="issued",
        series="FA",
        year=2026,
        sequence=123,
        number="FA2026-000123",
        issue_date=date(2026, 10, 1),
    )
    paid = _payment(contract)
    Allocation.objects.create(
        invoice=invoice,
        source="payment",
        payment=paid,
        amount=Decimal("12.00"),
        on=date(2026, 10, 5),
    )
    _payment(contract)
    page = as_staff(superuser).get(reverse("admin:payments_payment_changelist"), {"q": "000123"})
    assert [row.pk for row in page.context["cl"].result_list] == [paid.pk]
