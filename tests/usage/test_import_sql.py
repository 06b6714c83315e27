"""Issue 15: the PostgreSQL import checks, classifies and rates each chunk in SQL. Its checks must
give what ``cdr_rows.parse_row`` (the Python reference, SQLite's path) gives, row by row; a chunk's
calls are rated with the calls already stored for their months (a late record moves the slots
of the calls after it); a duplicate is found wherever it is stored."""

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from tests.usage.core_helpers import (
    HEADER,
    OCT,
    account,
    assert_matches_reference,
    at,
    calls,
    platform,
    price_change,
    row,
    run_import,
    seconds,
)
from usage.models import CallRecord, Tariff
from usage.services import cdr_rows, import_sql, imports

pytestmark = pytest.mark.django_db

STARTS = [
    "2026-10-02T09:15:00Z", "2026-10-02 09:15:01", "2026-10-02T09:15:02.123Z",
    "2026-10-02T09:15:03.123456+02:00", "2026-10-02T09:15:04-05:30", "2026-10-02T09:15:05+16:00",
    "2026-02-30T10:00:00", "2026-10-31T23:30:00Z", "2026-10-02t09:15:06", "2026-10-02T24:00:00",
    "2026-10-02T09:15:60", "20261002T091507", "2026-10-02T09:15", " 2026-10-02T09:15:10Z",
    "2026-10-02T09:15:11.5Z", "2026-13-02T09:15:12", "2027-02-29T09:15:14Z",
    "1999-12-31T23:59:59Z", "9999-12-31T23:00:00-10:00", "2101-01-01T00:00:00Z",
    "2100-12-31T23:00:00-10:00", "0001-01-02T00:00:00Z",
]  # fmt: skip
NUMBERS = [
    "+33123456789", "0123456789", "0033123456789", "01 23 45 67 89", "01.23.45.67.89", "15",
    "+0123456", "+", "", "123456789", "12", "0612345678", "abc", "3949", "+3312345678901234",
]  # fmt: skip


def _reference(content: bytes, partner=None):
    """The rejections and the stored values as the csv reader and ``parse_row`` make them."""
    reasons = imports._reasons()
    reader = csv.reader(io.StringIO(content.decode(), newline=""))
    next(reader)
    rows = [(reader.line_num, r) for r in reader if r]
    accounts = cdr_rows.accounts_for({r[1].strip() for _l, r in rows if len(r) == 9}, partner)
    bad, good = {}, {}
    for line, fields in rows:
        if len(fields) != 9:
            bad[line] = reasons["columns"]
            continue
        values, reason = cdr_rows.parse_row(fields, accounts, reasons)
        if reason:
            bad[line] = reason
            continue
        key = (values[0], datetime.fromisoformat(values[1]))
        good.setdefault(key, (values[2], values[3], values[4], values[6], values[7], values[13]))
    return bad, good


def _stored():
    """The stored calls as ``_reference`` gives the good rows."""
    return {
        (c.call_id, c.started_at): (
            c.account_ref, c.answered, c.duration, c.called, c.call_type, c.country
        )
        for c in CallRecord.objects.all()
    }  # fmt: skip


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_sql_checks_give_what_parse_row_gives(newline):
    sip = account("sip-unl")
    usual = at().strftime("%Y-%m-%dT%H:%M:%SZ")
    lines = [
        row(sip, "+33123456789", call_id=f"s{i}").replace(usual, s) for i, s in enumerate(STARTS)
    ]
    lines += [row(sip, n, call_id=f"n{i}", start=at(3) + seconds(i)) for i, n in enumerate(NUMBERS)]
    lines += [
        row(sip, "+33123456789", start=at(4), call_id="a1").replace(",yes,", ",YES,"),
        row(sip, "+33123456789", start=at(4, 1), call_id="a2").replace(",yes,", ",maybe,"),
        row(sip, "+33123456789", start=at(4, 2), call_id="d1").replace(",60,", ",1234567,"),
        row(sip, "+33123456789", start=at(4, 3), call_id="d2").replace(",60,", ",12345678,"),
        row(sip, "+33123456789", start=at(4, 4), call_id="t1", call_type="INBOUND"),
        row(sip, "+33123456789", start=at(4, 5), call_id=" sp ", device="dévice"),
        row(sip, "+33123456789", start=at(4, 6), call_id="x" * 65),
        row("nobody", "+33123456789", start=at(4, 7)),
        row(sip, "+33123456789", start=at(4, 8), call_id="c1") + ",extra",
        "",
        row(sip, "+33123456789", start=at(4, 9), call_id="tab", device="a\tb"),
        row(sip, "+33123456789", start=at(2, 9, 15), call_id="s0", duration=61),  # sent twice
    ]
    content = (newline.join([HEADER, *lines]) + newline).encode()
    expected_bad, expected_good = _reference(content)
    assert len(expected_bad) > 15 and len(expected_good) > 15  # both sides of each check
    batch = run_import(content)
    assert dict(batch.rejections.values_list("line", "reason")) == expected_bad
    assert _stored() == expected_good
    assert (batch.imported, batch.duplicates) == (len(expected_good), 1)


