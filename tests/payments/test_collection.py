"""Payments (BIL-4), late charges (BIL-6), dunning and suspension (BIL-7), disputes (BIL-8)."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from billing import services as billing
from billing.models import Invoice
from offers.models import Contract
from payments import selectors, services
from payments.models import CollectionCase, Payment
from tests.offers.factories import make_contract
from tests.payments.conftest import direct_customer, issue_invoice

pytestmark = pytest.mark.django_db
SEP, OCT, NOV = date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)


def paris(day: date, hour=10):
    return time_machine.travel(f"{day.isoformat()} {hour:02d}:00 +01:00", tick=False)


# BIL-4 — due 30 days after issue; a partial payment leaves the balance due.
def test_bil4_due_date_and_partial_payment():
    client = direct_customer()
    invoice = issue_invoice(client, "1000.00")
    assert (invoice.issue_date, invoice.due_date, invoice.amount_due) == (
        date(2026, 9, 30),
        date(2026, 10, 30),
        Decimal("1200.00"),
    )
    services.payment_record(
        client=client, amount="450.00", method="transfer", received_on=date(2026, 10, 5)
    )
    state = services.invoice_state(invoice)
    assert (state.settled, state.open) == (Decimal("450.00"), Decimal("750.00"))
    summary = selectors.account_summary(client, date(2026, 10, 6))
    assert (summary.due, summary.overdue) == (Decimal("750.00"), Decimal("0.00"))


# BIL-4 — a payment settles the oldest invoice first; what is left stays on account.
def test_bil4_payment_oldest_first_and_rest_on_account():
    client = direct_customer()
    september = issue_invoice(client, "100.00", month=SEP, source="a")  # 120.00
    october = issue_invoice(client, "50.00", month=OCT, source="b")  # 60.00
    with paris(date(2026, 11, 10)):
        payment = services.payment_record(
            client=client, amount="200.00", method="card", received_on=date(2026, 11, 10)
        )
    assert services.invoice_state(september).open == 0
    assert services.invoice_state(october).open == 0
    assert services.payment_unallocated(payment) == Decimal("20.00")


# BIL-8 (PLATFORM 12.6.1: the customer pays at least what it does not dispute) + BIL-4 — a
# transfer of exactly the undisputed amounts: September 1 200.00 € of which 200.00 disputed,
# October 600.00 € → 1 600.00 € pays September's 1 000.00 undisputed and October in full. The
# disputed 200.00 is not paid out of it while October is left 200.00 short, reminded and dunned.
def test_bil8_payment_settles_undisputed_parts_before_a_disputed_one(ecb):
    client = direct_customer()
    september = issue_invoice(client, "1000.00", month=SEP, source="a")  # 1 200.00, due 30/10
    october = issue_invoice(client, "500.00", month=OCT, source="b")  # 600.00, due 30/11
    services.dispute_open(
        invoice=september, amount="200.00", reason="Not ordered", today=date(2026, 10, 5)
    )
    with paris(date(2026, 10, 25)):
        services.payment_record(
            client=client, amount="1600.00", method="transfer", received_on=date(2026, 10, 25)
        )
    sept, octo = services.invoice_state(september), services.invoice_state(october)
    assert (sept.open, sept.disputed, sept.undisputed_open) == (
        Decimal("200.00"),
        Decimal("200.00"),
        Decimal("0.00"),
    )
    assert octo.open == Decimal("0.00")
    services.collection_run(today=date(2026, 12, 5))
    assert not client.charges.filter(kind="recovery_indemnity").exists()
    summary = selectors.account_summary(client, date(2026, 12, 5))
    assert (summary.due, summary.disputed) == (Decimal("0.00"), Decimal("200.00"))


def test_bil4_payment_validation_writes_nothing():
    client = direct_customer()
    with pytest.raises(ValidationError) as exc:
        services.payment_record(
            client=client, amount="-5", method="bitcoin", received_on=date(2030, 1, 1)
        )
    assert set(exc.value.message_dict) == {"amount", "method", "received_on"}
    assert not Payment.objects.exists()


# BIL-6 / BIL-3 — paid one day late (due 30/10/2026, paid 31/10/2026): 1 200.00 × 12.15 % ×
# 1 / 365 = 0.3994… → 0.40 € of interest, « réglée avec 1 jour de retard » (French, singular),
# never « 1 jours » nor « 1 days ».
def test_bil6_one_day_late_is_singular(ecb):
    client = direct_customer()
    invoice = issue_invoice(client, "1000.00")
    with paris(date(2026, 10, 31)):
        services.payment_record(
            client=client, amount="1200.00", method="transfer", received_on=date(2026, 10, 31)
        )
    billing.run_month_sync(month=date(2026, 10, 1))
    nxt = Invoice.objects.get(client=client, month=date(2026, 10, 1))
    interest = nxt.lines.get(kind="late_interest")
    assert (interest.description, interest.net_amount) == (
        f"Intérêts de retard — facture {invoice.number}, réglée avec 1 jour de retard",
        Decimal("0.40"),
    )


# BIL-6 — the issue's case end to end: 1 200.00 € TTC due 2026-10-30, paid 2026-11-29, ECB
# 2.15 % → interest 11.98 € and the 40.00 € indemnity on the next invoice, outside VAT.
def test_bil6_interest_and_indemnity_on_next_invoice(ecb):
    client = direct_customer()
    invoice = issue_invoice(client, "1000.00")
    assert invoice.amount_due == Decimal("1200.00")
    with paris(date(2026, 11, 29)):
        services.payment_record(
            client=client, amount="1200.00", method="transfer", received_on=date(2026, 11, 29)
        )
    billing.run_month_sync(month=NOV)
    nxt = Invoice.objects.get(client=client, month=NOV)
    lines = {line.kind: line for line in nxt.lines.all()}
    interest, indemnity = lines["late_interest"], lines["recovery_indemnity"]
    assert (interest.net_amount, interest.vat_category, interest.vat_rate) == (
        Decimal("11.98"),
        "O",
        Decimal("0"),
    )
    assert (indemnity.net_amount, indemnity.vat_category) == (Decimal("40.00"), "O")
    # BIL-3: French on the invoice, although the payment was recorded in English (autouse).
    assert (
        interest.description
        == f"Intérêts de retard — facture {invoice.number}, réglée avec 30 jours de retard"
    )
    assert indemnity.description == (
        f"Indemnité forfaitaire pour frais de recouvrement — facture {invoice.number}"
    )
    assert (nxt.total_net, nxt.total_vat, nxt.total_gross) == (
        Decimal("51.98"),
        Decimal("0.00"),
        Decimal("51.98"),
    )
    # Posting again (the daily job re-running) never bills them twice.
    services.collection_run(today=date(2026, 12, 2))
    assert nxt.lines.filter(kind="late_interest").count() == 1


def _late_charges_invoice_paid_late(client, *, penalty=None, daily_job_on=()):
    """The case above (51.98 € of interest and indemnity, plus ``penalty`` € HT of damages,
    outside VAT), on November's late-charges invoice (due 2026-12-30), paid 2027-01-29: 30 days
    late."""
    invoice = issue_invoice(client, "1000.00")
    with paris(date(2026, 11, 29)):
        services.payment_record(
            client=client, amount="1200.00", method="transfer", received_on=date(2026, 11, 29)
        )
    if penalty:
        billing.charge_post(
            client=client,
            kind="penalty",
            source_type="test",
            source_id=f"{client.pk}-penalty",
            period_start=NOV,
            description="Pénalité — réclamation consommateur",
            unit_price=Decimal(penalty),
            vat_category="O",
        )
    billing.run_month_sync(month=NOV)
    charges = Invoice.objects.get(client=client, month=NOV, purpose="late_charges")
    assert charges.due_date == date(2026, 12, 30) and invoice.pk != charges.pk
    services.ecb_rate_set(effective_on=date(2027, 1, 1), rate="2.15")
    for day in daily_job_on:  # the daily job, while the late-charges invoice is unpaid
        services.collection_run(today=day)
    with paris(date(2027, 1, 29)):
        services.payment_record(
            client=client,
            amount=charges.amount_due,
            method="transfer",
            received_on=date(2027, 1, 29),
        )
    billing.run_month_sync(month=date(2027, 1, 1))
    return charges


# BIL-6 — late-payment charges bear no late-payment charges (Code civil 1343-2: no interest on
# interest without a clause and a whole year; the indemnity is for recovering a price): the
# late-charges invoice of 51.98 € paid 30 days late bears neither interest nor a second 40 €.
def test_bil6_late_charges_paid_late_bear_no_late_charges(ecb):
    client = direct_customer()
    charges = _late_charges_invoice_paid_late(client)
    assert charges.total_gross == Decimal("51.98")
    assert not Invoice.objects.filter(client=client, month=date(2027, 1, 1)).exists()
    assert CollectionCase.objects.get(invoice=charges).late_charges_posted  # never waits


# BIL-6 / BIL-7 — the same late-charges invoice reminded by the daily job (31/12 and 07/01)
# before it is paid: reminded, yet no 40.00 € indemnity is posted for it (it recovers no price),
# so January's run issues nothing.
def test_bil6_late_charges_invoice_reminded_bears_no_indemnity(ecb):
    client = direct_customer()
    charges = _late_charges_invoice_paid_late(
        client, daily_job_on=[date(2026, 12, 31), date(2027, 1, 7)]
    )
    case = CollectionCase.objects.get(invoice=charges)
    assert case.first_reminder_on == date(2026, 12, 31)
    assert not client.charges.filter(
        source_type="late_invoice_indemnity", source_id=str(charges.pk)
    ).exists()
    assert not Invoice.objects.filter(client=client, month=date(2027, 1, 1)).exists()


# BIL-6 — penalties on that invoice reminded by the daily job: one 40.00 € indemnity, posted
# at the first reminder, and the interest of their share when paid (2.00 €).
def test_bil6_penalties_reminded_bear_one_indemnity(ecb):
    client = direct_customer()
    _late_charges_invoice_paid_late(
        client, penalty="200.00", daily_job_on=[date(2026, 12, 31), date(2027, 1, 7)]
    )
    january = Invoice.objects.get(client=client, month=date(2027, 1, 1))
    lines = {line.kind: line.net_amount for line in january.lines.all()}
    assert lines == {"late_interest": Decimal("2.00"), "recovery_indemnity": Decimal("40.00")}


# BIL-6 — penalties (USE-7) on that invoice do bear them: 200.00 € of damages paid 30 days late
# → 200.00 × (2.15 % + 10 points) × 30 / 365 = 1.9973 → 2.00 € and the 40.00 € indemnity (the
# 51.98 € of interest and indemnity beside them bear nothing).
def test_bil6_penalties_paid_late_bear_interest_on_their_share_alone(ecb):
    client = direct_customer()
    charges = _late_charges_invoice_paid_late(client, penalty="200.00")
    assert charges.total_gross == Decimal("251.98")
    january = Invoice.objects.get(client=client, month=date(2027, 1, 1))
    lines = {line.kind: line.net_amount for line in january.lines.all()}
    assert lines == {"late_interest": Decimal("2.00"), "recovery_indemnity": Decimal("40.00")}


# BIL-6 — a payment on the due date bears nothing.
def test_bil6_paid_on_time_no_late_charges(ecb):
    client = direct_customer()
    issue_invoice(client, "1000.00")
    with paris(date(2026, 10, 30)):
        services.payment_record(
            client=client, amount="1200.00", method="transfer", received_on=date(2026, 10, 30)
        )
    billing.run_month_sync(month=OCT)
    assert not Invoice.objects.filter(client=client, month=OCT).exists()


def test_bil6_missing_ecb_rate_is_a_clear_error():
    client = direct_customer()
    invoice = issue_invoice(client, "100.00")
    state = services.invoice_state(invoice)
    with pytest.raises(ValidationError, match="ECB rate in force on 01/07/2026 is missing"):
        services.late_interest_for(state, date(2026, 11, 5))


# BIL-7 — reminders at due + 1 and due + 8 (e-mails to admin and billing), a suspension
# proposed only once more than 8 days late, applied by staff, lifted on payment.
def test_bil7_reminders_suspension_and_lift(ecb, django_capture_on_commit_callbacks):
    client = direct_customer()
    contract = make_contract(client, "hosted-a")
    invoice = issue_invoice(client, "1000.00")  # due 2026-10-30
    mail.outbox.clear()
    assert services.collection_run(today=date(2026, 10, 30)) == {}
    with django_capture_on_commit_callbacks(execute=True):
        services.collection_run(today=date(2026, 10, 31))
    case = CollectionCase.objects.get(invoice=invoice)
    assert (case.stage, case.first_reminder_on) == ("reminded", date(2026, 10, 31))
    assert len(mail.outbox) == 2 and "Relance" in mail.outbox[0].subject  # members read French
    services.collection_run(today=date(2026, 11, 7))  # day 8: second reminder, no proposal
    case.refresh_from_db()
    assert (case.stage, case.second_reminder_on) == ("final_reminder", date(2026, 11, 7))
    with pytest.raises(ValidationError, match="more than 8 days late"):
        services.client_suspend_for_non_payment(client=client, today=date(2026, 11, 7))
    services.collection_run(today=date(2026, 11, 8))  # day 9: proposed to staff
    case.refresh_from_db()
    assert case.stage == "suspension_proposed"
    assert list(selectors.dunning_queue()) == [case]
    contract.refresh_from_db()
    assert contract.status == "active"  # staff confirm (PAYMENTS_AUTO_SUSPEND off)
    services.client_suspend_for_non_payment(client=client, today=date(2026, 11, 8))
    contract.refresh_from_db()
    assert contract.status == "suspended"
    due = services.invoice_state(invoice).open  # the installation and the contract's month
    with paris(date(2026, 11, 12)):
        services.payment_record(
            client=client, amount=due, method="transfer", received_on=date(2026, 11, 12)
        )
    contract.refresh_from_db()
    case.refresh_from_db()
    assert (contract.status, case.stage, case.settled_on) == (
        "active",
        "settled",
        date(2026, 11, 12),
    )


# BIL-7 — with the automatic setting, the daily job suspends by itself past due + 8 days.
def test_bil7_automatic_suspension(settings):
    settings.PAYMENTS_AUTO_SUSPEND = True
    client = direct_customer()
    contract = make_contract(client, "hosted-a")
    issue_invoice(client, "100.00")
    services.collection_run(today=date(2026, 11, 7))
    assert Contract.objects.get(pk=contract.pk).status == "active"
    services.collection_run(today=date(2026, 11, 8))
    assert Contract.objects.get(pk=contract.pk).status == "suspended"


# BIL-8 — a dispute up to issue + 60 days; day 61 is refused with a clear message.
def test_bil8_dispute_window():
    client = direct_customer()
    invoice = issue_invoice(client, "1000.00")  # issued 2026-09-30
    with pytest.raises(ValidationError) as exc:
        services.dispute_open(
            invoice=invoice, amount="100.00", reason="Wrong", today=date(2026, 11, 30)
        )
    assert "60-day period ended on 29/11/2026" in str(exc.value)
    dispute = services.dispute_open(
        invoice=invoice, amount="100.00", reason="Wrong", today=date(2026, 11, 29)
    )
    assert dispute.status == "open"


def test_bil8_dispute_validation():
    client = direct_customer()
    invoice = issue_invoice(client, "1000.00")
    big = SimpleUploadedFile("x.exe", b"MZ", content_type="application/octet-stream")
    with pytest.raises(ValidationError) as exc:
        services.dispute_open(
            invoice=invoice, amount="1200.01", reason=" ", today=date(2026, 10, 1)
        )
    assert set(exc.value.message_dict) == {"amount", "reason"}
    with pytest.raises(ValidationError, match="PDF, PNG or JPEG"):
        services.dispute_open(
            invoice=invoice, amount="10", reason="x", documents=[big], today=date(2026, 10, 1)
        )
    services.dispute_open(invoice=invoice, amount="10", reason="x", today=date(2026, 10, 1))
    with pytest.raises(ValidationError, match="already under review"):
        services.dispute_open(invoice=invoice, amount="5", reason="y", today=date(2026, 10, 1))


# BIL-8 — the undisputed part stays due and is dunned; the disputed part is left out; accepted
# → a credit note set against the invoice; the customer then owes nothing.
def test_bil8_undisputed_part_due_then_accept_gives_credit_note():
    client = direct_customer()
    invoice = issue_invoice(client, "1000.00")  # 1 200.00 TTC
    pdf = SimpleUploadedFile("releve.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    dispute = services.dispute_open(
        invoice=invoice,
        amount="240.00",
        reason="Lines billed twice",
        documents=[pdf],
        today=date(2026, 10, 5),
    )
    state = services.invoice_state(invoice)
    assert (state.open, state.disputed, state.undisputed_open) == (
        Decimal("1200.00"),
        Decimal("240.00"),
        Decimal("960.00"),
    )
    with paris(date(2026, 10, 20)):
        services.payment_record(
            client=client, amount="960.00", method="transfer", received_on=date(2026, 10, 20)
        )
    services.collection_run(today=date(2026, 11, 20))  # 21 days after due: nothing undisputed
    assert CollectionCase.objects.get(invoice=invoice).stage == "none"
    note = services.dispute_accept(dispute=dispute, note="Duplicate lines confirmed")
    assert (note.kind, note.number[:5], note.corrects_id) == ("credit_note", "A2026", invoice.pk)
    assert (note.total_net, note.total_gross) == (Decimal("200.00"), Decimal("240.00"))
    state = services.invoice_state(invoice)
    assert state.open == 0
    assert billing.credit_remaining(note) == 0  # not applied a second time by the next run
    assert dispute.documents.get().original_name == "releve.pdf"


# BIL-8 — rejected: due again with a new due date; dunning resumes from it.
def test_bil8_reject_due_again_with_new_date():
    client = direct_customer()
    invoice = issue_invoice(client, "1000.00")
    dispute = services.dispute_open(
        invoice=invoice, amount="200.00", reason="Too expensive", today=date(2026, 10, 5)
    )
    with paris(date(2026, 10, 30)):
        services.payment_record(
            client=client, amount="1000.00", method="transfer", received_on=date(2026, 10, 30)
        )
    with paris(date(2026, 11, 2)):
        with pytest.raises(ValidationError):
            services.dispute_reject(dispute=dispute, note="")
        services.dispute_reject(dispute=dispute, note="Prices per the order form")
    dispute.refresh_from_db()
    assert dispute.new_due_date == date(2026, 12, 2)
    state = services.invoice_state(invoice)
    assert (state.undisputed_open, state.overdue_since(date(2026, 12, 2))) == (
        Decimal("200.00"),
        None,
    )
    assert state.overdue_since(date(2026, 12, 3)) == date(2026, 12, 2)
    services.collection_run(today=date(2026, 12, 3))
    assert CollectionCase.objects.get(invoice=invoice).stage == "reminded"


# BIL-4 / ACC-3 — a partner-billed customer owes us nothing (its partner is invoiced and
# collects): a transfer recorded as the customer's is refused on the payer, nothing written,
# whichever screen records it (console, back office).
def test_bil4_partner_billed_customer_is_not_a_payer():
    from accounts.choices import BillingMode
    from tests.factories import PartnerFactory

    partner = PartnerFactory(billing_mode=BillingMode.PARTNER_BILLED)
    client = direct_customer(partner=partner)
    with pytest.raises(ValidationError) as error:
        services.payment_record(
            client=client, amount="120.00", method="transfer", received_on=date(2026, 11, 2)
        )
    assert partner.name in error.value.message_dict["client"][0]
    assert not Payment.objects.exists()
