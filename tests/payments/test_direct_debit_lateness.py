"""BIL-4, BIL-6, BIL-7: an invoice with a pending direct debit is not late — no reminder, no
suspension, no interest, no indemnity; collected after the due date it bears nothing (the
collection date is ours); only a rejected debit starts the late clock, from the original due
date. A direct-debit customer's invoice never put in a batch is late as usual.

The invoice of every scenario: 1 000.00 € HT + 20 % VAT = 1 200.00 € TTC, issued 30/09/2026,
due 30/10/2026. ECB rate in force on 1 July 2026: 2.15 % → late rate 12.15 %.
"""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.choices import BillingMode, Role
from accounts.choices import PaymentMethod as ClientPaymentMethod
from billing import services as billing
from billing.models import Invoice
from kernel.errors import InvalidTransition
from offers.models import Contract
from payments import interest, selectors, services
from payments.models import CollectionCase, DirectDebit
from payments.services.late_charges import late_charges_waiting
from tests.offers.factories import make_contract
from tests.payments.conftest import direct_customer, issue_invoice

pytestmark = pytest.mark.django_db

IBAN = "FR1420041010050500013M02606"
DUE = date(2026, 10, 30)
NOV = date(2026, 11, 1)


def paris(day: date, hour=10):
    return time_machine.travel(f"{day.isoformat()} {hour:02d}:00 +01:00", tick=False)


def sign_mandate(client, signed_on=date(2026, 9, 1)):
    return services.mandate_create(
        client=client,
        account_holder=client.legal_name,
        iban=IBAN,
        bic="PSSTFRPPPAR",
        signed_on=signed_on,
    )


def debit_customer(**kwargs):
    return direct_customer(payment_method=ClientPaymentMethod.SEPA_DIRECT_DEBIT, **kwargs)


def send_batch(created_on: date, collection_date: date):
    """Staff create the pain.008 batch on ``created_on`` for ``collection_date``."""
    with paris(created_on):
        return services.debit_batch_create(collection_date=collection_date)


def late_charges(client) -> dict:
    """The late charges posted for the customer's next invoice: {kind: [unit prices]}."""
    rows = client.charges.filter(kind__in=["late_interest", "recovery_indemnity"])
    found: dict = {}
    for charge in rows.order_by("pk"):
        found.setdefault(charge.kind, []).append(charge.unit_price)
    return found


@pytest.fixture
def customer():
    client = debit_customer()
    sign_mandate(client)
    return client


@pytest.fixture
def invoice(customer):
    invoice = issue_invoice(customer, "1000.00")
    assert (invoice.amount_due, invoice.due_date) == (Decimal("1200.00"), DUE)
    return invoice


# --- Pending, then collected after the due date: nothing late, nothing charged ----------------


# BIL-6, BIL-7 — in a batch sent on 28/10 for 05/11: on 31/10 (due + 1), 07/11 (due + 8) and
# 08/11 (due + 9) no reminder, no indemnity, no proposal; the bank's settlement recorded on
# 09/11 (paid 05/11, 6 days after the due date) bears no interest and no indemnity: 0.00 € of
# late charges, and the November run issues nothing for this customer.
def test_bil6_bil7_debit_collected_after_due_date_bears_nothing(
    customer, invoice, ecb, django_capture_on_commit_callbacks
):
    batch = send_batch(date(2026, 10, 28), date(2026, 11, 5))
    assert batch.total == Decimal("1200.00")
    mail.outbox.clear()
    for day in (date(2026, 10, 31), date(2026, 11, 7), date(2026, 11, 8)):
        with django_capture_on_commit_callbacks(execute=True):
            services.collection_run(today=day)
        case = CollectionCase.objects.get(invoice=invoice)
        assert (case.stage, case.first_reminder_on, case.second_reminder_on) == ("none", None, None)
        assert services.overdue_for_suspension(customer, day) == []
    assert mail.outbox == []
    assert late_charges(customer) == {}
    assert services.invoice_state(invoice).days_late(date(2026, 11, 8)) == 0

    with paris(date(2026, 11, 9)):
        assert services.debit_batch_settle(batch=batch) == 1
    case = CollectionCase.objects.get(invoice=invoice)
    assert (case.stage, case.settled_on) == ("settled", date(2026, 11, 5))
    assert services.invoice_state(invoice).open == Decimal("0.00")
    assert late_charges(customer) == {}  # 0.00 € interest, 0.00 € indemnity
    assert late_charges_waiting() == []  # nothing left waiting for the daily job
    services.collection_run(today=date(2026, 11, 10))
    assert late_charges(customer) == {}
    billing.run_month_sync(month=NOV)
    assert not Invoice.objects.filter(client=customer, month=NOV).exists()


