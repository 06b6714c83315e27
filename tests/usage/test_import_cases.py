"""Audit of the CDR import (helper A): the carrier's file, the inbox folder, the partner's batch.
Each test proves a defect found on the code before its fix (docs/cdr-format.md, SPEC §4, §9)."""

import os
import time

import pytest
from django.urls import reverse

from tests.usage.core_helpers import OCT, account, at, csv_of, row, run_import
from usage import selectors
from usage.models import CallRecord, ImportBatch
from usage.services import inbox

pytestmark = pytest.mark.django_db

START_REASON = "la date et l'heure de début ne sont pas au format ISO 8601"


def _settled(path, seconds=120):
    """A file (or folder) last written ``seconds`` ago: the inbox takes it."""
    when = time.time() - seconds
    os.utime(path, (when, when))


# USE-2 (docs/cdr-format.md: "duration — seconds of conversation (answered calls; 0 otherwise)").
# The carrier's file holds an unanswered call to a mobile whose record says 300 s (its ringing)
# and an answered 60 s call. The customer's consumption page counts the minutes of conversation:
# the answered call's 60 s = 1 minute; the unanswered call talked 0 s. Before: the 300 s were
# stored and shown, 300 + 60 = 360 s = 6 minutes for 1 minute of conversation (and the call list
# and its CSV showed a 5-minute call that nobody answered).
def test_an_unanswered_call_talks_no_seconds(imported):
    sip = account("sip-unl")
    batch = imported(
        [
            row(sip, "0612345678", start=at(2, 9), answered=False, duration=300),
            row(sip, "0612345678", start=at(2, 10), duration=60),
        ]
    )
    assert (batch.imported, batch.rejected) == (2, 0)
    unanswered = CallRecord.objects.get(answered=False)
    assert (unanswered.duration, unanswered.cost) == (0, 0)
    summary = selectors.consumption_summary(client=sip.contract.client, month=OCT)
    assert (summary.total.calls, summary.total.answered, summary.total.minutes) == (2, 1, 1)


# The same through the SQL path of a chunk that is not canonical (a number with spaces makes the
# chunk go through the checks in SQL and parse_row): the unanswered call keeps 0 s there too.
def test_an_unanswered_call_talks_no_seconds_on_every_path():
    sip = account("sip-unl")
    batch = run_import(
        [
            row(sip, "06 12 34 56 78", start=at(2, 9), answered=False, duration=45),
            row(sip, "0612345678", start=at(2, 10), answered=False, duration=30),
        ]
    )
    assert (batch.imported, batch.rejected) == (2, 0)
    assert sorted(CallRecord.objects.values_list("duration", flat=True)) == [0, 0]


# SPEC §4 / docs/cdr-format.md (start_time: "a real date and time with seconds"). A start time
# without seconds was refused ("2026-10-02T09:15Z", line 3 below) — but the same with an offset
# was taken, its length passing the check: "2026-10-02T09:15+02:00" stored as 07:15:00 UTC, and
# "2026-10-02T09+02:15:30" (an hour alone, with an offset of seconds) as 06:44:30 UTC. Each is
# now refused with its line; the good line (with seconds, in the basic form too) is imported.
def test_a_start_time_without_seconds_is_refused_whatever_its_offset():
    sip = account("sip-unl")
    usual = "2026-10-01T09:00:00Z"
    lines = [
        row(sip, "0123456789", call_id="a").replace(usual, "2026-10-02T09:15+02:00"),
        row(sip, "0123456789", call_id="b").replace(usual, "2026-10-02T09:15Z"),
        row(sip, "0123456789", call_id="c").replace(usual, "2026-10-02T09+02:15:30"),
        row(sip, "0123456789", call_id="d").replace(usual, "2026-10-02T09:16:00+02:00"),
        row(sip, "0123456789", call_id="e").replace(usual, "20261002T091700+0200"),
    ]
    batch = run_import(lines)
    assert (batch.rows_read, batch.imported, batch.rejected) == (5, 2, 3)
    assert list(batch.rejections.values_list("line", "reason")) == [
        (2, START_REASON),
        (3, START_REASON),
        (4, START_REASON),
    ]
    starts = sorted(c.started_at.isoformat() for c in CallRecord.objects.all())
    assert starts == ["2026-10-02T07:16:00+00:00", "2026-10-02T07:17:00+00:00"]


