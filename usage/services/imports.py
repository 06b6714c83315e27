"""CDR import (SPEC §4, docs/cdr-format.md): a file or an API batch becomes an ``ImportBatch``
imported by a Celery task in chunks of lines. On PostgreSQL each chunk is ``COPY``-ed into a
temporary staging table, checked and normalised in SQL, its bad rows written to the report with
their line numbers, its good rows inserted with ``ON CONFLICT (call_id, started_at) DO
NOTHING`` (a re-sent record changes nothing), and the batch's counters and ``next_line`` moved,
all in one transaction: a worker killed mid-file resumes at the first chunk not committed.
SQLite (``make run``) runs the same checks in Python with ``bulk_create(ignore_conflicts)``.
Then the months the batch touched are rated (``usage.services.rating``)."""

import csv
import hashlib
import io
from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kernel.errors import InvalidTransition
from usage.choices import IMPORT_TRANSITIONS, CallType, ImportStatus
from usage.models import CallRecord, ImportBatch, ImportRejection
from usage.partitioning import is_postgres
from usage.services import classify as cls
from usage.services import partitions, rating

COLUMNS = [
    "call_id",
    "account",
    "start_time",
    "answered",
    "duration",
    "caller",
    "called",
    "call_type",
    "device_id",
]
CHUNK_LINES = 50_000
YES = {"yes", "y", "true", "1", "oui", "o"}
NO = {"no", "n", "false", "0", "non"}
PARIS = ZoneInfo("Europe/Paris")


def _reasons() -> dict[str, str]:
    """The report's reasons, in French (the back office's language)."""
    with translation.override("fr"):
        return {
            "columns": _("expected %(n)s columns") % {"n": len(COLUMNS)},
            "call_id": _("call id missing or longer than 64 characters"),
            "start_time": _("start time is not an ISO 8601 date and time"),
            "answered": _("answered must be yes or no"),
            "duration": _("duration must be a whole number of seconds"),
            "call_type": _("call type must be outbound, inbound or forwarded"),
            "called": _("called number is not a valid number"),
            "account": _("unknown account"),
            "field": _("a field is longer than allowed"),
        }


# --- creating a batch ------------------------------------------------------------------------


def import_create(
    *,
    source: str,
    filename: str,
    content: bytes,
    created_by=None,
    api_key=None,
    partner=None,
    run: bool = True,
) -> ImportBatch:
    """Store the file as a new import and queue its task (after the commit)."""
    batch = ImportBatch.objects.create(
        source=source,
        filename=filename[:255],
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        total_lines=content.count(b"\n") + (0 if content.endswith(b"\n") or not content else 1),
        created_by=created_by,
        api_key=api_key,
        partner=partner,
    )
    batch.file.save(f"{batch.pk:08d}-{filename[-80:]}", ContentFile(content), save=True)
    if run:
        transaction.on_commit(lambda: _queue(batch.pk))
    return batch


def _transition(batch: ImportBatch, status: str) -> None:
    if status not in IMPORT_TRANSITIONS[batch.status]:
        raise InvalidTransition(f"import {batch.pk}: {batch.status} → {status}")
    batch.status = status


# --- running it ------------------------------------------------------------------------------


LOCK_NAMESPACE = 15_0001  # pg_advisory_lock(namespace, batch id): who is working on a batch


@contextmanager
def _lease(batch_id: int):
    """A session-level advisory lock held while a worker imports a batch: a killed worker's
    connection closes and frees it, so ``imports_resume`` can tell a dead import from a live
    one. Yields False when another worker holds it. SQLite: always True."""
    if not is_postgres(connection):
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_NAMESPACE, batch_id])
        held = cursor.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, batch_id])


def imports_resume() -> list[int]:
    """Queue again the batches left RUNNING (or PENDING) by a worker that died: those nobody
    holds the lease of (periodic, with the inbox scan)."""
    queued = []
    for batch_id in ImportBatch.objects.filter(
        status__in=[ImportStatus.RUNNING, ImportStatus.PENDING]
    ).values_list("pk", flat=True):
        with _lease(batch_id) as free:
            if free:
                queued.append(batch_id)
    for batch_id in queued:
        _queue(batch_id)
    return queued


def _queue(batch_id: int) -> None:
    """The import task, by name (``usage.tasks`` imports this module)."""
    from celery import current_app

    current_app.send_task("usage.tasks.import_run", args=[batch_id])


def import_run(batch_id: int, *, chunk_lines: int = CHUNK_LINES) -> ImportBatch:
    """Import (or resume) a batch, then rate the months it touched. Idempotent; a second
    worker on the same batch returns at once."""
    with _lease(batch_id) as held:
        if not held:
            return ImportBatch.objects.get(pk=batch_id)
        return _import_run(batch_id, chunk_lines=chunk_lines)


