"""Issue 17 — a work queue's page reads a fixed number of queries whatever the number of its
rows (3 or 30), and its rows speak the page's language."""

from datetime import date

import pytest
from django.urls import reverse

from offers import services as offers
from tests.console.conftest import at
from tests.offers.factories import make_contract
from tests.offers.test_price_changes_pipeline import catalogue, schedule

pytestmark = pytest.mark.django_db
JAN = date(2027, 1, 1)


# CON-6 (HOSTED-A 6) — price-change refusals: HOSTED-A at 45.00 € HT, 49.00 € HT from
# 1 January 2027, refused on 10 December. The queue page of 3 refusals and of 30 reads the same
# number of queries (each row's price change named its product by a query of its own, and the
# navigation of every billing page counts this queue), and the row reads « 49,00 € HT à partir
# du 01/01/2027 » (it read « 49.0000 (2027-01-01) »).
def test_price_change_refusals_queue_query_count_and_french_row(
    customer, as_staff, billing_agent, django_assert_max_num_queries
):
    offer = catalogue("hosted-a", "45.00")
    with at(date(2026, 11, 2)):
        contracts = [make_contract(customer, "hosted-a") for _ in range(30)]
    with at(date(2026, 12, 10)):
        change = schedule(offer, "49.00", JAN, reason="Indexation")

    def refuse(some):
        with at(date(2026, 12, 10), 15):
            for contract in some:
                offers.price_change_refuse(price_change=change, contract=contract)

    url = reverse("console:queue", args=["offers.price_change_refusals"])
    refuse(contracts[:3])
    with at(date(2026, 12, 11)):
        browser = as_staff(billing_agent)
        with django_assert_max_num_queries(60) as few:
            response = browser.get(url)
    page = response.content.decode()
    assert response.status_code == 200, response.get("Location")
    assert page.count('data-testid="queue-row"') == 3
    assert "49,00\u00a0€ HT à partir du 01/01/2027" in page
    assert "2027-01-01" not in page
    refuse(contracts[3:])
    with at(date(2026, 12, 11)):
        browser = as_staff(billing_agent)
        with django_assert_max_num_queries(len(few.captured_queries)):
            page = browser.get(url).content.decode()
    assert page.count('data-testid="queue-row"') == 30