# The common forms that a canonical chunk (typed COPY, no check in SQL) takes as they come.
CANONICAL_STARTS = [
    "2026-10-02T09:15:00Z", "2026-10-02 09:15:01", "2026-10-02T09:15:02.123Z",
    "2026-10-02T09:15:03.123456+02:00", "2026-10-02T09:15:04-05:30", "2026-10-02T09:15:05+15:59",
    "2026-10-31T23:30:00Z", "2026-10-02 09:15:06.000000", "2026-09-30T22:00:00-00:00",
]  # fmt: skip
CANONICAL_NUMBERS = [
    "+33123456789", "0123456789", "0033123456789", "15", "112", "3949", "0612345678", "0800",
    "+447700900123", "001202555012", "0912345678",
]  # fmt: skip


def _canonical_lines(sip):
    usual = at().strftime("%Y-%m-%dT%H:%M:%SZ")
    lines = [
        row(sip, "+33123456789", call_id=f"s{i}").replace(usual, s)
        for i, s in enumerate(CANONICAL_STARTS)
    ]
    lines += [
        row(sip, n, call_id=f"n{i}", start=at(3) + seconds(i))
        for i, n in enumerate(CANONICAL_NUMBERS)
    ]
    for i, word in enumerate(["YES", "No", "oui", "N", "1", "0", "true", "FALSE", "o", "non"]):
        lines.append(
            row(sip, "+33123456789", start=at(4, 1, i), call_id=f"a{i}").replace(
                ",yes,", f",{word},"
            )
        )
    lines += [
        row(sip, "+33123456789", start=at(4, 2), call_id="d1", duration=1234567),
        row(sip, "+33123456789", start=at(4, 3), call_id="t1", call_type="INBOUND"),
        row(sip, "+33123456789", start=at(4, 4), call_id="t2", call_type="Forwarded"),
        row(sip, "+33123456789", start=at(4, 5), call_id="x" * 64, device="d" * 64),
        row(sip, "+33123456789", start=at(4, 6), call_id="dev", device="00:0b:82:aa:bb:cc"),
        row(sip, "+33123456789", start=at(4, 7), call_id="s0", duration=61),  # not the same start
        row(sip, "+33123456789", start=at(2, 9, 15), call_id="s0", duration=61),  # sent twice
        row("nobody", "+33123456789", start=at(4, 8), call_id="who"),
    ]
    return lines


@pytest.fixture
def staged(monkeypatch):
    """The ways the chunks were staged (``import_sql._stage``: TYPED, CLEAN or LINES)."""
    modes = []
    stage = import_sql._stage
    monkeypatch.setattr(import_sql, "_stage", lambda *a: modes.append(stage(*a)) or modes[-1])
    return modes


def test_a_canonical_chunk_is_typed_by_copy_and_gives_what_parse_row_gives(staged):
    # Issue 15: a chunk in the common forms is read by COPY into typed columns with no check in
    # SQL; each row ends as parse_row makes it, the unknown account is rejected with its line.
    sip = account("sip-unl")
    lines = _canonical_lines(sip)
    content = ("\n".join([HEADER, *lines]) + "\n").encode()
    assert import_sql._canonical(content.split(b"\n", 1)[1])
    expected_bad, expected_good = _reference(content)
    assert len(expected_bad) == 1  # the unknown account
    batch = run_import(content)
    rejections = list(batch.rejections.values_list("line", "reason", "raw"))
    assert [(line, reason) for line, reason, _raw in rejections] == list(expected_bad.items())
    assert rejections[0][2] == lines[-1]  # the row as in the file
    assert _stored() == expected_good
    assert (batch.rows_read, batch.imported, batch.duplicates) == (len(lines), len(lines) - 2, 1)
    assert set(staged) == {import_sql.TYPED}  # (twice: the call sent twice redoes the chunk)


