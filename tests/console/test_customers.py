"""Issue 17 — the customer 360: a search by name, SIREN, e-mail or invoice number; one page
with identity, contacts, contracts, invoices and balance, payments and mandate, prepaid ledger,
trunks and SIP accounts, tickets, availability and the audit trail, in a bounded number of
queries; and the actions staff take from there, each through its service, confirmed first."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from lxml import html

from accounts.choices import Role
from accounts.models import AuditLog
from offers.choices import ContractStatus
from offers.models import Termination
from payments import services as payments
from payments.models import Payment
from support import services as support
from support.choices import TicketKind
from tests.console.conftest import at, confirmation_fields
from tests.factories import ClientFactory
from tests.offers.factories import make_contract
from tests.payments.conftest import issue_invoice
from tests.telephony.factories import make_sip_account, make_trunk

pytestmark = pytest.mark.django_db


def french_money(amount) -> str:
    return f"{amount:.2f}".replace(".", ",")


def test_search_by_name_siren_email_and_invoice(customer, other_tenant, as_staff, support_agent):
    invoice = issue_invoice(customer, "100.00")
    browser = as_staff(support_agent)
    url = reverse("console:customers")
    member_email = customer.memberships.get(role=Role.ADMIN).user.email
    for query in ("acme", customer.siren, member_email, invoice.number):
        response = browser.get(url, {"q": query})
        assert response.status_code == 302, query  # one match: straight to its 360
        assert response["Location"] == reverse("console:customer", args=[customer.pk])
    ClientFactory(legal_name="Acme Industrie", partner=customer.partner)
    page = browser.get(url, {"q": "Acme"}).content.decode()
    assert "Acme SAS" in page and "Acme Industrie" in page and "Rival" not in page
    assert "Aucun client ne correspond." in browser.get(url, {"q": "zzzz"}).content.decode()


@pytest.fixture
def full_customer(customer, tenant):
    """A customer with a bit of everything the 360 shows."""
    make_trunk(customer)
    make_sip_account(customer)
    invoice = issue_invoice(customer, "100.00")  # 120.00 incl. VAT, due 30 October
    support.ticket_open(
        client=customer,
        kind=TicketKind.QUESTION,
        subject="Question sur la facture",
        body="Bonjour",
        actor=tenant.members[Role.ADMIN].user,
    )
    return customer, invoice


def test_customer_360_content(full_customer, as_staff, billing_agent):
    customer, invoice = full_customer
    page = as_staff(billing_agent).get(reverse("console:customer", args=[customer.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    for text in (
        "Acme SAS",
        customer.siren,
        customer.memberships.get(role=Role.ADMIN).user.email,
        invoice.number,
        french_money(invoice.total_gross),  # the invoice's total
        "Question sur la facture",
        "Trunks SIP et comptes SIP",
        "Journal d'audit",
    ):
        assert text in html, text
    # Empty states say what is empty (a customer without prepaid ledger, not a bare dash).
    assert "Aucune écriture\u00a0: client non prépayé" in html
    # Billing staff record payments; resetting SIP credentials is support's.
    assert "Enregistrer un paiement" in html and "Réinitialiser les identifiants" not in html


# Issue 17 — the 360 reads a fixed number of queries, whatever the customer's history.
def test_customer_360_query_count(
    full_customer, as_staff, superuser, django_assert_max_num_queries
):
    customer, _invoice = full_customer
    browser = as_staff(superuser)
    url = reverse("console:customer", args=[customer.pk])
    with django_assert_max_num_queries(60) as first:
        browser.get(url)
    for month in (date(2026, 10, 1), date(2026, 11, 1)):
        issue_invoice(customer, "50.00", month=month, source=f"m{month.month}")
    make_sip_account(customer)
    make_contract(customer, "hosted-w", quantity=2)
    with django_assert_max_num_queries(len(first.captured_queries)):
        browser.get(url)


# BIL-4 — a transfer of 120.00 € recorded from the 360: previewed, then confirmed; it settles
# the invoice of 120.00 € (nothing left due) and is audited.
def test_record_payment_confirmed(customer, as_staff, billing_agent):
    invoice = issue_invoice(customer, "100.00")
    browser = as_staff(billing_agent)
    url = reverse("console:record_payment", args=[customer.pk])
    data = {"amount": "120.00", "method": "transfer", "received_on": "2026-10-05"}
    with at(date(2026, 10, 5)):
        preview = browser.post(url, data)
        assert 'data-testid="action-preview"' in preview.content.decode()
        assert not Payment.objects.exists()
        done = browser.post(url, {**data, "once": _once(preview), "confirm": "1"})
    assert done.status_code == 302
    payment = Payment.objects.get()
    assert (payment.amount, payment.recorded_by) == (Decimal("120.00"), billing_agent)
    assert payments.invoice_state(invoice).open == Decimal("0.00")
    bad = browser.post(url, {"amount": "-5", "method": "transfer", "received_on": "2026-10-05"})
    assert bad.status_code == 400


# BIL-4 — in the French console, « 120,00 » as staff type it: the amount was an
# <input type="number"> (en-US browsers send « 120,00 » as 12000) and the server refused
# « 120,00 » (« Saisissez un nombre. »). Now read the page's way, previewed as 120,00 €.
def test_record_payment_amount_typed_the_french_way(customer, as_staff, billing_agent):
    issue_invoice(customer, "100.00")
    browser = as_staff(billing_agent)
    url = reverse("console:record_payment", args=[customer.pk])
    data = {"amount": "120,00", "method": "transfer", "received_on": "2026-10-05"}
    french = {"HTTP_ACCEPT_LANGUAGE": "fr"}
    with at(date(2026, 10, 5)):
        page = browser.get(reverse("console:customer", args=[customer.pk]), **french)
        preview = browser.post(url, data, **french)
        assert preview.status_code == 200, preview.content.decode()
        done = browser.post(url, {**data, "once": _once(preview), "confirm": "1"}, **french)
    field = page.content.decode().split('name="amount"')[1].split(">")[0]
    field = page.content.decode().split('name="amount"')[0].rsplit("<input", 1)[1] + field
    assert 'type="number"' not in field and 'inputmode="decimal"' in field, field
    assert "Enregistrer un paiement de 120,00\u00a0€" in preview.content.decode()
    assert done.status_code == 302
    assert Payment.objects.get().amount == Decimal("120.00")
    with at(date(2026, 10, 5)):
        zero = browser.post(url, {**data, "amount": "0"}, **french).content.decode()
    assert "Saisissez un montant d&#x27;au moins 0,01\u00a0€." in zero and "0.01" not in zero


def _once(preview) -> str:
    """The token the payment's confirmation carries (the preview's hidden ``once``)."""
    found = re.search(r'name="once" value="([^"]+)"', preview.content.decode())
    return found.group(1) if found else ""


# BIL-4 — the confirmation records what the preview showed. A preview of 120.00 € received on
# 5 October, then its confirmation sent with 1 200.00 € (a hand-made request, the amount
# changed after the preview): 1 200.00 € was recorded, never shown. Now nothing is recorded
# and the preview comes again with 1 200,00 €; its own confirmation records 1 200.00 €.
def test_payment_confirmation_records_the_amount_previewed(customer, as_staff, billing_agent):
    issue_invoice(customer, "100.00")  # 120.00 incl. VAT
    browser = as_staff(billing_agent)
    url = reverse("console:record_payment", args=[customer.pk])
    data = {"amount": "120.00", "method": "transfer", "received_on": "2026-10-05"}
    with at(date(2026, 10, 5)):
        once = _once(browser.post(url, data))
        changed = browser.post(url, {**data, "amount": "1200.00", "once": once, "confirm": "1"})
        assert not Payment.objects.exists()
        page = changed.content.decode()
        assert 'data-testid="action-preview"' in page and "1\u00a0200,00" in page
        for other in ({"method": "cheque"}, {"received_on": "2026-10-01"}, {"reference": "X"}):
            browser.post(url, {**data, **other, "once": once, "confirm": "1"})
        assert not Payment.objects.exists()
        done = browser.post(
            url, {**data, "amount": "1200.00", "once": _once(changed), "confirm": "1"}
        )
    assert done.status_code == 302
    assert list(Payment.objects.values_list("amount", flat=True)) == [Decimal("1200.00")]


# BIL-4 — the confirmation records the payment of the customer whose preview showed it: a
# preview of 120.00 € for one customer, its confirmation sent to another customer's page (a
# hand-made request, the token carried over) recorded 120.00 € received from the second one,
# never previewed for it. Now nothing is recorded and the second customer's preview comes.
def test_payment_confirmation_bound_to_the_customer_previewed(customer, as_staff, billing_agent):
    other = ClientFactory(partner=customer.partner)
    issue_invoice(customer, "100.00")  # 120.00 incl. VAT
    issue_invoice(other, "100.00")
    browser = as_staff(billing_agent)
    data = {"amount": "120.00", "method": "transfer", "received_on": "2026-10-05"}
    with at(date(2026, 10, 5)):
        once = _once(browser.post(reverse("console:record_payment", args=[customer.pk]), data))
        moved = browser.post(
            reverse("console:record_payment", args=[other.pk]),
            {**data, "once": once, "confirm": "1"},
        )
    assert not Payment.objects.exists()
    assert 'data-testid="action-preview"' in moved.content.decode()


# BIL-4 — the confirmation of a transfer of 120.00 € sent twice (a double click, a resent
# form) recorded two payments: 240.00 € received for a 120.00 € invoice, 120.00 € left on
# account. One payment of 120.00 € now; the second sending says so and writes nothing, and a
# confirmation without the preview's token records nothing.
def test_payment_confirmation_sent_twice_records_one_payment(customer, as_staff, billing_agent):
    issue_invoice(customer, "100.00")  # 120.00 incl. VAT
    browser = as_staff(billing_agent)
    url = reverse("console:record_payment", args=[customer.pk])
    data = {"amount": "120.00", "method": "transfer", "received_on": "2026-10-05"}
    with at(date(2026, 10, 5)):
        confirmation = {**data, "once": _once(browser.post(url, data)), "confirm": "1"}
        first = browser.post(url, confirmation)
        second = browser.post(url, confirmation, follow=True)
        forged = browser.post(url, {**data, "confirm": "1"})
    assert first.status_code == 302 and forged.status_code == 302
    assert list(Payment.objects.values_list("amount", flat=True)) == [Decimal("120.00")]
    assert "Cette confirmation a déjà été envoyée" in second.content.decode()
    assert AuditLog.objects.filter(action="payment.record").count() == 1


# CON-8 — suspending a contract from the 360, with a reason of the list, confirmed first.
def test_suspend_contract(customer, as_staff, support_agent):
    contract = make_contract(customer, "hosted-w", quantity=2)
    browser = as_staff(support_agent)
    url = reverse("console:suspend", args=[customer.pk])
    data = {"contract": contract.pk, "reason": "fraud", "note": "Trafic suspect"}
    browser.post(url, data)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE
    browser.post(url, {**data, "confirm": "1"})
    contract.refresh_from_db()
    assert contract.status == ContractStatus.SUSPENDED


# CON-8 — a contract under notice (HOSTED-W, terminating) is suspended from the 360 for
# suspected fraud: its service suspended (an open suspension), its status still terminating and
# its termination still scheduled. Before: the form offered active contracts only, so the
# contract could not be chosen ("Sélectionnez un choix valide"), its service left running.
def test_suspend_contract_under_notice(customer, as_staff, support_agent):
    from offers import services as offers

    contract = make_contract(customer, "hosted-w", quantity=2)
    termination = offers.contract_request_termination(contract=contract)
    browser = as_staff(support_agent)
    url = reverse("console:suspend", args=[customer.pk])
    data = {"contract": contract.pk, "reason": "fraud", "note": "Trafic suspect", "confirm": "1"}
    response = browser.post(url, data)
    assert response.status_code == 302
    contract.refresh_from_db()
    termination.refresh_from_db()
    assert contract.status == ContractStatus.TERMINATING
    assert termination.status == "scheduled"
    assert contract.suspensions.get(lifted_at__isnull=True).reason == "fraud"
    # already suspended: no longer offered
    again = browser.post(url, data)
    assert again.status_code == 400 and contract.suspensions.count() == 1


# CON-8 — the note is bounded as the suspension stores it (300 characters): a longer one is a
# form message, not a server error, and nothing is suspended; the form says who reads it.
def test_suspend_note_bounded(customer, as_staff, support_agent):
    contract = make_contract(customer, "hosted-w", quantity=2)
    browser = as_staff(support_agent)
    url = reverse("console:suspend", args=[customer.pk])
    data = {"contract": contract.pk, "reason": "fraud", "note": "x" * 301, "confirm": "1"}
    response = browser.post(url, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "300" in page
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE
    browser.post(url, {**data, "note": "x" * 300})
    contract.refresh_from_db()
    assert contract.status == ContractStatus.SUSPENDED


# CON-4 / CON-5 — terminating shows the quote (effective date, fee) first; confirming records
# the termination with that quote.
def test_terminate_with_quote(customer, as_staff, support_agent):
    contract = make_contract(customer, "hosted-w", quantity=2)
    browser = as_staff(support_agent)
    url = reverse("console:terminate", args=[customer.pk])
    preview = browser.post(url, {"contract": contract.pk}).content.decode()
    assert 'data-testid="quote-date"' in preview and 'data-testid="quote-fee"' in preview
    assert not Termination.objects.exists()
    browser.post(url, {**confirmation_fields(preview), "confirm": "1"})
    termination = Termination.objects.get(contract=contract)
    assert termination.status == "scheduled"


# CON-4 (PLATFORM 8.2 / 17.1) — staff record the customer's registered letter with the day it
# was received. PLATFORM signed 2026-02-01 at 250.00 a month, letter received 2026-11-01 (3
# months before the anniversary 2027-02-01), typed in on 2026-11-03: a non-renewal effective
# 2027-02-01 without fee. Counted from the typing day it was 2026-11-03 + 3 months =
# 2027-02-03, a convenience termination with 11 months (March 2027 to January 2028, February
# invoiced in advance) × 250.00 = 2 750.00. A notice received in the future is refused.
def test_terminate_with_the_notice_received_earlier(customer, as_staff, support_agent):
    contract = make_contract(
        customer,
        "platform",
        signature=date(2026, 2, 1),
        service_start=date(2026, 2, 1),
        monthly_price="250.00",
    )
    browser = as_staff(support_agent)
    url = reverse("console:terminate", args=[customer.pk])
    data = {"contract": contract.pk, "notice_date": "01/11/2026"}
    with at(date(2026, 11, 3)):
        future = browser.post(url, {**data, "notice_date": "04/11/2026"})
        assert future.status_code == 400
        preview = browser.post(url, data).content.decode()
        assert 'data-testid="quote-notice">1er novembre 2026<' in preview
        assert 'data-testid="quote-date">1er février 2027<' in preview
        assert 'data-testid="quote-fee">0,00' in preview
        browser.post(url, {**confirmation_fields(preview), "confirm": "1"})
    termination = Termination.objects.get(contract=contract)
    assert (termination.notice_date, termination.effective_date) == (
        date(2026, 11, 1),
        date(2027, 2, 1),
    )
    assert termination.fee_amount == Decimal("0.00")


# CON-4 / CON-5 / BIL-9 (SIP-UNL: notice at any time, effective at the end of the month) — a
# letter received on 31 October 2026, typed in on 3 November: the contract ends on 1 November,
# as it would have if typed in on the day. November was invoiced in advance on 31 October (3
# SIP accounts × 19.90 = 59.70 € HT) before anyone knew of the letter: it is credited (59.70 €
# HT, 71.64 € TTC), a credit note correcting that invoice. Before, the console refused the
# letter ("would have taken effect on 01/11/2026: give a requested date from today") and the
# contract ended on 1 December, November due.
def test_terminate_with_a_letter_whose_end_of_month_has_passed(customer, as_staff, billing_agent):
    from billing import services as billing
    from billing.models import Invoice

    contract = make_contract(
        customer, "sip-unl", quantity=3, signature=date(2026, 9, 1), service_start=date(2026, 9, 1)
    )
    with at(date(2026, 11, 1), hour=0):
        billing.run_month_sync(month=date(2026, 10, 1))
    october = Invoice.objects.get(client=customer, kind="invoice", month=date(2026, 10, 1))
    assert october.total_net == Decimal("59.70")  # November, in advance
    browser = as_staff(billing_agent)
    url = reverse("console:terminate", args=[customer.pk])
    data = {"contract": contract.pk, "notice_date": "31/10/2026"}
    with at(date(2026, 11, 3)):
        preview = browser.post(url, data)
        assert preview.status_code == 200
        page = preview.content.decode()
        assert 'data-testid="quote-date">1er novembre 2026<' in page
        assert 'data-testid="quote-past"' in page
        browser.post(url, {**confirmation_fields(page), "confirm": "1"})
    termination = Termination.objects.get(contract=contract)
    assert termination.effective_date == date(2026, 11, 1)
    (note,) = Invoice.objects.filter(kind="credit_note", corrects=october)
    assert (note.total_net, note.total_gross) == (Decimal("59.70"), Decimal("71.64"))
    # nothing more is credited by a second look, and the next run bills no month of it
    with at(date(2026, 12, 1), hour=0):
        billing.run_month_sync(month=date(2026, 11, 1))
    assert Invoice.objects.filter(kind="credit_note").count() == 1
    assert not Invoice.objects.filter(client=customer, kind="invoice", month=date(2026, 11, 1))


# ACC-7 — a new SIP secret, confirmed first, shown once, audited.
def test_reset_credentials(customer, other_tenant, as_staff, support_agent):
    account, _secret = make_sip_account(customer)
    browser = as_staff(support_agent)
    url = reverse("console:reset_credentials", args=[customer.pk, "sip", account.pk])
    before = account.secret_encrypted
    browser.post(url)
    account.refresh_from_db()
    assert account.secret_encrypted == before
    page = browser.post(url, {"confirm": "1"}).content.decode()
    account.refresh_from_db()
    assert account.secret_encrypted != before and 'data-testid="new-secret"' in page
    assert AuditLog.objects.filter(action="sipaccount.credentials_reset").exists()
    # Another customer's account is not reachable through this customer's page.
    other, _secret = make_sip_account(other_tenant.client)
    url = reverse("console:reset_credentials", args=[customer.pk, "sip", other.pk])
    assert browser.post(url, {"confirm": "1"}).status_code == 404


# ACC-6 (PLATFORM 12.7.4) — a billing agent closes a contract flagged inactive from the
# customer's page. The customer (prepaid) tops up 30.00 € and has two contracts, both flagged:
# closing the first forfeits nothing (the other stays in service); closing the second, its
# last, shows "30,00 €" forfeited before confirming, then debits the whole balance → 0.00.
# A support agent cannot; a contract not flagged is not offered; a confirmation whose amount no
# longer matches the balance (a top-up meanwhile) is refused and nothing moves.
def test_acc6_close_inactive_contract_forfeits_the_last_balance(
    customer, as_staff, billing_agent, support_agent
):
    from accounts.choices import PaymentMethod
    from payments.models import PrepaidEntry
    from tests.telephony.factories import top_up

    customer.payment_method = PaymentMethod.PREPAID
    customer.save(update_fields=["payment_method"])
    first, last = (make_contract(customer, "platform") for _ in range(2))
    top_up(customer, "30.00")
    url = reverse("console:close_inactive", args=[customer.pk])

    def balance():
        return sum(e.amount for e in PrepaidEntry.objects.filter(account__client=customer))

    browser = as_staff(billing_agent)
    assert browser.post(url, {"contract": first.pk}).status_code == 400  # not flagged
    for contract in (first, last):
        contract.inactive_flagged_on = date(2027, 5, 3)
        contract.save(update_fields=["inactive_flagged_on"])
    assert as_staff(support_agent).post(url, {"contract": first.pk}).status_code == 403
    browser = as_staff(billing_agent)
    page = browser.get(reverse("console:customer", args=[customer.pk])).content.decode()
    assert "Clôturer un contrat signalé inactif" in page

    preview = browser.post(url, {"contract": first.pk}).content.decode()
    assert "aucun appel depuis sa mise en service, signalé le 03/05/2027" in preview
    assert "Aucun solde prépayé n'est perdu." in preview
    browser.post(url, {"contract": first.pk, "forfeit": "0", "confirm": "1"})
    assert Termination.objects.get(contract=first).reason == "inactivity"
    assert balance() == Decimal("30.00")

    last.last_traffic_on = date(2026, 11, 2)
    last.save(update_fields=["last_traffic_on"])
    preview = browser.post(url, {"contract": last.pk}).content.decode()
    assert "dernier appel\xa0: 02/11/2026, signalé le 03/05/2027" in preview
    assert "solde prépayé de 30,00\xa0€ est perdu" in preview
    top_up(customer, "5.00")  # meanwhile
    refused = browser.post(url, {"contract": last.pk, "forfeit": "30.00", "confirm": "1"})
    assert refused.status_code == 400 and not Termination.objects.filter(contract=last).exists()
    assert balance() == Decimal("35.00")
    response = browser.post(url, {"contract": last.pk, "forfeit": "35.00", "confirm": "1"})
    assert response.status_code == 302
    assert Termination.objects.get(contract=last).fee_amount == Decimal("0")
    assert balance() == Decimal("0.00")


def _rows(page: str) -> int:
    return len(html.fromstring(page).xpath("//*[@data-testid='search-results']//tbody/tr"))


# Issue 17 — a search matching more customers than a page holds (30 « Dupont … » for 25 a
# page) showed the first 25 and no way to the other 5: now page 1 shows 25 and links page 2,
# which shows the last 5 (« Dupont 29 » among them); both pages read as many queries as a
# search of 3 results.
def test_search_pages_its_results(customer, as_staff, support_agent, django_assert_max_num_queries):
    for index in range(3):
        ClientFactory(partner=customer.partner, legal_name=f"Dupont {index:02d}")
    browser = as_staff(support_agent)
    url = reverse("console:customers")
    with django_assert_max_num_queries(60) as few:
        assert browser.get(url, {"q": "dupont"}).content.decode().count("Dupont ") == 3
    for index in range(3, 30):
        ClientFactory(partner=customer.partner, legal_name=f"Dupont {index:02d}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        first = browser.get(url, {"q": "dupont"}).content.decode()
    assert _rows(first) == 25 and "Dupont 29" not in first
    assert "?q=dupont&amp;page=2" in first
    with django_assert_max_num_queries(len(few.captured_queries)):
        second = browser.get(url, {"q": "dupont", "page": "2"}).content.decode()
    assert _rows(second) == 5 and "Dupont 29" in second


# ACC-7 — the page showing a new SIP secret is never kept by the browser or a proxy (no-store),
# as the customer portal's is: Back or the history would show the secret again.
def test_reset_credentials_page_is_never_cached(customer, as_staff, support_agent):
    account, _secret = make_sip_account(customer)
    browser = as_staff(support_agent)
    url = reverse("console:reset_credentials", args=[customer.pk, "sip", account.pk])
    response = browser.post(url, {"confirm": "1"})
    assert 'data-testid="new-secret"' in response.content.decode()
    assert "no-store" in response["Cache-Control"]


# BIL-4, ACC-3 — a partner-billed customer owes the reseller nothing: its partner is invoiced
# for it and collects its payments. Its 360 offered "Record a payment" all the same, and a
# transfer of 120.00 € confirmed there was recorded as received from the customer: nothing
# settled (the customer has no invoice of ours), 120.00 € left on its account, and the partner
# told by webhook that its customer paid us, while the partner's own invoice stayed unpaid.
# The page now says the partner pays, and the action is refused with nothing written.
def test_partner_billed_customer_payment_goes_to_its_partner(tenant, as_staff, billing_agent):
    client = tenant.client  # its partner is partner-billed (the default)
    browser = as_staff(billing_agent)
    page = browser.get(reverse("console:customer", args=[client.pk])).content.decode()
    assert reverse("console:record_payment", args=[client.pk]) not in page
    assert f"{client.partner.name} est facturé" in page
    url = reverse("console:record_payment", args=[client.pk])
    data = {"amount": "120.00", "method": "transfer", "received_on": "2026-10-05"}
    with at(date(2026, 10, 5)):
        preview = browser.post(url, data)
        done = browser.post(url, {**data, "once": _once(preview), "confirm": "1"})
    assert preview.status_code == done.status_code == 400
    assert not Payment.objects.exists()
    assert not AuditLog.objects.filter(action="payment.record").exists()