# SPEC §4 (the inbox folder, scanned every minute). A file the scan cannot read — written by
# the carrier's user with no read right for ours, or a folder named like a file — made the scan
# raise: every file sorted after it was never imported (nor the dead imports resumed, which the
# same task does next), minute after minute. Now it is left where it is for the next scan and
# the others are imported and moved to done/.
def test_an_unreadable_inbox_file_does_not_stop_the_others(
    tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    sip = account("sip-unl")
    (tmp_path / "2026-10-01.csv").write_bytes(csv_of([row(sip, "0123456789", start=at(1))]))
    (tmp_path / "2026-10-02.csv").mkdir()  # not a file
    (tmp_path / "2026-10-03.csv").write_bytes(csv_of([row(sip, "0123456789", start=at(3))]))
    for name in ("2026-10-01.csv", "2026-10-02.csv", "2026-10-03.csv"):
        _settled(tmp_path / name)
    real = type(tmp_path).read_bytes

    def read_bytes(path):
        if path.name == "2026-10-01.csv":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(type(tmp_path), "read_bytes", read_bytes)
    with django_capture_on_commit_callbacks(execute=False):
        batches = inbox.inbox_scan(tmp_path)
    assert [b.filename for b in batches] == ["2026-10-03.csv"]
    assert (tmp_path / "done" / "2026-10-03.csv").exists()
    assert (tmp_path / "2026-10-01.csv").exists()  # waits for the next scan
    # readable again (its rights fixed): the next scan imports it
    monkeypatch.setattr(type(tmp_path), "read_bytes", real)
    with django_capture_on_commit_callbacks(execute=False):
        assert [b.filename for b in inbox.inbox_scan(tmp_path)] == ["2026-10-01.csv"]


# SPEC §4 (the inbox folder: CSV files). A carrier's system writing "CDR-20261002.CSV" (upper
# case, as Windows tools do) had its file ignored forever — its calls never imported nor
# billed, and no error anywhere. The back-office upload already took ".CSV".
def test_an_inbox_file_named_in_upper_case_is_imported(
    tmp_path, django_capture_on_commit_callbacks
):
    sip = account("sip-unl")
    (tmp_path / "CDR-20261002.CSV").write_bytes(csv_of([row(sip, "0123456789", start=at(2))]))
    _settled(tmp_path / "CDR-20261002.CSV")
    with django_capture_on_commit_callbacks(execute=False):
        batches = inbox.inbox_scan(tmp_path)
    assert [b.filename for b in batches] == ["CDR-20261002.CSV"]
    assert (tmp_path / "done" / "CDR-20261002.CSV").exists()


# SPEC §9 (partner API: "Idempotency-Key on POST"). A partner's batch POSTed again with the same
# Idempotency-Key (a timeout, a retry) made a second batch: a new id whose report said
# "0 imported, 1 duplicate" where the partner expected its first report. Now the retry answers
# the first batch (same id, Idempotent-Replayed), once, for a JSON body and for a file.
def test_a_batch_retried_with_its_idempotency_key_is_the_first_batch(
    api, partner, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    sip = account("sip-unl", partner=partner)
    call = {
        "call_id": "api-1", "account": sip.username, "start_time": "2026-10-02T09:00:00Z",
        "answered": True, "duration": 61, "called": "0612345678", "call_type": "outbound",
    }  # fmt: skip
    url = reverse("api:cdr-import-list")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        first = api.post(url, {"calls": [call]}, format="json", HTTP_IDEMPOTENCY_KEY="batch-1")
        again = api.post(url, {"calls": [call]}, format="json", HTTP_IDEMPOTENCY_KEY="batch-1")
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert ImportBatch.objects.count() == 1 and len(queued) == 1
    content = csv_of([row(sip, "0123456789", start=at(3))])
    with django_capture_on_commit_callbacks(execute=False) as queued:
        sent = [
            api.post(
                url,
                {"file": SimpleUploadedFile("day3.csv", content)},
                format="multipart",
                HTTP_IDEMPOTENCY_KEY="file-1",
            )
            for _ in range(2)
        ]
    assert [r.status_code for r in sent] == [202, 202]
    assert sent[0].json()["id"] == sent[1].json()["id"]
    assert ImportBatch.objects.count() == 2 and len(queued) == 1
    # the key reused for another file of the same name: refused (422), not the first batch
    # answered again with the new file silently left out
    other = csv_of([row(sip, "0123456789", start=at(4))])
    reused = api.post(
        url,
        {"file": SimpleUploadedFile("day3.csv", other)},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="file-1",
    )
    assert reused.status_code == 422
    assert reused.json()["error"]["code"] == "idempotency_key_reused"
    assert ImportBatch.objects.count() == 2


# SPEC §4 ("a bad row never stops the others"; docs/cdr-format.md: duration "a whole number").
# A duration written "6²" passed the check (Python's isdigit() takes the superscript) and then
# made int() raise: the whole import stopped, still "running" with 0 imported — the good line 2
# lost with it — and the minute job queued it again, to fail again, forever. Now line 3 is a
# refused line and the good line is imported: read 2 = imported 1 + rejected 1.
def test_a_duration_in_superscript_digits_is_a_refused_line_not_a_stopped_import():
    sip = account("sip-unl")
    good = row(sip, "0123456789", start=at(2, 9))
    odd = row(sip, "0123456789", start=at(2, 10)).replace(",yes,60,", ",yes,6²,")
    batch = run_import([good, odd])
    assert (batch.status, batch.rows_read, batch.imported, batch.rejected) == ("done", 2, 1, 1)
    assert list(batch.rejections.values_list("line", "reason")) == [
        (3, "la durée doit être un nombre entier de secondes")
    ]


# USE-1 (emergency numbers always free) and docs/cdr-format.md (called: digits). A number in
# full-width digits "１５" (an export through a Japanese-locale tool, or a partner's JSON) was
# taken as a short number — not the emergency 15 — and billed as a special one: 60 s at
# 0.15 €/min = 0.1500 €. A duration in Arabic-Indic digits "٣٠" was taken as 30 s. Both are
# now refused lines (their digits are not the file's), the good line imported.
def test_numbers_and_durations_in_other_digits_are_refused():
    sip = account("sip-unl")
    lines = [
        row(sip, "0123456789", start=at(2, 9)),
        row(sip, "１５", start=at(2, 10), duration=60),
        row(sip, "0123456789", start=at(2, 11)).replace(",yes,60,", ",yes,٣٠,"),
    ]
    batch = run_import(lines)
    assert (batch.status, batch.imported, batch.rejected) == ("done", 1, 2)
    assert list(batch.rejections.values_list("line", "reason")) == [
        (3, "le numéro appelé n'est pas un numéro valide"),
        (4, "la durée doit être un nombre entier de secondes"),
    ]
    assert list(CallRecord.objects.values_list("called", "cost")) == [("+33123456789", 0)]


# SPEC §4 (a bad row "reported with its line number in the file"). A quoted field may hold a
# line break (docs/cdr-format.md: double quotes): the record of lines 3–4 below, whose answered
# is "maybe", was reported at line 4 — where its tail is — while the record of line 5 is at 5.
# A record is where it starts: lines 3 and 5 (CRLF line ends, a BOM: the same numbers).
def test_a_record_over_two_lines_is_reported_at_its_first_line():
    sip = account("sip-unl")
    lines = [
        row(sip, "0123456789", start=at(2, 9)),
        row(sip, "0123456789", start=at(2, 10))
        .replace("+33100000000", '"Standard\nAccueil"')
        .replace(",yes,", ",maybe,"),
        row(sip, "0123456789", start=at(2, 11)).replace(",yes,", ",peut-être,"),
        row(sip, "0123456789", start=at(2, 12)).replace("+33100000000", '"a,b"'),
    ]
    content = ("\ufeff" + csv_of(lines).decode()).replace("\n", "\r\n").encode()
    batch = run_import(content)
    assert (batch.rows_read, batch.imported, batch.rejected) == (4, 2, 2)
    assert list(batch.rejections.values_list("line", "reason")) == [
        (3, "«\xa0décroché\xa0» doit valoir yes ou no"),
        (5, "«\xa0décroché\xa0» doit valoir yes ou no"),
    ]


# SPEC §4 ("a bad row never stops the others"; docs/cdr-format.md: "one call per line", double
# quotes around a field holding a comma). A caller's name opening a double quote it never closes
# ('"ACME', line 4) made the csv reader swallow every line after it into that field, up to the
# next double quote (line 10): the file's 9 calls reported as read 4 = imported 2 + rejected 2,
# six good calls lost without a line of their own (with no later quote, all the rest of the
# file; past 16 MB the import failed halfway, keeping what it had committed). Now the stray
# quote's line alone is refused: read 9 = imported 8 + rejected 1. A quoted field that holds a
# line break and closes (lines 10–11) is still one call.
def test_a_stray_double_quote_loses_only_its_own_line():
    sip = account("sip-unl")
    lines = [row(sip, "0123456789", start=at(2, 9, i)) for i in range(8)]
    lines[2] = lines[2].replace("+33100000000", '"ACME')
    lines.append(row(sip, "0123456789", start=at(2, 10)).replace("+33100000000", '"Accueil\nSAV"'))
    batch = run_import(lines)
    assert (batch.status, batch.rows_read, batch.imported, batch.rejected) == ("done", 9, 8, 1)
    assert list(batch.rejections.values_list("line", "reason")) == [(4, "9 colonnes attendues")]
    assert CallRecord.objects.filter(caller="Accueil\nSAV").count() == 1


# USE-2 ("the tariff in force on the day the call started": one). Staff entering a new French
# mobile price of 0.0600 €/min from the day the current one (seeded) starts — instead of
# changing it, or starting the new one another day — made two tariffs of that destination
# from the same day: the rating took either, call by call (its order has no other key), a
# 60 s mobile call costing the old rate or 0.0600. The back office now refuses the second one
# on its "valid from" field; another day is accepted (the newer one wins from its day).
def test_two_tariffs_of_one_destination_from_the_same_day_are_refused(staff):
    from tests.usage.core_helpers import seed
    from usage.models import Tariff

    seed()
    current = Tariff.objects.filter(country="FR", line_type="mobile", prefix="").first()
    form = {
        "name": "France mobile (nouveau)", "prefix": "", "country": "FR",
        "line_type": "mobile", "price_class": current.price_class, "rate_per_minute": "0.0600",
        "first_increment": "1", "next_increment": "1", "min_duration": "0",
        "valid_from": current.valid_from.isoformat(), "valid_to": "",
    }  # fmt: skip
    url = reverse("admin:usage_tariff_add")
    before = Tariff.objects.count()
    response = staff.post(url, form)
    assert response.status_code == 200
    # (in French once the .po has its entry: "Un autre tarif de cette destination commence ce
    # jour-là : …")
    assert list(response.context["adminform"].form.errors) == ["valid_from"]
    assert Tariff.objects.count() == before
    later = staff.post(url, {**form, "valid_from": "2027-01-01"})
    assert later.status_code == 302 and Tariff.objects.count() == before + 1


# USE-2 / surfaces — a call stored unanswered with 300 s (imported before the import zeroed
# them) beside an answered 60 s one: the consumption page's roll-up counts 60 s (1 min), not
# 360 s (6 min), on both engines' roll-up paths (SQL and ORM).
@pytest.mark.parametrize("engine", ["sql", "orm"])
def test_rollup_counts_no_seconds_for_an_unanswered_call(engine):
    from django.db.models import Sum

    from tests.telephony.factories import customer
    from tests.usage.money_helpers import OCT, at, call
    from usage.models import UsageDay
    from usage.services import rollup

    client = customer()
    call(client, started_at=at(5, 10), answered=True, duration=60, cost="0.0120")
    call(client, started_at=at(5, 11), answered=False, duration=300, cost="0")
    rollup.rollup_refresh([(client.pk, OCT)])  # PostgreSQL: the SQL roll-up
    days = UsageDay.objects.filter(client=client)
    if engine == "orm":  # the roll-up of `make run` (SQLite)
        days.delete()
        rollup._refresh_orm(OCT, {client.pk})
    assert days.aggregate(s=Sum("seconds"))["s"] == 60
    assert days.aggregate(s=Sum("calls"))["s"] == 2