@pytest.mark.parametrize(
    "start",
    [
        "2026-02-30T10:00:00Z",  # in the common forms, but PostgreSQL refuses the typed COPY
        "2026-10-02T09:15:00Z,,",  # another column count
        "2026-10-02T09:15:00+16:00",  # an offset past ±15:59
        "2026-10-02T09:15:00.5Z",  # a fraction of another length
        "2026-10-02t09:15:00",  # a lower-case separator
    ],
)
def test_a_chunk_outside_the_common_forms_is_checked_in_sql(start, staged):
    # One odd line makes the whole chunk go through the checks in SQL, with the same outcome.
    sip = account("sip-unl")
    usual = at(5).strftime("%Y-%m-%dT%H:%M:%SZ")
    lines = [*_canonical_lines(sip), row(sip, "+33123456789", start=at(5), call_id="odd")]
    lines[-1] = lines[-1].replace(usual, start)
    content = ("\n".join([HEADER, *lines]) + "\n").encode()
    expected_bad, expected_good = _reference(content)
    batch = run_import(content)
    assert dict(batch.rejections.values_list("line", "reason")) == expected_bad
    stored = {(c.call_id, c.started_at): (c.called, c.answered) for c in CallRecord.objects.all()}
    assert stored == {key: (v[3], v[1]) for key, v in expected_good.items()}
    assert batch.imported == len(expected_good)
    assert set(staged) == {import_sql.CLEAN if "," not in start else import_sql.LINES}


def test_chunks_are_rated_with_the_calls_already_stored():
    # A SIP-UNL account past its 99 numbers over two chunks; the second chunk holds calls of
    # the 1st of the month, before all the stored ones: every slot after them moves.
    sip = account("sip-unl")
    later = [row(sip, f"+3314{n:07d}", start=at(2, 9) + seconds(60 * n)) for n in range(100)]
    early = [row(sip, f"+3315{n:07d}", start=at(1, 9) + seconds(60 * n)) for n in range(3)]
    run_import(later + early, chunk_lines=100)
    assert_matches_reference()
    assert CallRecord.objects.filter(included=True).count() == 99
    assert not CallRecord.objects.get(called="+33140000096").included  # now the 100th


# A call is (call_id, start, customer): stored under another account of the same customer, it
# is a duplicate; another customer's call with the same id and start is a different call (two
# partners may number their calls alike).
def test_a_call_stored_under_another_account_is_a_duplicate():
    first = account("sip-unl")
    second = account("sip-unl", client=first.contract.client)
    stranger = account("sip-unl")
    run_import([row(first, "+33123456789", call_id="k1")])
    batch = run_import(
        [row(second, "+33123456789", call_id="k1"), row(second, "+33123456789", call_id="k2")]
    )
    assert (batch.imported, batch.duplicates) == (1, 1)
    batch = run_import([row(stranger, "+33123456789", call_id="k1")])
    assert (batch.imported, batch.duplicates) == (1, 0)
    assert sorted(CallRecord.objects.values_list("call_id", "sip_account_id")) == [
        ("k1", first.pk),
        ("k1", stranger.pk),
        ("k2", second.pk),
    ]


