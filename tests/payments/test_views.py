"""Portal pages of payments and collection: balance due and payments (BIL-4), disputes (BIL-8),
prepaid balance and ledger (BIL-10), roles (ACC-2) and query counts."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.choices import PaymentMethod as ClientPaymentMethod
from accounts.choices import Role
from billing import services as billing
from payments import services
from payments.models import Dispute, DisputeDocument
from tests.factories import MembershipFactory
from tests.payments.conftest import direct_customer, issue_invoice

pytestmark = pytest.mark.django_db

AUG, SEP, OCT = date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1)
PDF = b"%PDF-1.4\n% dispute evidence\n"


def paris(day: date, hour=10):
    return time_machine.travel(f"{day.isoformat()} {hour:02d}:00 +01:00", tick=False)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Uploads in a temporary folder; sessions that outlive the tests' travels in time."""
    settings.MEDIA_ROOT = tmp_path
    settings.SESSION_COOKIE_AGE = 10 * 365 * 24 * 3600


@pytest.fixture
def customer():
    return direct_customer(legal_name="Durand SARL")


@pytest.fixture
def web(client, customer):
    """The Django test client in English, signed in as the customer's billing member."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(customer.memberships.get(role=Role.BILLING).user)
    return client


def pdf(name="releve.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def invoices(customer):
    """August (120.00 TTC, due 2026-09-30; 50.00 paid → 70.00 left), September (1 200.00 TTC,
    due 2026-10-30; 240.00 disputed) and October (60.00 TTC, due 2026-11-30)."""
    august = issue_invoice(customer, "100.00", month=AUG, source="aug")
    september = issue_invoice(customer, "1000.00", month=SEP, source="sep")
    october = issue_invoice(customer, "50.00", month=OCT, source="oct")
    with paris(date(2026, 10, 1)):
        services.payment_record(
            client=customer,
            amount="50.00",
            method="transfer",
            received_on=date(2026, 10, 1),
            reference="VIR-DURAND-0001",
        )
    dispute = services.dispute_open(
        invoice=september,
        amount="240.00",
        reason="Lines billed twice",
        documents=[pdf()],
        today=date(2026, 10, 5),
    )
    return type(
        "Invoices", (), {"aug": august, "sep": september, "oct": october, "dispute": dispute}
    )


# --- Overview (BIL-4, BIL-8) ------------------------------------------------------------------


# BIL-4, BIL-8 — balance due is the undisputed part, of which overdue; the disputed part apart;
# each open invoice with its badge: late N days, under dispute, due.
def test_overview_balances_and_badges(web, invoices):
    with paris(date(2026, 11, 10)):
        page = web.get(reverse("payments:overview")).content.decode()
    assert 'data-testid="amount-due">1,090.00\u00a0€<' in page  # 70 + 960 + 60
    assert "of which 1,030.00 € overdue" in page  # 70 + 960
    assert 'data-testid="amount-disputed">240.00\u00a0€<' in page
    rows = page.split('data-testid="open-invoice"')[1:]
    assert len(rows) == 3
    aug, sep, oct_ = rows
    assert f">{invoices.aug.number}</a>" in aug and "70.00\u00a0€" in aug and "Late 41 days" in aug
    assert (
        f">{invoices.sep.number}</a>" in sep and "1,200.00\u00a0€" in sep and "240.00\u00a0€" in sep
    )
    assert "Under dispute" in sep
    assert f">{invoices.oct.number}</a>" in oct_ and "60.00\u00a0€" in oct_ and ">To pay<" in oct_
    assert reverse("billing:detail", args=[invoices.aug.pk]) in aug
    # The payment received, and transfer instructions (no mandate).
    assert "VIR-DURAND-0001" in page and "50.00\u00a0€" in page
    assert 'data-testid="transfer-instructions"' in page
    assert "FR76 3000 6000 0112 3456 7890 189" in page  # issue 17 item 6: grouped by four


# BIL-8 — on a phone the open invoices stack (static/css/portal.css, .table-stack): each cell
# names its column, so the 70,00 € left to pay on August's invoice reads « Reste à payer » beside
# it without the table scrolled (tests/e2e/test_mobile.py photographs it at 390 px).
def test_overview_open_invoices_name_each_cell_for_phones(web, invoices):
    with paris(date(2026, 11, 10)):
        page = web.get(reverse("payments:overview"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<table class="table table-stack" data-testid="open-invoices">' in page
    aug = page.split('data-testid="open-invoice"')[1]
    assert 'data-label="Reste à payer" data-testid="open-invoice-left">70,00\u00a0€<' in aug
    assert 'data-label="Date d\'échéance"' in aug and 'data-label="Facture"' in aug


# BIL-4, BIL-8 — the dashboard's "Total due" is the payments page's balance due: the 240.00 €
# under dispute is set aside on both (the dashboard counted it: 1,330.00 € against 1,090.00 €).
def test_dashboard_due_is_the_payments_balance(web, invoices):
    with paris(date(2026, 11, 10)):
        payments = web.get(reverse("payments:overview")).content.decode()
        dashboard = web.get(reverse("dashboard")).content.decode()
    assert 'data-testid="amount-due">1,090.00\u00a0€<' in payments
    assert 'data-testid="due-invoice-total">1,090.00\u00a0€<' in dashboard
    assert 'data-testid="due-invoice-count">3<' in dashboard
    assert (
        "Not included: 240.00\u00a0€ under dispute, not due while your dispute is reviewed."
        in dashboard
    )
    with paris(date(2026, 11, 10)):
        french = web.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert 'data-testid="due-invoice-total">1\u00a0090,00\u00a0€<' in french
    assert "Non compris\u00a0: 240,00\u00a0€ contestés" in french


def test_overview_mandate_and_empty_states(web, customer):
    with paris(date(2026, 10, 1)):
        services.mandate_create(
            client=customer,
            account_holder="Durand SARL",
            iban="FR1420041010050500013M02606",
            bic="PSSTFRPPLIL",
            signed_on=date(2026, 9, 15),
            reference="RUM-DURAND-1",
        )
        page = web.get(reverse("payments:overview")).content.decode()
    assert 'data-testid="mandate"' in page and "RUM-DURAND-1" in page
    assert "FR14 •••• 2606" in page and "15/09/2026" in page
    assert "FR1420041010050500013M02606" not in page  # never the full IBAN
    assert 'data-testid="transfer-instructions"' not in page
    assert 'data-testid="amount-due">0.00\u00a0€<' in page
    assert "You are up to date: nothing left to pay." in page
    assert "No open invoice: every invoice is paid." in page
    assert "No payment received yet." in page


def test_overview_payments_paginated(web, customer):
    issue_invoice(customer, "5000.00", month=SEP)
    with paris(date(2026, 10, 20)):
        for day in range(1, 21):
            services.payment_record(
                client=customer,
                amount="10.00",
                method="card",
                received_on=date(2026, 10, day),
                reference=f"CB-{day:02d}",
            )
        services.payment_record(
            client=customer, amount="10.00", method="card", received_on=date(2026, 9, 30)
        )
        first = web.get(reverse("payments:overview")).content.decode()
        second = web.get(reverse("payments:overview"), {"page": 2}).content.decode()
    assert first.count('data-testid="payment"') == 20 and "Page 1 of 2" in first
    assert "CB-20" in first and "30/09/2026" not in first.split('data-testid="payments"')[1]
    assert second.count('data-testid="payment"') == 1


def test_overview_query_count(web, customer, django_assert_max_num_queries):
    issue_invoice(customer, "100.00", month=AUG, source="aug")
    with paris(date(2026, 10, 1)):
        services.payment_record(
            client=customer, amount="10.00", method="card", received_on=date(2026, 10, 1)
        )
        with CaptureQueriesContext(connection) as one:
            assert web.get(reverse("payments:overview")).status_code == 200
    september = issue_invoice(customer, "1000.00", month=SEP, source="sep")
    issue_invoice(customer, "50.00", month=OCT, source="oct")
    services.dispute_open(invoice=september, amount="24.00", reason="x", today=date(2026, 10, 5))
    with paris(date(2026, 11, 10)):
        for day in (2, 3, 4, 5):
            services.payment_record(
                client=customer, amount="10.00", method="card", received_on=date(2026, 11, day)
            )
        with django_assert_max_num_queries(len(one.captured_queries)):
            page = web.get(reverse("payments:overview")).content.decode()
    assert page.count('data-testid="open-invoice"') == 3
    assert page.count('data-testid="payment"') == 5


# --- Disputes (BIL-8) -------------------------------------------------------------------------


def test_dispute_form_shows_deadline(web, customer):
    invoice = issue_invoice(customer, "1000.00")  # issued 2026-09-30
    with paris(date(2026, 10, 5)):
        page = web.get(reverse("payments:dispute_create", args=[invoice.pk])).content.decode()
    assert "You can dispute this invoice until 29/11/2026" in page
    assert 'data-testid="dispute-form"' in page and 'enctype="multipart/form-data"' in page
    assert 'data-testid="invoice-total">1,200.00\u00a0€<' in page
    # The invoice page links to the form.
    detail = web.get(reverse("billing:detail", args=[invoice.pk])).content.decode()
    assert reverse("payments:dispute_create", args=[invoice.pk]) in detail


# BIL-8 — a dispute within 60 days: amount, reason, documents; redirected to its page.
def test_dispute_post_success(web, customer):
    invoice = issue_invoice(customer, "1000.00")
    url = reverse("payments:dispute_create", args=[invoice.pk])
    with paris(date(2026, 11, 29)):  # day 60: still allowed
        response = web.post(
            url,
            {
                "amount": "240.00",
                "reason": "Lines billed twice",
                "documents": [pdf("releve.pdf"), pdf("contrat.pdf")],
            },
        )
    assert response.status_code == 302, response.content.decode()
    dispute = Dispute.objects.get()
    assert response["Location"] == reverse("payments:dispute_detail", args=[dispute.pk])
    assert (dispute.invoice, dispute.amount, dispute.status) == (invoice, Decimal("240.00"), "open")
    assert dispute.opened_by == customer.memberships.get(role=Role.BILLING).user
    assert sorted(dispute.documents.values_list("original_name", flat=True)) == [
        "contrat.pdf",
        "releve.pdf",
    ]
    page = web.get(response["Location"]).content.decode()
    assert f"Your dispute of invoice {invoice.number} is registered." in page
    assert "Under review" in page and 'data-testid="dispute-amount">240.00\u00a0€<' in page
    assert "releve.pdf" in page and "contrat.pdf" in page
    assert "Lines billed twice" in page


# BIL-8 — day 61: the page says why instead of the form; a POST gets the refusal, writes nothing.
def test_dispute_day_61_refused(web, customer):
    invoice = issue_invoice(customer, "1000.00")
    url = reverse("payments:dispute_create", args=[invoice.pk])
    with paris(date(2026, 11, 30)):
        page = web.get(url).content.decode()
        assert (
            "This invoice can no longer be disputed: the 60-day period ended on 29/11/2026." in page
        )
        assert 'data-testid="dispute-form"' not in page
        response = web.post(url, {"amount": "10.00", "reason": "Too late", "documents": [pdf()]})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="form-errors"' in page
    assert "the 60-day period ended on 29/11/2026" in page
    assert not Dispute.objects.exists() and not DisputeDocument.objects.exists()


def test_dispute_field_errors(web, customer):
    invoice = issue_invoice(customer, "1000.00")
    url = reverse("payments:dispute_create", args=[invoice.pk])
    with paris(date(2026, 10, 5)):
        too_much = web.post(url, {"amount": "1200.01", "reason": "Everything"}).content.decode()
        bad_file = web.post(
            url,
            {
                "amount": "10.00",
                "reason": "x",
                "documents": [SimpleUploadedFile("virus.exe", b"MZ")],
            },
        ).content.decode()
        empty = web.post(url, {"amount": "", "reason": ""}).content.decode()
    assert (
        'data-testid="error-amount">You cannot dispute more than the invoice total (1,200.00 €).<'
        in too_much
    )
    assert 'data-testid="error-documents">Attach PDF, PNG or JPEG files only.<' in bad_file
    assert 'data-testid="error-amount"' in empty and 'data-testid="error-reason"' in empty
    assert not Dispute.objects.exists()


# BIL-8 — the amount errors in French write amounts the French way (« 1 200,00 € », « 0,01 € »),
# not « 1200.00 » nor Django's « supérieure ou égale à 0.01 ».
def test_dispute_amount_errors_in_french(web, customer):
    invoice = issue_invoice(customer, "1000.00")
    url = reverse("payments:dispute_create", args=[invoice.pk])
    french = {"HTTP_ACCEPT_LANGUAGE": "fr"}
    with paris(date(2026, 10, 5)):
        too_much = web.post(url, {"amount": "1200.01", "reason": "Tout"}, **french)
        too_little = web.post(url, {"amount": "0", "reason": "Rien"}, **french)
    assert (
        "Vous ne pouvez pas contester plus que le total de la facture (1\u00a0200,00\u00a0€)."
        in too_much.content.decode()
    )
    assert "Saisissez un montant d&#x27;au moins 0,01\u00a0€." in too_little.content.decode()
    assert "0.01" not in too_little.content.decode().split('data-testid="error-amount"')[1][:80]


# BIL-8 — a French customer types « 12,50 »: the amount was an <input type="number">, which a
# browser whose locale groups digits with commas (en-US Chrome) sent as 1250, and the server
# refused « 12,50 » itself (« Saisissez un nombre. »). Now a text field read the French way.
def test_dispute_amount_typed_the_french_way(web, customer):
    invoice = issue_invoice(customer, "1000.00")  # 1 200,00 € TTC
    url = reverse("payments:dispute_create", args=[invoice.pk])
    french = {"HTTP_ACCEPT_LANGUAGE": "fr"}
    with paris(date(2026, 10, 5)):
        form = web.get(url, **french).content.decode()
        response = web.post(url, {"amount": "12,50", "reason": "Ligne en double"}, **french)
    field = (
        form.split('name="amount"')[0].rsplit("<input", 1)[1]
        + form.split('name="amount"')[1].split(">")[0]
    )
    assert 'type="number"' not in field and 'inputmode="decimal"' in field, field
    assert response.status_code == 302, response.content.decode()
    assert Dispute.objects.get().amount == Decimal("12.50")


# BIL-8 — « 1 200,00 », as the portal writes the invoice's total (a non-breaking space between
# the thousands) or as typed with a plain space, was refused with « Saisissez un nombre. ».
# BIL-8 — « 1 200,00 € » too, the euro sign included as the invoice's page writes the total
# (copied, or typed out of habit): it was refused with « Saisissez un nombre. ».
@pytest.mark.parametrize(
    "typed", ["1 200,00", "1\u00a0200,00", "1\u202f200,00", "1\u00a0200,00\u00a0€", "1200,00€"]
)
def test_dispute_amount_with_thousands_spaces(web, customer, typed):
    invoice = issue_invoice(customer, "1000.00")  # 1 200,00 € TTC
    url = reverse("payments:dispute_create", args=[invoice.pk])
    with paris(date(2026, 10, 5)):
        response = web.post(url, {"amount": typed, "reason": "Tout"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 302, response.content.decode()
    assert Dispute.objects.get().amount == Decimal("1200.00")


# BIL-8 — an amount the form cannot read says what it expects: Django's « Saisissez un nombre. »
# did not (the customer had typed « vingt euros »); nothing is opened, the reason typed is kept.
def test_dispute_amount_unreadable_says_what_to_type(web, customer):
    invoice = issue_invoice(customer, "1000.00")
    url = reverse("payments:dispute_create", args=[invoice.pk])
    with paris(date(2026, 10, 5)):
        response = web.post(
            url, {"amount": "vingt euros", "reason": "Ligne en double"}, HTTP_ACCEPT_LANGUAGE="fr"
        )
    page = response.content.decode()
    assert response.status_code == 200 and not Dispute.objects.exists()
    assert "Saisissez un nombre, par exemple 12,50." in page
    assert "Ligne en double" in page


# BIL-8 — an invoice whose dispute is under review is not offered to be disputed again: its
# page links to the dispute instead; once decided, the link to dispute it is back.
def test_invoice_page_with_open_dispute_links_to_it(web, customer):
    invoice = issue_invoice(customer, "1000.00")
    url = reverse("billing:detail", args=[invoice.pk])
    with paris(date(2026, 10, 5)):
        assert 'data-testid="dispute-link"' in web.get(url).content.decode()
        dispute = services.dispute_open(
            invoice=invoice, amount="24.00", reason="x", today=date(2026, 10, 5)
        )
        page = web.get(url).content.decode()
    assert 'data-testid="dispute-link"' not in page
    under_review = page.split('data-testid="dispute-under-review"')[1].split("</p>")[0]
    assert "A dispute of this invoice is already under review." in under_review
    assert reverse("payments:dispute_detail", args=[dispute.pk]) in under_review


# The same state of an invoice has one name: « À régler » on the invoices and the payments pages.
def test_due_invoice_same_label_on_both_pages(web, customer):
    issue_invoice(customer, "100.00", month=OCT)
    with paris(date(2026, 11, 10)):
        payments = web.get(reverse("payments:overview"), HTTP_ACCEPT_LANGUAGE="fr")
        invoices = web.get(reverse("billing:list"), HTTP_ACCEPT_LANGUAGE="fr")
    assert ">À régler</span>" in payments.content.decode()
    assert ">À régler</span>" in invoices.content.decode()
    assert "À payer</span>" not in payments.content.decode()


def test_dispute_already_open(web, customer):
    invoice = issue_invoice(customer, "1000.00")
    dispute = services.dispute_open(
        invoice=invoice, amount="10.00", reason="x", today=date(2026, 10, 5)
    )
    with paris(date(2026, 10, 6)):
        page = web.get(reverse("payments:dispute_create", args=[invoice.pk])).content.decode()
    assert "A dispute of this invoice is already under review." in page
    assert reverse("payments:dispute_detail", args=[dispute.pk]) in page
    assert 'data-testid="dispute-form"' not in page


# BIL-8 → BIL-9 — accepted: the credit note and its link; rejected: due again on a new date.
def test_dispute_pages_after_decisions(web, customer):
    september = issue_invoice(customer, "1000.00", month=SEP, source="sep")
    october = issue_invoice(customer, "500.00", month=OCT, source="oct")
    accepted = services.dispute_open(
        invoice=september, amount="240.00", reason="Twice", today=date(2026, 10, 5)
    )
    rejected = services.dispute_open(
        invoice=october, amount="60.00", reason="Too dear", today=date(2026, 11, 5)
    )
    with paris(date(2026, 11, 10)):
        note = services.dispute_accept(dispute=accepted, note="Duplicate lines confirmed")
        services.dispute_reject(dispute=rejected, note="Price of the contract signed")
        accepted_page = web.get(
            reverse("payments:dispute_detail", args=[accepted.pk])
        ).content.decode()
        rejected_page = web.get(
            reverse("payments:dispute_detail", args=[rejected.pk])
        ).content.decode()
        listing = web.get(reverse("payments:disputes")).content.decode()
    assert note.number.startswith("A2026-")
    assert f'href="{reverse("billing:detail", args=[note.pk])}"' in accepted_page
    assert f">{note.number}</a>" in accepted_page and "Accepted" in accepted_page
    assert "Duplicate lines confirmed" in accepted_page
    assert "No document attached." in accepted_page
    assert "Rejected" in rejected_page and "Price of the contract signed" in rejected_page
    assert 'data-testid="new-due-date">10/12/2026<' in rejected_page  # decision + 30 days
    assert "is due again, on 10/12/2026" in rejected_page
    assert listing.count('data-testid="dispute-row"') == 2
    assert note.number in listing and "Due again on 10/12/2026" in listing


def test_disputes_empty_state(web):
    page = web.get(reverse("payments:disputes")).content.decode()
    assert "No dispute." in page and "<table" not in page


# ACC-2 — another customer's invoice or dispute: 404 on GET and POST, nothing written. A credit
# note cannot be disputed either.
def test_other_customer_objects_404(web, customer):
    other = direct_customer()
    theirs = issue_invoice(other, "100.00", month=SEP, source="other")
    their_dispute = services.dispute_open(
        invoice=theirs, amount="10.00", reason="x", today=date(2026, 10, 5)
    )
    note = billing.credit_note_issue(
        client=customer,
        lines=[billing.CreditLine(description="Goodwill", amount="10.00")],
        reason="Goodwill",
    )
    with paris(date(2026, 10, 6)):
        for url in (
            reverse("payments:dispute_create", args=[theirs.pk]),
            reverse("payments:dispute_create", args=[note.pk]),
            reverse("payments:dispute_detail", args=[their_dispute.pk]),
        ):
            assert web.get(url).status_code == 404, url
            assert web.post(url, {"amount": "5.00", "reason": "x"}).status_code == 404, url
        listing = web.get(reverse("payments:disputes")).content.decode()
        overview = web.get(reverse("payments:overview")).content.decode()
    assert Dispute.objects.count() == 1
    assert theirs.number not in listing and theirs.number not in overview


# ACC-2 — the billing permission (admin and billing roles); others get 403 and no menu entry.
@pytest.mark.parametrize(
    "route, args",
    [
        ("payments:overview", []),
        ("payments:disputes", []),
        ("payments:prepaid", []),
        ("payments:dispute_create", ["invoice"]),
    ],
)
def test_roles(client, customer, route, args):
    invoice = issue_invoice(customer, "100.00")
    url = reverse(route, args=[invoice.pk for _ in args])
    for role, status in (
        (Role.ADMIN, 200),
        (Role.BILLING, 200),
        (Role.TECHNICAL, 403),
        (Role.READ_ONLY, 403),
    ):
        membership = customer.memberships.filter(role=role).first() or MembershipFactory(
            client=customer, role=role
        )
        client.force_login(membership.user)
        with paris(date(2026, 10, 5)):
            assert client.get(url).status_code == status, role
    client.logout()
    assert client.get(url).status_code == 302


def test_nav_link_only_with_billing_permission(client, customer):
    client.force_login(customer.memberships.get(role=Role.BILLING).user)
    assert 'href="/payments/"' in client.get(reverse("dashboard")).content.decode()
    client.force_login(MembershipFactory(client=customer, role=Role.READ_ONLY).user)
    assert 'href="/payments/"' not in client.get(reverse("dashboard")).content.decode()


# --- Prepaid (BIL-10) -------------------------------------------------------------------------


def test_prepaid_page(web, customer):
    customer.payment_method = ClientPaymentMethod.PREPAID
    customer.save(update_fields=["payment_method"])
    with paris(date(2026, 10, 5)):
        services.prepaid_topup_record(
            client=customer,
            amount_received="100.00",
            received_on=date(2026, 10, 5),
            reference="VIR-1",
            bank_fee="1.50",
        )
        services.prepaid_debit(
            client=customer,
            amount="12.34",
            source_type="order",
            source_id="1",
            description="Order of 4 numbers",
        )
        page = web.get(reverse("payments:prepaid")).content.decode()
        overview = web.get(reverse("payments:overview")).content.decode()
    assert 'data-testid="prepaid-balance">86.16\u00a0€<' in page  # 98.50 − 12.34
    rows = page.split('data-testid="prepaid-entry"')[1:]
    assert len(rows) == 2
    assert (
        "Order of 4 numbers" in rows[0] and "-12.34\u00a0€" in rows[0] and "86.16\u00a0€" in rows[0]
    )
    assert (
        "Top-up" in rows[1] and "98.50\u00a0€" in rows[1] and "after 1.50 € of bank fees" in rows[1]
    )
    assert f'data-testid="topup-reference">PREPAID-{customer.pk}<' in page
    # issue 17 item 6: the IBAN grouped by four
    assert "FR76 3000 6000 0112 3456 7890 189" in page and "net of any bank fees" in page
    assert 'data-testid="prepaid-tile"' in overview and "86.16\u00a0€" in overview


def test_prepaid_empty_and_query_count(web, customer, django_assert_max_num_queries):
    # A prepaid customer (issue 17 item 6: a postpaid one is told prepaid does not apply).
    customer.payment_method = ClientPaymentMethod.PREPAID
    customer.save(update_fields=["payment_method"])
    page = web.get(reverse("payments:prepaid")).content.decode()
    assert 'data-testid="prepaid-balance">0.00\u00a0€<' in page and "No movement yet." in page
    with paris(date(2026, 10, 5)):
        services.prepaid_topup_record(
            client=customer, amount_received="500.00", received_on=date(2026, 10, 5), reference="a"
        )
        with CaptureQueriesContext(connection) as one:
            web.get(reverse("payments:prepaid"))
        for n in range(30):
            services.prepaid_debit(
                client=customer,
                amount="1.00",
                source_type="order",
                source_id=str(n),
                description=f"Order {n}",
            )
        with django_assert_max_num_queries(len(one.captured_queries)):
            page = web.get(reverse("payments:prepaid")).content.decode()
        second = web.get(reverse("payments:prepaid"), {"page": 2}).content.decode()
    assert page.count('data-testid="prepaid-entry"') == 25 and "Page 1 of 2" in page
    assert second.count('data-testid="prepaid-entry"') == 6
    assert 'data-testid="prepaid-balance">470.00\u00a0€<' in page


# BIL-8 — a dispute (« une contestation ») reads in French as accepted or rejected in the
# feminine, both; a rejected direct debit keeps its masculine (« un prélèvement rejeté »).
def test_dispute_statuses_agree_in_french():
    from django.utils import translation

    from payments.choices import DisputeStatus, PaymentStatus

    with translation.override("fr"):
        assert [str(DisputeStatus(s).label) for s in ("accepted", "rejected")] == [
            "Acceptée",
            "Rejetée",
        ]
        assert str(PaymentStatus.REJECTED.label) == "Rejeté"
