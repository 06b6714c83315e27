"""A list asked in another order (``?ordering=``) pages every row once (ACC-3, SPEC §9:
pagination)."""

import pytest
from django.urls import reverse

from billing import services as billing
from offers.periods import month_start
from offers.services import paris_today
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def _ids_page_by_page(api, url, **params):
    ids, page = [], 1
    while True:
        answer = api.get(url, {**params, "page": page})
        assert answer.status_code == 200, answer.json()
        body = answer.json()
        ids += [row["id"] for row in body["results"]]
        if not body["next"]:
            return ids
        page += 1


# ACC-3 (SPEC §9 "pagination, filtering"): 30 charges of one month, listed 7 a page in the
# order of their month (``?ordering=period_start``): the month is the same for all 30, so
# PostgreSQL chose among equals for each page on its own (a top-N sort per LIMIT/OFFSET) and a
# partner walking the pages met a charge twice and missed another. The order asked is now
# completed by the list's own (newest first, then the id): 30 pages rows, 30 distinct ids.
@pytest.mark.parametrize("ordering", ["period_start", "-period_start", "unit_price"])
def test_pages_in_an_order_with_ties_list_every_row_once(api, tenant, ordering):
    start = month_start(paris_today())
    for n in range(30):
        billing.charge_post(
            client=tenant.client,
            kind="setup",
            source_type="ordering",
            source_id=n + 1,
            period_start=start,
            description=f"Setup {n}",
            unit_price="49.00",
        )
    ids = _ids_page_by_page(api, reverse("api:charge-list"), ordering=ordering, page_size=7)
    assert len(ids) == 30
    assert len(set(ids)) == 30


# ACC-3: the customers' own order is their name; twelve customers named « Dupont SARL » (a
# partner's customers may share a trade name) listed 5 a page were met twice or never, the name
# alone not telling PostgreSQL which comes first. Ended by the id: 12 rows, 12 distinct ids.
def test_customers_of_one_name_page_once_each(api, partner):
    for _n in range(12):
        ClientFactory(partner=partner, legal_name="Dupont SARL")
    ids = _ids_page_by_page(api, reverse("api:customer-list"), page_size=5)
    assert len(ids) == len(set(ids)) == 12
    assert ids == sorted(ids)  # equals by name keep the order of their ids


# ACC-3 (rules §9 "input read one way": what a list cannot read is a 400 naming the
# parameter, as a boolean filter's "maybe"): ``?ordering=`` naming a field the list does not
# order by (a typo, ``isue_date``, or a field it has but does not sort on, ``amount_paid``)
# was dropped without a word and the list came in its default order: the partner believed its
# invoices sorted by date. Now a 400 on ``ordering`` naming what the list sorts on, in the
# partner's language; a correct order still answers 200.
@pytest.mark.parametrize("ordering", ["isue_date", "-issue_date,amount_paid", "issue_date;x"])
def test_an_order_the_list_cannot_give_is_a_400_naming_it(api, tenant, ordering):
    url = reverse("api:invoice-list")
    answer = api.get(url, {"ordering": ordering}, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 400, answer.json()
    (message,) = answer.json()["error"]["fields"]["ordering"]
    assert message.startswith("Unknown order: ")
    assert "issue_date, number, total_gross, amount_due, due_date" in message
    french = api.get(url, {"ordering": ordering}, HTTP_ACCEPT_LANGUAGE="fr")
    (message,) = french.json()["error"]["fields"]["ordering"]
    assert message.startswith("Ordre inconnu\u00a0: ")
    assert api.get(url, {"ordering": "-due_date,number"}).status_code == 200
    assert api.get(url, {"ordering": ""}).status_code == 200


# ACC-3 (rules §9 "input read one way"): ``?ordering=,`` names no field at all, and was read
# as no order (the list's default, 200) as if it were sorted. Now a 400 on ``ordering`` saying
# what the list sorts on, as an unknown order; a trailing comma after a field is still read.
@pytest.mark.parametrize("ordering", [",", " , ", ",,"])
def test_an_order_of_commas_only_is_a_400(api, tenant, ordering):
    url = reverse("api:invoice-list")
    answer = api.get(url, {"ordering": ordering}, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 400, answer.json()
    assert answer.json()["error"]["fields"]["ordering"] == [
        "No order given: this list sorts on issue_date, number, total_gross, amount_due, "
        "due_date, each descending with a leading -."
    ]
    french = api.get(url, {"ordering": ordering}, HTTP_ACCEPT_LANGUAGE="fr")
    (message,) = french.json()["error"]["fields"]["ordering"]
    assert message.startswith("Aucun ordre donné\u00a0: cette liste se trie par issue_date")
    assert api.get(url, {"ordering": "due_date,"}).status_code == 200
