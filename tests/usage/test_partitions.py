"""Storage of the call records: monthly partitions on PostgreSQL (created ahead, created on
demand by the import, rows moved out of the DEFAULT partition), the 12-month retention as a
partition drop (PLATFORM 6.7), and the plain SQLite table of ``make run`` (smoke test)."""

from datetime import UTC, date, datetime

import pytest
from django.db import connection

from tests.usage.core_helpers import account, at, row, run_import
from usage.models import CallRecord
from usage.services import partitions

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


# PLATFORM 6.7: 12 months kept. On 15 November 2027 the current month and the 12 before it
# (November 2026 …) stay; October 2026 and older partitions are dropped whole.
def test_retention_drops_months_older_than_twelve():
    sip = account("sip-unl")
    run_import(
        [
            row(sip, "0123456789", start=at(20, month=date(2026, 10, 1))),
            row(sip, "0123456789", start=at(20, month=date(2026, 11, 1))),
        ]
    )
    dropped = partitions.partitions_purge(date(2027, 11, 15))
    assert date(2026, 10, 1) in dropped and date(2026, 11, 1) not in dropped
    assert list(CallRecord.objects.values_list("billing_month", flat=True)) == [date(2026, 11, 1)]
    assert "usage_callrecord_p202610" not in {
        partitions.partition_name(m) for m in partitions.existing_partitions()
    }


SQLITE_SCRIPT = """
from datetime import date
from tests.usage.core_helpers import account, row, run_import, at
from usage.models import CallRecord
from usage.services import partitions
sip = account("sip-unl")
batch = run_import([row(sip, "0123456789", start=at(2), duration=61),
                    row(sip, "0612345678", start=at(3), duration=61), "bad,row"])
calls = list(CallRecord.objects.order_by("started_at"))
print("RESULT", batch.status, batch.imported, batch.rejected,
      [(c.slot, c.included, str(c.cost)) for c in calls])
partitions.partitions_purge(date(2028, 1, 1))
print("PURGED", CallRecord.objects.count())
"""


# make run: SQLite keeps one plain table; migrate, import and rate work there (the Python
# engine): a SIP-UNL fixed call included (slot 1), a mobile 61 s → 61 × 0.045 / 60 = 0.0458.
@pytest.mark.django_db(transaction=False)
def test_sqlite_demo_path(sqlite_migrated):
    manage = sqlite_migrated
    out = manage("shell", "-c", SQLITE_SCRIPT.replace('call_id="c1"', "call_id=None"))
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    assert line.startswith("RESULT done 2 1")
    assert "(1, True, '0.0000')" in line and "(None, False, '0.0458')" in line
    assert "PURGED 0" in out
