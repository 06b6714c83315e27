"""BIL-8 (PLATFORM 12.6) for a partner-billed partner (ACC-3): the partner is our client under
the PLATFORM contract and disputes its own monthly invoice as a customer disputes its own —
within 60 days of issue, the amount, the reason, documents; the disputed part leaves collection
until staff decide (accepted: a credit note to the partner; rejected: due again)."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import AuditLog
from billing import services as billing
from billing.models import Invoice
from payments import services
from payments.models import Dispute
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db
SEP = date(2026, 9, 1)


def paris(day: date, hour=10):
    return time_machine.travel(f"{day.isoformat()} {hour:02d}:00 +01:00", tick=False)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def _charge(client, net, source):
    billing.charge_post(
        client=client,
        kind="setup",
        source_type="test",
        source_id=f"{client.pk}-{source}",
        period_start=SEP,
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
    assert (ours.client, ours.total_net, ours.total_vat, ours.total_gross) == (
        None,
        Decimal("1000.00"),
        Decimal("200.00"),
        Decimal("1200.00"),
    )
    assert ours.issue_date == date(2026, 9, 30) and ours.due_date == date(2026, 10, 30)
    return ours, theirs


def _open(api, invoice, amount="200.00", reason="Installation billed twice for Acme"):
    return api.post(
        reverse("api:dispute-list"),
        {"invoice": invoice.pk, "amount": amount, "reason": reason},
        format="json",
    )


# BIL-8 / « PLATFORM 12.6 » — the partner disputes 200.00 € of its monthly invoice of
# 1 200.00 € TTC on day 20: 1 000.00 € stays due, 200.00 € leaves collection; the partner pays
# the 1 000.00 €; staff accept → a credit note to the partner of 200.00 € TTC, split at the
# invoice's one rate (20 %): 200.00 / 1.20 = 166.666… → 166.67 HT, VAT 166.67 × 20 % = 33.334
# → 33.33, 166.67 + 33.33 = 200.00; set against the invoice, nothing left to pay.
def test_bil8_platform_12_6_partner_disputes_its_monthly_invoice(
    api, partner, tenant, partner_invoices
):
    ours, _theirs = partner_invoices
    with paris(date(2026, 10, 20)):
        response = _open(api, ours)
        assert response.status_code == 201, response.json()
        body = response.json()
        assert (body["client"], body["partner"], body["invoice"], body["amount"]) == (
            None,
            partner.pk,
            ours.pk,
            "200.00",
        )
        dispute = Dispute.objects.get(pk=body["id"])
        assert (dispute.client, dispute.partner, dispute.status) == (None, partner, "open")
        assert AuditLog.objects.get(action="dispute.open").partner == partner

        state = services.invoice_state(ours)
        assert (state.open, state.disputed, state.undisputed_open) == (
            Decimal("1200.00"),
            Decimal("200.00"),
            Decimal("1000.00"),
        )
        # The partner pays what it does not dispute: the undisputed part is settled, the
        # disputed 200.00 is left open (PLATFORM 12.6.1).
        services.payment_record(
            partner=partner, amount="1000.00", method="transfer", received_on=date(2026, 10, 20)
        )
        state = services.invoice_state(ours)
        assert (state.open, state.disputed, state.undisputed_open) == (
            Decimal("200.00"),
            Decimal("200.00"),
            Decimal("0.00"),
        )
        # Listed among its disputes, alone under own=true; not among its customers'.
        mine = api.get(reverse("api:dispute-list"), {"own": "true"}).json()["results"]
        assert [(d["id"], d["client"], d["partner"]) for d in mine] == [
            (dispute.pk, None, partner.pk)
        ]
        customers = api.get(reverse("api:dispute-list"), {"own": "false"}).json()["results"]
        assert customers == []

    with paris(date(2026, 10, 28)):
        note = services.dispute_accept(dispute=dispute, note="Installation billed twice")
    assert (note.kind, note.client, note.partner, note.corrects) == (
        "credit_note",
        None,
        partner,
        ours,
    )
    assert (note.total_net, note.total_vat, note.total_gross) == (
        Decimal("166.67"),
        Decimal("33.33"),
        Decimal("200.00"),
    )
    assert [(g["category"], g["rate"]) for g in note.vat_breakdown] == [("S", "20.00")]
    assert note.buyer["name"] == partner.legal_name
    state = services.invoice_state(ours)
    assert (state.open, state.disputed) == (Decimal("0.00"), Decimal("0.00"))
    ours.refresh_from_db()
    assert ours.collection.settled_on == date(2026, 10, 28)
    detail = api.get(reverse("api:dispute-detail", args=[dispute.pk])).json()
    assert (detail["status"], detail["credit_note"], detail["credit_note_number"]) == (
        "accepted",
        note.pk,
        note.number,
    )
    # The partner reads its credit note with its invoices (ACC-3).
    assert api.get(reverse("api:invoice-detail", args=[note.pk])).json()["partner"] == partner.pk


# BIL-8 — rejected, the 200.00 € disputed is due again by the new due date: the whole
# 1 200.00 € is then undisputed and owed.
def test_bil8_partner_dispute_rejected_is_due_again(api, partner, partner_invoices):
    ours, _theirs = partner_invoices
    with paris(date(2026, 10, 20)):
        dispute = Dispute.objects.get(pk=_open(api, ours).json()["id"])
        services.dispute_reject(
            dispute=dispute, note="Both installations took place", new_due_date=date(2026, 11, 30)
        )
    dispute.refresh_from_db()
    assert (dispute.status, dispute.new_due_date) == ("rejected", date(2026, 11, 30))
    state = services.invoice_state(ours)
    assert (state.open, state.disputed, state.undisputed_open) == (
        Decimal("1200.00"),
        Decimal("0.00"),
        Decimal("1200.00"),
    )
    # 1 000.00 due 2026-10-30, the 200.00 again due 2026-11-30.
    assert sorted((t.due_date, left) for t, left in state.tranches) == [
        (date(2026, 10, 30), Decimal("1000.00")),
        (date(2026, 11, 30), Decimal("200.00")),
    ]
    assert AuditLog.objects.get(action="dispute.reject").partner == partner


# BIL-8 / PLATFORM 12.6.2 — issued 2026-09-30: the period ends 2026-11-29; on day 61 the
# dispute is refused with that date, nothing written.
def test_bil8_partner_dispute_after_the_period_refused(api, partner_invoices):
    ours, _theirs = partner_invoices
    with paris(date(2026, 11, 29)):
        on_time = _open(api, ours, amount="1.00")
    assert on_time.status_code == 201
    Dispute.objects.all().delete()
    with paris(date(2026, 11, 30)):
        late = _open(api, ours)
    assert late.status_code == 400
    assert "29/11/2026" in late.json()["error"]["fields"]["invoice"][0]
    assert not Dispute.objects.exists()


# ACC-3 — another partner's monthly invoice, or another partner's customer's invoice, cannot be
# disputed (an invalid choice, like an id that does not exist); another partner's dispute of
# its own invoice is never listed and answers 404.
def test_bil8_partner_dispute_scoped(api, other_partner, partner_invoices):
    ours, theirs = partner_invoices
    with paris(date(2026, 10, 20)):
        refused = _open(api, theirs, amount="10.00")
        theirs_dispute = services.dispute_open(invoice=theirs, amount="10.00", reason="x")
        own = _open(api, ours, amount="10.00").json()
    assert refused.status_code == 400 and "invoice" in refused.json()["error"]["fields"]
    assert theirs_dispute.partner == other_partner
    assert [d["id"] for d in api.get(reverse("api:dispute-list")).json()["results"]] == [own["id"]]
    url = reverse("api:dispute-detail", args=[theirs_dispute.pk])
    assert api.get(url).status_code == 404
    assert api.patch(url, {"amount": "1.00"}, format="json").status_code == 404
    assert Dispute.objects.filter(partner=other_partner).count() == 1


# BIL-8 — a dispute has exactly one buyer: a customer or a partner.
def test_dispute_has_exactly_one_buyer(partner, tenant, partner_invoices):
    ours, _theirs = partner_invoices
    for buyer in ({"client": tenant.client, "partner": partner}, {}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Dispute.objects.create(invoice=ours, amount="1.00", reason="x", **buyer)
