"""Contract boundaries computed by hand from the contracts' own words (CON-4, CON-5, CON-6):
the cases the other files do not show — the last day of a commitment and the day after, a
29 February, a contract started on the 31st, a price change taking effect before the last
day of service. Every amount is worked out in the comment above its assertion."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.choices import Role
from billing import services as billing
from billing.models import InvoiceLine
from offers import services as offers
from offers.choices import ContractStatus
from tests.offers.factories import make_contract
from tests.offers.test_price_changes_pipeline import at, catalogue, schedule
from tests.payments.conftest import direct_customer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_pdf(settings):
    settings.BILLING_RENDER_PDF = False


# CON-5 (HOSTED-W 8.1) + CON-6 — the fee counts the contract's monthly fees on its last day of
# service, and a price change in force by then is part of them. HOSTED-W ordered 2026-03-10 at
# 14.90 € HT a month (12 months: the period ends 2027-03-10); on 2026-11-20 staff schedule
# 15.90 from 2027-01-01 (HOSTED-W: 30 days' notice, told at once). Notice on 2026-12-10 →
# effective 2027-01-10 (one month), last day of service 2027-01-09, at 15.90 (January is
# invoiced at 15.90). Fee start 2027-02-01 (January invoiced in advance): February and the
# part of March to the 10th = 2 months × 15.90 = 31.80 (not 2 × 14.90 = 29.80). The run of
# January invoices exactly the fee quoted.
def test_con5_fee_counts_a_price_change_in_force_on_the_last_day_of_service():
    client = direct_customer()
    offer = catalogue("hosted-w", "14.90")
    with at(date(2026, 3, 10)):
        contract = make_contract(
            client, "hosted-w", signature=date(2026, 3, 10), service_start=date(2026, 3, 10)
        )
    with at(date(2026, 11, 20)):
        schedule(offer, "15.90", date(2027, 1, 1))
    with at(date(2026, 12, 10)):
        quote = offers.termination_quote(contract=contract)
        termination = offers.contract_request_termination(contract=contract)
    assert (quote.effective_date, quote.fee.fee_start) == (date(2027, 1, 10), date(2027, 2, 1))
    assert [(line.months, line.monthly_base) for line in quote.fee.lines] == [(2, Decimal("15.90"))]
    assert quote.fee_amount == termination.fee_amount == Decimal("31.80")
    with at(date(2027, 1, 1), hour=0, minute=5):
        billing.run_month_sync(month=date(2026, 12, 1))
    with at(date(2027, 2, 1), hour=0, minute=5):
        billing.run_month_sync(month=date(2027, 1, 1))
    billed = InvoiceLine.objects.filter(invoice__client=client)
    assert billed.get(kind="subscription", period_start=date(2027, 1, 1)).net_amount == Decimal(
        "15.90"
    )
    assert billed.get(kind="termination_fee").net_amount == Decimal("31.80")


# CON-5 (HOSTED-A 5) — « La Période Initiale du Service fourni commencera à compter de la Date
# de Mise en Service », and the early-termination fee is due « lorsque la résiliation prend
# effet pendant la Période Initiale » or a renewal period. A HOSTED-A site ordered on
# 2026-10-01 at 250.00 € HT a month and never started, notice on 2026-10-05 → effective
# 2026-11-05 (one month): no period has begun, so no fee — 0.00, not the 11 × 250.00 +
# 24 × 125.00 = 5 750.00 of an initial period counted from the order date.
def test_con5_hosted_a_ended_before_its_service_start_owes_no_fee():
    client = direct_customer()
    with at(date(2026, 10, 1)):
        contract = make_contract(
            client,
            "hosted-a",
            signature=date(2026, 10, 1),
            status=ContractStatus.ORDERED,
            monthly_price="250.00",
        )
    with at(date(2026, 10, 5)):
        quote = offers.termination_quote(contract=contract)
        termination = offers.contract_request_termination(contract=contract)
    assert quote.effective_date == date(2026, 11, 5)
    assert (quote.fee_amount, quote.fee.lines) == (Decimal("0.00"), [])
    assert termination.fee_amount == Decimal("0.00")


def _hosted_a_from_the_31st(client):
    """HOSTED-A at 250.00 € HT a month, service started on 2024-01-31: the initial period of 36
    months ends on 2027-01-31 (exclusive), the first renewal runs to 2028-01-31."""
    with at(date(2024, 1, 31)):
        return make_contract(
            client,
            "hosted-a",
            signature=date(2024, 1, 20),
            service_start=date(2024, 1, 31),
            monthly_price="250.00",
        )


# CON-4 + CON-5 (HOSTED-A 5) — the last day of the commitment and the day after, for a contract
# started on the 31st. Notice on 2026-12-31 → effective 2027-01-31 (a month later): the first
# day of the renewal, so the termination ends the initial period exactly — no fee. Notice on
# 2027-01-01 → effective 2027-02-01: the last day of service, 2027-01-31, is the renewal's
# first day, so the termination takes effect during the renewal period. January is invoiced in
# advance: fees from 2027-02-01 — 3 months × 100 % × 250.00 = 750.00, then the months left
# beyond them, 2027-05-01 → 2028-01-31 = 8 whole months + a part = 9 × 50 % × 250.00 = 1 125.00;
# 1 875.00 in all.
@pytest.mark.parametrize(
    ("notice", "effective", "fee"),
    [
        (date(2026, 12, 31), date(2027, 1, 31), Decimal("0.00")),
        (date(2027, 1, 1), date(2027, 2, 1), Decimal("1875.00")),
    ],
)
def test_con5_hosted_a_started_on_the_31st_end_of_commitment_and_day_after(
    tenant, notice, effective, fee
):
    contract = _hosted_a_from_the_31st(tenant.client)
    with at(notice):
        quote = offers.termination_quote(contract=contract)
    assert (quote.effective_date, quote.fee_amount) == (effective, fee)
    if fee:
        assert [(line.months, line.rate_percent) for line in quote.fee.lines] == [
            (3, Decimal("100")),
            (9, Decimal("50")),
        ]


# CON-4 + CON-5 — what the portal and the API quote is what the run invoices (the day after
# the commitment above, 1 875.00 € HT): the admin's quote page, the partner's API quote, the
# termination recorded through the API, then the runs of January (the fee is billed by the
# run of the month before the effective date, 2027-02-01) — one fee line of 1 875.00, and no
# subscription from February.
def test_con4_portal_and_api_quotes_are_what_is_invoiced(tenant, api, as_role):
    contract = _hosted_a_from_the_31st(tenant.client)
    with at(date(2027, 1, 1)):
        page = as_role(Role.ADMIN).post(
            reverse("offers:terminate", args=[contract.pk]),
            {"action": "quote"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert 'data-testid="quote-fee">1,875.00\u00a0€<' in page.content.decode()
        url = reverse("api:contract-termination-quote", args=[contract.pk])
        quoted = api.post(url, {}, format="json").json()
        url = reverse("api:contract-terminate", args=[contract.pk])
        recorded = api.post(url, {}, format="json").json()
    assert quoted["fee_amount"] == recorded["fee_amount"] == "1875.00"
    assert quoted["effective_date"] == recorded["effective_date"] == "2027-02-01"
    with at(date(2027, 2, 1), hour=0):
        billing.run_month_sync(month=date(2027, 1, 1))
    billed = InvoiceLine.objects.filter(charge__contract=contract)
    assert list(billed.filter(kind="termination_fee").values_list("net_amount", flat=True)) == [
        Decimal("1875.00")
    ]
    assert not billed.filter(kind="subscription", period_start__gte=date(2027, 2, 1)).exists()


# CON-4 (PLATFORM 8.2 / 17.1) — a contract signed on 29 February 2024 (250.00 € HT a month):
# its anniversaries are 28 February 2025, 2026, 2027 (the month has no 29th) and 29 February
# 2028. A notice sent on 28, 29 or 30 November 2025 runs its 3 months to 28 February 2026 (the
# last day of a month without the notice's day, Code de procédure civile art. 641): a
# non-renewal at the anniversary, no fee. Sent on 1 December 2025 it ends on 1 March 2026:
# a termination for convenience whose last day of service, 28 February, opens the renewal —
# February invoiced, fees from 2026-03-01 to 2027-02-28 = 11 whole months + a part = 12 ×
# max(250.00, 200.00) = 3 000.00 — or, without fee, at the next anniversary, 28 February 2027.
# In 2027 the anniversary is 29 February 2028: a notice of 29 November 2027 reaches it.
@pytest.mark.parametrize(
    ("notice", "options"),
    [
        (date(2025, 11, 28), [(date(2026, 2, 28), Decimal("0.00"))]),
        (date(2025, 11, 30), [(date(2026, 2, 28), Decimal("0.00"))]),
        (
            date(2025, 12, 1),
            [(date(2026, 3, 1), Decimal("3000.00")), (date(2027, 2, 28), Decimal("0.00"))],
        ),
        (date(2027, 11, 29), [(date(2028, 2, 29), Decimal("0.00"))]),
    ],
)
def test_con4_platform_signed_on_29_february(tenant, notice, options):
    with at(date(2024, 2, 29)):
        contract = make_contract(
            tenant.client,
            "platform",
            signature=date(2024, 2, 29),
            service_start=date(2024, 2, 29),
            monthly_price="250.00",
        )
    quote = offers.termination_quote(contract=contract, notice_date=notice)
    offered = quote.options if len(quote.options) > 1 else [quote]
    assert [(o.effective_date, o.fee_amount) for o in offered] == options
