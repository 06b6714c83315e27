"""CDR import (SPEC §4): idempotent on (call id, start time), bad rows reported with their line
number and reason without stopping the good ones, chunks committed with the batch's progress,
the inbox folder, the management command, a partner's batch limited to its customers."""

import os
import time
from io import StringIO

import pytest
from django.core.management import call_command

from tests.usage.core_helpers import HEADER, account, at, csv_of, platform, row, run_import
from usage.models import CallRecord, ImportBatch
from usage.services import inbox

pytestmark = pytest.mark.django_db


def snapshot():
    return list(
        CallRecord.objects.order_by("id").values_list(
            "id", "call_id", "started_at", "cost", "slot", "included", "rated"
        )
    )


def test_reimporting_the_same_file_changes_nothing():
    sip = account("sip-unl")
    content = csv_of(
        [row(sip, f"+331400000{i:02d}", start=at(2, 9, i), duration=90) for i in range(20)]
    )
    first = run_import(content, filename="a.csv")
    assert (first.rows_read, first.imported, first.duplicates, first.rejected) == (20, 20, 0, 0)
    before = snapshot()
    again = run_import(content, filename="a.csv")
    assert (again.status, again.rows_read, again.imported, again.duplicates) == ("done", 20, 0, 20)
    assert snapshot() == before


def test_three_bad_rows_reported_with_their_line_numbers():
    sip = account("sip-unl")
    good = [row(sip, "0123456789", start=at(2, 9, i), duration=30) for i in range(5)]
    lines = [
        good[0],
        row(sip, "0123456789", start=at(2, 10)).replace(
            "2026-10-02T10:00:00Z", "2026-02-30T10:00:00"
        ),
        good[1],
        row("nobody", "0123456789", start=at(2, 11)),
        good[2],
        good[3],
        row(sip, "0123456789", start=at(2, 12)).replace(",yes,60,", ",yes,sixty,"),
        good[4],
    ]
    batch = run_import(lines)
    assert (batch.rows_read, batch.imported, batch.rejected, batch.duplicates) == (8, 5, 3, 0)
    # the header is line 1: the bad rows are lines 3, 5 and 8
    assert list(batch.rejections.values_list("line", "reason")) == [
        (3, "la date et l'heure de début ne sont pas au format ISO 8601"),
        (5, "compte inconnu"),
        (8, "la durée doit être un nombre entier de secondes"),
    ]
    assert CallRecord.objects.count() == 5


@pytest.mark.parametrize(
    "bad,reason_start",
    [
        (",no-such,", "le type d'appel"),
        ("", "9 colonnes attendues"),
    ],
)
def test_other_bad_rows(bad, reason_start):
    sip = account("sip-unl")
    line = row(sip, "0123456789", call_type="no-such") if bad else "a,b,c"
    batch = run_import([line, row(sip, "0123456780")])
    assert (batch.imported, batch.rejected) == (1, 1)
    assert batch.rejections.get().reason.startswith(reason_start)


def test_bad_header_fails_the_batch():
    batch = run_import(b"id,who,when\n1,2,3\n")
    assert batch.status == "failed" and "call_id" in batch.error


def test_chunks_move_progress_and_resume_where_they_stopped():
    sip = account("sip-unl")
    rows = [row(sip, f"+331400000{i:02d}", start=at(3, 9, i), duration=30) for i in range(7)]
    batch = run_import(rows, chunk_lines=3)
    assert (batch.imported, batch.next_line, batch.progress) == (7, 9, 100)
    # A worker died after its first chunk (lines 2–4) committed: the batch resumes at line 5.
    batch = ImportBatch.objects.get(pk=batch.pk)
    CallRecord.objects.filter(call_id__in=[r.split(",")[0] for r in rows[3:]]).delete()
    ImportBatch.objects.filter(pk=batch.pk).update(
        status="running", next_line=5, imported=3, rows_read=3, duplicates=0
    )
    from usage.services import imports

    batch = imports.import_run(batch.pk, chunk_lines=3)
    assert (batch.status, batch.rows_read, batch.imported, batch.duplicates) == ("done", 7, 7, 0)
    assert CallRecord.objects.count() == 7


def test_partner_batch_only_accepts_its_customers_accounts(partner, other_partner):
    mine = account("sip-unl", partner=partner)
    theirs = account("sip-unl", partner=other_partner)
    batch = run_import([row(mine, "0123456789"), row(theirs, "0123456789")], partner=partner)
    assert (batch.imported, batch.rejected) == (1, 1)
    assert batch.rejections.get().reason == "compte inconnu"


def test_platform_calls_name_the_contract_reference():
    contract = platform()
    batch = run_import([row(contract.reference, "0612345678", duration=60)])
    call = CallRecord.objects.get()
    assert (batch.imported, call.contract_id, call.sip_account_id) == (1, contract.pk, None)


def _settled(path, seconds=120):
    """A file last written ``seconds`` ago."""
    when = time.time() - seconds
    os.utime(path, (when, when))


