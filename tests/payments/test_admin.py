"""Back office of payments: every page renders; payments, mandates, direct-debit batches and
rejects (BIL-4), ECB rates (BIL-6), the dunning queue (BIL-7), disputes (BIL-8), the prepaid
ledger (BIL-10) and price changes (CON-6), all through the services."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.choices import BillingMode
from accounts.models import AuditLog, User
from billing.models import Invoice, PendingCharge
from offers.models import Offer, PriceChange
from payments import services
from payments.models import (
    CollectionCase,
    DebitBatch,
    DirectDebit,
    Dispute,
    EcbRate,
    Mandate,
    Payment,
    PrepaidEntry,
)
from tests.conftest import admin_confirmation
from tests.factories import PASSWORD
from tests.offers.factories import make_contract
from tests.payments.conftest import issue_invoice

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
SEP = date(2026, 9, 1)
IBAN, BIC = "FR7630006000011234567890189", "AGRIFRPPXXX"


def at(day: date):
    return time_machine.travel(datetime(day.year, day.month, day.day, 10, tzinfo=PARIS), tick=False)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def staff(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    user = User.objects.create_user(
        email="ops@reseller.example", password=PASSWORD, is_staff=True, is_superuser=True
    )
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(user)
    return user


@pytest.fixture
def customer(tenant):
    """The tenant's customer, invoiced directly (its partner reseller-billed, ACC-3)."""
    partner = tenant.client.partner
    partner.billing_mode = BillingMode.RESELLER_BILLED
    partner.save(update_fields=["billing_mode"])
    return tenant.client


@pytest.fixture
def invoice(customer) -> Invoice:
    """100.00 HT, 120.00 TTC, issued 2026-09-30, due 2026-10-30."""
    return issue_invoice(customer, "100.00", month=SEP)


def _url(model, view="changelist", *args, app="payments"):
    return reverse(f"admin:{app}_{model}_{view}", args=args)


def _action(client, model, action, objects, app="payments", **data):
    return client.post(
        _url(model, app=app),
        {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in objects], **data},
    )