# USE-2 in the SQL engine: cost = seconds × rate / 60 rounded half-up to
# 4 decimals. At 0.0006 €/min, per second (1/1), a second costs 0.00001 €: 4 s → 0.00004 →
# 0.0000; 5 s → 0.00005 → 0.0001 (a half: up); 14 s → 0.00014 → 0.0001; 15 s → 0.00015 →
# 0.0002; 25 s → 0.00025 → 0.0003; 61 s at 0.0450 €/min (mobile, its own tariff) → 0.04575 →
# 0.0458.
def test_use2_sql_cost_rounds_half_up_at_four_decimals():
    Tariff.objects.create(
        name="Test 0.0006", prefix="+331499", rate_per_minute=Decimal("0.0006"),
        valid_from=date(2026, 1, 1),
    )  # fmt: skip
    plat = platform()
    durations = [4, 5, 14, 15, 25]
    run_import(
        [row(plat, f"+3314990000{i:02d}", start=at(2, 9, i), duration=d)
         for i, d in enumerate(durations)]
        + [row(plat, "+33612345678", start=at(2, 10), duration=61)]
    )  # fmt: skip
    costs = {c.duration: c.cost for c in CallRecord.objects.all()}
    assert costs == {
        4: Decimal("0.0000"), 5: Decimal("0.0001"), 14: Decimal("0.0001"),
        15: Decimal("0.0002"), 25: Decimal("0.0003"), 61: Decimal("0.0458"),
    }  # fmt: skip
    assert {c.list_cost for c in CallRecord.objects.filter(duration=15)} == {Decimal("0.0002")}
    assert_matches_reference()


# USE-2: the tariff in force on the call's day (Paris). A price for +331498… of 0.0600 €/min
# until 14 October and 0.1200 €/min from the 15th (per second): 60 s on the 14th at 12:00 UTC
# → 0.0600; 60 s on the 14th at 23:30 UTC (the 15th, 01:30 in Paris) → 0.1200; 30 s on the
# 15th → 0.0600. The pass holds both prices: each call finds its day's.
def test_use2_the_tariff_of_the_calls_paris_day():
    price_change("+331498", "0.0600", "0.1200", date(2026, 10, 15))
    plat = platform()
    run_import(
        [
            row(plat, "+33149800001", start=at(14, 12), duration=60),
            row(plat, "+33149800002", start=at(14, 23, 30), duration=60),
            row(plat, "+33149800003", start=at(15, 10), duration=30),
        ]
    )
    costs = sorted((c.started_at, c.cost) for c in CallRecord.objects.all())
    assert [cost for _start, cost in costs] == [
        Decimal("0.0600"), Decimal("0.1200"), Decimal("0.0600"),
    ]  # fmt: skip
    assert_matches_reference()


# USE-2/USE-3, daily files. A call is rated once, at the tariff of its day: a later file whose
# calls all come after the stored ones rates its own calls and leaves the stored ones as they
# are, with their rows of the roll-up (its new calls' rows are added beside them) — a call of no
# plan (PLATFORM, trunks) because it depends on no other call, a call of a plan (SIP-UNL)
# because calls after it move no slot. French mobile: 0.0450 €/min per second (the seeded grid);
# from file 2 on, a tariff of the number's prefix (+3361234…, 7 digits: it beats the grid's
# country and type) at 0.6000 €/min.
#   PLATFORM, file 1: 2 Oct 120 s × 0.045 / 60 = 0.0900 (kept: rated once)
#             file 2: 2 Oct 60 s × 0.6 / 60 = 0.6000; 3 Oct 60 s = 0.6000 → month 1.2900,
#             2 Oct: 2 calls 0.69 €, 3 Oct: 1 call 0.60 €
#   SIP-UNL (mobile per second), file 1: 2 Oct 09:00 60 s = 0.0450, kept with file 2 (its calls
#             after 09:00); file 3 brings a late record (1 Oct, before it): the account's month
#             is rated again in full (slots move), at the tariffs of now: 0.6000
def test_daily_files_rate_each_call_once():
    from usage.selectors import consumption_summary
    from usage.services.rollup import rollup_refresh

    contract, sip = platform(), account("sip-unl")
    mobile = "+33612345678"
    run_import([row(contract, mobile, start=at(2, 9), duration=120), row(sip, mobile, start=at(2))])
    Tariff.objects.create(
        name="Bloc +3361234", prefix="+3361234", rate_per_minute=Decimal("0.6000"),
        valid_from=date(2026, 1, 1), first_increment=1, next_increment=1, min_duration=0,
    )  # fmt: skip
    run_import(
        [
            row(contract, mobile, start=at(2, 15), duration=60),
            row(contract, mobile, start=at(3, 9), duration=60),
            row(sip, "+33123456789", start=at(3)),
        ]
    )
    costs = dict(
        CallRecord.objects.filter(duration__gt=0, called=mobile).values_list("started_at", "cost")
    )
    assert [costs[at(2, 9)], costs[at(2, 15)], costs[at(3, 9)]] == [
        Decimal("0.0900"), Decimal("0.6000"), Decimal("0.6000")
    ]  # fmt: skip
    assert CallRecord.objects.get(sip_account=sip, called=mobile).cost == Decimal("0.0450")
    client = contract.client
    page = consumption_summary(client=client, month=OCT)
    assert (page.total.calls, page.total.cost) == (3, Decimal("1.2900"))
    assert page.days == [
        (date(2026, 10, 2), Decimal("0.69"), 2),
        (date(2026, 10, 3), Decimal("0.60"), 1),
    ]
    rollup_refresh([(client.pk, OCT)])  # the roll-up rewritten from the stored calls: the same page
    assert consumption_summary(client=client, month=OCT) == page
    run_import([row(sip, "+33123456780", start=at(1))])
    assert CallRecord.objects.get(sip_account=sip, called=mobile).cost == Decimal("0.6000")


