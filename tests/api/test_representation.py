"""Issue 13: the partner API's lists are written by PostgreSQL (``kernel.sql_lists``) or by plans
compiled once per list (``kernel.representation``). They must say exactly what DRF's own
``to_representation`` says: every list endpoint, filled by the benchmark's data builder, in
French and in English, answers the same JSON all ways; and the writer falls back to DRF wherever
a row is unusual."""

import datetime
import random

import pytest
from rest_framework import serializers

from bench.api_load import Builder
from kernel import representation, sql_lists
from telephony.demo import ensure_catalogue
from tests.api.test_query_counts import FILLED, LIST_URLS, _client

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner_key():
    ensure_catalogue()
    return Builder(random.Random(7)).partner("Representation Partner", 6, tag="rep")["key"]


# The lists PostgreSQL writes (the others keep the compiled Python writer).
SQL_LISTS = {
    "offer",
    "api-key",
    "available-number",
    "cdr-import",
    "number",
    "port-request",
    "availability-report",
    "channel-decrease",
    "channel-order",
    "charge",
    "contract",
    "customer",
    "customer-user",
    "dispute",
    "invoice",
    "outage",
    "payment",
    "prepaid-entry",
    "sip-account",
    "site",
    "ticket",
    "trunk",
    "webhook-delivery",
}


def _drf_only(monkeypatch):
    """DRF's own writer for every serializer (what the SQL and the compiled plans replace)."""
    monkeypatch.setattr(sql_lists, "writer", lambda view: None)
    monkeypatch.setattr(representation, "compiled", lambda serializer: serializer.to_representation)


def _python_only(monkeypatch):
    """The compiled Python writer, not PostgreSQL's."""
    monkeypatch.setattr(sql_lists, "writer", lambda view: None)


def _written_by_sql(response) -> bool:
    data = response.data
    return isinstance(data, dict) and isinstance(data.get("results"), sql_lists.RawJSON)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_list_says_what_drf_says(partner_key, monkeypatch, language):
    client = _client(partner_key)
    written, by_sql = {}, set()
    for name, url in LIST_URLS.items():
        paged = "" if name == "webhook-event-type" else "?page_size=200"  # not paginated
        response = client.get(f"{url}{paged}", HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, (name, response.content[:300])
        written[name] = response.json()
        if _written_by_sql(response):
            by_sql.add(name)
    assert by_sql >= SQL_LISTS
    for only in (_python_only, _drf_only):
        only(monkeypatch)
        for name, url in LIST_URLS.items():
            paged = "" if name == "webhook-event-type" else "?page_size=200"
            response = client.get(f"{url}{paged}", HTTP_ACCEPT_LANGUAGE=language)
            assert not _written_by_sql(response)
            assert response.json() == written[name], (only.__name__, name)
    for name in FILLED:  # the comparison saw real rows
        body = written[name]
        rows = body["results"] if isinstance(body, dict) else body
        assert rows, name


class _Row:
    def __init__(self, **values):
        self.__dict__.update(values)

    def label(self):
        return f"row {self.number}"


class _Nested(serializers.Serializer):
    start = serializers.DateField()
    at = serializers.DateTimeField()


class _Sample(serializers.Serializer):
    number = serializers.IntegerField()
    name = serializers.CharField()
    label = serializers.CharField()  # a method of the row: called, as DRF does
    city = serializers.CharField(source="site.city", allow_null=True)  # site may be None
    missing = serializers.CharField(required=False)  # absent: skipped, as DRF does
    period = _Nested(allow_null=True)
    shout = serializers.SerializerMethodField()

    def get_shout(self, row):
        return (row["name"] if isinstance(row, dict) else row.name).upper()


def test_unusual_rows_fall_back_to_drf():
    moment = datetime.datetime(2026, 3, 29, 1, 30, tzinfo=datetime.UTC)
    rows = [
        _Row(
            number=1,
            name="a",
            site=_Row(city="Lyon"),
            period={"start": datetime.date(2026, 3, 1), "at": moment},
        ),
        _Row(number=2, name="b", site=None, period=None),
        {"number": 3, "name": "c", "label": "dict", "site": {"city": "Nice"}, "period": None},
    ]
    expected = [serializers.Serializer.to_representation(_Sample(), row) for row in rows]
    write = representation.compiled(_Sample())
    assert [write(row) for row in rows] == expected
    assert expected[0]["period"]["at"] == "2026-03-29T03:30:00+02:00"  # Paris summer time
    assert expected[1]["city"] is None and "missing" not in expected[1]
    assert expected[2]["label"] == "dict"
