"""CDR import (SPEC §4, docs/cdr-format.md): a file or an API batch becomes an ``ImportBatch``
imported by a Celery task in chunks of lines, each in one transaction with the batch's counters
and the lines it did (``next_line``, ``done_ranges``): a worker killed mid-file resumes with the
chunks not committed. On PostgreSQL ``USAGE_IMPORT_WORKERS`` chunks run at once, each on its
own connection (a thread): a customer's months are rated by one chunk at a time.

On PostgreSQL a chunk is checked, classified, rated and inserted by set-based SQL
(``usage.services.import_sql``): its lines are ``COPY``-ed as they are, its bad rows reported
with their line numbers, its new calls rated with the calls already stored for their
(customer, month) and inserted already rated (a re-sent record, same (call_id, started_at,
customer), changes nothing). SQLite (``make run``) checks each row in Python (``parse_row``,
also the reference the SQL follows, and the check of the rows the SQL leaves to it), inserts with
``bulk_create(ignore_conflicts)`` and rates the months the chunk touched
(``usage.services.rating``) in the chunk's transaction."""

import csv
import fcntl
import functools
import hashlib
import io
import tempfile
import zlib
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from contextlib import contextmanager
from datetime import datetime
from itertools import islice
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kernel.clock import PARIS
from kernel.errors import InvalidTransition
from usage.choices import IMPORT_TRANSITIONS, ImportStatus
from usage.models import CallRecord, ImportBatch, ImportRejection
from usage.partitioning import is_postgres
from usage.services import cdr_rows, import_errors, import_sql, rating
from usage.services.cdr_rows import COLUMNS, STAGE_COLUMNS
from usage.services.import_errors import HEADER, NOT_CSV, NOT_UTF8

CHUNK_LINES = 100_000  # a committed transaction each (bench/rating.py: 10 chunks, 2 at a time)
# A field longer than the csv reader's default limit (128 KiB) would stop the whole file: read
# it, and let ``parse_row`` refuse its line ("a field is longer than allowed").
csv.field_size_limit(16 << 20)


# The reasons a line is refused, by key: their English source (msgid), the columns' count aside.
REASONS = {
    "columns": gettext_noop("expected %(n)s columns"),
    "call_id": gettext_noop("call id missing or longer than 64 characters"),
    "start_time": gettext_noop("start time is not an ISO 8601 date and time"),
    "future": gettext_noop("start time is in the future"),
    "answered": gettext_noop("answered must be yes or no"),
    "duration": gettext_noop("duration must be a whole number of seconds"),
    "call_type": gettext_noop("call type must be outbound, inbound or forwarded"),
    "called": gettext_noop("called number is not a valid number"),
    "account": gettext_noop("unknown account"),
    "field": gettext_noop("a field is longer than allowed"),
    "character": gettext_noop("a field holds a NUL or unreadable character"),
}


@functools.cache
def _reasons_in(language: str) -> dict[str, str]:
    with translation.override(language):
        return {key: _(msgid) % {"n": len(COLUMNS)} for key, msgid in REASONS.items()}


def _reasons() -> dict[str, str]:
    """The report's reasons, in French (the back office's language): what is stored."""
    return _reasons_in("fr")


@functools.cache
def _reason_keys() -> dict[str, str]:
    return {text: key for key, text in _reasons().items()}


def reason_in_language(stored: str) -> str:
    """A stored reason (French) in the active language: the partner API answers a report in
    the language its caller asks (``Accept-Language``, ACC-3). A text that is no known reason
    is given as stored."""
    key = _reason_keys().get(stored)
    return stored if key is None else _reasons_in(translation.get_language() or "fr")[key]


# --- creating a batch ------------------------------------------------------------------------