def _import_run(batch_id: int, *, chunk_lines: int) -> ImportBatch:
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
        if batch.status == ImportStatus.DONE:
            return batch
        _transition(batch, ImportStatus.RUNNING)
        batch.started_at = batch.started_at or timezone.now()
        batch.save(update_fields=["status", "started_at"])
    try:
        with batch.file.open("rb") as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            reader = csv.reader(text)
            header = next(reader, None)
            if header is None or [h.strip().lower() for h in header] != COLUMNS:
                return _fail(
                    batch,
                    _("The first line must be the header: %(cols)s") % {"cols": ",".join(COLUMNS)},
                )
            chunk: list[tuple[int, list[str]]] = []
            for row in reader:
                line = reader.line_num
                if line < batch.next_line:
                    continue
                if not row:  # blank line
                    continue
                chunk.append((line, row))
                if len(chunk) >= chunk_lines:
                    _import_chunk(batch, chunk, reader.line_num + 1)
                    chunk = []
            if chunk or batch.next_line <= reader.line_num:
                _import_chunk(batch, chunk, reader.line_num + 1)
    except (UnicodeDecodeError, csv.Error) as exc:
        return _fail(batch, str(exc))
    rating.rate_batch(batch.pk)
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
        _transition(batch, ImportStatus.DONE)
        batch.rated = True
        batch.finished_at = timezone.now()
        batch.save(update_fields=["status", "rated", "finished_at"])
    return batch


def _fail(batch: ImportBatch, error: str) -> ImportBatch:
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        _transition(batch, ImportStatus.FAILED)
        batch.error = error
        batch.finished_at = timezone.now()
        batch.save(update_fields=["status", "error", "finished_at"])
    return batch


def _import_chunk(batch: ImportBatch, chunk, next_line: int) -> None:
    """One chunk, one transaction: rows, report, counters and ``next_line`` move together."""
    reasons = _reasons()
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.next_line >= next_line:
            batch.refresh_from_db()
            return  # another worker committed this chunk already
        rejected = []
        good = []
        for line, row in chunk:
            if len(row) != len(COLUMNS):
                rejected.append((line, reasons["columns"], ",".join(row)))
            else:
                good.append((line, row))
        if not good:
            imported, bad = 0, []
        elif is_postgres(connection):
            imported, bad = _load_sql(locked, good, reasons)
        else:
            imported, bad = _load_python(locked, good, reasons)
        rejected += bad
        ImportRejection.objects.bulk_create(
            [
                ImportRejection(batch=locked, line=ln, reason=r, raw=raw[:2000])
                for ln, r, raw in rejected
            ],
            ignore_conflicts=True,
        )
        locked.rows_read += len(chunk)
        locked.rejected += len(rejected)
        locked.imported += imported
        locked.duplicates += len(chunk) - len(rejected) - imported
        locked.next_line = next_line
        locked.save(update_fields=["rows_read", "rejected", "imported", "duplicates", "next_line"])
    for field in ("rows_read", "rejected", "imported", "duplicates", "next_line"):
        setattr(batch, field, getattr(locked, field))


# --- checking a row (both databases) -----------------------------------------------------------

DIGITS = frozenset("0123456789")


def parse_row(row: list[str], accounts: dict, reasons: dict):
    """(values, None) or (None, reason) for one CSV row. ``values``: the row as stored
    (``STAGE_COLUMNS`` order), the start time still as its ISO text (validated here)."""
    call_id, account, start, answered, duration, caller, called, call_type, device = (
        v.strip() for v in row
    )
    if not call_id or len(call_id) > 64:
        return None, reasons["call_id"]
    try:
        started = datetime.fromisoformat(start)
    except ValueError:
        return None, reasons["start_time"]
    if len(start) < 19:  # a date alone, or no seconds
        return None, reasons["start_time"]
    answered = answered.lower()
    if answered not in YES and answered not in NO:
        return None, reasons["answered"]
    if not duration.isdigit() or len(duration) > 7:
        return None, reasons["duration"]
    call_type = call_type.lower()
    if call_type not in CALL_TYPES:
        return None, reasons["call_type"]
    if called.startswith("+") and DIGITS.issuperset(called[1:]):
        number = called
    else:
        number = cls.normalize(called)
    if not (cls.E164.match(number) or cls.SHORT.match(number)):
        return None, reasons["called"]
    if len(caller) > 32 or len(device) > 64 or len(account) > 64:
        return None, reasons["field"]
    owner = accounts.get(account)
    if owner is None:
        return None, reasons["account"]
    c = cls.classify(number)
    if started.tzinfo is None:
        start += "+00:00"  # SPEC §4: start times are UTC
    return (
        call_id,
        start,
        account,
        answered in YES,
        int(duration),
        caller,
        number,
        call_type,
        device,
        *owner,
        c.country,
        c.line_type.value,
        c.price_class.value,
    ), None


