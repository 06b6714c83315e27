"""Partner API of payments: payments (BIL-4), disputes (BIL-8), balance and prepaid ledger
(BIL-10) — scoping (ACC-3), money as strings, filters, query counts, read-only keys."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.choices import BillingMode
from payments import services
from payments.models import Dispute
from tests.payments.conftest import issue_invoice

pytestmark = pytest.mark.django_db
SEP, OCT = date(2026, 9, 1), date(2026, 10, 1)


def paris(day: date, hour=10):
    return time_machine.travel(f"{day.isoformat()} {hour:02d}:00 +01:00", tick=False)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def invoices(partner, other_partner, tenant, other_tenant):
    """Both partners reseller-billed: each customer receives its own invoices (ACC-3).
    Acme: 100.00 HT (120.00 TTC) issued 2026-09-30, due 2026-10-30; Rival: the same."""
    for p in (partner, other_partner):
        p.billing_mode = BillingMode.RESELLER_BILLED
        p.save(update_fields=["billing_mode"])
    return (
        issue_invoice(tenant.client, "100.00", month=SEP),
        issue_invoice(other_tenant.client, "100.00", month=SEP),
    )


def _rows(api, route, **params):
    response = api.get(reverse(route), params)
    assert response.status_code == 200, response.json()
    return response.json()["results"]


# --- Payments (BIL-4) ----------------------------------------------------------------------


def test_bil4_payments_scoped_filtered_money_as_strings(
    api, tenant, other_tenant, invoices, django_assert_max_num_queries
):
    ours, _theirs = invoices
    with paris(date(2026, 10, 20)):
        transfer = services.payment_record(
            client=tenant.client, amount="50.00", method="transfer", received_on=date(2026, 10, 5)
        )
        card = services.payment_record(
            client=tenant.client, amount="70.00", method="card", received_on=date(2026, 10, 15)
        )
        services.payment_record(
            client=other_tenant.client,
            amount="120.00",
            method="transfer",
            received_on=date(2026, 10, 5),
        )
    with django_assert_max_num_queries(8):
        rows = _rows(api, "api:payment-list")
    assert [r["id"] for r in rows] == [card.pk, transfer.pk]
    assert rows[1]["amount"] == "50.00" and rows[1]["method"] == "transfer"
    assert rows[1]["allocations"] == [
        {
            "invoice": ours.pk,
            "invoice_number": ours.number,
            "source": "payment",
            "amount": "50.00",
            "on": "2026-10-05",
        }
    ]
    assert [r["id"] for r in _rows(api, "api:payment-list", method="card")] == [card.pk]
    assert [
        r["id"]
        for r in _rows(
            api, "api:payment-list", received_after="2026-10-01", received_before="2026-10-10"
        )
    ] == [transfer.pk]
    assert len(_rows(api, "api:payment-list", client=tenant.client.pk)) == 2
    # ACC-3: another partner's customer is an invalid choice, its payment a 404.
    assert api.get(reverse("api:payment-list"), {"client": other_tenant.client.pk}).status_code == (
        400
    )
    detail = api.get(reverse("api:payment-detail", args=[transfer.pk]))
    assert detail.status_code == 200 and detail.json()["amount"] == "50.00"
    assert api.post(reverse("api:payment-list"), {}, format="json").status_code == 405


# --- Disputes (BIL-8) ----------------------------------------------------------------------


def test_bil8_dispute_by_api_then_balance(api, tenant, invoices):
    ours, _theirs = invoices
    with paris(date(2026, 11, 2)):
        response = api.post(
            reverse("api:dispute-list"),
            {"invoice": ours.pk, "amount": "20.00", "reason": "Double billed installation"},
            format="json",
        )
        assert response.status_code == 201, response.json()
        body = response.json()
        assert (body["invoice"], body["amount"], body["status"]) == (ours.pk, "20.00", "open")
        assert body["invoice_number"] == ours.number and body["client"] == tenant.client.pk
        assert Dispute.objects.get(pk=body["id"]).amount == Decimal("20.00")

        balance = api.get(reverse("api:customer-balance", args=[tenant.client.pk])).json()
    # 120.00 TTC, 20.00 under review: 100.00 due, overdue since 2026-10-30 (3 days).
    assert (balance["due"], balance["overdue"], balance["disputed"], balance["prepaid"]) == (
        "100.00",
        "100.00",
        "20.00",
        "0.00",
    )
    [row] = balance["open_invoices"]
    assert (row["id"], row["open"], row["undisputed_open"], row["days_late"]) == (
        ours.pk,
        "120.00",
        "100.00",
        3,
    )
    assert [d["id"] for d in _rows(api, "api:dispute-list", status="open")] == [body["id"]]
    assert _rows(api, "api:dispute-list", status="accepted") == []


def test_bil8_dispute_multipart_with_documents(api, invoices):
    ours, _theirs = invoices
    upload = SimpleUploadedFile("proof.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    with paris(date(2026, 10, 10)):
        response = api.post(
            reverse("api:dispute-list"),
            {"invoice": ours.pk, "amount": "5.50", "reason": "Wrong date", "documents": [upload]},
            format="multipart",
        )
    assert response.status_code == 201, response.json()
    assert [d["name"] for d in response.json()["documents"]] == ["proof.pdf"]


# BIL-8 — day 61 is refused with a clear message; nothing is written.
def test_bil8_dispute_on_day_61_refused(api, invoices):
    ours, _theirs = invoices
    with paris(date(2026, 11, 30)):  # issued 2026-09-30: the period ended 2026-11-29
        response = api.post(
            reverse("api:dispute-list"),
            {"invoice": ours.pk, "amount": "20.00", "reason": "Too late"},
            format="json",
        )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert "délai de 60 jours a expiré le 29/11/2026" in error["fields"]["invoice"][0]
    assert not Dispute.objects.exists()


def test_bil8_dispute_validation_and_scope(api, invoices):
    ours, theirs = invoices
    with paris(date(2026, 10, 10)):
        other = api.post(
            reverse("api:dispute-list"),
            {"invoice": theirs.pk, "amount": "1.00", "reason": "x"},
            format="json",
        )
        too_much = api.post(
            reverse("api:dispute-list"),
            {"invoice": ours.pk, "amount": "500.00", "reason": "x"},
            format="json",
        )
        missing = api.post(reverse("api:dispute-list"), {}, format="json")
    assert other.status_code == 400 and "invoice" in other.json()["error"]["fields"]
    assert too_much.status_code == 400 and "amount" in too_much.json()["error"]["fields"]
    assert missing.status_code == 400
    assert set(missing.json()["error"]["fields"]) == {"invoice", "amount", "reason"}
    assert not Dispute.objects.exists()


def test_read_only_key_cannot_open_a_dispute(read_only_api, invoices):
    ours, _theirs = invoices
    with paris(date(2026, 10, 10)):
        response = read_only_api.post(
            reverse("api:dispute-list"),
            {"invoice": ours.pk, "amount": "1.00", "reason": "x"},
            format="json",
        )
    assert response.status_code == 403
    assert not Dispute.objects.exists()
    assert read_only_api.get(reverse("api:dispute-list")).status_code == 200


def test_dispute_list_queries_bounded(api, tenant, invoices, django_assert_max_num_queries):
    ours, _theirs = invoices
    upload = SimpleUploadedFile("proof.png", b"\x89PNG\r\n\x1a\n", content_type="image/png")
    with paris(date(2026, 10, 10)):
        services.dispute_open(invoice=ours, amount="3.00", reason="a", documents=[upload])
        second = issue_invoice(tenant.client, "10.00", month=OCT)
    with paris(date(2026, 11, 5)):
        services.dispute_open(invoice=second, amount="1.00", reason="b")
    with django_assert_max_num_queries(8):
        rows = _rows(api, "api:dispute-list")
    assert len(rows) == 2


# --- Balance and prepaid ledger (BIL-10) ---------------------------------------------------


def test_balance_scoped(api, tenant, other_tenant, invoices):
    assert api.get(reverse("api:customer-balance", args=[other_tenant.client.pk])).status_code == (
        404
    )
    assert api.get(reverse("api:customer-balance", args=[999999])).status_code == 404
    with paris(date(2026, 10, 10)):
        body = api.get(reverse("api:customer-balance", args=[tenant.client.pk])).json()
    assert (body["due"], body["overdue"]) == ("120.00", "0.00")
    assert body["open_invoices"][0]["days_late"] == 0


def test_bil10_prepaid_entries(api, tenant, other_tenant, django_assert_max_num_queries):
    with paris(date(2026, 10, 10)):
        topup = services.prepaid_topup_record(
            client=tenant.client,
            amount_received="100.00",
            received_on=date(2026, 10, 9),
            reference="VIR-1",
            bank_fee="1.50",
        )
        refund = services.prepaid_refund(client=tenant.client, amount="8.50", reference="R-1")
        services.prepaid_topup_record(
            client=other_tenant.client,
            amount_received="30.00",
            received_on=date(2026, 10, 9),
            reference="VIR-2",
        )
        balance = api.get(reverse("api:customer-balance", args=[tenant.client.pk])).json()
    assert balance["prepaid"] == "90.00"
    with django_assert_max_num_queries(6):
        rows = _rows(api, "api:prepaid-entry-list")
    assert [r["id"] for r in rows] == [refund.pk, topup.pk]
    assert (rows[1]["amount"], rows[1]["bank_fee"], rows[1]["balance_after"]) == (
        "98.50",
        "1.50",
        "98.50",
    )
    assert (rows[0]["amount"], rows[0]["kind"], rows[0]["balance_after"]) == (
        "-8.50",
        "refund",
        "90.00",
    )
    assert [r["id"] for r in _rows(api, "api:prepaid-entry-list", kind="topup")] == [topup.pk]
    assert len(_rows(api, "api:prepaid-entry-list", client=tenant.client.pk)) == 2
    filtered = api.get(reverse("api:prepaid-entry-list"), {"client": other_tenant.client.pk})
    assert filtered.status_code == 400


# BIL-8 — a supporting document is a PDF, PNG or JPEG by its content, not by its name alone:
# a web page renamed « preuve.pdf » is refused (400 on documents), as ticket attachments are;
# nothing is written.
def test_bil8_dispute_document_checked_by_its_content(api, invoices):
    ours, _theirs = invoices
    page = SimpleUploadedFile(
        "preuve.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf"
    )
    with paris(date(2026, 10, 10)):
        response = api.post(
            reverse("api:dispute-list"),
            {"invoice": ours.pk, "amount": "5.50", "reason": "Wrong date", "documents": [page]},
            format="multipart",
        )
    assert response.status_code == 400, response.json()
    assert response.json()["error"]["fields"]["documents"] == [
        "preuve.pdf ne semble pas être un fichier PDF."
    ]
    assert not Dispute.objects.exists()


# BIL-10, ACC-3 — a prepaid line read by a partner asking in English: "Top-up received on
# 09/10/2026" (was « Rechargement reçu le 09/10/2026 » whatever the Accept-Language); French
# without the header, as every answer of the API.
def test_bil10_prepaid_entry_words_in_the_request_language(api, tenant):
    with paris(date(2026, 10, 10)):
        services.prepaid_topup_record(
            client=tenant.client,
            amount_received="100.00",
            received_on=date(2026, 10, 9),
            reference="VIR-1",
        )
    url = reverse("api:prepaid-entry-list")
    english = api.get(url, HTTP_ACCEPT_LANGUAGE="en").json()["results"]
    french = api.get(url).json()["results"]
    assert [r["description"] for r in english] == ["Top-up received on 09/10/2026"]
    assert [r["description"] for r in french] == ["Rechargement reçu le 09/10/2026"]
