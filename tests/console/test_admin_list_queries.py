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
from equipment.models import Rma
from numbering.models import PhoneNumber, PortRequest
from payments.models import DebitBatch, DirectDebit, Mandate, Payment
from support.choices import OutageScope, TicketKind, TicketSource
from support.models import AvailabilityReport, Outage, Ticket
from telephony import services as telephony
from tests.equipment.factories import make_model, stock
from tests.factories import siret_for
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


def _rma(contract):
    (item,) = stock(make_model())
    return Rma.objects.create(
        client=contract.client, item=item, description="Écran noir", reported_at=timezone.now()
    )


def _port_request(contract):
    client = contract.client
    return PortRequest.objects.create(
        client=client,
        reference=f"PORT-LIST-{next(_serial):04d}",
        holder_name=client.legal_name,
        holder_siret=siret_for(client.siren),
        current_operator="Opérateur historique",
        desired_date=date(2026, 11, 2),
    )


def _direct_debit(contract):
    n = next(_serial)
    client = contract.client
    mandate = Mandate.objects.filter(client=client).first() or Mandate.objects.create(
        client=client,
        reference=f"UMR-LIST-{n:04d}",
        account_holder=client.legal_name,
        iban="FR7630006000011234567890189",
        bic="AGRIFRPP",
        signed_on=date(2026, 9, 1),
    )
    batch = DebitBatch.objects.create(
        reference=f"PRLV-LIST-{n:04d}", collection_date=date(2026, 11, 5), xml="<Document/>"
    )
    return DirectDebit.objects.create(
        batch=batch,
        invoice=_invoice(contract),
        mandate=mandate,
        end_to_end_id=f"E2E-LIST-{n:04d}",
        sequence_type="RCUR",
        amount=Decimal("12.00"),
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
    # the lists a customer's SIREN finds too
    "equipment_rma": _rma,
    "numbering_portrequest": _port_request,
    "payments_directdebit": _direct_debit,
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
    "equipment_rma": _rma,
    "numbering_portrequest": _port_request,
    "payments_directdebit": _direct_debit,
    "support_outage": _outage,
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


# SLA-5: an outage of every contract of an offer affects the customer without naming it: its
# SIREN finds the outages of its offers (as its own outages page lists them), not another offer's.
def test_outages_of_its_offer_found_by_siren(contract, superuser, as_staff):
    seed_catalogue()
    start = date(2026, 10, 1)
    other = make_contract(customer(), "hosted-w", signature=start, service_start=start)
    began = timezone.now() - timedelta(hours=2)
    ours = Outage.objects.create(
        title="Plateforme A", started_at=began, scope=OutageScope.OFFER, offer=contract.offer
    )
    theirs = Outage.objects.create(
        title="Plateforme W", started_at=began, scope=OutageScope.OFFER, offer=other.offer
    )
    listed_elsewhere = _outage(other)
    page = as_staff(superuser).get(
        reverse("admin:support_outage_changelist"), {"q": contract.client.siren}
    )
    found = {row.pk for row in page.context["cl"].result_list}
    assert ours.pk in found
    assert theirs.pk not in found and listed_elsewhere.pk not in found


# A search by SIREN costs as many queries for 30 rows as for 5.
@pytest.mark.parametrize("name", SIREN_MAKERS)
def test_siren_search_queries_do_not_grow_with_rows(
    name, contract, superuser, as_staff, django_assert_max_num_queries
):
    staff = as_staff(superuser)
    url = reverse(f"admin:{name}_changelist")
    query = {"q": contract.client.siren}
    make = SIREN_MAKERS[name]
    for _ in range(5):
        make(contract)
    staff.get(url, query)
    with django_assert_max_num_queries(30) as five:
        page = staff.get(url, query)
    rows = page.context["cl"].result_count
    assert rows >= 5, name
    for _ in range(25):
        make(contract)
    with django_assert_max_num_queries(len(five.captured_queries), info=name):
        page = staff.get(url, query)
    assert page.context["cl"].result_count == rows + 25


# SLA-1: support looks for the tickets reported lately (« Les 7 derniers jours »): the
# tickets' list filters on the reported date, Paris days — a ticket of today in, one reported
# 40 days ago out.
def test_tickets_filtered_by_reported_date(contract, superuser, as_staff):
    staff = as_staff(superuser)
    url = reverse("admin:support_ticket_changelist")
    recent = _ticket(contract)
    old = _ticket(contract)
    Ticket.objects.filter(pk=old.pk).update(reported_at=timezone.now() - timedelta(days=40))
    page = staff.get(url)
    specs = page.context["cl"].filter_specs
    (spec,) = [s for s in specs if getattr(s, "field_path", None) == "reported_at"]
    choices = list(spec.choices(page.context["cl"]))
    past_week = choices[2]  # any date, today, the past 7 days, this month, this year
    assert str(past_week["display"]) in page.content.decode()
    page = staff.get(url + past_week["query_string"])
    assert [row.pk for row in page.context["cl"].result_list] == [recent.pk]
    # and the years/months above the list (date hierarchy) lead to the month it was reported
    month = timezone.localdate(timezone.now() - timedelta(days=40))
    assert f"?reported_at__year={month.year}" in page.content.decode()
    page = staff.get(url, {"reported_at__year": month.year, "reported_at__month": month.month})
    assert [row.pk for row in page.context["cl"].result_list] == [old.pk]