# BIL-6 — collected on its due date (the ordinary case): on time, nothing charged.
def test_bil6_debit_collected_on_due_date_is_on_time(customer, invoice, ecb):
    batch = send_batch(date(2026, 10, 27), DUE)
    with paris(DUE):
        services.debit_batch_settle(batch=batch)
    assert CollectionCase.objects.get(invoice=invoice).settled_on == DUE
    assert late_charges(customer) == {}


# --- Rejected: the late clock runs from the original due date -----------------------------


# BIL-6, BIL-7 — collected on 05/11 then rejected the same day: due again and late since
# 30/10. The job of 06/11 (due + 7) sends the first reminder and posts the 40.00 € indemnity,
# 07/11 (due + 8) the second reminder, 08/11 (due + 9) proposes the suspension. Paid by
# transfer on 20/11: 20/11 − 30/10 = 21 days, 1 200.00 × 12.15 % × 21 / 365 = 8.3885… → 8.39 €
# (the days the debit was pending count: the reject makes them the customer's).
def test_bil6_bil7_rejected_debit_is_late_from_due_date(customer, invoice, ecb):
    batch = send_batch(date(2026, 10, 28), date(2026, 11, 5))
    with paris(date(2026, 11, 5)):
        services.debit_batch_settle(batch=batch)
        assert late_charges(customer) == {}
        services.debit_reject(
            debit=DirectDebit.objects.get(), reason="AM04 insufficient funds", bank_fee="0"
        )
    case = CollectionCase.objects.get(invoice=invoice)
    assert (case.settled_on, case.stage, case.late_charges_posted) == (None, "none", False)
    state = services.invoice_state(invoice)
    assert (state.open, state.days_late(date(2026, 11, 5))) == (Decimal("1200.00"), 6)

    services.collection_run(today=date(2026, 11, 6))
    case.refresh_from_db()
    assert (case.stage, case.first_reminder_on) == ("reminded", date(2026, 11, 6))
    assert late_charges(customer) == {"recovery_indemnity": [Decimal("40.00")]}
    services.collection_run(today=date(2026, 11, 7))
    case.refresh_from_db()
    assert (case.stage, case.second_reminder_on) == ("final_reminder", date(2026, 11, 7))
    services.collection_run(today=date(2026, 11, 8))
    case.refresh_from_db()
    assert case.stage == "suspension_proposed"

    with paris(date(2026, 11, 20)):
        services.payment_record(
            client=customer, amount="1200.00", method="transfer", received_on=date(2026, 11, 20)
        )
    assert late_charges(customer) == {
        "recovery_indemnity": [Decimal("40.00")],  # once, however often it is posted
        "late_interest": [Decimal("8.3900")],
    }
    assert "21 jours de retard" in customer.charges.get(kind="late_interest").description


# BIL-7 — a debit pending until day 10 and then rejected (before the batch was settled):
# today (09/11) > due + 8 (07/11), so the job of that day sends the reminders, posts the
# 40.00 € indemnity and proposes the suspension at once; staff may then suspend.
def test_bil7_debit_rejected_on_day_10_is_proposed_for_suspension_at_once(customer, invoice, ecb):
    contract = make_contract(customer, "hosted-a")
    send_batch(date(2026, 10, 28), date(2026, 11, 5))
    services.collection_run(today=date(2026, 11, 8))
    assert CollectionCase.objects.get(invoice=invoice).stage == "none"
    with paris(date(2026, 11, 9)):
        services.debit_reject(debit=DirectDebit.objects.get(), reason="MD06", bank_fee="0")
    services.collection_run(today=date(2026, 11, 9))
    case = CollectionCase.objects.get(invoice=invoice)
    assert (case.stage, case.first_reminder_on, case.second_reminder_on) == (
        "suspension_proposed",
        date(2026, 11, 9),
        date(2026, 11, 9),
    )
    assert list(selectors.dunning_queue()) == [case]
    assert late_charges(customer) == {"recovery_indemnity": [Decimal("40.00")]}
    services.client_suspend_for_non_payment(client=customer, today=date(2026, 11, 9))
    assert Contract.objects.get(pk=contract.pk).status == "suspended"


