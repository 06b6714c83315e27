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
from rest_framework.test import APIClient

from billing import en16931
from billing import services as billing
from billing.models import Invoice, PendingCharge
from payments import services
from payments.models import CollectionCase, Dispute
from payments.queues import dunning_cases
from tests.factories import ClientFactory, make_api_key

pytestmark = pytest.mark.django_db
SEP, NOV = date(2026, 9, 1), date(2026, 11, 1)


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


def _api_of(partner) -> APIClient:
    _key, raw = make_api_key(partner)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


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


# --- BIL-6: late interest and the recovery indemnity on a partner's own invoice ------------------


# BIL-6 / PLATFORM 12.5.1 / Code de commerce L441-10 (between businesses, whatever the
# contract) — Nova's 1 200.00 € TTC invoice due 30/10/2026: 500.00 € paid on 20/10 (on time),
# the 700.00 € left paid on 29/11, 30 days late, ECB 2.15 % + 10 points: interest on the unpaid
# part alone, 700.00 × 12.15 % × 30 / 365 = 6.9904… → 6.99 €, and the 40.00 € indemnity
# (D441-5). November's run issues Nova a late-charges invoice of its own dated 30/11/2026:
# 6.99 + 40.00 = 46.99 €, outside the scope of VAT (O, 0.00 VAT), referencing the late invoice,
# with no end customer on its lines (they are Nova's own). Rival paid its 120.00 € on the due
# date: nothing. Rival never sees Nova's late-charges invoice (404), nor Nova Rival's.
def test_bil6_partner_paid_late_gets_its_late_charges_invoice(
    api, partner, other_partner, partner_invoices, ecb
):
    ours, theirs = partner_invoices
    with paris(date(2026, 10, 20)):
        services.payment_record(
            partner=partner, amount="500.00", method="transfer", received_on=date(2026, 10, 20)
        )
    with paris(date(2026, 10, 30)):
        services.payment_record(
            partner=other_partner,
            amount="120.00",
            method="transfer",
            received_on=date(2026, 10, 30),
        )
    with paris(date(2026, 11, 29)):
        services.payment_record(
            partner=partner, amount="700.00", method="transfer", received_on=date(2026, 11, 29)
        )
    billing.run_month_sync(month=NOV)
    late = Invoice.objects.get(partner=partner, month=NOV, kind="invoice")
    assert (late.purpose, late.issue_date, late.client) == (
        "late_charges",
        date(2026, 11, 30),
        None,
    )
    lines = [
        (line.kind, line.net_amount, line.vat_category, line.end_client)
        for line in late.lines.order_by("position")
    ]
    assert sorted(lines) == [
        ("late_interest", Decimal("6.99"), "O", None),
        ("recovery_indemnity", Decimal("40.00"), "O", None),
    ]
    assert late.lines.get(kind="late_interest").description == (
        f"Intérêts de retard — facture {ours.number}, réglée avec 30 jours de retard"
    )
    assert (late.total_net, late.total_vat, late.total_gross) == (
        Decimal("46.99"),
        Decimal("0.00"),
        Decimal("46.99"),
    )
    assert list(late.preceding_invoices.all()) == [ours]
    assert late.buyer["name"] == partner.legal_name
    assert not Invoice.objects.filter(partner=other_partner, month=NOV).exists()

    body = api.get(reverse("api:invoice-detail", args=[late.pk])).json()
    assert (body["partner"], body["total_gross"], body["left_to_pay"]) == (
        partner.pk,
        "46.99",
        "46.99",
    )
    assert [line["end_client"] for line in body["lines"]] == [None, None]
    # BIL-3: a valid e-invoice (the official EN 16931 rules), its PDF rendered.
    xml = api.get(reverse("api:invoice-facturx", args=[late.pk]))
    assert xml.status_code == 200 and en16931.fatal(xml.content) == []
    assert api.get(reverse("api:invoice-pdf", args=[late.pk])).content.startswith(b"%PDF-")
    rival = _api_of(other_partner)
    assert rival.get(reverse("api:invoice-detail", args=[late.pk])).status_code == 404
    assert late.pk not in [
        r["id"] for r in rival.get(reverse("api:invoice-list")).json()["results"]
    ]
    assert theirs.pk not in [
        r["id"] for r in api.get(reverse("api:invoice-list")).json()["results"]
    ]


# --- BIL-7: reminders of a partner's own invoice ------------------------------------------------


