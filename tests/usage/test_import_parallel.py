"""Issue 15: an import's chunks side by side (``USAGE_IMPORT_WORKERS``, one database connection
each). The data is committed (``transaction=True``): the chunks' connections must see it.

What must hold: the same calls, slots and amounts as one chunk at a time — a customer's month
is rated by one chunk at a time (an advisory lock per customer), each chunk seeing the calls
the other committed; the lines done are recorded out of order (``done_ranges``) and a resumed
import does only the others."""

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection

from tests.usage.core_helpers import account, at, calls, csv_of, platform, row, run_import, seconds
from usage.models import CallRecord, ImportBatch, UsageDay
from usage.partitioning import partition_name
from usage.services import imports, partitions

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def two_workers(settings):
    settings.USAGE_IMPORT_WORKERS = 2


def test_use3_slots_across_chunks_rated_side_by_side(two_workers):  # USE-3
    # A SIP-UNL account calls 105 distinct fixed numbers, one 60 s call each, a minute apart;
    # a PLATFORM contract's calls are interleaved, so that each 10-line chunk holds both
    # customers and the two chunks running at once need the same customers' months.
    sip = account("sip-unl")
    plat = platform()
    lines = []
    for i in range(105):
        lines.append(row(sip, f"+3314000{i:04d}", start=at(2, 8) + seconds(60 * i), duration=60))
        lines.append(row(plat, "+33612345678", start=at(2, 8) + seconds(60 * i + 30), duration=61))
    batch = run_import(lines, chunk_lines=10)
    assert (batch.status, batch.rows_read, batch.imported, batch.duplicates) == (
        "done",
        210,
        210,
        0,
    )
    assert (batch.next_line, batch.done_ranges) == (212, [])

    # USE-3: the first 99 numbers (call-start order) are included, the 100th–105th billed per
    # second at the national fixed tariff: 60 s × 0.0120 €/min = 0.0120 € each.
    sip_calls = calls(sip_account=sip)
    assert [c.slot for c in sip_calls] == list(range(1, 106))
    assert all(c.included and c.cost == 0 for c in sip_calls[:99])
    assert [c.cost for c in sip_calls[99:]] == [Decimal("0.0120")] * 6
    # PLATFORM: a mobile at the tariff, per second: 61 s × 0.0450 €/min = 0.04575 → 0.0458 €
    assert {c.cost for c in calls(contract=plat)} == {Decimal("0.0458")}
    # the consumption page's roll-up holds every call once
    assert sum(UsageDay.objects.values_list("calls", flat=True)) == 210


def test_a_resumed_import_skips_the_chunks_done_out_of_order(two_workers):
    sip = account("sip-unl")
    lines = [row(sip, f"+331400000{i:02d}", start=at(3, 9, i), duration=30) for i in range(25)]
    batch = run_import(lines, chunk_lines=10)
    assert (batch.imported, batch.next_line) == (25, 27)
    # A worker died when the chunk of lines 12–21 had committed, not the one of lines 2–11:
    # those calls are gone and the batch records lines 12–21 as done beyond its next line.
    CallRecord.objects.exclude(call_id__in=[r.split(",")[0] for r in lines[10:20]]).delete()
    ImportBatch.objects.filter(pk=batch.pk).update(
        status="running", next_line=2, done_ranges=[[12, 22]], imported=10, rows_read=10
    )
    batch = imports.import_run(batch.pk, chunk_lines=10)
    assert (batch.status, batch.rows_read, batch.imported, batch.duplicates) == ("done", 25, 25, 0)
    assert (batch.next_line, batch.done_ranges) == (27, [])
    assert CallRecord.objects.count() == 25


def test_the_chunks_around_the_ranges_done():
    """Pure: the chunks a resumed import reads, around what is done, for both readers."""
    content = csv_of(
        [f"c{i},acct,2026-10-02T09:00:00Z,yes,1,,0123456789,outbound," for i in range(9)]
    )
    done = [[4, 6], [8, 9]]  # lines 4–5 and 8 done (line 1 is the header, rows are lines 2–10)

    def spans(chunks):
        return [(first, nxt) for _chunk, first, nxt in chunks]

    lines = list(imports._line_chunks(BytesIO(content), 2, 3, done))
    assert spans(lines) == [(2, 4), (6, 8), (9, 11)]
    assert [chunk[1].count(b"\n") for chunk, _f, _n in lines] == [2, 2, 2]
    rows = list(imports._row_chunks(BytesIO(content), 2, 3, done))
    assert spans(rows) == [(2, 4), (6, 8), (9, 11)]
    assert [[line for line, _row in chunk] for chunk, _f, _n in rows] == [[2, 3], [6, 7], [9, 10]]


def test_done_ranges_join_the_next_line():
    batch = ImportBatch(next_line=2, done_ranges=[])
    imports._record_done(batch, 12, 22)
    assert (batch.next_line, batch.done_ranges) == (2, [[12, 22]])
    imports._record_done(batch, 22, 30)
    assert (batch.next_line, batch.done_ranges) == (2, [[12, 22], [22, 30]])
    imports._record_done(batch, 2, 12)
    assert (batch.next_line, batch.done_ranges) == (30, [])


@pytest.fixture
def march_2031():
    """A month with no partition, dropped again after the test (a flush keeps partitions: a
    reused test database would have it)."""
    march = date(2031, 3, 1)

    def drop():
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {partition_name(march)}")

    drop()
    yield march
    drop()


def test_two_chunks_needing_a_new_months_partition(two_workers, march_2031):
    # March 2031 has no partition yet: both chunks running at once need it; one creates it,
    # the other waits for its commit and finds it there.
    march = march_2031
    assert march not in partitions.existing_partitions()
    sip, plat = account("sip-unl"), platform()
    lines = []
    for i in range(10):
        lines.append(row(sip, f"+3314000{i:04d}", start=at(4, 9, i, month=march), duration=60))
        lines.append(row(plat, "+33612345678", start=at(4, 10, i, month=march), duration=60))
    batch = run_import(lines, chunk_lines=5)
    assert (batch.status, batch.imported, batch.next_line) == ("done", 20, 22)
    assert march in partitions.existing_partitions()
    assert CallRecord.objects.filter(billing_month=march).count() == 20