# The same rule in the engine of `make run` (SQLite: ``rating_py`` rates an import's calls after
# inserting them unrated). SIP-UNL, a French mobile per second: file 1's call of 2 October, 60 s
# at 0.0450 €/min = 0.0450; a tariff of its prefix at 0.6000 €/min comes after. A later call
# (3 October) rated as an import: 0.6000 for it, the stored one kept at 0.0450. A late one
# (1 October) moves the month's order: the month is rated whole, the stored call at 0.6000.
def test_make_run_engine_rates_each_call_once():
    from usage.services import rating_py

    sip = account("sip-unl")
    mobile = "+33612345678"
    run_import([row(sip, mobile, start=at(2))])
    Tariff.objects.create(
        name="Bloc +3361234", prefix="+3361234", rate_per_minute=Decimal("0.6000"),
        valid_from=date(2026, 1, 1), first_increment=1, next_increment=1, min_duration=0,
    )  # fmt: skip
    stored = CallRecord.objects.get()
    keys = [(stored.client_id, OCT)]

    def unrated(call_id, start):
        call = CallRecord.objects.get(pk=stored.pk)
        call.pk, call.call_id, call.started_at = None, call_id, start
        call.rated, call.cost = False, Decimal("0")
        call.save()
        return call

    later = unrated("later", at(3))
    rating_py.rate(keys, appending=True)
    costs = dict(CallRecord.objects.values_list("call_id", "cost"))
    assert (costs[stored.call_id], costs["later"]) == (Decimal("0.0450"), Decimal("0.6000"))
    assert CallRecord.objects.get(pk=later.pk).rated
    unrated("early", at(1))
    rating_py.rate(keys, appending=True)
    assert set(CallRecord.objects.values_list("cost", flat=True)) == {Decimal("0.6000")}