def import_create(
    *,
    source: str,
    filename: str,
    content,
    created_by=None,
    api_key=None,
    partner=None,
    run: bool = True,
) -> ImportBatch:
    """Store the file as a new import and queue its task (after the commit). ``content`` is the
    file's bytes or an uploaded file: read by chunks (its hash, its lines) and stored from
    Django's temporary file, never held whole in memory (a back-office upload may be 200 MB)."""
    upload = ContentFile(content) if isinstance(content, bytes) else content
    digest, size, newlines, last = hashlib.sha256(), 0, 0, b""
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
        size += len(chunk)
        newlines += chunk.count(b"\n")
        last = chunk[-1:] or last
    upload.seek(0)
    batch = ImportBatch.objects.create(
        source=source,
        filename=filename[:255],
        sha256=digest.hexdigest(),
        size=size,
        # ``import_sql.line_count``: the last line may lack its line feed
        total_lines=newlines + (0 if last in (b"\n", b"") else 1),
        created_by=created_by,
        api_key=api_key,
        partner=partner,
    )
    batch.file.save(f"{batch.pk:08d}-{filename[-80:]}", upload, save=True)
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
    one. Yields False when another worker holds it. SQLite (``make run``, one machine): an
    exclusive lock on a file, which the system frees likewise when its process dies — without
    it the periodic resumption started a second import of a running batch ("database is
    locked")."""
    if not is_postgres(connection):
        with _file_lease(batch_id) as held:
            yield held
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


@contextmanager
def _file_lease(batch_id: int):
    database = hashlib.sha256(str(connection.settings_dict["NAME"]).encode()).hexdigest()[:12]
    path = Path(tempfile.gettempdir()) / f"portal-import-{database}-{batch_id}.lock"
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


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
    postgres = is_postgres(connection)
    try:
        with batch.file.open("rb") as raw:
            if _header(raw) != COLUMNS:
                return _fail(batch, import_errors.stored(HEADER, cols=",".join(COLUMNS)))
            if postgres:
                import_sql.session_prepare()
            if postgres and import_sql.plain(raw):
                chunks = _line_chunks(
                    raw,
                    batch.next_line,
                    chunk_lines,
                    batch.done_ranges,
                    window=settings.USAGE_IMPORT_WINDOW,
                    bucket=customer_buckets(batch.partner_id),
                )
            else:
                chunks = _row_chunks(raw, batch.next_line, chunk_lines, batch.done_ranges)
            workers = settings.USAGE_IMPORT_WORKERS if postgres else 1
            _run_chunks(batch.pk, chunks, workers)
    except UnicodeDecodeError as exc:
        return _fail(batch, _not_utf8(batch, exc))
    except csv.Error as exc:
        return _fail(batch, import_errors.stored(NOT_CSV, error=exc))
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
        _transition(batch, ImportStatus.DONE)
        batch.rated = True
        batch.finished_at = timezone.now()
        batch.save(update_fields=["status", "rated", "finished_at"])
    return batch


def _header(raw) -> list[str]:
    """The first line's column names; a line ends at LF, CRLF or a lone CR (an old Mac
    export, whose rows ``_row_chunks`` reads the same way)."""
    raw.seek(0)
    first = raw.readline().split(b"\r", 1)[0]
    row = next(csv.reader([first.decode("utf-8-sig")]), None) or []
    return [h.strip().lower() for h in row]


def _todo(first_line: int, done):
    """The [start, end) line intervals still to import from ``first_line``, around the ``done``
    ranges (end None: to the end of the file)."""
    start = first_line
    for lo, hi in sorted(tuple(r) for r in done):
        if hi <= start:
            continue
        if lo > start:
            yield start, lo
        start = max(start, hi)
    yield start, None


def _line_chunks(raw, first_line: int, chunk_lines: int, done=(), *, window=1, bucket=None):
    """((the lines' numbers, their bytes, grouped), key): a plain file's chunks (PostgreSQL),
    from ``first_line`` (a resumed batch: its ``next_line``) and around the ``done`` ranges;
    line 1 is the header.

    The file is read by windows of ``window`` chunks from line 2 (their bounds never depend on
    what is done). A window whose lines come customer by customer (``bucket`` returns None:
    ``grouped``) gives chunks of consecutive lines; otherwise ``bucket(lines, n)`` splits it in
    n parts (lists of the lines' indexes) by customer, so that each customer's calls of the
    window are rated once, by one chunk — a carrier's file is in call order: in chunks of
    consecutive lines every chunk would hold every customer and re-rate their months so far.
    Key: [first, next) of consecutive lines, or [first, next, i, n] for part i of n of the
    window [first, next)."""
    raw.seek(0)
    lines_of = iter(raw.readline, b"")  # (a Django File's own iterator starts from 0 each time)
    next(lines_of, None)  # the header
    todo = list(_todo(first_line, [r for r in done if len(r) == 2]))
    parts_done = {tuple(r) for r in done if len(r) == 4}
    size = chunk_lines * (window if bucket else 1)
    lo = 2
    while lines := list(islice(lines_of, size)):
        hi = lo + len(lines)
        spans = [(max(a, lo), min(b or hi, hi)) for a, b in todo if max(a, lo) < min(b or hi, hi)]
        n = -(-len(lines) // chunk_lines)
        parts, whole = None, bucket is not None and n > 1 and spans == [(lo, hi)]
        if whole:  # a window of several chunks, none done yet
            if not lines[-1].endswith(b"\n"):
                lines[-1] += b"\n"
            parts = bucket(lines, n)
        if parts is None:
            grouped = whole  # (bucket found its accounts one after the other)
            for a, b in spans:
                for first in range(a, b, chunk_lines):
                    last = min(first + chunk_lines, b)
                    data = b"".join(lines[first - lo : last - lo])
                    yield (range(first, last), data, grouped), [first, last]
        else:
            for i, indexes in enumerate(parts):
                if (lo, hi, i, n) not in parts_done:
                    data = b"".join([lines[k] for k in indexes])
                    yield ([lo + k for k in indexes], data, False), [lo, hi, i, n]
        lo = hi


def customer_buckets(partner_id=None):
    """``bucket`` of ``_line_chunks``: None when each account's lines follow each other (the
    chunks of consecutive lines then share few customers); otherwise the lines of a customer
    (its accounts looked up once per window; an unknown account by its name) in one part."""

    def bucket(lines, n):
        refs = [line.split(b",", 2)[1].strip() if b"," in line else b"" for line in lines]
        distinct = set(refs)
        if 1 + sum(a != b for a, b in zip(refs, refs[1:], strict=False)) == len(distinct):
            return None
        names = {ref: ref.decode("utf-8", "replace") for ref in distinct}
        owners = cdr_rows.accounts_for(set(names.values()), partner_id)
        part_of = {
            ref: (owners[name][0] if name in owners else zlib.crc32(ref)) % n
            for ref, name in names.items()
        }
        parts = [[] for _ in range(n)]
        for k, ref in enumerate(refs):
            parts[part_of[ref]].append(k)
        return parts

    return bucket


# A quoted field may hold a line break: its record then spans the lines up to the closing quote,
# at most this many, and must give the nine columns. Otherwise the quote is a stray one (a
# caller's name "ACME, say): its line is a row alone and the lines after it are read afresh — a
# stray quote used to swallow the rest of the file into one rejected row (its calls lost, the
# report saying "read 3" of 8), or past 16 MB to fail the file halfway.
MAX_RECORD_LINES = 10


def _parse(lines: list[str], strict: bool = True):
    """(rows, open) of ``lines`` read as CSV: ``open`` when a quoted field is still open at the
    end; rows None when the strict reader refuses them."""
    try:
        return list(csv.reader(lines, strict=strict)), False
    except csv.Error as error:
        return None, "unexpected end of data" in str(error)


def _records(text):
    """(first line, last line, row) of each record of ``text`` (the file's lines after its
    header, numbered from 2): a row per line (docs/cdr-format.md), but for a quoted field
    holding line breaks (``MAX_RECORD_LINES``). A blank line is the row []."""
    numbered = enumerate(text, start=2)
    queue: deque = deque()  # lines to read again (after a stray quote)
    pending: list[tuple[int, str]] = []  # the lines of a record whose quote is open
    while True:
        item = queue.popleft() if queue else next(numbered, None)
        if item is not None:
            if not pending and '"' not in item[1]:  # no quote: the csv reader's row, faster
                fields = item[1].rstrip("\r\n")
                yield item[0], item[0], fields.split(",") if fields else []
                continue
            pending.append(item)
        if not pending:
            return
        rows, still_open = _parse([t for _n, t in pending])
        if still_open and item is not None and len(pending) < MAX_RECORD_LINES:
            continue
        if rows is not None and (
            len(pending) == 1 or (len(rows) == 1 and len(rows[0]) == len(COLUMNS))
        ):
            yield pending[0][0], pending[-1][0], rows[0] if rows else []
        else:  # its first line alone, as the lenient reader reads it; the next ones afresh
            (number, line), *rest = pending
            alone, _open = _parse([line], strict=False)
            if alone is None:  # a field past the reader's limit: refused by parse_row
                alone = [line.rstrip("\r\n").split(",")]
            yield number, number, alone[0] if alone else []
            queue.extendleft(reversed(rest))
        pending = []


def _row_chunks(raw, first_line: int, chunk_lines: int, done=()):
    """([(line, row)], [first line, next line]): the CSV rows (``_records``), from
    ``first_line`` and around the ``done`` ranges. A row's line is the one it starts on (the
    report's); the ranges go by the line it ends on."""
    raw.seek(0)
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    next(text, None)  # the header (its first line: ``_header``)
    todo = list(_todo(first_line, [r for r in done if len(r) == 2]))
    k, start, line = 0, todo[0][0], 1
    chunk: list[tuple[int, list[str]]] = []
    for first, line, row in _records(text):
        while todo[k][1] is not None and line >= todo[k][1]:  # the interval ends before it
            if chunk or start < todo[k][1]:
                yield chunk, [start, todo[k][1]]
            chunk, k = [], k + 1
            start = todo[k][0]
        if line < start or not row:  # done already, or a blank line
            continue
        chunk.append((first, row))
        if len(chunk) >= chunk_lines:
            yield chunk, [start, line + 1]
            chunk, start = [], line + 1
    end = todo[k][1] or line + 1
    if chunk or start < end:
        yield chunk, [start, end]


def _run_chunks(batch_id: int, chunks, workers: int) -> None:
    """Import the chunks, ``workers`` at a time (each on its own database connection)."""
    if workers <= 1:
        for chunk, key in chunks:
            _import_chunk(batch_id, chunk, key)
        return
    with ThreadPoolExecutor(workers, thread_name_prefix=f"import-{batch_id}") as pool:
        running = set()
        for chunk, key in chunks:
            if len(running) >= workers:
                finished, running = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    future.result()  # a failed chunk stops the import (resumed later)
            running.add(pool.submit(_chunk_thread, batch_id, chunk, key))
        for future in wait(running).done:
            future.result()


def _chunk_thread(batch_id: int, chunk, key: list) -> None:
    try:
        import_sql.session_prepare()
        _import_chunk(batch_id, chunk, key)
    finally:
        connection.close()  # the thread's own connection


def _not_utf8(batch: ImportBatch, exc: UnicodeDecodeError) -> str:
    """The report's reason, in French, with the line of the first byte that is not UTF-8."""
    with batch.file.open("rb") as fh:
        content = fh.read()
    try:
        content.decode("utf-8")
        line = None
    except UnicodeDecodeError as error:
        line = content.count(b"\n", 0, error.start) + 1
    return import_errors.stored(NOT_UTF8, line=line or "?", byte=exc.object[exc.start])


def _fail(batch: ImportBatch, error: str) -> ImportBatch:
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        _transition(batch, ImportStatus.FAILED)
        batch.error = error
        batch.finished_at = timezone.now()
        batch.save(update_fields=["status", "error", "finished_at"])
    return batch


def _is_done(batch: ImportBatch, key: list) -> bool:
    lo, hi = key[:2]
    return hi <= batch.next_line or [lo, hi] in batch.done_ranges or list(key) in batch.done_ranges


def _record_done(batch: ImportBatch, key: list) -> None:
    """Add a chunk's ``key`` to what is done: a window whose n parts are all done becomes its
    [first, next) range; ``next_line`` moves over every range that joins it, the others (and
    the parts of unfinished windows) wait in ``done_ranges``."""
    done = [list(r) for r in batch.done_ranges] + [list(key)]
    if len(key) == 4:
        lo, hi, _i, n = key
        window = [r for r in done if len(r) == 4 and r[:2] == [lo, hi]]
        if len({r[2] for r in window}) == n:
            done = [r for r in done if r not in window] + [[lo, hi]]
    rest = []
    for r in sorted(done):
        if len(r) == 2 and r[0] <= batch.next_line:
            batch.next_line = max(batch.next_line, r[1])
        else:
            rest.append(r)
    batch.done_ranges = rest


COUNTERS = ["rows_read", "rejected", "imported", "duplicates"]


def _import_chunk(batch_id: int, chunk, key: list) -> None:
    """One chunk, one transaction: rows, report, counters and the lines done move together.
    The batch's row is locked at the end only (chunks run side by side). On PostgreSQL the
    rows are inserted without ``ON CONFLICT`` (the duplicates are left out before): a call
    inserted meanwhile by another import fails the chunk, which is redone."""
    reasons = _reasons()
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                batch = ImportBatch.objects.get(pk=batch_id)
                if _is_done(batch, key):
                    return  # committed by an earlier run of this import
                if is_postgres(connection):
                    read, imported, rejected = import_sql.load_chunk(
                        batch, chunk, reasons, thorough=attempt == 2
                    )
                else:
                    read, imported, rejected = _load_rows(batch, chunk, reasons)
                ImportRejection.objects.bulk_create(
                    [
                        ImportRejection(batch=batch, line=ln, reason=r, raw=raw[:2000])
                        for ln, r, raw in rejected
                    ],
                    ignore_conflicts=True,
                )
                locked = ImportBatch.objects.select_for_update().get(pk=batch_id)
                locked.rows_read += read
                locked.rejected += len(rejected)
                locked.imported += imported
                locked.duplicates += read - len(rejected) - imported
                _record_done(locked, key)
                locked.save(update_fields=[*COUNTERS, "next_line", "done_ranges"])
            break
        except IntegrityError:
            if attempt == 2:
                raise


def _load_rows(batch: ImportBatch, chunk, reasons) -> tuple[int, int, list]:
    """SQLite: the csv reader's rows checked in Python (``parse_row``), inserted by the ORM."""
    rejected, good = [], []
    for line, row in chunk:
        if len(row) != len(COLUMNS):
            rejected.append((line, reasons["columns"], ",".join(row)))
        else:
            good.append((line, row))
    imported, bad = _load_python(batch, good, reasons) if good else (0, [])
    return len(chunk), imported, rejected + bad


# --- SQLite (make run): the same rows through the ORM -----------------------------------------


def _load_python(batch: ImportBatch, rows, reasons) -> tuple[int, list]:
    good, bad = cdr_rows.check_rows(rows, batch.partner_id, reasons)
    records = []
    for _line, values in good:
        data = dict(zip(STAGE_COLUMNS, values, strict=True))
        started = datetime.fromisoformat(data["started_at"])
        data["started_at"] = started
        data["billing_month"] = started.astimezone(PARIS).date().replace(day=1)
        records.append(CallRecord(batch=batch, **data))
    keys = {(r.call_id, r.started_at, r.client_id) for r in records}
    existing = set(
        CallRecord.objects.filter(call_id__in={k[0] for k in keys}).values_list(
            "call_id", "started_at", "client_id"
        )
    )
    fresh, seen = [], set()
    for r in records:
        key = (r.call_id, r.started_at, r.client_id)
        if key not in existing and key not in seen:
            seen.add(key)
            fresh.append(r)
    CallRecord.objects.bulk_create(fresh, ignore_conflicts=True)
    # Rated in the chunk's transaction, as on PostgreSQL: no call is ever read unrated.
    rating.rate_keys({(r.client_id, r.billing_month) for r in fresh}, batch_id=batch.pk)
    return len(fresh), bad