# The inbox folder: a file written in the last minute waits (the carrier may still be writing
# it); settled, it is imported once and moved to done/.
def test_inbox_folder_imports_each_file_once(tmp_path, django_capture_on_commit_callbacks):
    sip = account("sip-unl")
    content = csv_of([row(sip, "0123456789")])
    (tmp_path / "day1.csv").write_bytes(content)
    assert inbox.inbox_scan(tmp_path) == []  # just written
    _settled(tmp_path / "day1.csv")
    with django_capture_on_commit_callbacks(execute=False):
        batches = inbox.inbox_scan(tmp_path)
    assert [b.filename for b in batches] == ["day1.csv"]
    assert (tmp_path / "done" / "day1.csv").exists() and not (tmp_path / "day1.csv").exists()
    # dropped again (same name, same content): not imported twice
    (tmp_path / "day1.csv").write_bytes(content)
    _settled(tmp_path / "day1.csv")
    assert inbox.inbox_scan(tmp_path) == []


def test_management_command(tmp_path):
    sip = account("sip-unl")
    path = tmp_path / "cdr.csv"
    path.write_bytes(csv_of([row(sip, "0123456789"), "x,y"]))
    out = StringIO()
    call_command("import_cdr", str(path), stdout=out)
    assert "imported 1" in out.getvalue() and "line 3" in out.getvalue()
    assert HEADER.startswith("call_id")


# Bad input never stops an import: a NUL character in a field (PostgreSQL's text cannot hold
# one), a start time of 9999 (past what a date holds once in UTC) or of 1900 (a placeholder):
# each of those lines is refused with its line number and reason; the good line is imported and
# the import ends done.
def test_nul_characters_and_impossible_years_are_refused_lines():
    sip = account("sip-unl")
    content = csv_of(
        [
            row(sip, "0123456789", start=at(2)),
            row(sip, "0123456789", start=at(3), device="d\x00v"),
            row(sip, "0123456789").replace("2026-10-01T09:00:00Z", "9999-12-31T23:00:00-10:00"),
            row(sip, "0123456789").replace("2026-10-01T09:00:00Z", "1900-01-01T00:00:00Z"),
        ]
    )
    batch = run_import(content)
    assert (batch.status, batch.imported, batch.rejected) == ("done", 1, 3)
    reasons = dict(batch.rejections.values_list("line", "reason"))
    assert reasons == {
        3: "un champ contient un caractère NUL ou illisible",
        4: "la date et l'heure de début ne sont pas au format ISO 8601",
        5: "la date et l'heure de début ne sont pas au format ISO 8601",
    }


# A file exported in Windows-1252 (an "é" as the byte 0xe9 on line 3) fails as a whole with a
# reason in French naming the line; a quoted field of 200 000 characters (past the csv reader's
# default limit) is a refused line, not a failed file.
def test_not_utf8_names_the_line_and_a_huge_field_is_a_refused_line():
    sip = account("sip-unl")
    good = row(sip, "0123456789", start=at(2))
    latin = csv_of([good, row(sip, "0123456789", start=at(3), device="poste-é")])
    latin = latin.replace("é".encode(), b"\xe9")
    failed = run_import(latin)
    assert failed.status == "failed"
    assert failed.error.startswith("Le fichier n'est pas en UTF-8\xa0: la ligne 3 contient")
    assert "0xe9" in failed.error
    huge = row(sip, "0123456789", start=at(4)).replace("+33100000000", '"' + "x" * 200_000 + '"')
    batch = run_import(csv_of([good.replace("c", "d", 1), huge]))
    assert (batch.status, batch.imported, batch.rejected) == ("done", 1, 1)
    assert batch.rejections.get().line == 3


# SPEC §4 (failure paths): a file the import refuses whole (its first line is not the header)
# ends the command with an error — exit code 1 and the reason — not "import #n failed" and exit 0
# that a cron job takes for a success.
def test_management_command_fails_on_a_file_refused_whole(tmp_path):
    from django.core.management.base import CommandError

    sip = account("sip-unl")
    path = tmp_path / "cdr.csv"
    path.write_bytes(csv_of([row(sip, "0123456789")]).split(b"\n", 1)[1])  # no header line
    with pytest.raises(CommandError, match="failed") as raised:
        call_command("import_cdr", str(path), stdout=StringIO())
    assert raised.value.returncode == 1
    assert ImportBatch.objects.get().status == "failed"


# SPEC §4: a file that cannot be read (no read permission) is a clear error with exit code 1,
# never a traceback; nothing is recorded.
def test_management_command_unreadable_file(tmp_path, monkeypatch):
    from pathlib import Path

    from django.core.management.base import CommandError

    path = tmp_path / "cdr.csv"
    path.write_bytes(b"x")

    def refused(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", refused)
    with pytest.raises(CommandError, match="Permission denied") as raised:
        call_command("import_cdr", str(path), stdout=StringIO())
    assert raised.value.returncode == 1
    assert not ImportBatch.objects.exists()