# --- Boundaries -----------------------------------------------------------------------------


# BIL-7 — still pending on due + 9 (08/11) and due + 12 (11/11, the bank's settlement not yet
# recorded): no proposal, staff cannot suspend, the automatic setting suspends nothing.
def test_bil7_pending_debit_past_due_plus_8_is_never_suspended(customer, invoice, settings):
    settings.PAYMENTS_AUTO_SUSPEND = True
    contract = make_contract(customer, "hosted-a")
    send_batch(date(2026, 10, 28), date(2026, 11, 10))
    for day in (date(2026, 11, 8), date(2026, 11, 11)):
        services.collection_run(today=day)
        assert CollectionCase.objects.get(invoice=invoice).stage == "none"
        assert list(selectors.dunning_queue()) == []
        with pytest.raises(ValidationError, match="more than 8 days late"):
            services.client_suspend_for_non_payment(client=customer, today=day)
    assert Contract.objects.get(pk=contract.pk).status == "active"


# BIL-6, BIL-7 — a direct-debit customer without a mandate: its invoice is never put in a batch,
# so it is late as usual (reminded on 31/10 with the 40.00 € indemnity, proposed on 08/11).
# The mandate signed, a batch sent on 10/11 for 16/11 withdraws the proposal (the debit is
# pending: not late meanwhile); collected on 16/11, the invoice bears interest up to the day
# it was put in a batch: 10/11 − 30/10 = 11 days, 1 200.00 × 12.15 % × 11 / 365 = 4.3939… →
# 4.39 €, plus the 40.00 € indemnity already posted (once).
def test_bil6_bil7_invoice_never_in_a_batch_is_late_as_usual(ecb):
    customer = debit_customer()
    invoice = issue_invoice(customer, "1000.00")
    services.collection_run(today=date(2026, 10, 31))
    assert CollectionCase.objects.get(invoice=invoice).first_reminder_on == date(2026, 10, 31)
    assert late_charges(customer) == {"recovery_indemnity": [Decimal("40.00")]}
    services.collection_run(today=date(2026, 11, 8))
    case = CollectionCase.objects.get(invoice=invoice)
    assert (case.stage, case.suspension_proposed_on) == ("suspension_proposed", date(2026, 11, 8))

    sign_mandate(customer, signed_on=date(2026, 11, 9))
    send_batch(date(2026, 11, 10), date(2026, 11, 16))
    assert list(selectors.dunning_queue()) == []
    services.collection_run(today=date(2026, 11, 10))
    case.refresh_from_db()
    assert (case.stage, case.suspension_proposed_on) == ("final_reminder", None)
    assert services.overdue_for_suspension(customer, date(2026, 11, 12)) == []

    with paris(date(2026, 11, 16)):
        services.debit_batch_settle(batch=DirectDebit.objects.get().batch)
    assert late_charges(customer) == {
        "recovery_indemnity": [Decimal("40.00")],
        "late_interest": [Decimal("4.3900")],
    }
    assert "11 jours de retard" in customer.charges.get(kind="late_interest").description


