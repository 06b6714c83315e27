"""Payments audit: cases no other test showed — a payment over two invoices and a half, a debit
rejected after its invoice was settled, a debit batch dated on a TARGET2 holiday, the sequence
type after a reject, an IBAN written as people write it, an invoice paid partly late, and the
balance the portal, the API and the back office each show.

Invoices of ``issue_invoice``: N € HT + 20 % VAT, dated 30/09/2026, due 30/10/2026."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.choices import BillingMode, Role
from billing import services as billing
from billing.models import PendingCharge
from payments import selectors, services
from payments.models import DirectDebit, PaymentRefund
from tests.console.conftest import make_staff_member
from tests.payments.conftest import direct_customer, issue_invoice
from tests.payments.test_direct_debit_lateness import paris
from tests.payments.test_sepa import SCHEMA, mandate

pytestmark = pytest.mark.django_db


# BIL-4 — one transfer of 540.00 € for three invoices of 120.00, 240.00 and 360.00 € (100, 200
# and 300 € HT, due 30/10, 30/11, 30/12): the two oldest settled (120 + 240 = 360), the third
# gets 540 − 360 = 180.00 €, 180.00 € left to pay on it; nothing on account.
def test_bil4_payment_covering_two_invoices_and_a_half():
    alice = direct_customer()
    first = issue_invoice(alice, "100.00")
    second = issue_invoice(alice, "200.00", month=date(2026, 10, 1), source="oct")
    third = issue_invoice(alice, "300.00", month=date(2026, 11, 1), source="nov")
    with paris(date(2026, 12, 10)):
        services.payment_record(
            client=alice, amount="540.00", method="transfer", received_on=date(2026, 12, 10)
        )
        summary = selectors.account_summary(alice, date(2026, 12, 10))
    states = services.invoice_states([first, second, third])
    assert [states[i.pk].open for i in (first, second, third)] == [
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("180.00"),
    ]
    assert (summary.due, summary.overdue) == (Decimal("180.00"), Decimal("0.00"))
    assert selectors.credit_in_favour(alice) == Decimal("0.00")


# BIL-4 (SEPA Core) — a batch asked for Friday 25/12/2026 (Christmas, TARGET2 closed) or
# Saturday 26/12 is refused naming Monday 28/12; 28/12 is accepted, its file valid, its
# group's control sum the sum of its collections: 120.00 + 360.00 = 480.00.
def test_bil4_batch_on_a_target2_holiday_names_the_next_business_day():
    alice, bob = direct_customer(legal_name="Alice SARL"), direct_customer(legal_name="Bob SAS")
    mandate(alice)
    mandate(bob, iban="DE89370400440532013000", bic="COBADEFFXXX")
    issue_invoice(alice, "100.00")
    issue_invoice(bob, "300.00")
    with paris(date(2026, 12, 21)):
        for asked in (date(2026, 12, 25), date(2026, 12, 26)):
            with pytest.raises(ValidationError, match="choose 28/12/2026"):
                services.debit_batch_create(collection_date=asked)
        batch = services.debit_batch_create(collection_date=date(2026, 12, 28))
    SCHEMA.validate(batch.xml)
    assert (batch.count, batch.total) == (2, Decimal("480.00"))
    assert "<NbOfTxs>2</NbOfTxs><CtrlSum>480.00</CtrlSum>" in batch.xml
    assert "<ReqdColltnDt>2026-12-28</ReqdColltnDt>" in batch.xml


# BIL-4 (SEPA Core rulebook) — a mandate's first collection rejected was never collected: the
# next one is FRST again; once a FRST is collected, the next is RCUR — even if that RCUR is
# then rejected, the one after stays RCUR.
def test_bil4_sequence_type_after_a_reject():
    alice = direct_customer()
    mandate(alice)
    invoice = issue_invoice(alice, "100.00")
    with paris(date(2026, 10, 28)):
        first = services.debit_batch_create(collection_date=date(2026, 10, 30))
    with paris(date(2026, 10, 29)):
        services.debit_reject(debit=first.debits.get(), reason="AC04 closed", bank_fee="0")
    with paris(date(2026, 11, 20)):  # rejected 29/10: presented again from 12/11
        again = services.debit_batch_create(collection_date=date(2026, 11, 24))
    assert list(again.debits.values_list("invoice_id", "sequence_type")) == [(invoice.pk, "FRST")]
    october = issue_invoice(alice, "50.00", month=date(2026, 10, 1), source="oct")
    with paris(date(2026, 11, 25)):
        services.debit_batch_settle(batch=again)
    with paris(date(2026, 11, 26)):
        rcur = services.debit_batch_create(collection_date=date(2026, 11, 30))
    assert list(rcur.debits.values_list("invoice_id", "sequence_type")) == [(october.pk, "RCUR")]
    with paris(date(2026, 12, 1)):
        services.debit_batch_settle(batch=rcur)
        services.debit_reject(debit=rcur.debits.get(), reason="AM04", bank_fee="0")
    with paris(date(2026, 12, 16)):  # rejected 01/12: again from 15/12
        last = services.debit_batch_create(collection_date=date(2026, 12, 18))
    assert list(last.debits.values_list("invoice_id", "sequence_type")) == [(october.pk, "RCUR")]
    SCHEMA.validate(last.xml)


# BIL-4 — an IBAN and a BIC typed as on a RIB (lower case, spaces) are checked by python-stdnum
# and stored compact; a check digit off by one is refused on the IBAN alone.
def test_bil4_iban_and_bic_as_typed_on_a_rib():
    alice = direct_customer()
    signed = services.mandate_create(
        client=alice,
        account_holder="Alice SARL",
        iban="fr14 2004 1010 0505 0001 3m02 606",
        bic="psst fr pp par",
        signed_on=date(2026, 9, 1),
    )
    assert (signed.iban, signed.bic) == ("FR1420041010050500013M02606", "PSSTFRPPPAR")
    with pytest.raises(ValidationError) as exc:
        services.mandate_create(
            client=alice,
            account_holder="Alice SARL",
            iban="FR15 2004 1010 0505 0001 3M02 606",
            bic="PSSTFRPPPAR",
            signed_on=date(2026, 9, 1),
        )
    assert set(exc.value.message_dict) == {"iban"}


# BIL-4, BIL-6 — a debit collected on the due date, then the same invoice paid again by
# transfer (the customer thought it unpaid): 120.00 € on account. The debit is rejected on
# 05/11 (AM04): the invoice is due again, the transfer's 120.00 € on account settle it at the
# daily job of 06/11 (counted from that day: 7 days late → 120.00 × 12.15 % × 7 / 365 = 0.28 €,
# + 40.00 € indemnity); the bank's 7.50 € HT fee is re-invoiced; nothing left on account.
def test_bil4_debit_rejected_after_the_invoice_was_paid_twice(ecb):
    alice = direct_customer()
    mandate(alice)
    invoice = issue_invoice(alice, "100.00")
    with paris(date(2026, 10, 28)):
        batch = services.debit_batch_create(collection_date=date(2026, 10, 30))
    with paris(date(2026, 10, 30)):
        services.debit_batch_settle(batch=batch)
    with paris(date(2026, 11, 2)):
        services.payment_record(
            client=alice, amount="120.00", method="transfer", received_on=date(2026, 11, 2)
        )
    assert selectors.credit_in_favour(alice) == Decimal("120.00")
    with paris(date(2026, 11, 5)):
        services.debit_reject(debit=DirectDebit.objects.get(), reason="AM04", bank_fee="7.50")
        assert services.invoice_state(invoice).open == Decimal("120.00")
    with paris(date(2026, 11, 6)):
        services.collection_run(today=date(2026, 11, 6))
    assert services.invoice_state(invoice).open == Decimal("0.00")
    assert selectors.credit_in_favour(alice) == Decimal("0.00")
    charges = dict(
        PendingCharge.objects.filter(client=alice)
        .exclude(kind="setup")
        .values_list("kind", "unit_price")
    )
    assert charges == {
        "reject_fee": Decimal("7.5000"),
        "recovery_indemnity": Decimal("40.0000"),
        "late_interest": Decimal("0.2800"),
    }


# BIL-6 (L441-10) — 1 200.00 € (1 000 € HT) due 30/10/2026, 600.00 € paid on time (20/10) and
# 600.00 € on 29/11: interest on the 600.00 € left alone, 30 days at 2.15 + 10 = 12.15 %:
# 600.00 × 12.15 % × 30 / 365 = 5.9918 → 5.99 €, + the 40.00 € indemnity (partly unpaid).
def test_bil6_invoice_paid_partly_late(ecb):
    alice = direct_customer()
    invoice = issue_invoice(alice, "1000.00")
    for day in (date(2026, 10, 20), date(2026, 11, 29)):
        with paris(day):
            services.payment_record(
                client=alice, amount="600.00", method="transfer", received_on=day
            )
    assert services.invoice_state(invoice).open == Decimal("0.00")
    charges = dict(
        PendingCharge.objects.filter(client=alice)
        .exclude(kind="setup")
        .values_list("kind", "unit_price")
    )
    assert charges == {
        "recovery_indemnity": Decimal("40.0000"),
        "late_interest": Decimal("5.9900"),
    }


# BIL-4, BIL-9 — one customer, one balance: 120.00 € due 30/10 and 240.00 € due 30/11, 150.00 €
# paid on 15/11 settle the 120.00 € and 30.00 € of the 240.00 € → 210.00 € due, none overdue on
# 20/11; a goodwill credit note of 20.00 € HT + 4.00 € VAT = 24.00 € waits for the next invoice:
# 24.00 € in the customer's favour. The portal's payments page, the partner API and the staff
# console's customer 360 all give both figures (the console gave the 210.00 € only).
def test_bil4_portal_api_and_console_agree_on_the_balance(client, api, tenant):
    partner = tenant.client.partner
    partner.billing_mode = BillingMode.RESELLER_BILLED
    partner.save(update_fields=["billing_mode"])
    customer = tenant.client
    issue_invoice(customer, "100.00")
    issue_invoice(customer, "200.00", month=date(2026, 10, 1), source="oct")
    with paris(date(2026, 11, 15)):
        services.payment_record(
            client=customer, amount="150.00", method="transfer", received_on=date(2026, 11, 15)
        )
        billing.credit_note_issue(
            lines=[billing.CreditLine(description="Geste commercial", amount=Decimal("20.00"))],
            reason="Geste commercial",
            client=customer,
        )
    with paris(date(2026, 11, 20)):
        body = api.get(reverse("api:customer-balance", args=[customer.pk])).json()
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
        client.force_login(customer.memberships.get(role=Role.BILLING).user)
        portal = client.get(reverse("payments:overview")).content.decode()
        client.logout()
        client.force_login(make_staff_member("compta@reseller.example", "billing"))
        console = client.get(reverse("console:customer", args=[customer.pk])).content.decode()
    assert (body["due"], body["overdue"], body["credit"]) == ("210.00", "0.00", "24.00")
    assert "210,00\u00a0€" in portal and "En votre faveur\u00a0: 24,00\u00a0€" in portal
    balance = console[console.index('data-testid="balance"') :]
    balance = balance[: balance.index("</dl>")]
    assert "<dd>210,00\u00a0€</dd>" in balance
    assert "<dt>En faveur du client</dt><dd>24,00\u00a0€</dd>" in balance


# BIL-4 (Code civil art. 1302) — 150.00 € paid on 20/10 for the 120.00 € invoice: 30.00 € on
# account, which nothing could pay back (a customer leaving kept its money with us). Staff record
# the transfer that refunds it from the back office (30.00 € offered by default): 0.00 € left in
# the customer's favour, and October's 60.00 € (50.00 € HT) stays due in full after the daily
# job (before the refund it would have taken the 30.00 €: 30.00 € left). More than what is left,
# a day before the payment, the same transfer twice or a rejected payment are refused.
def test_bil4_refund_of_an_overpayment(client):
    alice = direct_customer()
    issue_invoice(alice, "100.00")
    with paris(date(2026, 10, 20)):
        payment = services.payment_record(
            client=alice, amount="150.00", method="transfer", received_on=date(2026, 10, 20)
        )
    assert selectors.credit_in_favour(alice) == Decimal("30.00")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(make_staff_member("root@reseller.example", superuser=True))
    changelist = reverse("admin:payments_payment_changelist")
    data = {"action": "refund_on_account", ACTION_CHECKBOX_NAME: [payment.pk]}
    with paris(date(2026, 10, 25)):
        page = client.post(changelist, data).content.decode()
        assert 'value="30.00"' in page and "30.00\u00a0€ of this payment" in page
        for amount, day, field in (
            ("30.01", "2026-10-25", "amount"),
            ("30.00", "2026-10-19", "refunded_on"),
        ):
            with pytest.raises(ValidationError) as error:
                services.payment_refund(
                    payment=payment,
                    amount=amount,
                    refunded_on=date.fromisoformat(day),
                    reference="R",
                )
            assert set(error.value.message_dict) == {field}
        response = client.post(
            changelist,
            {
                **data,
                "apply": "1",
                "amount": "30.00",
                "refunded_on": "2026-10-25",
                "reference": "VIR-R1",
            },
        )
        assert response.status_code == 302
        with pytest.raises(ValidationError, match="already recorded"):
            services.payment_refund(
                payment=payment, amount="30.00", refunded_on=date(2026, 10, 25), reference="VIR-R1"
            )
    assert PaymentRefund.objects.get().amount == Decimal("30.00")
    assert selectors.credit_in_favour(alice) == Decimal("0.00")
    assert services.payment_unallocated(payment) == Decimal("0.00")
    october = issue_invoice(alice, "50.00", month=date(2026, 10, 1), source="oct")
    with paris(date(2026, 11, 1)):
        services.collection_run(today=date(2026, 11, 1))
    assert services.invoice_state(october).open == Decimal("60.00")


# BIL-4 (SEPA Core rulebook: the debtor's bank refunds a collection on request for eight weeks
# from the day it was debited) — 120.00 € collected by a debit on 30/10/2026 for an invoice a
# transfer had settled on 29/10: all 120.00 € on account. Refunded on 05/11, then returned by
# the debtor's bank on 10/11, it was paid back twice and the customer owed nothing (the rejected
# payment counts for nothing, the refund left no trace in the balance). The refund is refused
# before 25/12/2026 (30/10 + 56 days), naming that day; accepted from then.
def test_bil4_refund_of_a_debit_waits_for_its_eight_weeks():
    alice, invoice = _debited_after_a_transfer("120.00")
    assert services.invoice_state(invoice).open == Decimal("0.00")
    debit = DirectDebit.objects.get().payment
    assert services.payment_unallocated(debit) == Decimal("120.00")
    with paris(date(2026, 11, 5)), pytest.raises(ValidationError, match="from 25/12/2026"):
        services.payment_refund(
            payment=debit, amount="120.00", refunded_on=date(2026, 11, 5), reference="VIR-R2"
        )
    assert not PaymentRefund.objects.exists()
    with paris(date(2026, 12, 25)):
        services.payment_refund(
            payment=debit, amount="120.00", refunded_on=date(2026, 12, 25), reference="VIR-R2"
        )
    assert selectors.credit_in_favour(alice) == Decimal("0.00")


def _overpay_and_refund(customer, paid, refunds, day=date(2026, 10, 20)):
    """A transfer of ``paid`` € on ``day`` (beyond the open invoices: on account), then each
    refund (amount, reference) recorded on the 25th of that month."""
    with paris(day):
        payment = services.payment_record(
            client=customer, amount=paid, method="transfer", received_on=day
        )
    with paris(day.replace(day=25)):
        for amount, reference in refunds:
            services.payment_refund(
                payment=payment,
                amount=amount,
                refunded_on=day.replace(day=25),
                reference=reference,
            )
    return payment


# BIL-4 — the customer reads what was paid back to it: 150.00 € paid on 20/10 for the 120.00 €
# invoice, its 30.00 € on account refunded on 25/10 (VIR-R1); the payments page and the partner
# API's payments list each refund under its payment (date, amount, reference). A second payment
# of 50.00 € with two refunds (20.00 + 30.00 €) costs no more queries (no query per payment);
# another customer's refund (VIR-OTHER) is shown to neither.
def test_bil4_refunds_shown_on_the_payments_page_and_in_the_api(
    client, api, tenant, django_assert_max_num_queries
):
    partner = tenant.client.partner
    partner.billing_mode = BillingMode.RESELLER_BILLED
    partner.save(update_fields=["billing_mode"])
    customer = tenant.client
    issue_invoice(customer, "100.00")
    _overpay_and_refund(customer, "150.00", [("30.00", "VIR-R1")])
    _overpay_and_refund(direct_customer(), "10.00", [("10.00", "VIR-OTHER")])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    client.force_login(customer.memberships.get(role=Role.BILLING).user)
    payments_url = reverse("api:payment-list")
    with CaptureQueriesContext(connection) as page_queries:
        page = client.get(reverse("payments:overview")).content.decode()
    with CaptureQueriesContext(connection) as api_queries:
        body = api.get(payments_url).json()
    refunds = page[page.index('data-testid="refund"') :]
    assert "25/10/2026" in refunds and "30,00\u00a0€" in refunds and "VIR-R1" in refunds
    assert "VIR-OTHER" not in page
    [payment] = body["results"]
    assert payment["refunds"] == [
        {"amount": "30.00", "refunded_on": "2026-10-25", "reference": "VIR-R1"}
    ]
    _overpay_and_refund(
        customer, "50.00", [("20.00", "VIR-R2"), ("30.00", "VIR-R3")], day=date(2026, 11, 20)
    )
    with django_assert_max_num_queries(len(page_queries.captured_queries)):
        page = client.get(reverse("payments:overview")).content.decode()
    with django_assert_max_num_queries(len(api_queries.captured_queries)):
        body = api.get(payments_url).json()
    assert page.count('data-testid="refund"') == 3 and "VIR-R3" in page
    assert [[r["reference"] for r in p["refunds"]] for p in body["results"]] == [
        ["VIR-R2", "VIR-R3"],
        ["VIR-R1"],
    ]
    assert "VIR-OTHER" not in str(body)


# BIL-4 — the console's latest invoices say what is left to pay, as the portal's payments page
# does: 120.00 € (100.00 € HT + 20 %) invoiced, 50.00 € paid on 20/10 → 70.00 € left; the
# printed total stays in its column (120.00 €). The column read 120.00 € « Due » (the amount
# printed at issue) while the portal said 70.00 € left to pay.
def test_bil4_console_latest_invoices_show_what_is_left(client):
    alice = direct_customer()
    issue_invoice(alice, "100.00")
    with paris(date(2026, 10, 20)):
        services.payment_record(
            client=alice, amount="50.00", method="transfer", received_on=date(2026, 10, 20)
        )
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    client.force_login(alice.memberships.get(role=Role.BILLING).user)
    portal = client.get(reverse("payments:overview")).content.decode()
    portal = portal[portal.index('data-testid="open-invoice-left"') :]
    assert portal.startswith('data-testid="open-invoice-left">70,00\u00a0€')
    client.logout()
    client.force_login(make_staff_member("compta@reseller.example", "billing"))
    console = client.get(reverse("console:customer", args=[alice.pk])).content.decode()
    latest = console[console.index('data-testid="latest-invoices"') :]
    latest = latest[: latest.index("</table>")]
    assert '<th scope="col">Reste à payer</th>' in latest
    assert 'data-label="Total">120,00\u00a0€</td>' in latest
    assert 'data-label="Reste à payer">70,00\u00a0€</td>' in latest


# BIL-4 (SEPA Core: a debit disputed as unauthorised is returned up to 13 months after it) —
# 120.00 € (100.00 € HT + 20 %) due 30/10/2026; 100.00 € paid by transfer on 29/10, the debit
# of 120.00 € collected on 30/10: 20.00 € settle the invoice, 100.00 € go on account, refunded
# on 28/12 (past the eight weeks). The debtor's bank returns the debit on 15/01/2027: the
# 20.00 € it settled are due again, late since 30/10 (as any rejected debit), and the 100.00 €
# refunded are owed too, due from the return (the customer got them back twice: from us and
# from its bank) → 120.00 € due, nothing in its favour; on 20/01 the 20.00 € are 82 days late
# (30/10 → 20/01), the 100.00 € 5 days (15/01 → 20/01). Before, the refund vanished with the
# rejected payment: 20.00 € due, the customer kept the 100.00 € twice.
def test_bil4_debit_returned_after_its_money_on_account_was_refunded():
    alice, invoice = _debited_after_a_transfer("100.00")
    debit = DirectDebit.objects.get()
    assert services.payment_unallocated(debit.payment) == Decimal("100.00")
    with paris(date(2026, 12, 28)):
        services.payment_refund(
            payment=debit.payment,
            amount="100.00",
            refunded_on=date(2026, 12, 28),
            reference="VIR-R3",
        )
    with paris(date(2027, 1, 15)):
        services.debit_reject(debit=debit, reason="MD01", bank_fee="0")
    with paris(date(2027, 1, 20)):
        summary = selectors.account_summary(alice, date(2027, 1, 20))
    state = services.invoice_state(invoice)
    assert state.open == Decimal("120.00")
    assert (summary.due, summary.overdue) == (Decimal("120.00"), Decimal("120.00"))
    assert selectors.credit_in_favour(alice) == Decimal("0.00")
    left = [(t.due_date, amount) for t, amount in state.tranches if amount]
    assert left == [(date(2026, 10, 30), Decimal("20.00")), (date(2027, 1, 15), Decimal("100.00"))]
    assert state.days_late(date(2027, 1, 20)) == 82


def _debited_after_a_transfer(transfer):
    """A 100.00 € invoice in a debit batch for 30/10/2026, a transfer of ``transfer`` received
    on 29/10, then the debit collected on 30/10: its money all on account."""
    alice = direct_customer()
    mandate(alice)
    invoice = issue_invoice(alice, "100.00")
    with paris(date(2026, 10, 28)):
        batch = services.debit_batch_create(collection_date=date(2026, 10, 30))
    with paris(date(2026, 10, 29)):
        services.payment_record(
            client=alice, amount=transfer, method="transfer", received_on=date(2026, 10, 29)
        )
    with paris(date(2026, 10, 30)):
        services.debit_batch_settle(batch=batch)
    return alice, invoice