# USE-3 over daily files in order: each file's calls come after the stored ones, which it leaves
# as rated; their numbers keep their slots and the new numbers come after them. SIP-UNL, French
# fixed 0.0120 €/min, mobile 0.0450 €/min, both per second:
#   file 1 (2–11 Oct): 99 distinct fixed numbers, 60 s each, ten a day → slots 1–99, all free
#   file 2 (12 Oct): the 6th number again, 61 s → slot 6, included, 0; a new number → slot 100,
#             60 s × 0.0120 / 60 = 0.0120; a mobile, 61 s × 0.0450 / 60 = 0.04575 → 0.0458
#   file 3 (13 Oct): another new number → slot 101, 30 s × 0.0120 / 60 = 0.0060
#   month: 0.0120 + 0.0458 + 0.0060 = 0.0638 for 99 + 3 + 1 = 103 calls; "numéros distincts" 101
# The same calls as one file give the same outcome (the Python reference rates the month whole);
# a 151st number in a later file of a hosted plan re-rates the stored calls per minute
# (tests/usage/test_plans.py, USE-4).
def test_use3_daily_files_in_order_keep_the_stored_calls_and_their_slots():
    from usage.selectors import consumption_summary
    from usage.services.rollup import rollup_refresh

    sip = account("sip-unl")
    run_import([row(sip, f"+3314{n:07d}", start=at(2 + n // 10, 9, n % 10)) for n in range(99)])
    first = {
        c.pk: (c.slot, c.included, c.cost, c.rated) for c in CallRecord.objects.all()
    }  # fmt: skip
    assert {slot for slot, _i, _c, _r in first.values()} == set(range(1, 100))
    run_import(
        [
            row(sip, "+33140000005", start=at(12, 9), duration=61),
            row(sip, "+33140000200", start=at(12, 10), duration=60),
            row(sip, "0612345678", start=at(12, 11), duration=61),
        ]
    )
    run_import([row(sip, "+33140000201", start=at(13, 9), duration=30)])
    assert {
        c.pk: (c.slot, c.included, c.cost, c.rated) for c in calls(started_at__lt=at(12, 0))
    } == first
    later = {c.called: (c.slot, c.included, c.cost) for c in CallRecord.objects.filter(
        started_at__gte=at(12, 0))}  # fmt: skip
    assert later == {
        "+33140000005": (6, True, Decimal("0")),
        "+33140000200": (100, False, Decimal("0.0120")),
        "+33612345678": (None, False, Decimal("0.0458")),
        "+33140000201": (101, False, Decimal("0.0060")),
    }
    page = consumption_summary(client=sip.contract.client, month=OCT)
    assert (page.total.calls, page.total.cost) == (103, Decimal("0.0638"))
    assert [a.distinct for a in page.accounts] == [101]
    rollup_refresh([(sip.contract.client.pk, OCT)])
    assert consumption_summary(client=sip.contract.client, month=OCT) == page
    assert_matches_reference()


# USE-3 with a late record, and the roll-up of the days it changes. SIP-UNL, 100 distinct
# French fixed numbers, one 60 s call each, ten a day from 2 to 11 October: the 100th (11 Oct)
# is billed per second, 60 s × 0.0120 / 60 = 0.0120. A second file brings a call of 5 October
# 08:00 to a new number: it takes slot 31, the calls after it move one slot, so the 99th of the
# first file becomes the 100th: 2 × 0.0120 = 0.0240 for the month, both on 11 October. The
# import rewrites the roll-up of 5–11 October alone; the page equals one read from the
# roll-up rewritten whole from the stored calls.
def test_a_late_record_rewrites_the_roll_up_of_the_days_it_changes():
    from usage.selectors import consumption_summary
    from usage.services.rollup import rollup_refresh

    sip = account("sip-unl")
    run_import([row(sip, f"+3314{n:07d}", start=at(2 + n // 10, 9, n % 10)) for n in range(100)])
    late = run_import([row(sip, "+33150000000", start=at(5, 8))])
    assert late.imported == 1
    billed = dict(CallRecord.objects.filter(cost__gt=0).values_list("called", "cost"))
    assert billed == {"+33140000098": Decimal("0.0120"), "+33140000099": Decimal("0.0120")}
    assert CallRecord.objects.get(called="+33150000000").slot == 31
    client = sip.contract.client
    page = consumption_summary(client=client, month=OCT)
    assert (page.total.calls, page.total.cost) == (101, Decimal("0.0240"))
    by_day = {day.day: (calls, cost) for day, cost, calls in page.days}
    assert by_day[2] == by_day[4] == (10, Decimal("0.00"))
    assert by_day[5] == (11, Decimal("0.00"))
    assert by_day[11] == (10, Decimal("0.02"))
    rollup_refresh([(client.pk, OCT)])
    assert consumption_summary(client=client, month=OCT) == page
    assert_matches_reference()


# Consumption alerts, "block outgoing calls at 100 %": the calls the carrier still carries while
# the block is on are rated blocked and never billed (as TRK-6). PLATFORM, French mobile at
# 0.0450 €/min per second; threshold 0.05 € with the block.
#   file 1: 2 Oct 09:00, 120 s → 0.0900: 180 % → the 100 % alert, reached at 12:00 UTC
#   file 2: 11:00 outbound 60 s (before the block) → 0.0450; 13:00 outbound 60 s → blocked, 0;
#           13:05 inbound → not blocked; 13:10 forwarded 60 s → blocked, 0; 13:15 to 112 → not
#           blocked (free anyway)
#   the threshold raised to 1.00 € at 15:00 UTC lifts the block:
#   file 3: 14:00 outbound 60 s (before the lifting) → blocked, 0; 16:00 → 0.0450
#   month: 0.0900 + 0.0450 + 0.0450 = 0.1800 €, 7 calls billed or not; a late record (1 Oct)
#   rates the month again in full: the same outcome; the make-run engine gives the same.
def test_outgoing_calls_blocked_by_the_threshold_are_not_billed():
    import time_machine

    from usage.models import ConsumptionAlert
    from usage.selectors import consumption_summary
    from usage.services import alerts

    contract = platform()
    client = contract.client
    mobile = "+33612345678"
    alerts.threshold_set(client=client, amount=Decimal("0.05"), block_outgoing=True)
    with time_machine.travel(at(2, 12), tick=False):  # the block lasts until the month ends
        run_import([row(contract, mobile, start=at(2, 9), duration=120)])
        alerts.alerts_check(client_id=client.pk, month=OCT)
    assert ConsumptionAlert.objects.get(level=100).blocked
    run_import(
        [
            row(contract, mobile, start=at(2, 11), call_id="before"),
            row(contract, mobile, start=at(2, 13), call_id="out"),
            row(contract, mobile, start=at(2, 13, 5), call_type="inbound", call_id="in"),
            row(contract, mobile, start=at(2, 13, 10), call_type="forwarded", call_id="fwd"),
            row(contract, "112", start=at(2, 13, 15), call_id="sos"),
        ]
    )
    with time_machine.travel(at(2, 15), tick=False):
        alerts.threshold_set(client=client, amount=Decimal("1.00"), block_outgoing=True)
    assert ConsumptionAlert.objects.get(level=100).lifted_at == at(2, 15)
    run_import(
        [
            row(contract, mobile, start=at(2, 14), call_id="lifting"),
            row(contract, mobile, start=at(2, 16), call_id="lifted"),
        ]
    )
    expected = {
        "before": (False, Decimal("0.0450")),
        "out": (True, Decimal("0")),
        "in": (False, Decimal("0")),
        "fwd": (True, Decimal("0")),
        "sos": (False, Decimal("0")),
        "lifting": (True, Decimal("0")),
        "lifted": (False, Decimal("0.0450")),
    }

    def outcome():
        return {
            c.call_id: (c.blocked, c.cost) for c in CallRecord.objects.filter(call_id__in=expected)
        }

    assert outcome() == expected
    assert consumption_summary(client=client, month=OCT).total.cost == Decimal("0.1800")
    assert_matches_reference()
    run_import([row(contract, mobile, start=at(1, 9), duration=0, answered=False)])
    assert outcome() == expected
    assert_matches_reference()


# A call record is of a call that happened: a start more than an hour after the import reads
# it is refused ("start time is in the future"), by every path of the import — a canonical
# file (COPY into typed columns), a file whose odd line goes to Python (spaces around a word),
# and the make-run path (Python row by row) — with its line number; the good rows are stored.
# (A call of 2099 was stored and rated, and made a partition of 2099.)
def test_a_start_in_the_future_is_refused_by_every_path():
    from django.utils import timezone

    sip = account("sip-unl")
    soon = timezone.now() + timedelta(minutes=30)  # a carrier's clock a little ahead: accepted
    later = timezone.now() + timedelta(hours=2)
    future = "la date et l'heure de début sont dans le futur"
    canonical = run_import(
        [
            row(sip, "+33123456789", start=soon.replace(microsecond=0), call_id="soon"),
            row(sip, "+33123456780", start=later, call_id="later"),
            row(sip, "+33123456781", start=datetime(2099, 10, 1, tzinfo=UTC), call_id="2099"),
        ]
    )
    assert (canonical.imported, canonical.rejected) == (1, 2)
    assert list(canonical.rejections.values_list("line", "reason")) == [(3, future), (4, future)]
    odd = row(sip, "+33123456782", start=later, call_id="odd").replace("outbound", " outbound ")
    lines = run_import([row(sip, "+33123456783", call_id="past"), odd], filename="b.csv")
    assert (lines.imported, lines.rejected) == (1, 1)
    assert list(lines.rejections.values_list("line", "reason")) == [(3, future)]
    # the make-run path's check, the reference of the SQL
    values, reason = cdr_rows.parse_row(
        odd.split(","), cdr_rows.accounts_for({sip.username}, None), imports._reasons()
    )
    assert (values, reason) == (None, future)
    assert sorted(CallRecord.objects.values_list("call_id", flat=True)) == ["past", "soon"]