CALL_TYPES = frozenset(CallType.values)
STAGE_COLUMNS = [
    "call_id",
    "started_at",
    "account_ref",
    "answered",
    "duration",
    "caller",
    "called",
    "call_type",
    "device_id",
    "client_id",
    "contract_id",
    "sip_account_id",
    "trunk_id",
    "country",
    "line_type",
    "price_class",
]


def accounts_for(refs, partner_id=None) -> dict:
    """{account ref: (client_id, contract_id, sip_account_id, trunk_id)}: SIP account usernames,
    trunk usernames and (PLATFORM, which has neither) contract references."""
    from offers.models import Contract
    from telephony.models import SipAccount, Trunk

    scope = {"contract__client__partner_id": partner_id} if partner_id else {}
    found = {}
    for c in Contract.objects.filter(reference__in=refs).filter(
        **({"client__partner_id": partner_id} if partner_id else {})
    ):
        found[c.reference] = (c.client_id, c.pk, None, None)
    for t in Trunk.objects.filter(username__in=refs, **scope).select_related("contract"):
        found[t.username] = (t.contract.client_id, t.contract_id, None, t.pk)
    for a in SipAccount.objects.filter(username__in=refs, **scope).select_related("contract"):
        found[a.username] = (a.contract.client_id, a.contract_id, a.pk, None)
    return found


def _check(batch: ImportBatch, rows, reasons) -> tuple[list, list]:
    accounts = accounts_for({row[1].strip() for _, row in rows}, batch.partner_id)
    good, bad = [], []
    for line, row in rows:
        values, reason = parse_row(row, accounts, reasons)
        if reason:
            bad.append((line, reason, ",".join(row)))
        else:
            good.append(values)
    return good, bad


# --- PostgreSQL: COPY into a staging table + one set-based INSERT -----------------------------

INSERT_SQL = """
INSERT INTO usage_callrecord (
    call_id, started_at, account_ref, answered, duration, caller, called, call_type, device_id,
    client_id, contract_id, sip_account_id, trunk_id, country, line_type, price_class,
    batch_id, billing_month, plan, billed_seconds, included_seconds, list_cost, cost, included,
    on_net, blocked, trial, late, breach, rated, imported_at)
SELECT s.*, %(batch)s, date_trunc('month', s.started_at AT TIME ZONE 'Europe/Paris')::date,
    '', 0, 0, 0, 0, false, false, false, false, false, false, false, now()
FROM _stg s
ON CONFLICT (call_id, started_at) DO NOTHING
"""


def _load_sql(batch: ImportBatch, rows, reasons) -> tuple[int, list]:
    good, bad = _check(batch, rows, reasons)
    if not good:
        return 0, bad
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS _stg")
        cursor.execute(
            "CREATE TEMP TABLE _stg (call_id varchar(64), started_at timestamptz, "
            "account_ref varchar(64), answered boolean, duration integer, caller varchar(32), "
            "called varchar(32), call_type varchar(10), device_id varchar(64), "
            "client_id integer, contract_id integer, sip_account_id integer, trunk_id integer, "
            "country varchar(2), line_type varchar(12), price_class varchar(12)) ON COMMIT DROP"
        )
        with cursor.copy(f"COPY _stg ({', '.join(STAGE_COLUMNS)}) FROM STDIN") as copy:
            for values in good:
                copy.write_row(values)
        cursor.execute(
            "SELECT DISTINCT date_trunc('month', started_at AT TIME ZONE 'Europe/Paris')::date "
            "FROM _stg"
        )
        partitions.partitions_ensure([row[0] for row in cursor.fetchall()])
        cursor.execute(INSERT_SQL, {"batch": batch.pk})
        imported = cursor.rowcount
        cursor.execute("DROP TABLE IF EXISTS _stg")
    return imported, bad


# --- SQLite (make run): the same rows through the ORM -----------------------------------------


def _load_python(batch: ImportBatch, rows, reasons) -> tuple[int, list]:
    good, bad = _check(batch, rows, reasons)
    records = []
    for values in good:
        data = dict(zip(STAGE_COLUMNS, values, strict=True))
        started = datetime.fromisoformat(data["started_at"])
        data["started_at"] = started
        data["billing_month"] = started.astimezone(PARIS).date().replace(day=1)
        records.append(CallRecord(batch=batch, **data))
    keys = {(r.call_id, r.started_at) for r in records}
    existing = set(
        CallRecord.objects.filter(call_id__in={k[0] for k in keys}).values_list(
            "call_id", "started_at"
        )
    )
    fresh, seen = [], set()
    for r in records:
        key = (r.call_id, r.started_at)
        if key not in existing and key not in seen:
            seen.add(key)
            fresh.append(r)
    CallRecord.objects.bulk_create(fresh, ignore_conflicts=True)
    return len(fresh), bad
