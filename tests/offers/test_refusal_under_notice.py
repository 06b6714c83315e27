"""CON-6 (HOSTED-A 6): a contract already under its customer's notice may still refuse an
increase that would apply before it ends — « le Client pourra de plein droit refuser toute
augmentation … et résilier le Contrat en cours sans Frais de Résiliation Anticipée … avec un
préavis de trente (30) jours »: the refusal replaces that termination (and its fee).

The contract: HOSTED-A at 45.00 € HT a month, in service from 2025-03-15 (initial period of 36
months → 2028-03-15, first year → 2026-03-15). On 2 November 2026 its administrator gives notice
for 1 June 2027: May is invoiced in advance, the fee counts from 2027-06-01 → 2028-03-15 = 9 whole
months and a part = 10 months beyond the first year × 50 % × 45.00 = 225.00 € HT. On 10 December
staff raise the price to 49.00 from 1 January 2027 and the customers are told."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.choices import Role
from offers import services as offers
from offers.choices import ContractStatus, TerminationReason, TerminationStatus
from offers.models import Contract, Termination
from tests.offers.factories import make_contract
from tests.offers.test_price_changes_pipeline import JAN, _english_no_pdf, at, catalogue, schedule

pytestmark = pytest.mark.django_db
__all__ = ["_english_no_pdf"]  # the autouse fixture: English pages, no PDF

JUNE = date(2027, 6, 1)


@pytest.fixture(autouse=True)
def _pages_in_english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def under_notice(client, requested=JUNE, reason=TerminationReason.CUSTOMER_REQUEST):
    offer = catalogue("hosted-a", "45.00")
    with at(date(2026, 11, 2)):
        contract = make_contract(client, "hosted-a")
        termination = offers.contract_request_termination(
            contract=contract, requested_date=requested, reason=reason
        )
    with at(date(2026, 12, 10)):
        change = schedule(offer, "49.00", JAN)
    return contract, termination, change


def scheduled(contract) -> list[Termination]:
    return list(contract.terminations.filter(status=TerminationStatus.SCHEDULED))


# CON-6, HOSTED-A 6 — before: « A termination is already scheduled for this contract. » (the
# customer kept its 225.00 € fee and paid 49.00 from January). Now the refusal of 11 December
# replaces the termination of 1 June: the contract ends 30 days later, on 10 January 2027,
# without fee (or on 1 June if the customer asks for it, still without fee), at 45.00 meanwhile.
def test_con6_refusal_replaces_the_customers_own_termination(tenant):
    contract, before, change = under_notice(tenant.client)
    assert (before.effective_date, before.fee_amount) == (JUNE, Decimal("225.00"))
    with at(date(2026, 12, 11)):
        _pending, quote = offers.refusal_quote(price_change=change, contract=contract)
        notice = offers.price_change_refuse(price_change=change, contract=contract)
    assert (quote.effective_date, quote.fee_amount) == (date(2027, 1, 10), Decimal("0.00"))
    termination = notice.termination
    assert (termination.effective_date, termination.fee_amount, termination.reason) == (
        date(2027, 1, 10),
        Decimal("0.00"),
        TerminationReason.PRICE_INCREASE_REFUSED,
    )
    before.refresh_from_db()
    assert before.status == TerminationStatus.CANCELLED
    assert scheduled(contract) == [termination]
    assert Contract.objects.get(pk=contract.pk).status == ContractStatus.TERMINATING
    with at(JAN, 0, 15):
        offers.price_changes_daily(today=JAN)
    assert contract.lines.get().unit_monthly_price == Decimal("45.00")  # the old price kept


def test_con6_refusal_under_notice_may_keep_its_date_without_fee(tenant):
    contract, _before, change = under_notice(tenant.client)
    with at(date(2026, 12, 11)):
        notice = offers.price_change_refuse(
            price_change=change, contract=contract, requested_date=JUNE
        )
    assert (notice.termination.effective_date, notice.termination.fee_amount) == (
        JUNE,
        Decimal("0.00"),
    )
    assert len(scheduled(contract)) == 1


# A contract that ends on or before the effective date never pays the new price: nothing to
# refuse (409 ends_before_change, no button) and its termination — with its fee — stays.
def test_con6_no_refusal_when_the_contract_ends_before_the_new_price(client, tenant):
    contract, before, change = under_notice(tenant.client, requested=JAN)
    with at(date(2026, 12, 11)):
        with pytest.raises(offers.InvalidTransition) as error:
            offers.price_change_refuse(price_change=change, contract=contract)
        client.force_login(tenant.members[Role.ADMIN].user)
        page = client.get(reverse("offers:detail", args=[contract.pk])).content.decode()
    assert error.value.code == "ends_before_change"
    assert 'data-testid="refuse-price-change"' not in page
    assert "ends before this price applies" in page
    assert scheduled(contract) == [before]


# A termination the customer cannot cancel itself (recorded by the reseller) is not replaced:
# 409 termination_scheduled, no button — before, the button led to that error.
def test_con6_no_refusal_over_a_termination_by_the_reseller(client, tenant):
    contract, before, change = under_notice(tenant.client, reason=TerminationReason.RESELLER)
    with at(date(2026, 12, 11)):
        with pytest.raises(offers.InvalidTransition) as error:
            offers.price_change_refuse(price_change=change, contract=contract)
        client.force_login(tenant.members[Role.ADMIN].user)
        page = client.get(reverse("offers:detail", args=[contract.pk])).content.decode()
    assert error.value.code == "termination_scheduled"
    assert 'data-testid="refuse-price-change"' not in page
    assert scheduled(contract) == [before]


# The portal: the button, the page naming the termination it replaces and its fee, then one
# termination scheduled (the refusal's).
def test_con6_portal_refusal_under_notice(client, tenant):
    contract, _before, change = under_notice(tenant.client)
    url = reverse("offers:price_change_refuse", args=[contract.pk, change.pk])
    with at(date(2026, 12, 11)):
        client.force_login(tenant.members[Role.ADMIN].user)
        detail = client.get(reverse("offers:detail", args=[contract.pk])).content.decode()
        page = client.get(url).content.decode()
        done = client.post(url, {"shown_effective_date": "2027-01-10", "confirm": "on"})
    assert 'data-testid="refuse-price-change"' in detail
    assert "It replaces the termination scheduled on 1 June 2027" in page
    assert "225.00" in page
    assert done.status_code == 302
    assert [t.reason for t in scheduled(contract)] == [TerminationReason.PRICE_INCREASE_REFUSED]


# The partner API answers the same: can_refuse true, then 201 with the termination without fee.
def test_con6_api_refusal_under_notice(api, tenant):
    contract, _before, change = under_notice(tenant.client)
    with at(date(2026, 12, 11)):
        body = api.get(reverse("api:contract-detail", args=[contract.pk])).json()
        created = api.post(
            reverse("api:contract-refuse-price-change", args=[contract.pk]),
            {"price_change": change.pk},
            format="json",
        )
    assert body["pending_price_changes"][0]["can_refuse"] is True
    assert created.status_code == 201, created.json()
    assert created.json()["termination"]["fee_amount"] == "0.00"
    assert created.json()["termination"]["effective_date"] == "2027-01-10"
