"""A partner-billed partner's own monthly invoices (ACC-3): the partner is our client under the
PLATFORM contract and owes them as a customer owes its own — paid (BIL-4), reminded and dunned
(BIL-7, PLATFORM 12.5.2), late interest and the 40 € recovery indemnity (BIL-6, PLATFORM 12.5.1,
Code de commerce L441-10), disputes (BIL-8, PLATFORM 12.6) — and reads them through the API,
never another partner's."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from billing import services as billing
from billing.models import Invoice
from payments import services
from payments.models import Dispute
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db
SEP = date(2026, 9, 1)


def paris(day: date, hour=10):
    return time_machine.travel(f"{day.isoformat()} {hour:02d}:00 +01:00", tick=False)


def _charge(client, net, source, month=SEP):
    billing.charge_post(
        client=client,
        kind="setup",
        source_type="test",
        source_id=f"{client.pk}-{source}",
        period_start=month,
        description="Installation",
        unit_price=Decimal(net),
    )


@pytest.fixture
def partner_invoices(partner, other_partner, tenant, other_tenant):
    """Both partners partner-billed (the default): the September run issues each its monthly
    invoice on 2026-09-30, due 2026-10-30. Nova's: 600.00 (Acme) + 400.00 (a second customer)
    = 1 000.00 HT, 20 % VAT 200.00 → 1 200.00 TTC. Rival's: 100.00 HT → 120.00 TTC."""
    _charge(tenant.client, "600.00", "a")
    _charge(ClientFactory(partner=partner), "400.00", "b")
    _charge(other_tenant.client, "100.00", "c")
    billing.run_month_sync(month=SEP)
    ours = Invoice.objects.get(partner=partner, month=SEP, kind="invoice")
    theirs = Invoice.objects.get(partner=other_partner, month=SEP, kind="invoice")
    assert (ours.total_gross, ours.amount_due, ours.due_date) == (
        Decimal("1200.00"),
        Decimal("1200.00"),
        date(2026, 10, 30),
    )
    assert (theirs.total_gross, theirs.due_date) == (Decimal("120.00"), date(2026, 10, 30))
    return ours, theirs


# --- BIL-4: what is left to pay, as the partner reads it ---------------------------------------


# BIL-4 / ACC-3 — the partner pays 500.00 € of its 1 200.00 € TTC monthly invoice: the API
# shows 1 200.00 − 500.00 = 700.00 € left to pay (``amount_due`` stays the invoice's own figure,
# as printed), in the list as in the detail, and the payment among its payments with what it
# settled. Rival's invoice (120.00 €, 20.00 paid → 100.00 left) and Rival's payment are never
# shown to Nova: not listed, 404.
def test_bil4_partner_reads_what_is_left_on_its_own_invoice(
    api, partner, other_partner, partner_invoices
):
    ours, theirs = partner_invoices
    with paris(date(2026, 10, 20)):
        paid = services.payment_record(
            partner=partner, amount="500.00", method="transfer", received_on=date(2026, 10, 20)
        )
        rival = services.payment_record(
            partner=other_partner,
            amount="20.00",
            method="transfer",
            received_on=date(2026, 10, 20),
        )
    detail = api.get(reverse("api:invoice-detail", args=[ours.pk])).json()
    assert (detail["amount_due"], detail["left_to_pay"]) == ("1200.00", "700.00")
    listed = api.get(reverse("api:invoice-list"), {"kind": "invoice"}).json()["results"]
    assert [(r["id"], r["amount_due"], r["left_to_pay"]) for r in listed] == [
        (ours.pk, "1200.00", "700.00")
    ]
    assert api.get(reverse("api:invoice-detail", args=[theirs.pk])).status_code == 404

    payments = api.get(reverse("api:payment-list")).json()["results"]
    assert [(p["id"], p["client"], p["partner"], p["amount"]) for p in payments] == [
        (paid.pk, None, partner.pk, "500.00")
    ]
    assert payments[0]["allocations"] == [
        {
            "invoice": ours.pk,
            "invoice_number": ours.number,
            "source": "payment",
            "amount": "500.00",
            "on": "2026-10-20",
        }
    ]
    own = api.get(reverse("api:payment-list"), {"own": "true"}).json()["results"]
    assert [p["id"] for p in own] == [paid.pk]
    assert api.get(reverse("api:payment-list"), {"own": "false"}).json()["results"] == []
    assert api.get(reverse("api:payment-detail", args=[rival.pk])).status_code == 404

    # Paid in full: nothing left, and ``due=true`` no longer lists it.
    with paris(date(2026, 10, 25)):
        services.payment_record(
            partner=partner, amount="700.00", method="transfer", received_on=date(2026, 10, 25)
        )
    detail = api.get(reverse("api:invoice-detail", args=[ours.pk])).json()
    assert (detail["amount_due"], detail["left_to_pay"]) == ("1200.00", "0.00")
    assert api.get(reverse("api:invoice-list"), {"due": "true"}).json()["results"] == []


# --- BIL-8: the partner hears about its disputes -------------------------------------------------


def _dispute(api, invoice, amount="200.00", reason="Installation billed twice for Acme"):
    response = api.post(
        reverse("api:dispute-list"),
        {"invoice": invoice.pk, "amount": amount, "reason": reason},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return Dispute.objects.get(pk=response.json()["id"])


# BIL-8 / PLATFORM 12.6 — a partner has no portal users: the e-mails its customers' billing people
# get about a dispute go to the partner's address, the one its monthly invoices are sent to
# (``support_email``, the invoice's recipient), in French: recorded (200.00 € of 1 200.00 €
# disputed), then decided — accepted (credit note) or rejected (200.00 € due again by
# 30/11/2026). Rival, whose dispute is decided meanwhile, is e-mailed about its own only.
def test_bil8_partner_is_emailed_about_its_disputes(
    api, partner, other_partner, partner_invoices, django_capture_on_commit_callbacks
):
    ours, theirs = partner_invoices
    mail.outbox.clear()
    with paris(date(2026, 10, 20)), django_capture_on_commit_callbacks(execute=True):
        accepted = _dispute(api, ours)
    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([partner.support_email], f"Votre contestation de la facture {ours.number} est enregistrée")
    ]
    assert "200,00" in mail.outbox[0].body
    mail.outbox.clear()
    with paris(date(2026, 10, 21)), django_capture_on_commit_callbacks(execute=True):
        note = services.dispute_accept(dispute=accepted, note="Installation billed twice")
        rival = services.dispute_open(invoice=theirs, amount="20.00", reason="Not ordered")
    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([partner.support_email], f"Décision sur votre contestation de la facture {ours.number}"),
        (
            [other_partner.support_email],
            f"Votre contestation de la facture {theirs.number} est enregistrée",
        ),
    ]
    assert note.number in mail.outbox[0].body
    mail.outbox.clear()
    with paris(date(2026, 10, 22)), django_capture_on_commit_callbacks(execute=True):
        services.dispute_reject(
            dispute=rival, note="Ordered on 02/09", new_due_date=date(2026, 11, 30)
        )
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (
            [other_partner.support_email],
            f"Décision sur votre contestation de la facture {theirs.number}",
        )
    ]
    assert "20,00" in mail.outbox[0].body and "30 novembre 2026" in mail.outbox[0].body
