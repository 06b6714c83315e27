"""Storage of the call records: monthly partitions on PostgreSQL (created ahead, created on
demand by the import, rows moved out of the DEFAULT partition), the 12-month retention as a
partition drop (PLATFORM 6.7), and the plain SQLite table of ``make run`` (smoke test)."""

import os
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from tests.usage.core_helpers import account, at, row, run_import
from usage.models import CallRecord
from usage.services import partitions

PARIS = ZoneInfo("Europe/Paris")
pytestmark = pytest.mark.django_db


def partition_of(call) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM usage_callrecord WHERE id = %s", [call.pk]
        )
        return cursor.fetchone()[0]


def test_import_creates_the_months_partition():
    sip = account("sip-unl")
    run_import([row(sip, "0123456789", start=at(2))])
    assert partition_of(CallRecord.objects.get()) == "usage_callrecord_p202610"


def test_rows_in_the_default_partition_move_to_their_new_month():
    call = CallRecord.objects.create(
        call_id="far", started_at=datetime(2031, 1, 15, tzinfo=UTC), account_ref="x",
        answered=True, duration=1, called="+33123456789", call_type="outbound",
        billing_month=date(2031, 1, 1),
    )  # fmt: skip
    assert partition_of(call) == "usage_callrecord_default"
    assert partitions.partitions_ensure([date(2031, 1, 1)]) == [date(2031, 1, 1)]
    assert partition_of(call) == "usage_callrecord_p203101"
    assert partitions.partitions_ensure([date(2031, 1, 1)]) == []  # idempotent


def test_partitions_created_ahead():
    created = set(partitions.partitions_maintain(date(2032, 5, 20)))
    assert {date(2032, 5, 1), date(2032, 8, 1)} <= created
    assert date(2032, 9, 1) not in partitions.existing_partitions()


def test_the_import_key_compares_call_ids_byte_by_byte():
    """The unique (call_id, started_at) uses collation "C" (migration 0009, bench/rating.py):
    in every partition, and it still refuses a call sent twice."""
    sip = account("sip-unl")
    run_import([row(sip, "0123456789", start=at(2), call_id="Élan-1")])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT co.collname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "JOIN pg_collation co ON co.oid = a.attcollation "
            "WHERE c.relname LIKE 'usage_callrecord%%' AND a.attname = 'call_id'"
        )
        assert cursor.fetchall() == [("C",)]
    batch = run_import([row(sip, "0123456789", start=at(2), call_id="Élan-1")])
    assert (batch.imported, batch.duplicates) == (0, 1)
    assert CallRecord.objects.get().call_id == "Élan-1"