# BIL-6 — days counted for the late charges, pure: paid on the due date 0 days; the day after,
# 1 day (1 200.00 × 12.15 % × 1 / 365 = 0.3994… → 0.40 €); counted on the due date (a debit
# pending then), 0 days however late it is received; nothing at all to pay → 0.
def test_bil6_late_days_boundaries():
    tranche = [interest.Tranche(Decimal("1200.00"), DUE)]
    paid = Decimal("1200.00")
    assert interest.late_days(tranche, [(DUE, paid)], date(2026, 11, 20)) == 0
    assert interest.late_days(tranche, [(date(2026, 10, 31), paid)], date(2026, 10, 31)) == 1
    amount = interest.late_interest(
        tranche, [(date(2026, 10, 31), paid)], date(2026, 10, 31), lambda _h: Decimal("2.15")
    )
    assert amount.quantize(Decimal("0.01")) == Decimal("0.40")
    assert interest.late_days([], [], date(2026, 11, 20)) == 0


# --- Failure paths ------------------------------------------------------------------------------


# BIL-4 — a reject without the bank's reason is refused and writes nothing: the debit stays
# pending and the invoice awaiting it (not late); rejecting twice is refused (HTTP 409 kind).
def test_bil4_invalid_reject_leaves_the_debit_pending(customer, invoice):
    send_batch(date(2026, 10, 28), date(2026, 11, 5))
    debit = DirectDebit.objects.get()
    with paris(date(2026, 11, 5)):
        with pytest.raises(ValidationError, match="reject reason"):
            services.debit_reject(debit=debit, reason="  ", bank_fee="7.50")
        with pytest.raises(ValidationError, match="cannot be negative"):
            services.debit_reject(debit=debit, reason="AM04", bank_fee="-1")
    debit.refresh_from_db()
    assert (debit.status, debit.rejected_on) == ("pending", None)
    assert not customer.charges.filter(kind="reject_fee").exists()
    state = services.invoice_state(invoice)
    assert (state.debit_pending_on, state.days_late(date(2026, 11, 5))) == (date(2026, 11, 5), 0)
    with paris(date(2026, 11, 5)):
        services.debit_reject(debit=debit, reason="AM04", bank_fee="0")
        with pytest.raises(InvalidTransition, match="already rejected"):
            services.debit_reject(debit=debit, reason="AM04", bank_fee="0")
    assert services.invoice_state(invoice).days_late(date(2026, 11, 5)) == 6


# --- What the customer and the partner see --------------------------------------------------


# BIL-6 — the portal: an invoice awaiting its debit reads "Direct debit on 05/11/2026", not
# "Late"; nothing is overdue. Once rejected it reads "Late 6 days" (05/11 − 30/10), with the
# day it is debited again, and 1 200.00 € are overdue.
def test_bil6_overview_shows_awaiting_direct_debit(client, customer, invoice):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(customer.memberships.get(role=Role.BILLING).user)
    send_batch(date(2026, 10, 28), date(2026, 11, 5))
    with paris(date(2026, 11, 2)):
        page = client.get(reverse("payments:overview")).content.decode()
    [row] = page.split('data-testid="open-invoice"')[1:]
    assert "Direct debit on 05/11/2026" in row and "Late" not in row
    assert "Nothing overdue." in page
    with paris(date(2026, 11, 5)):
        services.debit_reject(debit=DirectDebit.objects.get(), reason="AM04", bank_fee="0")
        page = client.get(reverse("payments:overview")).content.decode()
    [row] = page.split('data-testid="open-invoice"')[1:]
    assert "Late 6 days" in row and "Direct debit on" not in row
    # presented again 14 days after the reject's notice (SEPA Core): 05/11 + 14 = 19/11
    assert "Direct debit again from 19/11/2026" in row
    assert "of which 1,200.00 € overdue" in page