# BIL-7 / PLATFORM 12.5.2 — Nova's 1 200.00 € invoice due 30/10/2026, 500.00 € paid on 20/10:
# the daily job reminds Nova of the 1 200.00 − 500.00 = 700.00 € left on 31/10 (due + 1) and on
# 07/11 (due + 8), in French at its invoices' address; the 40.00 € recovery indemnity is posted
# at the first reminder, as for a customer (BIL-6). Past due + 8 days (08/11) no suspension is
# proposed — suspending a partner suspends every customer of its: staff decide under the
# partner agreement; the case waits in the dunning queue at its final reminder, named after
# Nova. Rival, paid on the due date, is neither reminded nor listed. Paid on 12/11 (13 days
# late): the case is settled and leaves the queue; the interest is on the 700.00 € alone,
# 700.00 × 12.15 % × 13 / 365 = 3.0292… → 3.03 €, beside the one 40.00 € indemnity.
def test_bil7_partner_invoice_reminded_and_dunned(
    partner, other_partner, partner_invoices, ecb, django_capture_on_commit_callbacks
):
    ours, theirs = partner_invoices
    with paris(date(2026, 10, 20)):
        services.payment_record(
            partner=partner, amount="500.00", method="transfer", received_on=date(2026, 10, 20)
        )
    with paris(date(2026, 10, 30)):
        services.payment_record(
            partner=other_partner,
            amount="120.00",
            method="transfer",
            received_on=date(2026, 10, 30),
        )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.collection_run(today=date(2026, 10, 30)) == {}
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        services.collection_run(today=date(2026, 10, 31))
    case = CollectionCase.objects.get(invoice=ours)
    assert (case.stage, case.first_reminder_on) == ("reminded", date(2026, 10, 31))
    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([partner.support_email], f"Relance\u00a0: la facture {ours.number} est échue")
    ]
    assert "700,00" in mail.outbox[0].body
    indemnity = PendingCharge.objects.get(
        source_type="late_invoice_indemnity", source_id=str(ours.pk)
    )
    assert (indemnity.partner, indemnity.client, indemnity.unit_price) == (
        partner,
        None,
        Decimal("40.0000"),
    )

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.collection_run(today=date(2026, 11, 7))
        services.collection_run(today=date(2026, 11, 8))
        services.collection_run(today=date(2026, 11, 9))
    case.refresh_from_db()
    assert (case.stage, case.second_reminder_on, case.suspension_proposed_on) == (
        "final_reminder",
        date(2026, 11, 7),
        None,
    )
    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([partner.support_email], f"Deuxième relance\u00a0: facture {ours.number}")
    ]
    assert not CollectionCase.objects.filter(invoice=theirs).exclude(stage="settled").exists()
    queued = dunning_cases()
    assert [(i.pk, i.client_id, i.client_name, i.partner_id) for i in queued] == [
        (case.pk, None, partner.name, partner.pk)
    ]
    assert [i.pk for i in dunning_cases(partner_id=partner.pk)] == [case.pk]
    assert dunning_cases(partner_id=other_partner.pk) == []

    with paris(date(2026, 11, 12)):
        services.payment_record(
            partner=partner, amount="700.00", method="transfer", received_on=date(2026, 11, 12)
        )
    case.refresh_from_db()
    assert (case.stage, case.settled_on) == ("settled", date(2026, 11, 12))
    assert dunning_cases() == []
    charges = PendingCharge.objects.filter(partner=partner).order_by("kind")
    assert [(c.kind, c.unit_price) for c in charges] == [
        ("late_interest", Decimal("3.0300")),
        ("recovery_indemnity", Decimal("40.0000")),
    ]


# BIL-6 / ACC-3 — Nova does not pay its 1 200.00 € TTC invoice due 30/10/2026; Rival does not
# pay its 120.00 € either. The collection job of 31/10 posts each its 40.00 € indemnity. Nova
# pays on 12/11, 13 days late: 1 200.00 × 12.15 % × 13 / 365 = 5.1928… → 5.19 € of interest.
# Before November's run Nova reads, through GET /charges/?own=true, what its late-charges
# invoice will bill: 40.00 + 5.19 = 45.19 €, not invoiced yet, its own (``partner``, no
# ``client``); never Rival's 40.00 € (404). After the run the two are invoiced on that
# late-charges invoice. Acme, Nova's customer, never sees Nova's charges nor that invoice on
# its pages.
def test_bil6_partner_reads_its_late_charges_before_they_are_invoiced(
    api, client, partner, other_partner, tenant, partner_invoices, ecb
):
    ours, theirs = partner_invoices
    services.collection_run(today=date(2026, 10, 31))
    with paris(date(2026, 11, 12)):
        services.payment_record(
            partner=partner, amount="1200.00", method="transfer", received_on=date(2026, 11, 12)
        )
    rivals = PendingCharge.objects.get(partner=other_partner, kind="recovery_indemnity")
    body = api.get(reverse("api:charge-list"), {"own": "true"}).json()
    assert sorted(
        (row["kind"], row["unit_price"], row["vat_category"], row["client"], row["partner"])
        for row in body["results"]
    ) == [
        ("late_interest", "5.1900", "O", None, partner.pk),
        ("recovery_indemnity", "40.0000", "O", None, partner.pk),
    ]
    assert {row["invoiced"] for row in body["results"]} == {False}
    assert api.get(reverse("api:charge-detail", args=[rivals.pk])).status_code == 404
    assert rivals.pk not in [
        row["id"] for row in api.get(reverse("api:charge-list")).json()["results"]
    ]

    billing.run_month_sync(month=NOV)
    late = Invoice.objects.get(partner=partner, month=NOV, purpose="late_charges")
    assert late.total_gross == Decimal("45.19")
    body = api.get(reverse("api:charge-list"), {"own": "true"}).json()
    assert {(row["invoiced"], row["invoice_number"]) for row in body["results"]} == {
        (True, late.number)
    }
    client.force_login(tenant.members["admin"].user)
    for route in ("dashboard", "billing:list"):
        page = client.get(reverse(route)).content.decode()
        assert late.number not in page and "45,19" not in page and "recouvrement" not in page
