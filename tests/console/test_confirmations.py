"""Issue 17 — what a console confirmation carries: the staff member confirms the money the
preview showed, and a confirmation that no longer matches it (the quote, the amounts changed
meanwhile) writes nothing and shows the new figures."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from kernel.money import money_number
from offers.choices import ContractStatus
from offers.models import Termination
from tests.console.conftest import at, confirmation_fields

pytestmark = pytest.mark.django_db


# CON-4 / CON-5 (PLATFORM 8.2) — PLATFORM signed 2026-02-01 at 250.00 € a month. The quote is
# shown on 1 November 2026 at 23:00 (notice of today, 3 months before the anniversary
# 2027-02-01): effective 1 February 2027, fee 0.00. The staff member confirms at 00:30, now
# 2 November: the notice of today ends it on 2 February 2027, a convenience termination whose
# fee pays the months to the end of the period (0.00 < fee). Before, the termination was
# recorded with that fee, which no one had seen; now nothing is written, and the new quote is
# shown to be confirmed again.
def test_terminate_confirmation_refused_when_the_quote_changed(
    customer, contract, as_staff, support_agent
):
    browser = as_staff(support_agent)
    url = reverse("console:terminate", args=[customer.pk])
    data = {"contract": contract.pk}
    with at(date(2026, 11, 1), hour=23):
        page = browser.post(url, data).content.decode()
    assert 'data-testid="quote-date">1er février 2027<' in page
    assert 'data-testid="quote-fee">0,00' in page
    with at(date(2026, 11, 2), hour=0):
        response = browser.post(url, {**confirmation_fields(page), "confirm": "1"})
    assert not Termination.objects.exists()
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE
    answer = response.content.decode()
    assert "Le devis a changé" in answer
    assert 'data-testid="quote-date">2 février 2027<' in answer  # the new quote, to confirm
    # confirming the new quote records it, with the fee shown
    with at(date(2026, 11, 2), hour=0):
        browser.post(url, {**confirmation_fields(answer), "confirm": "1"})
    termination = Termination.objects.get(contract=contract)
    assert termination.effective_date == date(2027, 2, 2)
    assert termination.fee_amount > Decimal("0.00")
    assert money_number(termination.fee_amount) in answer  # the fee the new quote showed