# ACC-4 — every list (with its filters and search) and every add page renders for staff.
def test_back_office_pages(client, staff, customer, invoice):
    with at(date(2026, 10, 10)):
        payment = services.payment_record(
            client=customer, amount="20.00", method="card", received_on=date(2026, 10, 10)
        )
        services.dispute_open(invoice=invoice, amount="5.00", reason="x")
        services.prepaid_topup_record(
            client=customer, amount_received="10", received_on=date(2026, 10, 9), reference="T"
        )
        services.mandate_create(
            client=customer, account_holder="Acme", iban=IBAN, bic=BIC, signed_on=date(2026, 10, 1)
        )
    services.ecb_rate_set(effective_on=date(2026, 7, 1), rate="2.15")
    pages = [
        _url("payment"),
        _url("payment") + "?method=card&q=Acme",
        _url("payment", "add"),
        _url("payment", "change", payment.pk),
        _url("ecbrate"),
        _url("ecbrate", "add"),
        _url("mandate") + "?status=active",
        _url("mandate", "add"),
        _url("debitbatch"),
        _url("debitbatch", "add"),
        _url("directdebit") + "?status=rejected",
        _url("dispute") + "?status=open",
        _url("dispute", "change", Dispute.objects.get().pk),
        _url("collectioncase") + "?stage=suspension_proposed",
        _url("prepaidentry") + "?kind=topup",
        _url("prepaidentry", "add"),
        _url("prepaidentry", "refund"),
        _url("pricechange", app="offers"),
        _url("pricechange", "add", app="offers"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
    assert "20.00" in client.get(_url("payment", "change", payment.pk)).content.decode()


# BIL-4 — "record a payment" calls payment_record: the invoice is settled, audited. It was
# recorded (and set against the invoices) as soon as its page was sent; now a confirmation
# states it first — 120.00 € received from Acme settles the invoice (120.00 € TTC open) in
# full, 0.00 € left on account —, nothing written before « Confirm »; a confirmation changed to
# 150.00 is shown again (30.00 € left on account); the confirmation records once, a replay not.
def test_bil4_record_payment_settles_invoice(client, staff, customer, invoice):
    with at(date(2026, 10, 20)):
        page = client.post(
            _url("payment", "add"),
            {
                "client": customer.pk,
                "method": "transfer",
                "amount": "120.00",
                "received_on": "2026-10-20",
                "reference": "VIR-42",
            },
        ).content.decode()
        assert not Payment.objects.exists()
        assert "Confirm the payment of 120.00\xa0€ received from Acme SAS?" in page
        assert f"{invoice.number}: 120.00\xa0€ of 120.00\xa0€ open" in page
        confirmation = admin_confirmation(page)
        changed = client.post(
            _url("payment", "add"), {**confirmation, "amount": "150.00"}
        ).content.decode()
        assert "Confirm the payment of 150.00\xa0€ received from Acme SAS?" in changed
        assert "30.00\xa0€" in changed and not Payment.objects.exists()
        response = client.post(_url("payment", "add"), confirmation)
        replay = client.post(_url("payment", "add"), confirmation)
    assert response.status_code == 302 and replay.status_code == 302
    assert Payment.objects.count() == 1
    payment = Payment.objects.get()
    assert (payment.recorded_by, payment.reference) == (staff, "VIR-42")
    assert services.invoice_state(invoice).open == Decimal("0.00")
    assert AuditLog.objects.filter(action="payment.record").exists()
    # A payment received in the future, or by nobody, is refused on the form.
    with at(date(2026, 10, 20)):
        refused = client.post(
            _url("payment", "add"),
            {"method": "transfer", "amount": "5.00", "received_on": "2026-12-01"},
        )
    assert refused.status_code == 200 and Payment.objects.count() == 1
    assert "Choose who paid" in refused.content.decode()


# BIL-6 — the ECB rate table kept by staff through ecb_rate_set.
def test_bil6_ecb_rates(client, staff):
    response = client.post(_url("ecbrate", "add"), {"effective_on": "2026-07-01", "rate": "2.15"})
    assert response.status_code == 302
    row = EcbRate.objects.get()
    assert row.rate == Decimal("2.150") and row.created_by == staff
    client.post(_url("ecbrate", "change", row.pk), {"effective_on": "2026-07-01", "rate": "2.00"})
    row.refresh_from_db()
    assert row.rate == Decimal("2.000")
    bad = client.post(_url("ecbrate", "add"), {"effective_on": "2026-03-01", "rate": "2"})
    assert bad.status_code == 200 and "1 January or 1 July" in bad.content.decode()


# BIL-4 — a mandate with a wrong IBAN is refused on the form; a good one is created, revoked.
def test_bil4_mandate_form_and_revoke(client, staff, customer):
    data = {
        "client": customer.pk,
        "account_holder": "Acme SAS",
        "iban": "FR7630006000011234567890180",  # wrong check digits
        "bic": BIC,
        "signed_on": "2026-10-01",
    }
    response = client.post(_url("mandate", "add"), data)
    assert response.status_code == 200
    assert "This IBAN is not valid" in response.content.decode()
    assert not Mandate.objects.exists()
    assert client.post(_url("mandate", "add"), {**data, "iban": IBAN}).status_code == 302
    mandate = Mandate.objects.get()
    assert (mandate.iban, mandate.status, mandate.created_by) == (IBAN, "active", staff)
    _action(client, "mandate", "revoke", [mandate])
    mandate.refresh_from_db()
    assert mandate.status == "revoked"


# BIL-4 — a batch for a collection date (previewed, then confirmed) gives the pain.008 XML;
# settling it pays the invoice; a reject reverses it and re-invoices the bank fee.
def test_bil4_batch_xml_settle_and_reject(client, staff, customer, invoice):
    with at(date(2026, 10, 25)):
        services.mandate_create(
            client=customer, account_holder="Acme", iban=IBAN, bic=BIC, signed_on=date(2026, 10, 1)
        )
        preview = client.post(_url("debitbatch", "add"), {"collection_date": "2026-10-30"})
        assert preview.status_code == 200 and not DebitBatch.objects.exists()
        assert "1 debit for a total of 120.00" in preview.content.decode()
        created = client.post(
            _url("debitbatch", "add"), {"collection_date": "2026-10-30", "confirm": "True"}
        )
    assert created.status_code == 302
    batch = DebitBatch.objects.get()
    assert (batch.count, batch.total) == (1, Decimal("120.00"))
    xml = client.get(_url("debitbatch", "xml", batch.pk))
    assert xml.status_code == 200 and xml["Content-Type"] == "application/xml"
    assert b"pain.008" in xml.content and b"<InstdAmt" in xml.content
    assert client.get(_url("debitbatch", "change", batch.pk)).status_code == 200

    with at(date(2026, 10, 30)):
        # Settling moves money: the count and total are shown first, nothing is paid yet.
        shown = _action(client, "debitbatch", "settle", [batch])
        assert "The bank collected 1 debit for 120.00" in shown.content.decode()
        assert services.invoice_state(invoice).open == Decimal("120.00")
        _action(client, "debitbatch", "settle", [batch], apply="1")
    assert services.invoice_state(invoice).open == Decimal("0.00")

    debit = DirectDebit.objects.get()
    with at(date(2026, 11, 3)):
        form = _action(client, "directdebit", "reject", [debit])
        assert form.status_code == 200 and "Reject reason" in form.content.decode()
        _action(client, "directdebit", "reject", [debit], apply="1", reason="AM04", bank_fee="7.50")
    debit.refresh_from_db()
    assert (debit.status, debit.reject_fee, debit.rejected_on) == (
        "rejected",
        Decimal("7.50"),
        date(2026, 11, 3),
    )
    assert services.invoice_state(invoice).open == Decimal("120.00")
    charge = PendingCharge.objects.get(kind="reject_fee")
    assert (charge.client, charge.unit_price, charge.invoice_line) == (
        customer,
        Decimal("7.50"),
        None,
    )


def test_bil4_batch_with_nothing_due_says_so(client, staff):
    with at(date(2026, 10, 25)):
        response = client.post(_url("debitbatch", "add"), {"collection_date": "2026-10-30"})
    assert "No invoice is due for direct debit" in response.content.decode()


# BIL-8 — accepting a dispute issues a credit note; rejecting makes it due again.
# BIL-8 → BIL-9: « Accept » issued the credit note as soon as its page was sent; now a
# confirmation states it first — 24.00 € TTC disputed on the invoice at 20 %: 20.00 HT + 4.00
# VAT, for Acme, a credit note correcting the invoice —, nothing written before « Confirm »;
# the confirmation issues it once (a replay nothing).
def test_bil8_accept_and_reject_disputes(client, staff, customer, invoice):
    with at(date(2026, 10, 10)):
        dispute = services.dispute_open(invoice=invoice, amount="24.00", reason="Wrong fee")
        page = _action(client, "dispute", "accept", [dispute], apply="1", note="Fee waived")
        page = page.content.decode()
        assert not Invoice.objects.filter(kind="credit_note").exists()
        assert "Confirm the credit note of 24.00\xa0€ incl. VAT?" in page
        for fact in ("20.00\xa0€", "4.00\xa0€ (S 20%)", customer.legal_name, invoice.number):
            assert fact in page
        for _twice in range(2):
            client.post(_url("dispute"), admin_confirmation(page))
    assert Invoice.objects.filter(kind="credit_note").count() == 1
    dispute.refresh_from_db()
    assert dispute.status == "accepted" and dispute.decided_by == staff
    note = dispute.credit_note
    assert (note.kind, note.corrects, note.total_gross) == (
        "credit_note",
        invoice,
        Decimal("24.00"),
    )
    assert services.invoice_state(invoice).open == Decimal("96.00")

    second = issue_invoice(customer, "10.00", month=date(2026, 10, 1))
    with at(date(2026, 11, 5)):
        other = services.dispute_open(invoice=second, amount="2.00", reason="x")
        page = _action(client, "dispute", "reject", [other])
        assert page.status_code == 200 and "new due date" in page.content.decode()
        _action(
            client,
            "dispute",
            "reject",
            [other],
            apply="1",
            note="The fee is in the contract",
            new_due_date="2026-12-05",
        )
    other.refresh_from_db()
    assert (other.status, other.new_due_date) == ("rejected", date(2026, 12, 5))


# BIL-8 (PLATFORM 12.6) — a partner-billed partner's dispute of its own monthly invoice (120.00
# TTC, issued 2026-09-30) is listed, searched by the partner's name and decided like a
# customer's: 24.00 accepted → a credit note to the partner, 96.00 left; a second one rejected.
def test_bil8_partner_dispute_in_back_office(client, staff, tenant):
    from billing import services as billing

    partner = tenant.client.partner  # partner-billed (the default)
    billing.charge_post(
        client=tenant.client,
        kind="setup",
        source_type="test",
        source_id="partner-dispute",
        period_start=SEP,
        description="Installation",
        unit_price=Decimal("100.00"),
    )
    billing.run_month_sync(month=SEP)
    invoice = Invoice.objects.get(partner=partner, kind="invoice")
    with at(date(2026, 10, 10)):
        dispute = services.dispute_open(invoice=invoice, amount="24.00", reason="Wrong fee")
    for url in (
        _url("dispute") + "?status=open",
        _url("dispute") + f"?q={partner.name}",
        _url("dispute", "change", dispute.pk),
    ):
        page = client.get(url)
        assert page.status_code == 200 and partner.name in page.content.decode(), url
    with at(date(2026, 10, 12)):
        page = _action(client, "dispute", "accept", [dispute], apply="1", note="Fee waived")
        client.post(_url("dispute"), admin_confirmation(page.content.decode()))
    dispute.refresh_from_db()
    note = dispute.credit_note
    assert (note.partner, note.client, note.corrects, note.total_gross) == (
        partner,
        None,
        invoice,
        Decimal("24.00"),
    )
    assert services.invoice_state(invoice).open == Decimal("96.00")
    with at(date(2026, 10, 13)):
        other = services.dispute_open(invoice=invoice, amount="6.00", reason="x")
        _action(
            client,
            "dispute",
            "reject",
            [other],
            apply="1",
            note="The fee is in the contract",
            new_due_date="2026-12-05",
        )
    other.refresh_from_db()
    assert (other.status, other.new_due_date) == ("rejected", date(2026, 12, 5))


# BIL-7 — the dunning queue's action suspends the customer's services (via the service). It
# suspended them at the click: now a confirmation page first says what stops, for whom (the
# customer, its contracts in service), nothing suspended before « Confirm »; the confirmation
# suspends once (a replay does nothing), and the decision is audited with the contracts.
def test_bil7_suspend_from_dunning_queue(client, staff, customer, ecb):
    contract = make_contract(customer, "hosted-a")
    invoice = issue_invoice(customer, "1000.00")  # due 2026-10-30
    for day in (31, 7, 8):
        services.collection_run(today=date(2026, 10 if day == 31 else 11, day))
    case = CollectionCase.objects.get(invoice=invoice)
    assert case.stage == "suspension_proposed"
    assert client.get(_url("collectioncase") + "?stage=suspension_proposed").status_code == 200
    with at(date(2026, 11, 9)):
        page = _action(client, "collectioncase", "suspend_customer", [case]).content.decode()
        contract.refresh_from_db()
        assert contract.status == "active"  # nothing suspended yet
        assert "Suspend the services of 1 customer for non-payment?" in page
        assert customer.legal_name in page and contract.reference in page
        confirmation = admin_confirmation(page)
        client.post(_url("collectioncase"), confirmation)
        replay = client.post(_url("collectioncase"), confirmation)
    contract.refresh_from_db()
    case.refresh_from_db()
    assert (contract.status, case.stage) == ("suspended", "suspended")
    assert contract.suspensions.count() == 1 and replay.status_code == 302
    entry = AuditLog.objects.get(action="client.suspend_for_non_payment")
    assert (entry.actor, entry.client, entry.after) == (
        staff,
        customer,
        {"contracts": [contract.reference]},
    )


# BIL-10 — top-ups net of the bank fee and refunds, through the services.
def test_bil10_topup_and_refund(client, staff, customer):
    with at(date(2026, 10, 10)):
        topup = {
            "client": customer.pk,
            "amount_received": "100.00",
            "bank_fee": "2.00",
            "received_on": "2026-10-09",
            "reference": "VIR-9",
        }
        # the top-up was credited as soon as its page was sent; now a confirmation states it
        # first (100.00 € received − 2.00 € bank fee = 98.00 € credited, balance 0.00 → 98.00),
        # nothing written before « Confirm »; a confirmation changed to 1,000.00 received is
        # shown again (998.00 credited), the confirmation credits once (a replay nothing)
        page = client.post(_url("prepaidentry", "add"), topup).content.decode()
        assert not PrepaidEntry.objects.exists()
        assert "Confirm the top-up of 98.00\xa0€ to the prepaid balance?" in page
        assert "100.00\xa0€" in page and "2.00\xa0€" in page and customer.legal_name in page
        changed = client.post(
            _url("prepaidentry", "add"), {**admin_confirmation(page), "amount_received": "1000"}
        ).content.decode()
        assert "Confirm the top-up of 998.00\xa0€ to the prepaid balance?" in changed
        assert not PrepaidEntry.objects.exists()
        response = client.post(_url("prepaidentry", "add"), admin_confirmation(page))
        replay = client.post(_url("prepaidentry", "add"), admin_confirmation(page))
        assert response.status_code == 302 and replay.status_code == 302
        assert PrepaidEntry.objects.count() == 1
        too_much = client.post(
            _url("prepaidentry", "refund"),
            {"client": customer.pk, "amount": "500.00", "reference": "R"},
        )
        assert too_much.status_code == 200
        assert "At most the balance, 98.00\xa0€, can be refunded." in too_much.content.decode()
        # the refund was paid as soon as its page was sent; now a confirmation states it first
        # (8.00 € of the 98.00 € balance, 90.00 € left), nothing written before « Confirm »,
        # its confirmation records it once (a replay nothing)
        page = client.post(
            _url("prepaidentry", "refund"),
            {"client": customer.pk, "amount": "8.00", "reference": "R"},
        ).content.decode()
        assert PrepaidEntry.objects.count() == 1
        assert "Confirm the refund of 8.00\xa0€ from the prepaid balance?" in page
        assert "98.00\xa0€" in page and "90.00\xa0€" in page and customer.legal_name in page
        for _twice in range(2):
            client.post(_url("prepaidentry", "refund"), admin_confirmation(page))
    assert [(e.kind, e.amount, e.balance_after) for e in PrepaidEntry.objects.order_by("pk")] == [
        ("topup", Decimal("98.00"), Decimal("98.00")),
        ("refund", Decimal("-8.00"), Decimal("90.00")),
    ]


# BIL-10 — a prepaid entry is named in the French back office (its page's heading, the audit
# log) with its amount the French way: a top-up of 1 250,00 € less 2,00 € of bank fee reads
# « Rechargement 1 248,00 € », not « Rechargement 1248.00 ».
def test_bil10_entry_named_with_its_amount_the_french_way(client, staff, customer):
    with at(date(2026, 10, 10)):
        entry = services.prepaid_topup_record(
            client=customer, amount_received="1250.00", bank_fee="2.00",
            received_on=date(2026, 10, 9), reference="VIR-10", actor=staff,
        )  # fmt: skip
    page = client.get(
        _url("prepaidentry", "change", entry.pk), HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert "Rechargement 1\u00a0248,00\u00a0€" in page
    assert "1248.00" not in page


# CON-6 — staff schedule a price change (customers notified) and may cancel it.
def test_con6_price_change_schedule_and_cancel(client, staff, customer):
    offer = Offer.objects.get(code="hosted-a")
    data = {
        "offer": offer.pk,
        "product": offer.main_product_id,
        "new_monthly_price": "59.00",
        "effective_date": "2026-12-01",
        "reason": "Energy costs",
    }
    with at(date(2026, 11, 10)):  # less than 7 days before: refused on the form
        early = client.post(
            _url("pricechange", "add", app="offers"), {**data, "effective_date": "2026-11-01"}
        )
    assert early.status_code == 200 and "at least 7 days" in early.content.decode()
    with at(date(2026, 11, 10)):
        response = client.post(_url("pricechange", "add", app="offers"), data)
        assert response.status_code == 302
        change = PriceChange.objects.get()
        assert (change.new_monthly_price, change.created_by) == (Decimal("59.00"), staff)
        _action(client, "pricechange", "cancel", [change], app="offers")
    change.refresh_from_db()
    assert change.status == "cancelled"


# CON-6 — the history rows under a price change, on its French back-office page, were headed
# with the stored codes (« 1: — → scheduled », « 1: scheduled → cancelled »): now the statuses'
# names, « — → Programmée » then « Programmée → Annulée ».
def test_con6_price_change_history_in_french(client, staff, customer):
    offer = Offer.objects.get(code="hosted-a")
    data = {
        "offer": offer.pk, "product": offer.main_product_id, "new_monthly_price": "59.00",
        "effective_date": "2026-12-01", "reason": "Énergie",
    }  # fmt: skip
    with at(date(2026, 11, 10)):
        assert client.post(_url("pricechange", "add", app="offers"), data).status_code == 302
        change = PriceChange.objects.get()
        _action(client, "pricechange", "cancel", [change], app="offers")
    page = client.get(
        _url("pricechange", "change", change.pk, app="offers"), HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert "→ scheduled" not in page and "scheduled →" not in page
    assert "— → Programmée" in page and "Programmée → Annulée" in page


# BIL-8 — a dispute's supporting document is opened from the back office through a signed-in
# staff download (attachment, nosniff, no cache), never by a link to /media/ (not served in
# production, and served to anyone, inline, under the customer's own file name with DEBUG).
def test_bil8_dispute_document_downloaded_by_staff_as_attachment(client, staff, invoice):
    pdf = b"%PDF-1.4\n% releve\n"
    with at(date(2026, 10, 10)):
        dispute = services.dispute_open(
            invoice=invoice,
            amount="5.00",
            reason="x",
            documents=[SimpleUploadedFile("releve.pdf", pdf, content_type="application/pdf")],
        )
    document = dispute.documents.get()
    page = client.get(_url("dispute", "change", dispute.pk)).content.decode()
    download = _url("dispute", "document", dispute.pk, document.pk)
    assert "/media/" not in page
    assert f'href="{download}"' in page
    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="releve.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    # another dispute's number with this document's: 404
    assert client.get(_url("dispute", "document", dispute.pk + 1, document.pk)).status_code == 404
    client.logout()
    assert client.get(download).status_code == 302  # to the sign-in page
