"""BIL-9: a credit note that corrects an invoice lowers what is left to pay on that invoice first
(an accepted dispute already did): an unpaid invoice is not reminded, dunned nor charged interest
for the part it no longer owes, and the credit is not set against the next invoice too."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from billing import services as billing
from billing.models import Invoice
from payments import services
from payments.models import CollectionCase
from payments.services.settlement import corrected_invoice_credit
from tests.payments.conftest import direct_customer, issue_invoice

pytestmark = pytest.mark.django_db
NOV = date(2026, 11, 1)


def paris(day: date, hour=10):
    return time_machine.travel(f"{day.isoformat()} {hour:02d}:00 +01:00", tick=False)


def _correction(invoice: Invoice, net: str) -> Invoice:
    return billing.credit_note_issue(
        lines=[
            billing.CreditLine(
                description="Correction de la ligne d'installation", amount=Decimal(net)
            )
        ],
        reason="Installation facturée deux fois",
        corrects=invoice,
    )


# BIL-9 / BIL-6 — September's invoice: 1 000.00 € HT, 1 200.00 € TTC, due 30/10/2026, unpaid.
# On 05/11 staff correct it by 250.00 € HT (300.00 € TTC): 900.00 € is left to pay on it. The
# customer pays 900.00 € on 29/11: the invoice is settled; interest runs on 900.00 € alone for
# the 30 days late, the 300.00 € credited was never owed — 900.00 × 12.15 % × 30 / 365 = 8.99 €
# (not 11.98 € on 1 200.00), plus the 40.00 € indemnity; November's invoice applies no credit.
# Before: the credit note waited for the next invoice, September stayed 300.00 € short after the
# 900.00 € (reminded, dunned) and bore interest on the whole 1 200.00.
def test_bil9_correction_lowers_the_corrected_invoice_and_its_interest(
    ecb, django_capture_on_commit_callbacks
):
    client = direct_customer()
    invoice = issue_invoice(client, "1000.00")
    with paris(date(2026, 11, 5)), django_capture_on_commit_callbacks(execute=True):
        note = _correction(invoice, "250.00")
    assert note.total_gross == Decimal("300.00")
    assert services.invoice_state(invoice).open == Decimal("900.00")
    assert billing.credit_remaining(note) == Decimal("0.00")
    assert corrected_invoice_credit(credit_note_id=note.pk) == 0  # once only
    with paris(date(2026, 11, 29)):
        services.payment_record(
            client=client, amount="900.00", method="transfer", received_on=date(2026, 11, 29)
        )
    assert services.invoice_state(invoice).open == 0
    assert CollectionCase.objects.get(invoice=invoice).settled_on == date(2026, 11, 29)
    billing.run_month_sync(month=NOV)
    nxt = Invoice.objects.get(client=client, month=NOV, kind="invoice")
    lines = {line.kind: line.net_amount for line in nxt.lines.all()}
    assert lines["late_interest"] == Decimal("8.99")
    assert lines["recovery_indemnity"] == Decimal("40.00")
    assert nxt.credit_applied == Decimal("0.00")


# BIL-9 — a correction larger than what is left to pay (the invoice was paid but 100.00 €):
# 100.00 € of it settles the invoice, the other 200.00 € TTC is set against the next invoice.
def test_bil9_correction_beyond_what_is_left_goes_to_the_next_invoice(
    ecb, django_capture_on_commit_callbacks
):
    client = direct_customer()
    invoice = issue_invoice(client, "1000.00")
    with paris(date(2026, 10, 20)):
        services.payment_record(
            client=client, amount="1100.00", method="transfer", received_on=date(2026, 10, 20)
        )
    with paris(date(2026, 10, 25)), django_capture_on_commit_callbacks(execute=True):
        note = _correction(invoice, "250.00")
    assert services.invoice_state(invoice).open == 0
    assert billing.credit_remaining(note) == Decimal("200.00")


# BIL-9 — the credit note's document says where its amount goes: first against what is left to
# pay on the invoice it corrects (named), then the next invoices, or a refund.
def test_bil9_correcting_credit_note_document_names_the_invoice_it_goes_against():
    from django.template.loader import render_to_string

    from billing.documents import invoice_context

    invoice = issue_invoice(direct_customer(), "100.00")
    note = _correction(invoice, "10.00")
    html = render_to_string("billing/invoice_pdf.html", invoice_context(note))
    assert (
        "Le montant de cet avoir est d'abord déduit de ce qui reste à payer sur la facture "
        f"N° {invoice.number}, puis de vos prochaines factures, ou vous est remboursé."
    ) in html.replace("&#x27;", "'")


# BIL-9 / BIL-7 (failing half way, nothing lost) — the correction is set against its invoice by
# a callback once the credit note commits (its own transaction: the payer's row is locked first).
# A process stopped in between (a worker killed, a deploy, a lock timeout in the callback) left
# September's invoice 1 200.00 € TTC open although 300.00 € of it was credited on 25/10/2026: on
# 31/10 the customer was reminded of 1 200,00 € (and would have been debited and charged
# interest on it), the credit note waiting for November's invoice. Now the daily collection
# first sets against their invoice the corrections left so: 900,00 € reminded, once.
def test_bil9_correction_whose_callback_was_lost_is_set_against_by_the_daily_job(
    ecb, django_capture_on_commit_callbacks
):
    from django.core import mail

    client = direct_customer()
    invoice = issue_invoice(client, "1000.00")  # 1 200.00 € TTC, due 30/10/2026
    with paris(date(2026, 10, 25)), django_capture_on_commit_callbacks(execute=False):
        note = _correction(invoice, "250.00")  # 300.00 € TTC; the callback never runs
    assert services.invoice_state(invoice).open == Decimal("1200.00")
    mail.outbox.clear()
    with paris(date(2026, 10, 31), hour=7), django_capture_on_commit_callbacks(execute=True):
        services.collection_run(today=date(2026, 10, 31))
        services.collection_run(today=date(2026, 10, 31))  # run twice: set against once
    assert services.invoice_state(invoice).open == Decimal("900.00")
    assert billing.credit_remaining(note) == Decimal("0.00")
    reminders = [m for m in mail.outbox if invoice.number in m.body]
    assert len(reminders) == 2  # admin and billing, once
    assert all("900,00" in m.body and "1 200,00" not in m.body for m in reminders)
