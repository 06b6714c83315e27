"""Issue 13: timestamps come back from PostgreSQL parsed in C (``kernel.db``), with exactly the
values and the tzinfo Django's own loader gives, whatever the offset, the precision or the year;
and what Django refuses (``infinity``), this refuses too."""

import datetime

import pytest
from django.db import DataError, connection, transaction
from django.db.backends.postgresql.psycopg_any import register_tzloader

from kernel.db import UtcTimestamptzLoader

pytestmark = pytest.mark.django_db

CASES = [
    "2026-10-01 12:34:56.123456+00",
    "2026-03-29 01:00:00.5+02",  # Paris summer time starts: read back in UTC
    "2026-10-25 02:30:00+01",
    "2026-12-31 23:59:59.999999+00",
    "0001-01-01 00:00:00+00",
    "9999-12-31 23:59:59+00",
]


def _read(sql: str):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()


def test_the_project_reads_timestamps_with_the_fast_loader():
    _read("SELECT 1")
    loader = connection.connection.adapters.get_loader(1184, 0)
    assert loader is UtcTimestamptzLoader


def test_same_values_and_tzinfo_as_django():
    sql = "SELECT " + ", ".join(f"'{text}'::timestamptz" for text in CASES)
    fast = _read(sql)
    register_tzloader(datetime.UTC, connection.connection)  # Django's own loader
    try:
        django = _read(sql)
    finally:
        connection.connection.adapters.register_loader("timestamptz", UtcTimestamptzLoader)
    assert fast == django
    assert [v.tzinfo for v in fast] == [datetime.UTC] * len(CASES)
    assert [v.isoformat() for v in fast] == [v.isoformat() for v in django]
    assert fast[1] == datetime.datetime(2026, 3, 28, 23, 0, 0, 500000, tzinfo=datetime.UTC)


def test_another_session_time_zone_is_read_as_django_reads_it():
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL TIME ZONE 'Europe/Paris'")
        cursor.execute("SELECT '2026-10-01 12:00:00+00'::timestamptz")
        fast = cursor.fetchone()[0]
    # Django replaces the tzinfo (it relies on the session being in UTC): the same here.
    assert fast == datetime.datetime(2026, 10, 1, 14, 0, tzinfo=datetime.UTC)


def test_infinity_is_refused_as_django_refuses_it():
    with pytest.raises(DataError), transaction.atomic():
        _read("SELECT 'infinity'::timestamptz")
