"""Back office of billing: runs (preview writes nothing, launch enqueues the worker task, BIL-1),
invoices read-only with a credit-note action (BIL-2, BIL-9), manual charges (ACC-4)."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from accounts.choices import BillingMode
from accounts.models import AuditLog, User
from billing import services, tasks
from billing.models import Invoice, InvoiceRun, PendingCharge
from billing.services import issuing
from tests.conftest import admin_confirmation
from tests.factories import PASSWORD, ClientFactory, SiteFactory
from tests.offers.factories import make_contract

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
SEP, OCT = date(2026, 9, 1), date(2026, 10, 1)
TODAY = datetime(2026, 11, 20, 10, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def _no_pdf(settings, tmp_path):
    settings.BILLING_RENDER_PDF = False
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
def september(customer):
    """SIP-UNL (19.90 HT a month) in service since 2026-09-01: September's invoice bills
    September and October in advance, 39.80 HT, 47.76 TTC."""
    make_contract(customer, "sip-unl", signature=date(2026, 8, 20), service_start=SEP)
    services.run_month_sync(month=SEP)
    return Invoice.objects.get(client=customer, month=SEP)


def _action(client, action, objects, **data):
    return client.post(
        reverse("admin:billing_invoice_changelist"),
        {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in objects], **data},
    )


# ACC-4 — every billing list renders with its search and filters, and the change pages render.
def test_back_office_pages(client, staff, september, partner):
    note = services.credit_note_issue(
        corrects=september, lines=[services.CreditLine("x", Decimal("1"))], reason="Gesture"
    )
    run = InvoiceRun.objects.get(month=SEP)
    charge = PendingCharge.objects.first()
    for model, queries in (
        ("invoicerun", [{}, {"status": "done"}]),
        (
            "invoice",
            [
                {},
                {"q": september.number},
                {"q": "acme"},
                {"q": september.client.siren},
                {"kind": "credit_note"},
                {"issued": "2026-09"},
                {"partner": str(partner.pk)},
            ],
        ),
        ("pendingcharge", [{}, {"q": "acme"}, {"invoiced": "yes"}, {"invoiced": "no"}]),
    ):
        for query in queries:
            response = client.get(reverse(f"admin:billing_{model}_changelist"), query)
            assert response.status_code == 200, (model, query)
    listing = client.get(reverse("admin:billing_invoice_changelist"), {"issued": "2026-09"})
    assert september.number in listing.content.decode()
    assert note.number not in listing.content.decode()  # issued today, not in September
    for url in (
        reverse("admin:billing_invoicerun_change", args=[run.pk]),
        reverse("admin:billing_invoice_change", args=[september.pk]),
        reverse("admin:billing_invoice_change", args=[note.pk]),
        reverse("admin:billing_pendingcharge_change", args=[charge.pk]),
        reverse("admin:billing_pendingcharge_add"),
        reverse("admin:billing_invoicerun_preview"),
        reverse("admin:billing_invoicerun_launch"),
    ):
        assert client.get(url).status_code == 200, url
    pdf = client.get(reverse("admin:billing_invoice_pdf", args=[september.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")


# --- Runs (BIL-1) ---------------------------------------------------------------------------


# BIL-1 — the preview shows what each buyer would be invoiced, with totals, and writes nothing.
def test_preview_writes_nothing(client, staff, customer):
    make_contract(customer, "trunk", quantity=10, signature=SEP, service_start=SEP)
    other = ClientFactory(legal_name="Bravo SARL")
    SiteFactory(client=other)
    make_contract(other, "sip-unl", signature=SEP, service_start=SEP)
    counts = (PendingCharge.objects.count(), Invoice.objects.count(), InvoiceRun.objects.count())
    response = client.get(reverse("admin:billing_invoicerun_preview"), {"month": "2026-10"})
    assert response.status_code == 200
    page = response.content.decode()
    table = page.split('data-testid="run-preview"')[1]
    assert "Acme SAS" in table and "Bravo SARL" in table
    # 10 channels: one 10-pack at 39.00 (TRK-2, trunk set up at activation); + 20 % VAT
    assert "39.00\u00a0€" in table and "46.80\u00a0€" in table
    assert "19.90\u00a0€" in table and "23.88\u00a0€" in table  # SIP-UNL
    assert 'data-testid="preview-total-net">58.90\u00a0€<' in page  # 39.00 + 19.90
    assert 'data-testid="preview-total-gross">70.68\u00a0€<' in page  # 46.80 + 23.88
    assert (
        counts
        == (
            PendingCharge.objects.count(),
            Invoice.objects.count(),
            InvoiceRun.objects.count(),
        )
        == (0, 0, 0)
    )


# BIL-1 — launching asks for a confirmation, then enqueues the month-end task once the request
# commits (``month_end_run.delay`` is replaced by a recorder: the real worker is tested in
# tests/billing/test_tasks.py). Nothing is issued in the request itself.
@time_machine.travel(TODAY, tick=False)
def test_launch_enqueues_on_commit(
    client, staff, customer, monkeypatch, django_capture_on_commit_callbacks
):
    make_contract(customer, "sip-unl", signature=SEP, service_start=SEP)
    calls = []
    monkeypatch.setattr(
        tasks.month_end_run, "delay", lambda month, actor_id=None: calls.append(month)
    )
    url = reverse("admin:billing_invoicerun_launch")
    assert 'type="month"' in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(url, {"month": "2026-10"})
    assert page.status_code == 200 and calls == []
    html = page.content.decode()
    assert 'data-testid="launch-confirmation"' in html and "1 buyer today" in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"month": "2026-10", "confirm": "Launch the run"})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:billing_invoicerun_changelist")
    assert calls == ["2026-10-01"]
    assert not Invoice.objects.exists()
    # A month that has not ended cannot be launched (BIL-1: invoices dated its last day).
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(url, {"month": "2026-11", "confirm": "Launch the run"})
    assert page.status_code == 200 and "has not ended yet" in page.content.decode()
    assert calls == ["2026-10-01"]


# BIL-2 — relaunching October on 3 December, after November's run numbered F2026-000001 dated
# 30/11/2026: the confirmation says the invoices it still issues are dated that day, not 31/10.
def test_launch_late_run_says_the_date(client, staff, customer):
    make_contract(customer, "sip-unl", signature=SEP, service_start=SEP)
    with time_machine.travel(datetime(2026, 12, 1, 0, 5, tzinfo=PARIS), tick=False):
        november = InvoiceRun.objects.create(month=date(2026, 11, 1))
        issuing.run_party(run=november, party=("client", customer.pk))
    url = reverse("admin:billing_invoicerun_launch")
    with time_machine.travel(datetime(2026, 12, 3, 10, tzinfo=PARIS), tick=False):
        html = client.post(url, {"month": "2026-10"}).content.decode()
        assert 'data-testid="launch-late-date"' in html
        assert "(3 December 2026 if it is launched today)" in html
        # November's run is dated 30/11, the last numbered date: nothing to say.
        html = client.post(url, {"month": "2026-11"}).content.decode()
        assert 'data-testid="launch-late-date"' not in html


# BIL-1 — the run's page shows its progress (done / total, failed) and its errors.
def test_run_progress_and_errors(client, staff, customer, monkeypatch):
    good = ClientFactory(legal_name="Good SARL")
    SiteFactory(client=good)
    for c in (customer, good):
        make_contract(c, "sip-unl", signature=SEP, service_start=SEP)
    real = issuing._issue

    def failing(draft, *args, **kwargs):
        if draft.party == ("client", customer.pk):
            raise RuntimeError("VAT number rejected")
        return real(draft, *args, **kwargs)

    monkeypatch.setattr(issuing, "_issue", failing)
    run = services.run_month_sync(month=OCT)
    listing = client.get(reverse("admin:billing_invoicerun_changelist")).content.decode()
    assert "1 / 2" in listing and "Done with errors" in listing
    page = client.get(reverse("admin:billing_invoicerun_change", args=[run.pk])).content.decode()
    assert '<progress value="2" max="2"></progress> 1 / 2' in page
    assert "VAT number rejected" in page
    assert f"?run__id__exact={run.pk}" in page


# --- Invoices (BIL-2, BIL-9) ----------------------------------------------------------------


# BIL-2 — issued documents are immutable in the back office too: no add, change or delete
# (pages 403, no delete action), the change page shows values, not inputs.
def test_invoices_cannot_be_changed_or_deleted(client, staff, september):
    assert client.get(reverse("admin:billing_invoice_add")).status_code == 403
    change = reverse("admin:billing_invoice_change", args=[september.pk])
    page = client.get(change).content.decode()
    assert 'name="total_net"' not in page and "39.80" in page
    assert client.post(change, {"total_net": "0.01"}).status_code == 403
    delete = reverse("admin:billing_invoice_delete", args=[september.pk])
    assert client.get(delete).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    response = _action(client, "delete_selected", [september], post="yes")
    assert Invoice.objects.filter(pk=september.pk).exists()
    changelist = client.get(reverse("admin:billing_invoice_changelist")).content.decode()
    assert 'value="delete_selected"' not in changelist
    assert 'value="issue_credit_note"' in changelist
    assert response.status_code in (200, 302)
    september.refresh_from_db()
    assert september.total_net == Decimal("39.80")


# BIL-9 — "Issue a credit note": an intermediate page asks for the amount, a description and a
# reason (required), then the credit note (series A) corrects the invoice through the service,
# with the staff member audited.
@time_machine.travel(TODAY, tick=False)
def test_credit_note_action(client, staff, september):
    page = _action(client, "issue_credit_note", [september])
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="amount"' in html and 'name="reason"' in html and september.number in html
    assert "At most 39.80 € excl. VAT" in html

    refused = _action(
        client,
        "issue_credit_note",
        [september],
        apply="1",
        amount="5.00",
        description="Correction",
        reason="   ",
    )
    assert refused.status_code == 200 and "This field is required." in refused.content.decode()
    assert not Invoice.objects.filter(kind="credit_note").exists()

    too_much = _action(
        client,
        "issue_credit_note",
        [september],
        apply="1",
        amount="39.81",
        description="Correction",
        reason="Wrong price",
    )  # refused by the service, once confirmed
    too_much = client.post(
        too_much.request["PATH_INFO"], admin_confirmation(too_much.content.decode())
    )
    assert "Credit notes cannot exceed the invoice they correct." in too_much.content.decode()
    assert not Invoice.objects.filter(kind="credit_note").exists()

    page = _action(
        client,
        "issue_credit_note",
        [september],
        apply="1",
        amount="5.00",
        description="SLA credit",
        reason="Outage of 2026-09-12",
    )
    response = client.post(page.request["PATH_INFO"], admin_confirmation(page.content.decode()))
    note = Invoice.objects.get(kind="credit_note")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:billing_invoice_change", args=[note.pk])
    assert (note.number, note.corrects, note.reason, note.created_by, note.issue_date) == (
        "A2026-000001",
        september,
        "Outage of 2026-09-12",
        staff,
        date(2026, 11, 20),
    )
    assert (note.total_net, note.total_gross) == (Decimal("5.00"), Decimal("6.00"))
    assert AuditLog.objects.get(action="credit_note.issue").actor == staff


# BIL-9 — « Issue a credit note » wrote the credit note as soon as its page was sent: the amount
# typed (5.00 € HT, or 50.00 by a slip of the finger) was issued at once. Now the page is
# followed by a confirmation stating it — 5.00 HT + 20 % VAT 1.00 = 6.00 € TTC, for Acme, a
# credit note correcting the September invoice — and nothing is written before « Confirm ». The
# confirmation carries what it showed: a confirmation changed to 50.00 issues nothing (the new
# amount is shown to confirm), and one sent twice (a double click, the back button) issues one.
@time_machine.travel(TODAY, tick=False)
def test_credit_note_is_confirmed_with_its_amounts_once(client, staff, september):
    data = {"apply": "1", "amount": "5.00", "description": "SLA credit", "reason": "Outage"}
    page = _action(client, "issue_credit_note", [september], **data).content.decode()
    assert not Invoice.objects.filter(kind="credit_note").exists()  # nothing written yet
    assert "Confirm the credit note of 6.00\xa0€ incl. VAT?" in page
    for fact in ("5.00\xa0€", "1.00\xa0€ (S 20%)", september.client.legal_name, september.number):
        assert fact in page
    confirmation = admin_confirmation(page)
    url = reverse("admin:billing_invoice_changelist")
    changed = client.post(url, {**confirmation, "amount": "50.00"}).content.decode()
    assert not Invoice.objects.filter(kind="credit_note").exists()
    assert "Confirm the credit note of 60.00\xa0€ incl. VAT?" in changed  # shown, to confirm
    first = client.post(url, confirmation)
    second = client.post(url, confirmation)
    notes = Invoice.objects.filter(kind="credit_note")
    assert notes.count() == 1 and notes.get().total_gross == Decimal("6.00")
    assert first.status_code == 302 and second["Location"] == url
    followed = client.get(second["Location"]).content.decode()
    assert "This form had already been sent: nothing was done a second time." in followed
    assert Invoice.objects.filter(kind="credit_note").count() == 1


# BIL-9 — one invoice at a time, and never a credit note of a credit note.
def test_credit_note_action_needs_one_invoice(client, staff, september):
    note = services.credit_note_issue(
        corrects=september, lines=[services.CreditLine("x", Decimal("1"))], reason="x"
    )
    response = _action(client, "issue_credit_note", [september, note])
    assert response.status_code == 302
    response = _action(client, "issue_credit_note", [note])
    assert response.status_code == 302
    assert Invoice.objects.filter(kind="credit_note").count() == 1


# --- Manual charges (ACC-4) -----------------------------------------------------------------


# ACC-4, BIL-1 — staff add a one-off charge: posted through the service (source "manual", a
# generated id, the staff member as author, audited), invoiced by the next run; once invoiced
# it is read-only and cannot be deleted.
def test_manual_charge_add(client, staff, customer, other_tenant):
    url = reverse("admin:billing_pendingcharge_add")
    form = {
        "client": customer.pk,
        "contract": "",
        "kind": "setup",
        "description": "On-site installation",
        "period_start": "2026-10-15",
        "period_end": "",
        "quantity": "2",
        "unit_price": "75.50",
        "vat_category": "",
    }
    negative = client.post(url, {**form, "unit_price": "-1"})
    assert negative.status_code == 200 and "never negative" in negative.content.decode()
    theirs = make_contract(other_tenant.client, "sip-unl", signature=SEP, service_start=SEP)
    wrong = client.post(url, {**form, "contract": theirs.pk})
    assert wrong.status_code == 200 and "not one of the customer" in wrong.content.decode()
    assert not PendingCharge.objects.exists()

    page = client.post(url, form).content.decode()
    response = client.post(url, admin_confirmation(page))
    assert response.status_code == 302, response.content.decode()[:2000]
    charge = PendingCharge.objects.get()
    assert (charge.source_type, len(charge.source_id), charge.created_by) == ("manual", 32, staff)
    assert (charge.client, charge.kind, charge.quantity, charge.unit_price) == (
        customer,
        "setup",
        Decimal("2"),
        Decimal("75.5000"),
    )
    audit = AuditLog.objects.get(action="charge.create")
    assert (audit.actor, audit.client) == (staff, customer)

    # Pending and manual: staff may still correct it (audited).
    change = reverse("admin:billing_pendingcharge_change", args=[charge.pk])
    edited = client.post(change, {**form, "description": "Installation (2 visits)"})
    assert edited.status_code == 302
    assert AuditLog.objects.filter(action="pendingcharge.update").exists()

    services.run_month_sync(month=OCT)
    charge.refresh_from_db()
    assert charge.invoice_line.net_amount == Decimal("151.00")
    page = client.get(change).content.decode()
    assert 'name="unit_price"' not in page and charge.invoice_line.invoice.number in page
    assert client.post(change, {**form, "unit_price": "1"}).status_code == 403
    delete = reverse("admin:billing_pendingcharge_delete", args=[charge.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    charge.refresh_from_db()
    assert charge.unit_price == Decimal("75.5000")


# BIL-9 — staff may name the invoice line a correction credits: September's invoice bills
# September and October (2 × 19.90 HT); 19.90 credited on October's line leaves nothing on it,
# so 5.00 more on that line is refused with what is left on it (0.00), although the invoice
# still has 19.90 to credit. The credit note's page names the line it credits.
@time_machine.travel(TODAY, tick=False)
def test_credit_note_action_names_the_line(client, staff, september):
    first, second = september.lines.order_by("position")
    assert (first.net_amount, second.net_amount) == (Decimal("19.90"), Decimal("19.90"))
    page = _action(client, "issue_credit_note", [september]).content.decode()
    assert 'name="line"' in page and f'value="{second.pk}"' in page
    data = {"apply": "1", "description": "Octobre", "reason": "Not due"}
    page = _action(client, "issue_credit_note", [september], amount="19.90", line=second.pk, **data)
    assert "Confirm the credit note of 23.88\xa0€ incl. VAT?" in page.content.decode()
    client.post(page.request["PATH_INFO"], admin_confirmation(page.content.decode()))
    note = Invoice.objects.get(kind="credit_note")
    assert [(line.net_amount, line.credited_line) for line in note.lines.all()] == [
        (Decimal("19.90"), second)
    ]
    page = _action(client, "issue_credit_note", [september], amount="5.00", line=second.pk, **data)
    refused = client.post(
        page.request["PATH_INFO"], admin_confirmation(page.content.decode())
    ).content.decode()
    assert f"what line {second.position} of invoice {september.number} billed" in refused
    assert Invoice.objects.filter(kind="credit_note").count() == 1
    shown = client.get(reverse("admin:billing_invoice_change", args=[note.pk])).content.decode()
    assert f"{september.number}, line {second.position}" in shown


# BIL-9 — a reverse-charge customer's invoice bills services in reverse charge (AE, 0 %) and the
# equipment sold in France at 20 % (S). Staff correcting the equipment by 10.00 € HT without
# naming a line could not: the form offered only « the customer's VAT regime » (which BIL-9 never
# uses: a credit is at a rate the invoice charged) and « outside the scope of VAT », and the
# service answered « several VAT rates: name the rate ». The form now offers the invoice's own
# VAT groups: « Standard rate (20 %) » → 10.00 + 2.00 VAT = 12.00 €, at S 20 %.
@time_machine.travel(TODAY, tick=False)
def test_credit_note_action_names_a_vat_group_of_a_mixed_invoice(client, staff):
    buyer = ClientFactory(
        legal_name="Brussels Voice SRL",
        vat_regime="reverse_charge",
        country="BE",
        postal_code="1000",
        city="Bruxelles",
        vat_number="BE0123456749",
    )
    for source, kind, price in (("svc", "subscription", "100.00"), ("eq", "equipment", "50.00")):
        services.charge_post(
            client=buyer,
            kind=kind,
            source_type="test",
            source_id=source,
            period_start=SEP,
            description=kind,
            unit_price=Decimal(price),
        )
    services.run_month_sync(month=SEP)
    invoice = Invoice.objects.get(client=buyer, kind="invoice")
    assert [(g["category"], g["rate"]) for g in invoice.vat_breakdown] == [
        ("AE", "0.00"),
        ("S", "20.00"),
    ]
    page = _action(client, "issue_credit_note", [invoice]).content.decode()
    assert 'value="S:20.00"' in page and 'value="AE:0.00"' in page
    assert 'value="O"' not in page  # the invoice charged nothing outside the scope of VAT
    page = _action(
        client,
        "issue_credit_note",
        [invoice],
        apply="1",
        amount="10.00",
        description="Remise sur le téléphone",
        reason="Geste commercial",
        vat_category="S:20.00",
    )
    assert "Confirm the credit note of 12.00\xa0€ incl. VAT?" in page.content.decode()
    response = client.post(page.request["PATH_INFO"], admin_confirmation(page.content.decode()))
    assert response.status_code == 302
    note = Invoice.objects.get(kind="credit_note")
    assert (note.total_net, note.total_vat, note.total_gross) == (
        Decimal("10.00"),
        Decimal("2.00"),
        Decimal("12.00"),
    )
    assert list(note.lines.values_list("vat_category", "vat_rate")) == [("S", Decimal("20.00"))]


# ACC-4, BIL-1 — a manual charge was added as soon as its page was sent: 2 × 75.50 € typed
# (or 2 × 755.00 by a slip of the finger) was on the customer's next invoice at once. Now a
# confirmation states it first — 2 × 75.50 = 151.00 HT + 20 % VAT 30.20 = 181.20 € TTC (Acme,
# standard regime), a line of Acme's next invoice — and nothing is written before « Confirm ».
# Its token is given for what it showed: a confirmation changed to 755.00 adds nothing (its
# 1,812.00 € TTC is shown to confirm), one sent twice (a double click, the back button) adds one.
def test_manual_charge_is_confirmed_with_its_amounts_once(client, staff, customer):
    url = reverse("admin:billing_pendingcharge_add")
    form = {
        "client": customer.pk,
        "kind": "setup",
        "description": "On-site installation",
        "period_start": "2026-10-15",
        "quantity": "2",
        "unit_price": "75.50",
    }
    page = client.post(url, form).content.decode()
    assert not PendingCharge.objects.exists()  # nothing written yet
    assert "Confirm the charge of 181.20\xa0€ incl. VAT?" in page
    for fact in ("2 × 75.50\xa0€", "151.00\xa0€", "30.20\xa0€ (S 20%)", customer.legal_name):
        assert fact in page
    confirmation = admin_confirmation(page)
    changed = client.post(url, {**confirmation, "unit_price": "755.00"}).content.decode()
    assert not PendingCharge.objects.exists()
    assert "Confirm the charge of 1,812.00\xa0€ incl. VAT?" in changed  # shown, to confirm
    first = client.post(url, confirmation)
    second = client.post(url, confirmation)
    assert first.status_code == 302 and second.status_code == 302
    charge = PendingCharge.objects.get()
    assert charge.quantity * charge.unit_price == Decimal("151.00")
    assert AuditLog.objects.filter(action="charge.create").count() == 1
    followed = client.get(second["Location"]).content.decode()
    assert "This form had already been sent: nothing was done a second time." in followed
