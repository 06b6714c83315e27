"""Issue 15: an import's chunks side by side (``USAGE_IMPORT_WORKERS``, one database connection
each). The data is committed (``transaction=True``): the chunks' connections must see it.

What must hold: the same calls, slots and amounts as one chunk at a time — a customer's month
is rated by one chunk at a time (an advisory lock per customer), each chunk seeing the calls
the other committed; the lines done are recorded out of order (``done_ranges``) and a resumed
import does only the others."""

from datetime import UTC, date, datetime
from decimal import Decimal
from io import BytesIO

import pytest
import time_machine
from django.db import connection

from tests.usage.core_helpers import (
    account,
    assert_matches_reference,
    at,
    calls,
    csv_of,
    platform,
    row,
    run_import,
    seconds,
)
from usage.models import CallRecord, ImportBatch, UsageDay
from usage.partitioning import partition_name
from usage.services import imports, partitions

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def two_workers(settings):
    """Two chunks at once, of consecutive lines: the customers of these files are interleaved
    on purpose, so that chunks side by side need the same customers' months."""
    settings.USAGE_IMPORT_WORKERS = 2
    settings.USAGE_IMPORT_WINDOW = 1


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


def _chronological(customers, per_customer, mobiles=()):
    """Calls in call order, the customers in turn (a carrier's file): to a new fixed number
    each time (SIP-UNL: past its 99 numbers), or to a mobile for those in ``mobiles``."""
    lines = []
    for i in range(per_customer):
        for k, acct in enumerate(customers):
            called = "+33612345678" if acct in mobiles else f"+3314{k:02d}{i:05d}"
            lines.append(row(acct, called, start=at(2, 8) + seconds(60 * i + k), duration=61))
    return lines


def test_a_chronological_file_is_rated_once_per_customer(settings):  # USE-3
    # Three customers in turn, 105 calls each, chunks of 30 lines, windows of 10 chunks: the
    # 315 lines make one window split in 10 parts by customer; each customer's calls are
    # rated by one chunk, with the same outcome as the reference.
    settings.USAGE_IMPORT_WORKERS = 2
    settings.USAGE_IMPORT_WINDOW = 10
    first, second, plat = account("sip-unl"), account("sip-unl"), platform()
    lines = _chronological([first, second, plat], 105, mobiles=[plat])
    batch = run_import(lines, chunk_lines=30)
    assert (batch.status, batch.rows_read, batch.imported, batch.next_line) == (
        "done", 315, 315, 317,
    )  # fmt: skip
    assert batch.done_ranges == []
    assert_matches_reference()
    # USE-3, by hand: per SIP account the 99 first numbers are included, the 100th–105th cost
    # 61 s at 0.0120 €/min = 0.0122 € each; PLATFORM mobiles 61 s at 0.045 €/min = 0.0458 €
    for sip in (first, second):
        mine = calls(sip_account=sip)
        assert sum(c.included for c in mine) == 99
        assert sorted({c.cost for c in mine if not c.included}) == [Decimal("0.0122")]
    assert {c.cost for c in calls(contract=plat)} == {Decimal("0.0458")}
    assert sum(UsageDay.objects.values_list("calls", flat=True)) == 315


def test_a_resumed_window_skips_its_parts_done(settings):
    # A worker died when one part of the window had committed: the resumed import does the
    # others, each call once.
    settings.USAGE_IMPORT_WORKERS = 2
    settings.USAGE_IMPORT_WINDOW = 10
    customers = [account("sip-unl") for _ in range(3)]
    lines = _chronological(customers, 20)
    batch = run_import(lines, chunk_lines=6)
    assert (batch.imported, batch.next_line) == (60, 62)
    done_part = [2, 62, customers[1].contract.client_id % 10, 10]
    CallRecord.objects.exclude(sip_account=customers[1]).delete()
    ImportBatch.objects.filter(pk=batch.pk).update(
        status="running", next_line=2, done_ranges=[done_part], imported=20, rows_read=20
    )
    batch = imports.import_run(batch.pk, chunk_lines=6)
    assert (batch.status, batch.rows_read, batch.imported, batch.duplicates) == ("done", 60, 60, 0)
    assert (batch.next_line, batch.done_ranges) == (62, [])
    assert CallRecord.objects.count() == 60
    assert_matches_reference()


def test_the_chunks_around_the_ranges_done():
    """Pure: the chunks a resumed import reads, around what is done, for both readers."""
    content = csv_of(
        [f"c{i},acct,2026-10-02T09:00:00Z,yes,1,,0123456789,outbound," for i in range(9)]
    )
    done = [[4, 6], [8, 9]]  # lines 4–5 and 8 done (line 1 is the header, rows are lines 2–10)

    lines = list(imports._line_chunks(BytesIO(content), 2, 3, done))
    assert [key for _chunk, key in lines] == [[2, 4], [6, 8], [9, 11]]
    assert [list(numbers) for (numbers, _data, _g), _key in lines] == [[2, 3], [6, 7], [9, 10]]
    assert [data.count(b"\n") for (_numbers, data, _g), _key in lines] == [2, 2, 2]
    rows = list(imports._row_chunks(BytesIO(content), 2, 3, done))
    assert [key for _chunk, key in rows] == [[2, 4], [6, 8], [9, 11]]
    assert [[line for line, _row in chunk] for chunk, _key in rows] == [[2, 3], [6, 7], [9, 10]]