# BIL-6 — the partner API's balance: awaiting its debit, the invoice has 0 days late, is not
# overdue and gives the collection date; once rejected, 6 days late and 1 200.00 overdue, and
# the day it is presented again.
def test_bil6_api_balance_awaiting_direct_debit(api, partner, tenant):
    partner.billing_mode = BillingMode.RESELLER_BILLED
    partner.save(update_fields=["billing_mode"])
    sign_mandate(tenant.client)
    issue_invoice(tenant.client, "1000.00")
    send_batch(date(2026, 10, 28), date(2026, 11, 5))
    url = reverse("api:customer-balance", args=[tenant.client.pk])
    with paris(date(2026, 11, 2)):
        body = api.get(url).json()
    [row] = body["open_invoices"]
    assert (body["due"], body["overdue"]) == ("1200.00", "0.00")
    assert (row["days_late"], row["direct_debit_on"]) == (0, "2026-11-05")
    with paris(date(2026, 11, 5)):
        services.debit_reject(debit=DirectDebit.objects.get(), reason="AM04", bank_fee="0")
        body = api.get(url).json()
    [row] = body["open_invoices"]
    assert (body["overdue"], row["days_late"], row["direct_debit_on"]) == ("1200.00", 6, None)
    # the day it is debited again, as the portal shows it: 05/11 + 14 days (SEPA Core)
    assert row["direct_debit_again_from"] == "2026-11-19"


# BIL-6 — the invoice pages (billing): on 2 November, past its due date (30 October), the
# invoice awaiting its debit reads "Direct debit on 05/11/2026" ("Prélèvement prévu le
# 05/11/2026") on the list and on its page, not "Overdue"; once the debit is rejected
# (5 November) it reads "Overdue" on both. Listed as due throughout.
def test_bil6_invoice_pages_show_awaiting_direct_debit(client, customer, invoice):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(customer.memberships.get(role=Role.BILLING).user)
    send_batch(date(2026, 10, 28), date(2026, 11, 5))
    with paris(date(2026, 11, 2)):
        assert invoice_pages(client, invoice) == (["Direct debit on 05/11/2026"] * 2, 1)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
        assert invoice_pages(client, invoice)[0] == ["Prélèvement prévu le 05/11/2026"] * 2
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with paris(date(2026, 11, 5)):
        services.debit_reject(debit=DirectDebit.objects.get(), reason="AM04", bank_fee="0")
        assert invoice_pages(client, invoice) == (["Overdue"] * 2, 1)


def invoice_pages(client, invoice) -> tuple[list[str], int]:
    """The invoice's badge on the list and on its page, and how many rows the list shows when
    filtered to the documents with something left to pay."""
    badges = [
        client.get(url).content.decode().split('data-testid="invoice-state">')[1].split("<")[0]
        for url in (reverse("billing:list"), reverse("billing:detail", args=[invoice.pk]))
    ]
    due_only = client.get(reverse("billing:list"), {"due": "on"}).content.decode()
    return badges, due_only.count('data-testid="invoice-row"')


# BIL-4, BIL-6 — the invoice pages count the payments received since the invoice was issued:
# 1 200.00 € due on 30 October, 600.00 € paid by transfer on 20 October: on 2 November it is
# still "Overdue" and listed as due; the other 600.00 € paid on 2 November: "Settled", and the
# list filtered to the documents with something left to pay is empty.
def test_bil4_invoice_pages_count_the_payments(client, customer, invoice):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(customer.memberships.get(role=Role.BILLING).user)
    with paris(date(2026, 11, 2)):
        services.payment_record(
            amount="600.00", method="transfer", received_on=date(2026, 10, 20), client=customer
        )
        assert invoice_pages(client, invoice) == (["Overdue"] * 2, 1)
        services.payment_record(
            amount="600.00", method="transfer", received_on=date(2026, 11, 2), client=customer
        )
        assert invoice_pages(client, invoice) == (["Settled"] * 2, 0)


# BIL-8 — 1 200.00 € due on 30 October, 200.00 € of it disputed on 25 October and the
# undisputed 1 000.00 € paid on 28 October: on 2 November the invoice reads "Under dispute",
# not "Overdue", and is still listed as due (the 200.00 € are not settled).
def test_bil8_invoice_pages_show_the_dispute(client, customer, invoice):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(customer.memberships.get(role=Role.BILLING).user)
    with paris(date(2026, 10, 25)):
        services.dispute_open(invoice=invoice, amount="200.00", reason="Double facturation.")
    with paris(date(2026, 11, 2)):
        services.payment_record(
            amount="1000.00", method="transfer", received_on=date(2026, 10, 28), client=customer
        )
        assert invoice_pages(client, invoice) == (["Under dispute"] * 2, 1)
