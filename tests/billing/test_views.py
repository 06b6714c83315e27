"""Portal pages of invoices and credit notes: list (filters, pagination, empty states), detail
(lines, periods, VAT breakdown, totals, credit notes applied), PDF download, roles (ACC-2),
query counts and the dashboard card (BIL-1, BIL-2, BIL-3, BIL-9, ACC-3)."""

import html
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.choices import BillingMode, Role, VatRegime
from billing import services
from billing.choices import ChargeKind
from billing.models import Invoice
from tests.factories import ClientFactory, MembershipFactory, SiteFactory
from tests.offers.factories import make_contract

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
SEP, OCT = date(2026, 9, 1), date(2026, 10, 1)
NBSP = "\xa0"
TODAY = datetime(2026, 11, 20, 10, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def _no_pdf(settings):
    settings.BILLING_RENDER_PDF = False


@pytest.fixture
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def french(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    return client


@pytest.fixture
def customer(tenant):
    """The tenant's customer, invoiced directly by the reseller: its partner is switched to
    reseller-billed (ACC-3; the default partner-billed mode invoices the partner instead)."""
    partner = tenant.client.partner
    partner.billing_mode = BillingMode.RESELLER_BILLED
    partner.save(update_fields=["billing_mode"])
    return tenant.client


def charge(client, kind, price, *, source, start, end=None, quantity=1, contract=None):
    return services.charge_post(
        client=client,
        contract=contract,
        kind=kind,
        source_type="test",
        source_id=source,
        period_start=start,
        period_end=end,
        description=f"{ChargeKind(kind).label} {source}",
        unit_price=Decimal(price),
        quantity=quantity,
    )


@pytest.fixture
def october(customer):
    """October's invoice (dated 2026-10-31): an 8-channel trunk started on 2026-10-17, set up at
    activation with the best tariff (TRK-2: 2 × 4-pack at 17.00 = 34.00) — October pro rata
    (15 days of 31: 17 × 15/31 = 8.2258 per pack) and November in advance (2 × 17.00) — and a
    setup fee of 1 562.50.

    Net 2 × 8.2258 = 16.4516 → 16.45 + 34.00 + 1 562.50 = 1 612.95; VAT 20 % 322.59; total
    1 935.54."""
    trunk = make_contract(
        customer,
        "trunk",
        quantity=8,
        signature=date(2026, 10, 10),
        service_start=date(2026, 10, 17),
    )
    charge(customer, "setup", "1562.5", source="setup-1", start=date(2026, 10, 17), contract=trunk)
    services.run_month_sync(month=OCT)
    invoice = Invoice.objects.get(client=customer, month=OCT)
    invoice.contract = trunk
    return invoice


def page_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- List -------------------------------------------------------------------------------------


# BIL-1, BIL-2, BIL-9 — the customer's invoices and credit notes: number, kind, issue date, due
# date, total incl. VAT, amount due; never another customer's.
@time_machine.travel(TODAY, tick=False)
def test_list_rows(as_role, english, customer, october, other_tenant):
    note = services.credit_note_issue(
        corrects=october,
        lines=[services.CreditLine("Setup fee waived", Decimal("100.00"))],
        reason="Commercial gesture",
    )
    theirs = services.credit_note_issue(
        client=other_tenant.client,
        lines=[services.CreditLine("x", Decimal("5"))],
        reason="x",
    )
    page = page_of(as_role(Role.BILLING).get(reverse("billing:list")))
    assert october.number == "F2026-000001" and note.number == "A2026-000001"
    assert theirs.number == "A2026-000002" and theirs.number not in page
    rows = page.split('data-testid="invoice-row"')[1:]
    assert len(rows) == 2
    assert (
        note.number in rows[0] and "Credit note" in rows[0] and "corrects F2026-000001" in rows[0]
    )
    assert "120.00\u00a0€" in rows[0] and "In your favour" in rows[0]  # 100 + 20 % VAT
    assert october.number in rows[1] and "Invoice" in rows[1]
    assert '<td class="nowrap" data-label="Issue date">31/10/2026</td>' in rows[1]  # last of M
    assert '<td class="nowrap" data-label="Due date">30/11/2026</td>' in rows[1]  # BIL-4: +30
    assert '<td class="num" data-label="Total incl. VAT">1,935.54\u00a0€</td>' in rows[1]
    # on a phone each cell is named by its column (.table-stack), the amount due included
    assert 'data-label="Amount due" data-testid="invoice-amount-due">1,935.54' in rows[1]
    assert rows[1].count("1,935.54\u00a0€") == 2 and "To pay" in rows[1]
    assert reverse("billing:pdf", args=[october.pk]) in rows[1]


# BIL-1 — filters: kind, year of the issue date, amount due only; an unknown value is ignored.
def test_list_filters(as_role, english, customer, october):
    make_contract(customer, "sip-unl", signature=date(2025, 11, 1), service_start=date(2025, 11, 1))
    services.run_month_sync(month=date(2025, 12, 1))  # dated 2025-12-31
    december = Invoice.objects.get(client=customer, month=date(2025, 12, 1))
    note = services.credit_note_issue(
        corrects=december,
        lines=[services.CreditLine("Everything", december.total_net)],
        reason="Cancelled",
        issue_date=date(2026, 1, 5),
    )
    assert december.amount_due > 0
    browser = as_role(Role.ADMIN)

    def numbers(**query):
        page = page_of(browser.get(reverse("billing:list"), query))
        shown = [n for n in (october.number, december.number, note.number) if f">{n}</a>" in page]
        return sorted(shown, key=lambda n: page.index(f">{n}</a>"))

    assert numbers() == [october.number, note.number, december.number]
    assert numbers(kind="credit_note") == [note.number]
    assert numbers(kind="invoice") == [october.number, december.number]
    assert numbers(year="2025") == [december.number]
    assert numbers(year="2026", kind="invoice") == [october.number]
    assert numbers(due="on") == [october.number, december.number]
    assert numbers(year="1999", kind="nonsense") == [october.number, note.number, december.number]
    page = page_of(browser.get(reverse("billing:list"), {"year": "2025", "kind": "credit_note"}))
    assert "No document matches these filters." in page and "Show all" in page


# Pagination keeps the filters (25 a page).
def test_list_paginated_with_filters(as_role, english, customer):
    for i in range(27):
        services.credit_note_issue(
            client=customer,
            lines=[services.CreditLine(f"Gesture {i}", Decimal("1.00"))],
            reason="Gesture",
        )
    browser = as_role(Role.BILLING)
    first = page_of(browser.get(reverse("billing:list"), {"kind": "credit_note"}))
    assert first.count('data-testid="invoice-row"') == 25 and "Page 1 of 2" in first
    assert 'href="?kind=credit_note&amp;page=2"' in first
    second = page_of(browser.get(reverse("billing:list"), {"kind": "credit_note", "page": 2}))
    assert second.count('data-testid="invoice-row"') == 2


# Empty states: nothing yet; ACC-3 — a customer of a partner-billed partner is not invoiced by
# the reseller (its partner is): the page says so and names the partner.
def test_empty_states(as_role, english, tenant, partner):
    page = page_of(as_role(Role.BILLING).get(reverse("billing:list")))
    assert 'data-testid="partner-billed"' in page
    assert "Your services are invoiced by Nova, your distributor" in page
    # a Nova-branded portal does not speak of Nova as someone else ("no invoice from us")
    assert "Your invoices are sent to you directly by Nova; they are not available here." in page
    assert partner.support_email in page and "<table" not in page
    # The page's lead spoke of "your invoices" here, dated the last day of the month and due
    # 30 days later: the partner's invoices, which it sends and dates itself.
    assert "Invoices are dated the last day of each month" not in page
    partner.billing_mode = BillingMode.RESELLER_BILLED
    partner.save(update_fields=["billing_mode"])
    page = page_of(as_role(Role.BILLING).get(reverse("billing:list")))
    assert "No invoice yet." in page and "partner-billed" not in page
    assert "Invoices are dated the last day of each month and due 30 days later." in page


# Query counts — 10 invoices cost the same queries as 1 (no N+1).
def test_list_query_count(as_role, customer, django_assert_max_num_queries):
    make_contract(customer, "sip-unl", signature=date(2025, 12, 1), service_start=date(2026, 1, 1))
    services.run_month_sync(month=date(2026, 1, 1))
    browser = as_role(Role.BILLING)
    browser.get(reverse("billing:list"))  # warm the session
    with CaptureQueriesContext(connection) as one:
        assert browser.get(reverse("billing:list")).status_code == 200
    for month in range(2, 11):
        services.run_month_sync(month=date(2026, month, 1))
    services.credit_note_issue(
        corrects=Invoice.objects.filter(client=customer).first(),
        lines=[services.CreditLine("x", Decimal("1"))],
        reason="x",
    )
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = page_of(browser.get(reverse("billing:list")))
    assert page.count('data-testid="invoice-row"') == 11
    # Session, user, user session (in a savepoint) and membership take 8; the page itself 3
    # (years of the filter, count, rows with the corrected invoices) and what the payments app
    # knows of the invoices due 3 (allocations, disputes, debits at the bank).
    assert len(one.captured_queries) <= 14


# --- Detail -----------------------------------------------------------------------------------


# BIL-3 — the detail: header, lines (description, contract, site, period first → last day,
# quantity, unit price with 4 decimals, VAT rate, amount), VAT breakdown and totals.
@time_machine.travel(TODAY, tick=False)
def test_detail_content(as_role, english, customer, october):
    page = page_of(as_role(Role.BILLING).get(reverse("billing:detail", args=[october.pk])))
    assert "<h1>Invoice F2026-000001</h1>" in page
    assert "Issued on 31 October 2026, due on 30 November 2026." in page
    assert 'data-testid="due-date">30/11/2026<' in page
    assert "Acme SAS" in page and "Distributor: Nova" in page  # the buyer as issued
    lines = page.split('data-testid="invoice-line"')[1:]
    assert len(lines) == 3
    prorata, setup, november = lines
    # The stored end is exclusive: the page prints the last day of service.
    assert "from 17/10/2026 to 31/10/2026" in prorata
    assert october.contract.reference in prorata and "Siège Acme" in prorata
    assert '<td class="num" data-label="Quantity">2</td>' in prorata  # 2 × 4-pack (TRK-2)
    assert 'data-testid="line-unit-price">8.2258\u00a0€<' in prorata
    assert '<td class="num" data-label="VAT">20%</td>' in prorata
    assert 'data-testid="line-amount">16.45\u00a0€<' in prorata
    # on a phone each cell is named by its column (.table-stack), the amount included
    assert 'data-label="Amount excl. VAT" data-testid="line-amount"' in prorata
    assert "from 01/11/2026 to 30/11/2026" in november and "17.00\u00a0€" in november
    assert "on 17/10/2026" in setup and 'data-testid="line-unit-price">1,562.50\u00a0€<' in setup
    assert 'data-testid="total-net">1,612.95\u00a0€<' in page
    assert 'data-testid="total-vat">322.59\u00a0€<' in page
    assert 'data-testid="total-gross">1,935.54\u00a0€<' in page
    assert 'data-testid="amount-due">1,935.54\u00a0€<' in page
    assert 'data-testid="credit-applied-row"' not in page  # nothing applied: no row
    breakdown = page.split('data-testid="vat-breakdown"')[1].split("</table>")[0]
    assert (
        "<td>20%</td>" in breakdown
        and "1,612.95\u00a0€" in breakdown
        and "322.59\u00a0€" in breakdown
    )
    assert page.count(reverse("billing:pdf", args=[october.pk])) == 2


# BIL-3 — amounts in French format (narrow no-break space, comma), in the pages' default
# language.
def test_detail_amounts_in_french(as_role, french, customer, october):
    page = page_of(as_role(Role.BILLING).get(reverse("billing:detail", args=[october.pk])))
    assert f'data-testid="total-gross">1{NBSP}935,54\u00a0€<' in page
    assert f'data-testid="total-net">1{NBSP}612,95\u00a0€<' in page
    assert 'data-testid="line-unit-price">8,2258\u00a0€<' in page
    assert f'data-testid="line-unit-price">1{NBSP}562,50\u00a0€<' in page
    assert "17/10/2026" in page and "31/10/2026" in page
    listing = page_of(as_role(Role.BILLING).get(reverse("billing:list")))
    assert f'<td class="num" data-label="Total TTC">1{NBSP}935,54\u00a0€</td>' in listing


# The invoice page as the PDF prints it: unit prices with 2 decimals (« 17,00 € », not
# « 17,0000 € »), 4 only when the price has them (8,2258 €); the issuer's trade name not repeated
# when the legal name holds it (« Azur Télécom SAS », not « … SAS (Azur Télécom) »); the
# download buttons side by side at the end of the title row.
def test_detail_prices_issuer_and_buttons(as_role, french, customer, october):
    page = page_of(as_role(Role.BILLING).get(reverse("billing:detail", args=[october.pk])))
    prices = [cell.split("<")[0] for cell in page.split('data-testid="line-unit-price">')[1:]]
    assert prices == ["8,2258\u00a0€", "1\u00a0562,50\u00a0€", "17,00\u00a0€"]
    issuer = page.split("<address>")[1].split("</address>")[0]
    assert '<span class="name">Azur Télécom SAS</span><br>' in issuer
    assert "(Azur Télécom)" not in issuer
    assert ".page-head .head-row .btn + .btn { margin-left: 0; }" in page


# BIL-3 — the VAT rate as the PDF prints it: « 8,5 % » (La Réunion), « 20 % », a no-break space
# before the « % » (it never wraps to a line of its own); the page read « 8,50 % », plain space.
# Net 19.90 (SIP unlimited, September) + 19.90 (October, in advance) = 39.80 × 8.5 % = 3.383
# → VAT 3.38.
def test_detail_vat_rate_as_the_pdf_prints_it(as_role, french, customer):
    customer.vat_regime = VatRegime.OVERSEAS
    customer.save(update_fields=["vat_regime"])
    make_contract(customer, "sip-unl", signature=date(2026, 8, 20), service_start=SEP)
    services.run_month_sync(month=SEP)
    invoice = Invoice.objects.get(client=customer, month=SEP)
    page = page_of(as_role(Role.BILLING).get(reverse("billing:detail", args=[invoice.pk])))
    assert '<td class="num" data-label="TVA">8,5\u00a0%</td>' in page  # the line
    assert "<tr><td>8,5\u00a0%</td>" in page  # the VAT breakdown
    assert "8,50" not in page and " %<" not in page
    assert f'data-testid="total-vat">3,38{NBSP}€<' in page


# BIL-9 — a credit note corrects September's invoice; October's invoice shows "credit notes
# applied" under its total incl. VAT (never a negative line), then the amount due. The credit
# note's page names the invoice it corrects, its reason and where it was applied.
def test_credit_notes_applied_shown(as_role, english, customer):
    make_contract(customer, "sip-unl", signature=date(2026, 8, 20), service_start=SEP)
    services.run_month_sync(month=SEP)  # 19.90 HT, 23.88 TTC
    september = Invoice.objects.get(client=customer, month=SEP)
    note = services.credit_note_issue(
        corrects=september,
        lines=[services.CreditLine("SLA credit", Decimal("10.00"))],
        reason="SLA credit for the outage of 2026-09-12",
        issue_date=date(2026, 10, 5),
    )
    services.run_month_sync(month=OCT)
    october = Invoice.objects.get(client=customer, month=OCT)
    browser = as_role(Role.BILLING)
    page = page_of(browser.get(reverse("billing:detail", args=[october.pk])))
    totals = page.split('data-testid="totals"')[1].split("</table>")[0]
    assert totals.index("total-gross") < totals.index("credit-applied") < totals.index("amount-due")
    assert 'data-testid="total-gross">23.88\u00a0€<' in totals
    assert 'data-testid="credit-applied">− 12.00\u00a0€<' in totals
    assert note.number in totals and reverse("billing:detail", args=[note.pk]) in totals
    assert 'data-testid="amount-due">11.88\u00a0€<' in totals
    assert "−" not in page.split('data-testid="invoice-lines"')[1].split("</table>")[0]

    page = page_of(browser.get(reverse("billing:detail", args=[note.pk])))
    assert "<h1>Credit note A2026-000001</h1>" in page
    assert "This credit note corrects invoice" in page
    assert f'<a href="{reverse("billing:detail", args=[september.pk])}">F2026-000001</a>' in page
    assert "SLA credit for the outage of 2026-09-12" in page
    assert 'data-testid="total-gross">12.00\u00a0€<' in page
    assert "Applied to invoice F2026-000002" in page
    assert 'data-testid="credit-remaining">0.00\u00a0€<' in page
    assert 'data-testid="amount-due"' not in page


# BIL-9 — the same correction once committed is set against September's invoice itself, still
# unpaid (39.80 € HT, 47.76 € TTC: September and October in advance): its page shows the credit
# note under the amount due (− 12.00) and what is due after it, 35.76 €; October's invoice
# applies no credit; the credit note's page says it was applied to September's invoice and
# that a correcting credit note goes there first.
def test_correcting_credit_note_shown_on_the_invoice_it_corrects(
    as_role, english, customer, django_capture_on_commit_callbacks
):
    make_contract(customer, "sip-unl", signature=date(2026, 8, 20), service_start=SEP)
    services.run_month_sync(month=SEP)
    september = Invoice.objects.get(client=customer, month=SEP)
    with django_capture_on_commit_callbacks(execute=True):
        note = services.credit_note_issue(
            corrects=september,
            lines=[services.CreditLine("Correction", Decimal("10.00"))],
            reason="Line billed twice",
            issue_date=date(2026, 10, 5),
        )
    services.run_month_sync(month=OCT)
    browser = as_role(Role.BILLING)
    with CaptureQueriesContext(connection) as queries:
        page = page_of(browser.get(reverse("billing:detail", args=[september.pk])))
    totals = page.split('data-testid="totals"')[1].split("</table>")[0]
    assert 'data-testid="amount-due">47.76\u00a0€<' in totals
    assert "Credit note A2026-000001 correcting it" in totals
    assert "− 12.00\u00a0€" in totals
    assert 'data-testid="due-after-corrections">35.76\u00a0€<' in totals
    assert 'data-testid="credit-applied-row"' not in totals
    assert len(queries) <= 25
    october = Invoice.objects.get(client=customer, month=OCT)
    assert october.credit_applied == Decimal("0.00")
    page = page_of(browser.get(reverse("billing:detail", args=[note.pk])))
    assert "Applied to invoice F2026-000001" in page
    assert "first set against what is left to pay on it" in page


# BIL-3 — the PDF is downloaded as an attachment named after the number, and it is a PDF.
def test_pdf_download(as_role, customer, october, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    response = as_role(Role.BILLING).get(reverse("billing:pdf", args=[october.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="F2026-000001.pdf"'
    assert b"".join(response.streaming_content).startswith(b"%PDF")


# --- Access -----------------------------------------------------------------------------------


# ACC-2 — invoices are for the admin and billing roles: technical and read-only get 403 on
# every page, and do not see the menu entry.
@pytest.mark.parametrize("role", [Role.TECHNICAL, Role.READ_ONLY])
def test_roles_without_billing_refused(as_role, english, customer, october, role):
    browser = as_role(role)
    for url in (
        reverse("billing:list"),
        reverse("billing:detail", args=[october.pk]),
        reverse("billing:pdf", args=[october.pk]),
    ):
        assert browser.get(url).status_code == 403, url
    assert 'href="/invoices/"' not in page_of(browser.get(reverse("dashboard")))


@pytest.mark.parametrize("role", [Role.ADMIN, Role.BILLING])
def test_billing_roles_see_the_menu(as_role, english, customer, role):
    page = page_of(as_role(role).get(reverse("offers:list")))
    menu = page.split('class="mainnav"')[1].split("</nav>")[0]
    assert menu.index('href="/invoices/"') < menu.index("My company")


# ACC-2 — another customer's invoice answers 404 on every page.
def test_other_customer_invoice_404(client, english, customer, october):
    other = ClientFactory()
    SiteFactory(client=other)
    client.force_login(MembershipFactory(client=other, role=Role.BILLING).user)
    for route in ("billing:detail", "billing:pdf"):
        assert client.get(reverse(route, args=[october.pk])).status_code == 404


# --- Dashboard --------------------------------------------------------------------------------


# ACC-2, BIL-9 — the dashboard card: how many invoices have an amount due (after credit notes
# applied) and how much, for the roles that see invoices; nothing about amounts for the others.
def test_dashboard_invoices_card(as_role, english, customer, october):
    # December in advance: 2 × 4-pack = 34.00 HT = 40.80 TTC (TRK-2)
    services.run_month_sync(month=date(2026, 11, 1))
    page = page_of(as_role(Role.BILLING).get(reverse("dashboard")))
    card = page.split('data-testid="invoices-card"')[1].split("</article>")[0]
    assert 'data-testid="due-invoice-count">2<' in card
    assert 'data-testid="due-invoice-total">1,976.34\u00a0€<' in card  # 1 935.54 + 40.80
    assert "/invoices/?due=on" in card
    page = page_of(as_role(Role.TECHNICAL).get(reverse("dashboard")))
    card = page.split('data-testid="invoices-card"')[1].split("</article>")[0]
    assert "€" not in card and "due-invoice-count" not in card
    assert "Invoices are shown to the administrator and billing roles." in card


def test_dashboard_nothing_due(as_role, english, tenant):
    page = page_of(as_role(Role.ADMIN).get(reverse("dashboard")))
    card = page.split('data-testid="invoices-card"')[1].split("</article>")[0]
    assert "Your invoices are sent to you directly by Nova; they are not available here." in card
    assert " us" not in card


# ACC-3 — the partner-branded portal, in French: the partner sends the invoices, not "us".
def test_partner_billed_wording_in_french(as_role, tenant):
    browser = as_role(Role.ADMIN)
    expected = (
        "Vos factures vous sont adressées directement par Nova\u00a0; "
        "elles ne sont pas disponibles ici."
    )
    dashboard = page_of(browser.get(reverse("dashboard")))
    invoices = page_of(browser.get(reverse("billing:list")))
    assert expected in dashboard and expected in invoices
    assert "nous régler" not in dashboard and "de notre part" not in invoices


# BIL-1 — the list's PDF links all read « Télécharger »: a screen reader listing the page's
# links heard « Télécharger » once per document, none saying which. Each link now names its
# document: « Télécharger la facture F2026-000001 », « Télécharger l'avoir A2026-000001 ».
@time_machine.travel(TODAY, tick=False)
def test_list_pdf_links_name_their_document(as_role, french, customer, october):
    note = services.credit_note_issue(
        corrects=october,
        lines=[services.CreditLine("Frais offerts", Decimal("100.00"))],
        reason="Geste commercial",
    )
    page = html.unescape(page_of(as_role(Role.BILLING).get(reverse("billing:list"))))
    assert (
        f'href="{reverse("billing:pdf", args=[october.pk])}" download '
        'aria-label="Télécharger la facture F2026-000001">Télécharger</a>'
    ) in page
    assert (
        f'href="{reverse("billing:pdf", args=[note.pk])}" download '
        'aria-label="Télécharger l\'avoir A2026-000001">Télécharger</a>'
    ) in page
