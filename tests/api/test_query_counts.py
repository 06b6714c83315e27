"""Issue 13: a page of any partner API list costs the same number of SQL queries whatever the
partner's data size — no query per row (N+1), whatever rows the page holds.

Two partners get the same shape of data (``bench.api_load.Builder``, the data set of
``make bench-api``): customers with a site and a user, one contract of each offer and more,
invoices with lines and credit notes, payments, disputes, prepaid entries, pending charges,
trunks with their packs, orders and decreases, SIP accounts with devices, tickets, availability
reports and outages. One has 2 customers, the other 20.
"""

import random

import pytest
from django.apps import apps
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver, reverse
from rest_framework.test import APIClient

from bench.api_load import Builder
from portal.api.pagination import NarrowPagePaginator, narrowable
from telephony.demo import ensure_catalogue

pytestmark = pytest.mark.django_db

SMALL, LARGE = 2, 20
# Lists the builder fills for each partner: each must show rows, more for the larger partner.
GROWING = [
    "availability-report",
    "charge",
    "contract",
    "customer",
    "customer-user",
    "invoice",
    "payment",
    "prepaid-entry",
    "sip-account",
    "site",
    "ticket",
]
FILLED = [*GROWING, "channel-decrease", "channel-order", "dispute", "offer", "outage", "trunk"]


def _api_list_urls() -> dict[str, str]:
    """Every list endpoint of /api/v1/ (the routers' ``*-list`` names), by resource."""
    api = get_resolver().namespace_dict["api"][1]
    names = sorted(
        name for name in api.reverse_dict if isinstance(name, str) and name.endswith("-list")
    )
    return {name.removesuffix("-list"): reverse(f"api:{name}") for name in names}


LIST_URLS = _api_list_urls()


@pytest.fixture
def partners():
    ensure_catalogue()  # the pack table, in case a transactional test flushed it
    builder = Builder(random.Random(13))
    return {
        size: builder.partner(f"Query Count Partner {size}", size, tag=f"qc{size}")
        for size in (SMALL, LARGE)
    }


def _client(raw_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    return client


def _measure(client: APIClient, url: str) -> tuple[int, int]:
    """(queries, rows in the list) of one request; the first request writes the key's last use."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    if not isinstance(body, dict):  # unpaginated
        return len(captured), len(body)
    # a cursor-paginated list (rated calls) has no count: the rows of its page
    return len(captured), body["count"] if "count" in body else len(body["results"])


def test_every_list_is_covered():
    assert set(FILLED) <= set(LIST_URLS)


# ACC-3 — every list endpoint: as many queries for the partner of 20 customers as for the
# partner of 2 (a page of up to 50 rows, with its related rows, in a fixed number of queries).
def test_list_queries_constant_in_data_size(partners):
    clients = {size: _client(data["key"]) for size, data in partners.items()}
    measured = {
        name: {size: _measure(client, url) for size, client in clients.items()}
        for name, url in LIST_URLS.items()
    }
    varying = {
        name: {size: queries for size, (queries, _rows) in by_size.items()}
        for name, by_size in measured.items()
        if by_size[SMALL][0] != by_size[LARGE][0]
    }
    assert varying == {}
    empty = [name for name in FILLED if not measured[name][SMALL][1]]
    assert empty == []
    not_growing = [name for name in GROWING if measured[name][LARGE][1] <= measured[name][SMALL][1]]
    assert not_growing == []


# ACC-3 — the second page too (the narrow page: keys and total first, then the rows by key).
@pytest.mark.parametrize("name", ["invoice", "contract", "ticket"])
def test_second_page_queries_constant(partners, name):
    url = f"{LIST_URLS[name]}?page=2&page_size=3"
    small = _measure(_client(partners[SMALL]["key"]), url)
    large = _measure(_client(partners[LARGE]["key"]), url)
    assert small[0] == large[0]


# --- The narrow page (portal.api.pagination) -----------------------------------------------------


# ACC-3 — the narrow page lists the same rows, in the same order, with the same count, as
# Django's paginator on the same queryset, on every page (an ordering through a nullable
# relation included).
@pytest.mark.parametrize(
    ("model", "related", "ordering"),
    [
        ("billing.Invoice", "corrects", ["-issue_date", "-id"]),
        ("billing.PendingCharge", "invoice_line__invoice", ["-period_start", "-id"]),
        ("support.Ticket", "contract", ["contract__reference", "-reported_at", "-id"]),
    ],
)
def test_narrow_page_same_rows_as_django(partners, model, related, ordering):
    queryset = apps.get_model(model).objects.select_related(related).order_by(*ordering)
    assert narrowable(queryset)  # an outer join: the narrow page
    narrow, plain = NarrowPagePaginator(queryset, 7), Paginator(queryset, 7)
    assert narrow.page(1) and narrow.count == plain.count > 7
    for number in plain.page_range:
        assert [row.pk for row in narrow.page(number)] == [row.pk for row in plain.page(number)]
    assert narrow.num_pages == plain.num_pages


# ACC-3 — page numbers: not a whole number from 1 → 400 naming page; past the last page → 404
# (the narrow page and Django's paginator alike); "last" and an empty list → 200.
def test_narrow_page_numbers(partners):
    client = _client(partners[SMALL]["key"])
    for name in ["customer", "ticket"]:  # Django's paginator, the narrow page
        url = LIST_URLS[name]
        for page in ["abc", "0", "-1", "1.5", "１"]:
            response = client.get(url, {"page": page})
            assert response.status_code == 400, page
            assert list(response.json()["error"]["fields"]) == ["page"]
        for page in ["99", "9" * 30]:
            assert client.get(url, {"page": page}).status_code == 404, page
        assert client.get(url, {"page": ""}).status_code == 200  # no page: the first
    url = LIST_URLS["ticket"]
    total = client.get(url).json()["count"]
    last = client.get(url, {"page": "last", "page_size": 3}).json()
    assert last["count"] == total and len(last["results"]) == total - 3 * ((total - 1) // 3)
    assert client.get(url, {"page": "2", "page_size": 3}).json()["results"] == last["results"]
    for name in ["customer", "ticket"]:  # Django's paginator, the narrow page
        empty = client.get(LIST_URLS[name], {"status": "closed"}).json()
        assert empty["count"] == 0 and empty["results"] == []