def test_a_window_is_split_by_customer_around_the_parts_done():
    """Pure: a window of several chunks gives one part per bucket of customers, with the
    lines' numbers; a part done is not read again."""
    content = csv_of(
        [
            f"c{i},acct{i % 3},2026-10-02T09:00:{i:02d}Z,yes,1,,0123456789,outbound,"
            for i in range(9)
        ]
    )  # lines 2–10, the accounts in turn

    def by_account(lines, n):
        parts = [[] for _ in range(n)]
        for k, line in enumerate(lines):
            parts[int(line.split(b",")[1][-1:]) % n].append(k)
        return parts

    chunks = list(imports._line_chunks(BytesIO(content), 2, 3, [], window=5, bucket=by_account))
    assert [key for _chunk, key in chunks] == [[2, 11, 0, 3], [2, 11, 1, 3], [2, 11, 2, 3]]
    assert [numbers for (numbers, _data, _g), _key in chunks] == [[2, 5, 8], [3, 6, 9], [4, 7, 10]]
    assert [line.split(b",")[:2] for line in chunks[1][0][1].splitlines()] == [
        [b"c1", b"acct1"], [b"c4", b"acct1"], [b"c7", b"acct1"],
    ]  # fmt: skip
    again = imports._line_chunks(
        BytesIO(content), 2, 3, [[2, 11, 1, 3]], window=5, bucket=by_account
    )
    assert [key for _chunk, key in again] == [[2, 11, 0, 3], [2, 11, 2, 3]]
    # two chunks a window: lines 2–7 split in two parts, then lines 8–10 (one chunk) as they are
    pairs = imports._line_chunks(BytesIO(content), 2, 3, [], window=2, bucket=by_account)
    assert [key for _chunk, key in pairs] == [[2, 8, 0, 2], [2, 8, 1, 2], [8, 11]]


def test_a_window_customer_by_customer_keeps_its_consecutive_lines():
    """Pure: the import's own ``customer_buckets`` leaves a window whose accounts come one
    after the other in chunks of consecutive lines (``grouped``: stored as they come); mixed
    accounts are split, each account in one part."""
    grouped = csv_of(
        [f"c{i},acct{i // 3},2026-10-02T09:00:{i:02d}Z,yes,1,,15,outbound," for i in range(9)]
    )
    mixed = csv_of(
        [f"c{i},acct{i % 3},2026-10-02T09:00:{i:02d}Z,yes,1,,15,outbound," for i in range(9)]
    )
    bucket = imports.customer_buckets()
    chunks = list(imports._line_chunks(BytesIO(grouped), 2, 3, [], window=5, bucket=bucket))
    assert [(key, g) for (_n, _d, g), key in chunks] == [
        ([2, 5], True), ([5, 8], True), ([8, 11], True),
    ]  # fmt: skip
    chunks = list(imports._line_chunks(BytesIO(mixed), 2, 3, [], window=5, bucket=bucket))
    assert all(len(key) == 4 and not g for (_n, _d, g), key in chunks)
    accounts = [
        {line.split(b",")[1] for line in data.splitlines()} for (_n, data, _g), _k in chunks
    ]
    # each account in one part only
    assert sum(map(len, accounts)) == 3 and set().union(*accounts) == {b"acct0", b"acct1", b"acct2"}


def test_done_ranges_join_the_next_line():
    batch = ImportBatch(next_line=2, done_ranges=[])
    imports._record_done(batch, [12, 22])
    assert (batch.next_line, batch.done_ranges) == (2, [[12, 22]])
    imports._record_done(batch, [22, 30])
    assert (batch.next_line, batch.done_ranges) == (2, [[12, 22], [22, 30]])
    imports._record_done(batch, [2, 12])
    assert (batch.next_line, batch.done_ranges) == (30, [])


def test_a_window_is_done_when_all_its_parts_are():
    batch = ImportBatch(next_line=2, done_ranges=[])
    imports._record_done(batch, [2, 32, 1, 3])
    imports._record_done(batch, [2, 32, 0, 3])
    assert (batch.next_line, batch.done_ranges) == (2, [[2, 32, 0, 3], [2, 32, 1, 3]])
    assert imports._is_done(batch, [2, 32, 0, 3]) and not imports._is_done(batch, [2, 32, 2, 3])
    imports._record_done(batch, [2, 32, 2, 3])
    assert (batch.next_line, batch.done_ranges) == (32, [])
    assert imports._is_done(batch, [2, 32, 2, 3])


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
    # imported on 5 March 2031 (a start in the future is refused)
    with time_machine.travel(datetime(2031, 3, 5, 12, tzinfo=UTC), tick=True):
        batch = run_import(lines, chunk_lines=5)
    assert (batch.status, batch.imported, batch.next_line) == ("done", 20, 22)
    assert march in partitions.existing_partitions()
    assert CallRecord.objects.filter(billing_month=march).count() == 20