# PLATFORM 6.7: traffic data kept "une durée maximum de douze (12) mois à compter du jour de
# leur enregistrement". The purge of 20 November 2027 keeps the calls from 21 November 2026
# (Paris): October 2026 is dropped whole, the calls of 19 and 20 November 2026 are deleted,
# 21 November's stays — with them go the roll-up of those days, the hourly quality and limit
# rows, the stored CDR file and raw rejected lines of an import of that time (its report's
# counters stay), and the inbox's done/ files of that time. Run again: nothing more.
def test_retention_keeps_twelve_months_to_the_day(tmp_path):
    from usage.models import ImportBatch, LimitBreach, QualityHour, UsageDay
    from usage.services import retention

    def paris(month, day, hour=10, year=2026):
        return datetime(year, month, day, hour, tzinfo=PARIS).astimezone(UTC)

    assert partitions.retention_start(date(2027, 11, 20)) == paris(11, 21, 0)
    # 28 February 2027 is the anniversary of 29 February 2028
    assert partitions.retention_start(date(2028, 2, 29)) == paris(3, 1, 0, year=2027)
    sip = account("sip-unl")
    old = run_import(
        [row(sip, "0123456789", start=paris(10, 20)), row(sip, "0123456789", start=paris(11, 19))]
        + [row(sip, "0123456789", start=paris(11, day)) for day in (20, 21)]
        + ["bad,row"]
    )
    ImportBatch.objects.filter(pk=old.pk).update(created_at=paris(11, 20, 23))
    kept = run_import([row(sip, "0123456780", start=paris(11, 22))])
    old.refresh_from_db()
    assert old.file and old.rejections.count() == 1
    for day in (20, 21):
        QualityHour.objects.create(
            client=sip.contract.client, hour=paris(11, day), month=date(2026, 11, 1),
            attempts=1, answered=1, answered_seconds=60, short_calls=0,
        )  # fmt: skip
        LimitBreach.objects.create(
            client=sip.contract.client, kind="simultaneous", hour=paris(11, day),
            month=date(2026, 11, 1), peak=11, limit=10, peak_at=paris(11, day),
        )  # fmt: skip
    done = tmp_path / "done"
    done.mkdir()
    for name, day in (("old.csv", 20), ("new.csv", 21)):
        (done / name).write_text("x")
        os.utime(done / name, (paris(11, day).timestamp(),) * 2)

    report = retention.retention_purge(date(2027, 11, 20), inbox=tmp_path)
    assert report["months_dropped"] == ["2026-10-01"]
    assert sorted(CallRecord.objects.values_list("started_at", flat=True)) == [
        paris(11, 21), paris(11, 22)
    ]  # fmt: skip
    assert "usage_callrecord_p202610" not in {
        partitions.partition_name(m) for m in partitions.existing_partitions()
    }
    assert sorted(UsageDay.objects.values_list("day", flat=True).distinct()) == [
        date(2026, 11, 21), date(2026, 11, 22)
    ]  # fmt: skip
    assert [q.hour for q in QualityHour.objects.all()] == [paris(11, 21)]
    assert [b.hour for b in LimitBreach.objects.all()] == [paris(11, 21)]
    old.refresh_from_db()
    kept.refresh_from_db()
    assert not old.file and old.rejections.count() == 0 and old.imported == 4
    assert kept.file
    assert sorted(p.name for p in done.iterdir()) == ["new.csv"]
    again = retention.retention_purge(date(2027, 11, 20), inbox=tmp_path)
    assert (again["files"], again["rejections"], again["quality_hours"]) == (0, 0, 0)


SQLITE_SCRIPT = """
from datetime import date
from tests.usage.core_helpers import account, row, run_import, at
from usage.models import CallRecord
from usage.services import partitions
from usage.services import imports
sip = account("sip-unl")
unrated, chunk = [], imports._import_chunk
def counted(*args):  # each chunk committed: how many calls wait for their rating
    chunk(*args)
    unrated.append(CallRecord.objects.filter(rated=False).count())
imports._import_chunk = counted
batch = run_import([row(sip, "0123456789", start=at(2), duration=61),
                    row(sip, "0612345678", start=at(3), duration=61), "bad,row"], chunk_lines=1)
print("UNRATED", unrated)
calls = list(CallRecord.objects.order_by("started_at"))
print("RESULT", batch.status, batch.imported, batch.rejected,
      [(c.slot, c.included, str(c.cost)) for c in calls])
partitions.partitions_purge(date(2028, 1, 1))
print("PURGED", CallRecord.objects.count())
"""


# make run: SQLite keeps one plain table; migrate, import and rate work there (the Python
# engine): a SIP-UNL fixed call included (slot 1), a mobile 61 s → 61 × 0.045 / 60 = 0.0458;
# one line a chunk, each rated in its own transaction (USE-1..3).
@pytest.mark.django_db(transaction=False)
def test_sqlite_demo_path(sqlite_migrated):
    manage = sqlite_migrated
    out = manage("shell", "-c", SQLITE_SCRIPT.replace('call_id="c1"', "call_id=None"))
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    assert line.startswith("RESULT done 2 1")
    assert "(1, True, '0.0000')" in line and "(None, False, '0.0458')" in line
    assert "PURGED 0" in out
    # Each chunk rated as it is stored: no call is ever listed unrated (plan "", no cost).
    assert "UNRATED [0, 0, 0]" in out
