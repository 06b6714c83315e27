"""Portal pages of contracts: list, detail (terms in plain words, renewal, notice deadline, SLA-9,
trial, inactivity, suspension), termination quote and confirmation (CON-4, CON-5), cancellation,
roles (ACC-2), query counts and the dashboard card."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from accounts.choices import Role
from offers import services
from offers.choices import ContractStatus, SuspensionReason, TerminationStatus
from offers.models import Contract, Termination
from offers.views import notice_deadline
from tests.factories import ClientFactory, SiteFactory
from tests.offers.factories import make_contract

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
NBSP = "\xa0"


def at(day: date, hour: int = 10):
    """A moment of ``day`` in Paris, for ``time_machine.travel``."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=PARIS)


def shown(day: date, language: str = "en") -> str:
    """A date as the pages print it (DATE_FORMAT of ``language``)."""
    with translation.override(language):
        return date_format(day, "DATE_FORMAT")


@pytest.fixture
def english(client):
    """The pages in English (the source strings), whatever the catalogue says."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def hosted_a(tenant):
    """HOSTED-A at 250 € a month, service started on 2025-03-15: initial period of 36 months
    until 2028-03-15 (exclusive)."""
    return make_contract(tenant.client)


def page_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- List -------------------------------------------------------------------------------------


# CON-2, CON-3 — the list shows reference, offer, site, status, current period, next renewal;
# never another customer's contract.
def test_contract_list_rows(as_role, english, tenant, other_tenant, hosted_a):
    trunk = make_contract(tenant.client, "trunk", quantity=8, status=ContractStatus.ORDERED)
    theirs = make_contract(other_tenant.client)
    page = page_of(as_role(Role.READ_ONLY).get(reverse("offers:list")))
    assert hosted_a.reference in page and trunk.reference in page
    assert theirs.reference not in page and "Dépôt Rival" not in page
    assert "Hosted telephony Site" in page and "SIP Trunk" in page and "Siège Acme" in page
    assert '<span class="badge ok">Active</span>' in page
    assert '<span class="badge">Ordered</span>' in page
    # The period's last day (not its exclusive end), then the next renewal (= that end).
    with translation.override("en"):
        start, last, renewal = (
            date_format(d, "SHORT_DATE_FORMAT")
            for d in (date(2025, 3, 15), date(2028, 3, 14), date(2028, 3, 15))
        )
    assert f'<td data-label="Current period">{start} → {last}</td>' in page
    assert f'<td data-label="Next renewal">{renewal}</td>' in page
    assert "40.00\u00a0€" in page  # 8 channels × 5 €


def test_contract_list_empty_state(as_role, english):
    page = page_of(as_role(Role.ADMIN).get(reverse("offers:list")))
    assert "No contract yet." in page and "<table" not in page


def test_contract_list_paginated(as_role, english, tenant):
    for _ in range(26):
        make_contract(tenant.client, "sip-unl", status=ContractStatus.ORDERED)
    browser = as_role(Role.ADMIN)
    first = page_of(browser.get(reverse("offers:list")))
    second = page_of(browser.get(reverse("offers:list"), {"page": 2}))
    assert first.count('href="/contracts/') == 25 + 1  # rows + the main menu's entry
    assert second.count('href="/contracts/') == 1 + 1 and "Page 2 of 2" in second


# Query counts — the list costs the same number of queries for 1 contract as for 10 (no N+1).
def test_contract_list_query_count(as_role, tenant, django_assert_max_num_queries):
    browser = as_role(Role.ADMIN)
    make_contract(tenant.client)
    browser.get(reverse("offers:list"))  # warm the session
    with CaptureQueriesContext(connection) as one:
        assert browser.get(reverse("offers:list")).status_code == 200
    for index in range(9):
        make_contract(tenant.client, "hosted-w" if index % 2 else "hosted-a", quantity=index + 1)
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = page_of(browser.get(reverse("offers:list")))
    assert page.count('href="/contracts/') == 10 + 1
    # Session, user, user sessions and membership take about 6; the page itself 4 (count, rows,
    # lines with products, scheduled terminations).
    assert len(one.captured_queries) <= 12


# --- Detail -----------------------------------------------------------------------------------


# CON-1, CON-2 — the terms signed, in plain words, and the lines with their prices.
@time_machine.travel(at(date(2026, 11, 20)), tick=False)
def test_detail_terms_in_plain_words(as_role, english, hosted_a):
    page = page_of(as_role(Role.READ_ONLY).get(reverse("offers:detail", args=[hosted_a.pk])))
    assert f"36 months from the service start date ({shown(date(2025, 3, 15))})." in page
    assert "Renewed tacitly for 12 months at a time, unless terminated." in page
    assert "1 month: a termination takes effect 1 month after your request" in page
    assert "Subscriptions are billed monthly in advance." in page
    assert "Consumption is billed in arrears" in page
    # CON-5 allset_sliding explained in a sentence, with the contract's monthly fees.
    assert "100% of the monthly fees (250.00 € excl. VAT)" in page
    assert "plus 50% for each month or part left beyond the first year" in page
    assert "During a renewal period: 100% of the monthly fees for 3 months" in page
    # SLA-2 support hours of the offer; SLA policy.
    assert "Monday to Friday, 9 a.m.–6 p.m. (Paris time), except French public holidays." in page
    assert "Service restoration target: 8 business hours" in page
    assert "99% availability" in page
    # Lines: product, quantity, unit monthly price, monthly total.
    assert "Hosted telephony per site" in page
    assert 'data-label="Monthly total" data-testid="line-monthly-total">250.00\u00a0€</td>' in page
    assert 'data-testid="monthly-fees">250.00\u00a0€<' in page


# CON-4, EQP-3 — a rental ends at any time (no notice, notice_months = 0): its terms said
# "0 months: a termination takes effect 0 months after your request at the earliest".
@time_machine.travel(at(date(2026, 11, 20)), tick=False)
def test_detail_terms_of_a_contract_without_notice(as_role, client, tenant):
    from tests.equipment.factories import make_model, rent

    order = rent(tenant.client, tenant.site, make_model(), ordered_on=date(2026, 6, 1))
    assert order.contract.term("notice_months") == 0
    browser = as_role(Role.READ_ONLY)
    url = reverse("offers:detail", args=[order.contract.pk])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = page_of(browser.get(url))
    assert "0 month" not in page
    assert (
        "No notice: a termination can take effect on the day of your request (or on the later "
        "date you choose)."
    ) in page
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    page = page_of(browser.get(url))
    assert "0 mois" not in page
    assert (
        "Sans préavis : la résiliation peut prendre effet le jour de votre demande (ou à la "
        "date ultérieure de votre choix)."
    ) in page.replace("\xa0", " ")


# CON-3, CON-4 — next renewal = current period end; notice deadline = that end − 1 month.
@time_machine.travel(at(date(2026, 11, 20)), tick=False)
def test_detail_next_renewal_and_notice_deadline(as_role, english, hosted_a):
    page = page_of(as_role(Role.READ_ONLY).get(reverse("offers:detail", args=[hosted_a.pk])))
    assert f'data-testid="next-renewal">{shown(date(2028, 3, 15))}<' in page
    assert f'data-testid="notice-deadline">{shown(date(2028, 2, 15))}<' in page
    assert (
        f"Give notice by {shown(date(2028, 2, 15))} at the latest for the contract to end on "
        f"{shown(date(2028, 3, 15))}"
    ) in page
    assert "(initial period)" in page


# CON-4 — the deadline is the last day whose notice still ends the period: with month-end
# clamping a 1-month notice given on 2026-01-31 runs to 2026-02-28, the period's end.
@time_machine.travel(at(date(2025, 12, 1)), tick=False)
def test_notice_deadline_with_month_end_clamping(tenant):
    contract = make_contract(
        tenant.client, "hosted-w", signature=date(2025, 2, 28), service_start=date(2025, 3, 3)
    )
    assert contract.current_period_end == date(2026, 2, 28)
    deadline = notice_deadline(contract)
    assert deadline == date(2026, 1, 31)
    # The services agree: notice on the deadline ends the contract at the period end, no fee;
    # a day later it does not.
    on_time = services.termination_quote(contract=contract, notice_date=deadline)
    assert on_time.effective_date == date(2026, 2, 28) and on_time.fee_amount == 0
    late = services.termination_quote(contract=contract, notice_date=date(2026, 2, 1))
    assert late.effective_date == date(2026, 3, 1) and late.fee_amount > 0


# CON-4 (PLATFORM 8.2) — anniversary − 3 months; once passed, the page says the contract renews.
@time_machine.travel(at(date(2026, 11, 20)), tick=False)
def test_platform_notice_deadline_passed(as_role, english, tenant):
    contract = make_contract(
        tenant.client, "platform", signature=date(2026, 1, 10), service_start=date(2026, 1, 12)
    )
    assert notice_deadline(contract) == date(2026, 10, 10)
    page = page_of(as_role(Role.ADMIN).get(reverse("offers:detail", args=[contract.pk])))
    assert f'data-testid="notice-deadline">{shown(date(2026, 10, 10))}<' in page
    assert (
        "The notice deadline of this period has passed: the contract renews on "
        f"{shown(date(2027, 1, 10))} for 12 months."
    ) in page
    assert "at the higher of the monthly subscriptions (150.00 €) and the minimum" in page
    assert "Monday to Friday, 9 a.m.–5 p.m." in page


# CON-1 (SIP-UNL) — notice any time, effective on the 1st of the next month.
@time_machine.travel(at(date(2026, 11, 20)), tick=False)
def test_end_of_month_notice_any_time(as_role, english, tenant):
    contract = make_contract(
        tenant.client, "sip-unl", signature=date(2026, 11, 2), service_start=date(2026, 11, 5)
    )
    assert notice_deadline(contract) is None
    page = page_of(as_role(Role.ADMIN).get(reverse("offers:detail", args=[contract.pk])))
    assert 'data-testid="notice-deadline">Any time<' in page
    assert f'data-testid="next-renewal">{shown(date(2026, 12, 1))}<' in page
    assert "No termination fee: only the current month" in page
    assert "This offer has no availability commitment." in page


# SLA-9 — no availability commitment when the access, terminals or router are not ours
# (HOSTED-W 7); a HOSTED-A site flagged so keeps its commitment (HOSTED-A has no such clause).
def test_sla_applicability_message(as_role, english, tenant, hosted_a):
    browser = as_role(Role.TECHNICAL)
    without = make_contract(tenant.client, "hosted-w", sla_applicable=False)
    page = page_of(browser.get(reverse("offers:detail", args=[without.pk])))
    assert (
        "The availability commitment (SLA) does not apply to this contract: the access link, "
        "terminals or router were not ordered from us."
    ) in page
    page = page_of(browser.get(reverse("offers:detail", args=[hosted_a.pk])))
    assert "The availability commitment applies to this contract." in page
    assert "does not apply" not in page
    flagged = make_contract(tenant.client, "hosted-a", sla_applicable=False)
    page = page_of(browser.get(reverse("offers:detail", args=[flagged.pk])))
    assert "The availability commitment applies to this contract." in page
    assert "does not apply" not in page


# CON-7, ACC-6, CON-8 — trial, inactivity flag and an active suspension with its reason. Only
# PLATFORM's terms (17.3) know inactivity: the HOSTED-A contract without traffic since March is
# not flagged; the PLATFORM one is. The trial is on a contract not in service yet (CON-7,
# PLATFORM 6.2: a trial comes before the service).
@time_machine.travel(at(date(2026, 11, 20)), tick=False)
def test_trial_inactivity_and_suspension_shown(as_role, english, tenant, hosted_a):
    platform = make_contract(
        tenant.client, "platform", signature=date(2025, 2, 20), service_start=date(2025, 3, 15)
    )
    for contract in (hosted_a, platform):
        services.contract_record_traffic(contract=contract, day=date(2026, 3, 2))
    assert services.contracts_flag_inactive(today=date(2026, 11, 20)) == 1
    hosted_a.refresh_from_db()
    assert hosted_a.inactive_flagged_on is None
    services.contract_suspend(contract=platform, reason=SuspensionReason.FRAUD)
    on_trial = make_contract(
        tenant.client, "platform", signature=date(2026, 11, 2), status=ContractStatus.ORDERED
    )
    services.contract_set_trial(contract=on_trial, ends_on=date(2026, 12, 1))
    trial_page = page_of(as_role(Role.READ_ONLY).get(reverse("offers:detail", args=[on_trial.pk])))
    assert f"Free trial until {shown(date(2026, 12, 1))}" in trial_page
    page = page_of(as_role(Role.READ_ONLY).get(reverse("offers:detail", args=[platform.pk])))
    assert "Free trial" not in page
    assert f"No call since {shown(date(2026, 3, 2))}" in page
    assert f"flagged inactive on {shown(date(2026, 11, 20))}" in page
    assert "Service suspended since" in page and "Reason: Fraud or suspected hacking." in page
    assert '<span class="badge alert" data-testid="contract-status">Suspended</span>' in page


def test_detail_of_other_customer_is_404(as_role, other_tenant):
    theirs = make_contract(other_tenant.client)
    assert as_role(Role.ADMIN).get(reverse("offers:detail", args=[theirs.pk])).status_code == 404


# --- Termination ------------------------------------------------------------------------------


# CON-4, CON-5 — HOSTED-A, notice on 2026-11-20: effective 2026-12-20 (1 month), December is
# invoiced in advance so fees count from 2027-01-01: 15 months left beyond the first year at
# 50 % of 250 € = 1 875 €.
@time_machine.travel(at(date(2026, 11, 20)), tick=False)
def test_quote_for_hosted_a(as_role, english, hosted_a):
    browser = as_role(Role.ADMIN)
    url = reverse("offers:terminate", args=[hosted_a.pk])
    page = page_of(browser.get(url))
    assert 'name="requested_date"' in page and 'value="quote"' in page
    assert 'data-testid="quote"' not in page

    page = page_of(browser.post(url, {"action": "quote", "requested_date": ""}))
    assert f'data-testid="quote-effective">{shown(date(2026, 12, 20))}<' in page
    assert f'data-testid="quote-fee-start">{shown(date(2027, 1, 1))}<' in page
    assert 'data-testid="quote-fee">1,875.00\u00a0€<' in page
    assert "15 months × 50% × 250.00\u00a0€ = <strong>1,875.00\u00a0€</strong>" in page
    assert "Months left in the initial period beyond its first year" in page
    # The confirmation carries the date, hidden, and asks for the checkbox.
    assert 'type="hidden" name="requested_date"' in page
    assert 'name="confirm"' in page and 'value="confirm"' in page
    assert not Termination.objects.exists()


# CON-4, CON-5 — the same quote the French way: dates and amounts formatted by Django's l10n.
@time_machine.travel(at(date(2026, 11, 20)), tick=False)
def test_quote_in_french(as_role, hosted_a):
    browser = as_role(Role.ADMIN)
    response = browser.post(
        reverse("offers:terminate", args=[hosted_a.pk]),
        {"action": "quote"},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    page = page_of(response)
    assert f'data-testid="quote-effective">{shown(date(2026, 12, 20), "fr")}<' in page
    assert "20 décembre 2026" in page
    assert f'data-testid="quote-fee">1{NBSP}875,00\u00a0€<' in page
    assert f"× 50\u00a0% × 250,00\u00a0€ = <strong>1{NBSP}875,00\u00a0€</strong>" in page


# CON-4 — a later requested date is kept; a date in the past is refused with a clear message.
@time_machine.travel(at(date(2026, 11, 20)), tick=False)
def test_quote_requested_dates(as_role, english, hosted_a):
    browser = as_role(Role.ADMIN)
    url = reverse("offers:terminate", args=[hosted_a.pk])
    page = page_of(browser.post(url, {"action": "quote", "requested_date": "2027-03-15"}))
    assert f'data-testid="quote-effective">{shown(date(2027, 3, 15))}<' in page
    assert 'value="2027-03-15"' in page
    page = page_of(browser.post(url, {"action": "quote", "requested_date": "2026-11-19"}))
    assert "The requested date is in the past." in page
    assert 'data-testid="quote"' not in page
    # A forged confirmation with a past date is refused the same way, nothing is recorded.
    page = page_of(
        browser.post(url, {"action": "confirm", "requested_date": "2026-11-01", "confirm": "on"})
    )
    assert "The requested date is in the past." in page
    assert not Termination.objects.exists()


# CON-4 — confirming needs the checkbox; then the termination is scheduled with the quote's
# effective date and fee, and the contract shows as terminating.
@time_machine.travel(at(date(2026, 11, 20)), tick=False)
def test_confirm_schedules_the_termination(as_role, english, tenant, hosted_a):
    browser = as_role(Role.ADMIN)
    url = reverse("offers:terminate", args=[hosted_a.pk])
    page = page_of(browser.post(url, {"action": "confirm", "requested_date": ""}))
    assert "Tick the box to confirm the termination." in page
    assert 'data-testid="quote-fee">1,875.00\u00a0€<' in page  # the quote stays in front of them
    assert not Termination.objects.exists()

    response = browser.post(url, {"action": "confirm", "requested_date": "", "confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == reverse("offers:detail", args=[hosted_a.pk])
    termination = Termination.objects.get(contract=hosted_a)
    assert termination.status == TerminationStatus.SCHEDULED
    assert termination.effective_date == date(2026, 12, 20)
    assert termination.fee_amount == Decimal("1875.00")
    assert termination.requested_by == tenant.members[Role.ADMIN].user
    hosted_a.refresh_from_db()
    assert hosted_a.status == ContractStatus.TERMINATING

    page = page_of(browser.get(response["Location"]))
    assert "Termination recorded." in page
    assert '<span class="badge alert" data-testid="contract-status">Terminating</span>' in page
    assert f'data-testid="termination-effective">{shown(date(2026, 12, 20))}<' in page
    assert 'data-testid="termination-fee">1,875.00\u00a0€<' in page
    assert "15 months × 50% × 250.00\u00a0€" in page
    assert 'data-testid="next-renewal">None: the contract ends<' in page
    assert 'data-testid="terminate-button"' not in page
    assert 'data-testid="cancel-termination"' in page
    # Terminating again is refused: back to the contract with a message.
    response = browser.get(url)
    assert response.status_code == 302
    assert Termination.objects.filter(contract=hosted_a).count() == 1


# CON-4 — a terminating contract has its termination scheduled: no second termination is
# offered, and a forced POST is refused with a message (one live termination per contract).
def test_no_second_termination_while_terminating(as_role, english, tenant):
    contract = make_contract(tenant.client, status=ContractStatus.TERMINATING)
    browser = as_role(Role.ADMIN)
    page = page_of(browser.get(reverse("offers:detail", args=[contract.pk])))
    assert 'data-testid="termination"' in page
    assert 'data-testid="terminate-button"' not in page
    url = reverse("offers:terminate", args=[contract.pk])
    response = browser.post(url, {"action": "confirm", "requested_date": "", "confirm": "on"})
    assert response.status_code == 302
    page = page_of(browser.get(response["Location"]))
    assert "A termination is already scheduled for this contract." in page
    assert Termination.objects.filter(contract=contract).count() == 1


# CON-4 — the admin cancels a scheduled termination before its effective date.
@time_machine.travel(at(date(2026, 11, 20)), tick=False)
def test_cancel_the_termination(as_role, english, hosted_a):
    browser = as_role(Role.ADMIN)
    services.contract_request_termination(contract=hosted_a)
    url = reverse("offers:termination_cancel", args=[hosted_a.pk])
    page = page_of(browser.get(url))
    assert "Cancel the termination" in page and shown(date(2026, 12, 20)) in page
    response = browser.post(url)
    assert response.status_code == 302
    assert Termination.objects.get(contract=hosted_a).status == TerminationStatus.CANCELLED
    hosted_a.refresh_from_db()
    assert hosted_a.status == ContractStatus.ACTIVE
    page = page_of(browser.get(response["Location"]))
    assert "The termination is cancelled" in page and 'data-testid="terminate-button"' in page
    assert browser.post(url).status_code == 404  # nothing scheduled any more


# CON-4 — from the effective date on, the termination cannot be cancelled any more.
def test_cancel_too_late(as_role, english, hosted_a):
    with time_machine.travel(at(date(2026, 11, 20)), tick=False):
        services.contract_request_termination(contract=hosted_a)
    with time_machine.travel(at(date(2026, 12, 20)), tick=False):
        browser = as_role(Role.ADMIN)
        page = page_of(browser.get(reverse("offers:detail", args=[hosted_a.pk])))
        assert 'data-testid="cancel-termination"' not in page
        browser.post(reverse("offers:termination_cancel", args=[hosted_a.pk]))
    assert Termination.objects.get(contract=hosted_a).status == TerminationStatus.SCHEDULED


# ACC-2, CON-4 — only the admin role terminates: the others see no button and get 403 on
# every verb of the termination pages; nothing changes.
@pytest.mark.parametrize("role", [Role.BILLING, Role.TECHNICAL, Role.READ_ONLY])
def test_only_admins_terminate(as_role, tenant, hosted_a, role):
    terminating = make_contract(tenant.client, status=ContractStatus.TERMINATING)
    browser = as_role(role)
    for contract in (hosted_a, terminating):
        page = page_of(browser.get(reverse("offers:detail", args=[contract.pk])))
        assert 'data-testid="terminate-button"' not in page
        assert 'data-testid="cancel-termination"' not in page
        assert reverse("offers:terminate", args=[contract.pk]) not in page
    terminate = reverse("offers:terminate", args=[hosted_a.pk])
    cancel = reverse("offers:termination_cancel", args=[terminating.pk])
    assert browser.get(terminate).status_code == 403
    assert browser.post(terminate, {"action": "confirm", "confirm": "on"}).status_code == 403
    assert browser.get(cancel).status_code == 403
    assert browser.post(cancel).status_code == 403
    assert Contract.objects.get(pk=hosted_a.pk).status == ContractStatus.ACTIVE
    assert Termination.objects.get().status == TerminationStatus.SCHEDULED


def test_admin_sees_the_termination_button(as_role, english, hosted_a):
    page = page_of(as_role(Role.ADMIN).get(reverse("offers:detail", args=[hosted_a.pk])))
    assert 'data-testid="terminate-button"' in page
    assert reverse("offers:terminate", args=[hosted_a.pk]) in page


# --- Dashboard --------------------------------------------------------------------------------


def test_dashboard_contracts_card(as_role, english, tenant):
    browser = as_role(Role.READ_ONLY)
    page = page_of(browser.get(reverse("dashboard")))
    assert "No contract yet." in page and 'data-testid="site-count">1<' in page
    old = make_contract(tenant.client, "trunk", signature=date(2024, 1, 5))
    recent = [
        make_contract(
            tenant.client, signature=date(2025, month, 1), service_start=date(2025, month, 15)
        )
        for month in (3, 4, 5)
    ]
    make_contract(tenant.client, "sip-unl", status=ContractStatus.ORDERED)  # not live
    other = ClientFactory()
    SiteFactory(client=other)
    make_contract(other)
    page = page_of(browser.get(reverse("dashboard")))
    assert "No contract yet." not in page
    assert 'data-testid="live-contract-count">4<' in page
    assert 'data-testid="site-count">1<' in page
    for contract in recent[1:]:
        assert reverse("offers:detail", args=[contract.pk]) in page
    assert reverse("offers:detail", args=[old.pk]) not in page
    assert reverse("offers:list") in page
