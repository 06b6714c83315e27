"""The CDR import's chunk on PostgreSQL (docs/cdr-format.md, SPEC §4): checked, classified, rated
and inserted by set-based SQL, in the chunk's transaction (``imports._import_chunk``).

Why: parsing and checking each row in Python, inserting the rows unrated and then rating them
by an UPDATE of every row (a second copy of each row and of its index entries) made the import
50 times a bare ``COPY`` of the file (bench/rating.py). Here no good row goes through Python:

1. ``_raw``: the chunk's rows with their line numbers (an identity column). A canonical chunk
   (every line in the common forms of each column, ``CANONICAL_LINE``: what carriers send) is
   read by COPY into typed columns and needs no check in SQL (step 2 is skipped: its rows are
   good but for their account). A clean chunk (printable ASCII, no space around a field:
   ``_clean``) is read by COPY's own csv parser into its nine text columns; otherwise — a line
   of another column count, for one — its lines are kept whole (the file's bytes, escaped for
   COPY's text format) and split in SQL; a file with double quotes (a quoted field may hold a
   comma or a line break) comes as the rows of Python's csv reader (``imports._row_chunks``).
2. ``_chk``: each check of ``cdr_rows.parse_row`` as an SQL expression, in the same order, giving
   the same first reason. A row outside the common forms (text needing strip() or non-ASCII, a
   start time other than ``YYYY-MM-DD[T ]HH:MM:SS[.fff|.ffffff][Z|±HH:MM]``, a number with
   spaces or dots…) is checked by ``parse_row`` itself: the rules keep one reference, Python's.
3. The accounts (``cdr_rows.accounts_for``) and the USE-1 classes of the chunk's distinct number
   blocks (``classify.classify``: a few thousand phonenumbers look-ups, not one per row) come
   back as small tables to join.
4. ``_new``: the good rows not stored yet (a call is (call_id, started_at, customer): a record
   sent again is a duplicate).
5. ``rating.rate_staged``: rated with the calls already stored for their (customer, month) and
   inserted already rated.

The temporary tables are not ANALYZEd (it cost more than the plans gained): the rating keeps
its plans to hash joins where the sizes matter.
"""

import codecs
import re
from datetime import UTC, datetime

import psycopg
from django.db import DatabaseError, connection, transaction

from usage.partitioning import month_bounds
from usage.services import cdr_rows, partitions, rating, rating_sql
from usage.services import classify as cls

BLOCK = 8 << 20  # bytes read, scanned and sent at a time
DIGITS = "0123456789"
# The start times checked in SQL, digits as 0: YYYY-MM-DD, T or space, HH:MM:SS, no fraction or
# milliseconds or microseconds, no offset (UTC) or Z or ±HH:MM.
ISO_FORMS = sorted(
    f"0000-00-00{sep}00:00:00{fraction}{offset}"
    for sep in ("T", " ")
    for fraction in ("", ".000", ".000000")
    for offset in ("", "Z", "+00:00", "-00:00")
)

# Cheap string work only: PostgreSQL's regular expressions cost about a microsecond a row each
# (the one kept tells printable ASCII, where Python's strip() and lower() are SQL's). A row is
# checked here when it is printable ASCII with no space around a field (nothing to strip) and
# its number is E.164 or digits; otherwise by ``parse_row`` (reason 'python'). Days 1–28 always
# exist: a direct cast; 29–31 through ``usage_try_timestamptz`` (NULL for 2026-02-30, which
# ``datetime.fromisoformat`` refuses). Offsets past ±15:59 (Python takes them, PostgreSQL does
# not) go to Python.
CHECK_SQL = (
    """
CREATE TEMP TABLE _chk ON COMMIT DROP AS
SELECT z.line, z.call_id COLLATE "C" AS call_id, z.account_ref, z.started_at, z.answered,
    CASE WHEN z.answered THEN z.duration ELSE 0 END AS duration, -- unanswered: 0 (parse_row)
    z.caller, z.called, z.call_type, z.device_id,
    CASE
        WHEN NOT z.cols THEN 'columns'
        WHEN NOT z.canonical THEN 'python'
        WHEN length(z.call_id) NOT BETWEEN 1 AND 64 THEN 'call_id'
        WHEN NOT z.iso THEN 'python'
        WHEN z.started_at IS NULL THEN 'start_time'
        WHEN z.answered IS NULL THEN 'answered'
        WHEN z.duration IS NULL THEN 'duration'
        WHEN NOT z.call_type = ANY(%(call_types)s) THEN 'call_type'
        WHEN z.called IS NULL THEN 'python'
        WHEN NOT (length(z.called) BETWEEN 2 AND 6 AND left(z.called, 1) <> '+'
                  OR length(z.called) BETWEEN 8 AND 16 AND left(z.called, 1) = '+'
                     AND substr(z.called, 2, 1) <> '0') THEN 'called'
        WHEN length(z.caller) > 32 OR length(z.device_id) > 64 OR length(z.account_ref) > 64
            THEN 'field'
    END AS reason
FROM (
    SELECT y.*, CASE WHEN y.iso THEN
            CASE WHEN substr(y.start, 9, 2)::integer <= 28 THEN y.start::timestamptz
                 ELSE usage_try_timestamptz(y.start) END
        END AS started_at
    FROM (
        SELECT x.line, x.cols, x.canonical, x.call_id, x.account_ref, x.caller, x.device_id,
            lower(x.call_type) AS call_type,
            CASE WHEN translate(x.start, '123456789', '000000000') = ANY(%(iso_forms)s) THEN
                left(x.start, 4)::integer BETWEEN %(first_year)s AND %(last_year)s
                AND substr(x.start, 6, 2)::integer BETWEEN 1 AND 12
                AND substr(x.start, 9, 2)::integer BETWEEN 1 AND 31
                AND substr(x.start, 12, 2)::integer < 24
                AND substr(x.start, 15, 2)::integer < 60
                AND substr(x.start, 18, 2)::integer < 60
                AND (substr(x.start, length(x.start) - 5, 1) NOT IN ('+', '-')
                     OR substr(x.start, length(x.start) - 4, 2)::integer <= 15
                        AND right(x.start, 2)::integer < 60)
                ELSE false END AS iso,
            CASE WHEN right(x.start, 1) = 'Z'
                    OR substr(x.start, length(x.start) - 5, 1) IN ('+', '-')
                 THEN x.start ELSE x.start || '+00:00' END AS start,
            CASE WHEN lower(x.answered) = ANY(%(yes)s) THEN true
                 WHEN lower(x.answered) = ANY(%(no)s) THEN false END AS answered,
            CASE WHEN length(x.duration) BETWEEN 1 AND 7 AND ltrim(x.duration, %(digits)s) = ''
                 THEN x.duration::integer END AS duration,
            -- as ``classify.normalize`` makes them: E.164 (an overseas number written with
            -- +33 or 0033 to its territory's code, ``classify.e164``), then digits alone
            -- ("00…", French "0…"); with spaces, dots, brackets…: Python
            CASE WHEN left(x.called, 1) = '+' AND ltrim(substr(x.called, 2), %(digits)s) = ''
                    THEN {e164_x}
                 WHEN ltrim(x.called, %(digits)s) <> '' THEN NULL
                 WHEN left(x.called, 2) = '00' THEN {e164_00x}
                 WHEN length(x.called) = 10 AND left(x.called, 1) = '0'
                    THEN {national_x}
                 ELSE x.called END AS called
        FROM ({fields}) x
        OFFSET 0
    ) y
    OFFSET 0
) z
""".replace("{national_x}", cls.national_sql("x.called"))
    .replace("{e164_x}", cls.e164_sql("x.called"))
    .replace("{e164_00x}", cls.e164_sql("('+' || substr(x.called, 3))"))
)

# The fields of ``_raw``: a clean chunk's columns as COPY read them, else split from the lines
# (with the csv reader's rows, ``f``) and flagged ``canonical`` when nothing needs Python.
CLEAN_FIELDS = """
SELECT line, true AS cols, true AS canonical, call_id, account AS account_ref, start_time AS start,
    answered, duration, caller, called, call_type, device_id
FROM _raw"""
LINE_FIELDS = """
SELECT s.line, s.cols, s.canonical,
    COALESCE(s.f[1], split_part(s.raw, ',', 1)) AS call_id,
    COALESCE(s.f[2], split_part(s.raw, ',', 2)) AS account_ref,
    COALESCE(s.f[3], split_part(s.raw, ',', 3)) AS start,
    COALESCE(s.f[4], split_part(s.raw, ',', 4)) AS answered,
    COALESCE(s.f[5], split_part(s.raw, ',', 5)) AS duration,
    COALESCE(s.f[6], split_part(s.raw, ',', 6)) AS caller,
    COALESCE(s.f[7], split_part(s.raw, ',', 7)) AS called,
    COALESCE(s.f[8], split_part(s.raw, ',', 8)) AS call_type,
    COALESCE(s.f[9], split_part(s.raw, ',', 9)) AS device_id
FROM (
    SELECT line, raw, f,
        CASE WHEN f IS NULL THEN length(raw) - length(replace(raw, ',', '')) = 8
            ELSE cardinality(f) = 9 END AS cols,
        raw ~ '^[ -~]*$' AND left(raw, 1) <> ' ' AND right(raw, 1) <> ' '
            AND strpos(raw, ' ,') = 0 AND strpos(raw, ', ') = 0 AS canonical
    FROM _raw WHERE raw <> ''
) s
OFFSET 0"""
# The row as in the file (a rejection's ``raw``) and its fields, for ``parse_row``.
CLEAN_ROW = (
    "concat_ws(',', r.call_id, r.account, r.start_time, r.answered, r.duration, r.caller, "
    "r.called, r.call_type, r.device_id)"
)
CLEAN_LIST = CLEAN_ROW.replace("concat_ws(',', ", "ARRAY[").replace(")", "]")
LINE_ROW, LINE_LIST = "r.raw", "COALESCE(r.f, string_to_array(r.raw, ','))"

NEW_SQL = f"""
CREATE TEMP TABLE _new ON COMMIT DROP AS
SELECT x.*, date_trunc('month', x.started_at AT TIME ZONE 'Europe/Paris')::date AS month
FROM (
    SELECT r.line, r.call_id, r.started_at, r.account_ref, r.answered, r.duration, r.caller,
        r.called, r.call_type, r.device_id, a.client_id, a.contract_id, a.sip_account_id,
        a.trunk_id, k.country, k.line_type, k.price_class
    FROM {{good}} r
    JOIN _acct a ON a.ref = r.account_ref
    JOIN _cls k ON k.block = {rating_sql.BLOCK_SQL}
    UNION ALL
    SELECT * FROM _py
) x
"""

# Duplicates: a call already stored — of the same customer: a call is (call_id, started_at,
# client_id), since two partners may number their calls alike (one partner's new call was
# dropped as a "duplicate" of another's, and its report told that the other's existed). A
# record sent again names the same account, so looking among the stored calls of the chunk's
# customers and months (which the rating reads anyway) finds it at no cost; a call sent twice
# within the chunk makes the INSERT fail on the unique key: the chunk is then redone with the
# look-up of every call in the index, and the first line of a call sent twice within the chunk.
STORED_SQL = """
DELETE FROM _new n USING usage_callrecord c
WHERE c.client_id = ANY(%(clients)s) AND c.started_at >= %(lo)s AND c.started_at < %(hi)s
    AND c.call_id = n.call_id AND c.started_at = n.started_at AND c.client_id = n.client_id
"""
ANY_STORED_SQL = """
DELETE FROM _new n
WHERE EXISTS (
    SELECT 1 FROM usage_callrecord c WHERE c.call_id = n.call_id AND c.started_at = n.started_at
        AND c.client_id = n.client_id)
"""
TWICE_SQL = """
DELETE FROM _new n USING (
    SELECT call_id, started_at, client_id, min(line) AS first FROM _new
    GROUP BY 1, 2, 3 HAVING count(*) > 1
) d
WHERE n.call_id = d.call_id AND n.started_at = d.started_at AND n.client_id = d.client_id
    AND n.line <> d.first
"""

# A canonical chunk (``CANONICAL_LINE``): its typed rows as ``_chk``'s good ones, the called
# number normalised as ``classify.normalize`` does (E.164, "00…", French "0…"; an overseas
# number written with +33 or 0033 to its territory's code).
TYPED_FIELDS = (
    """
SELECT line, call_id, start_time AS started_at, account AS account_ref,
    lower(answered) = ANY(%(yes)s) AS answered,
    CASE WHEN lower(answered) = ANY(%(yes)s) THEN duration ELSE 0 END AS duration, caller,
    CASE WHEN left(called, 1) = '+' THEN {e164}
         WHEN left(called, 2) = '00' THEN {e164_00}
         WHEN length(called) = 10 AND left(called, 1) = '0' THEN {national}
         ELSE called END AS called,
    lower(call_type) AS call_type, device_id
FROM _raw
OFFSET 0""".replace("{national}", cls.national_sql("called"))
    .replace("{e164}", cls.e164_sql("called"))
    .replace("{e164_00}", cls.e164_sql("('+' || substr(called, 3))"))
)

REJECTED_SQL = """
SELECT line, COALESCE(reason, 'account') FROM _chk c
WHERE reason <> 'python'
   OR (reason IS NULL AND NOT EXISTS (SELECT 1 FROM _acct a WHERE a.ref = c.account_ref))
"""

TABLES = """
CREATE TEMP TABLE _acct (ref text, client_id integer, contract_id integer,
    sip_account_id integer, trunk_id integer) ON COMMIT DROP;
CREATE TEMP TABLE _cls (block text, country text, line_type text, price_class text)
    ON COMMIT DROP;
CREATE TEMP TABLE _py (line integer, call_id text COLLATE "C", started_at timestamptz,
    account_ref text, answered boolean, duration integer, caller text, called text, call_type text,
    device_id text, client_id integer, contract_id integer, sip_account_id integer,
    trunk_id integer, country text, line_type text, price_class text) ON COMMIT DROP
"""
DROP = "DROP TABLE IF EXISTS _raw, _chk, _acct, _cls, _py, _new"
GOOD = "(SELECT * FROM _chk WHERE reason IS NULL)"

# The common forms of a CDR line (docs/cdr-format.md), in which ``parse_row`` and PostgreSQL's
# input of each typed column agree: printable ASCII with no space, comma or double quote in a
# field (nothing to strip or unquote), a start time ``YYYY-MM-DD[T ]HH:MM:SS[.fff|.ffffff]``
# of a year 2000–2100
# with no offset (UTC), Z or ±HH:MM up to ±15:59, ``answered`` and ``call_type`` among their
# words in any case, a duration of 1–7 digits, a number in E.164, "00…", French national
# "0…" (10 digits) or short (2–6 digits, not "00…"). A day that the month lacks (2026-02-30)
# makes PostgreSQL refuse the COPY: the chunk is then checked in SQL.
_FIELD = rb"[!#-+\--~]"
_WORDS = {
    name: b"|".join(re.escape(w.encode()) for w in sorted(words, key=len, reverse=True))
    for name, words in (
        ("answered", cdr_rows.YES | cdr_rows.NO),
        ("call_type", cdr_rows.CALL_TYPES),
    )
}
CANONICAL_LINE = re.compile(
    _FIELD + rb"{1,64}," + _FIELD + rb"{1,64},"
    rb"(?:20[0-9]{2}|2100)-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])[T ]"
    rb"(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{3}|\.[0-9]{6})?"
    rb"(?:Z|[+-](?:0[0-9]|1[0-5]):[0-5][0-9])?,"
    rb"(?i:" + _WORDS["answered"] + rb"),[0-9]{1,7}," + _FIELD + rb"{0,32},"
    rb"(?:\+[1-9][0-9]{6,14}|00[1-9][0-9]{6,14}|0[1-9][0-9]{8}|(?!00)[0-9]{2,6}),"
    rb"(?i:" + _WORDS["call_type"] + rb")," + _FIELD + rb"{0,64}\n"
)
TYPED, CLEAN, LINES = "typed", "clean", "lines"


def plain(fh) -> bool:
    """Whether the file's lines (after its header) can be ``COPY``-ed as they are: no double
    quote, no NUL, no carriage return but before a line feed. Raises ``UnicodeDecodeError`` as
    Python's csv reader would (for the whole file, before any chunk)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    fh.seek(0)
    header = fh.readline()  # lines ended by a lone CR (an old Mac export) make one "line"
    ok, tail = header.count(b"\r") == header.endswith(b"\r\n"), b""
    while block := fh.read(BLOCK):
        decoder.decode(block)
        if ok:
            scan = tail + block
            ok = b'"' not in block and b"\0" not in block
            ok = ok and scan.count(b"\r") == scan.count(b"\r\n") + scan.endswith(b"\r")
            tail = block[-1:]
    decoder.decode(b"", final=True)
    return ok and tail != b"\r"


def session_prepare() -> None:
    """Room for the chunks' temporary tables in the session's memory (``temp_buffers``, 8 MB by
    default: a chunk's tables spill to files past it). PostgreSQL accepts it only before the
    session's first temporary table: a session that had one keeps what it has."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET temp_buffers = '256MB'")
    except DatabaseError:
        pass


def load_chunk(batch, chunk, reasons, *, thorough=False) -> tuple[int, int, list]:
    """Import one chunk: ``(line numbers, bytes, grouped)`` of a plain file (``grouped``: its
    lines come customer by customer), or the ``(line, row)`` list of the csv reader. Returns
    (rows read, imported, rejected rows as (line, reason, raw)). ``thorough``: look for
    duplicates everywhere (a first try failed on one)."""
    if isinstance(chunk, tuple) and not chunk[0]:
        return 0, 0, []  # a part of a window with no line
    with connection.cursor() as cursor:
        for setting in rating_sql.PASS_SETTINGS:
            cursor.execute(setting)
        cursor.execute("SET LOCAL TimeZone = 'UTC'")  # a start time without offset is UTC
        cursor.execute(DROP)
        mode = _stage(cursor, chunk)
        params = {"yes": sorted(cdr_rows.YES)}
        if mode == TYPED:  # every row good, but for its account
            read, good = line_count(chunk[1]), f"({TYPED_FIELDS})"
        else:
            cursor.execute(
                CHECK_SQL.replace("{fields}", CLEAN_FIELDS if mode == CLEAN else LINE_FIELDS),
                {
                    "call_types": sorted(cdr_rows.CALL_TYPES),
                    "yes": sorted(cdr_rows.YES),
                    "no": sorted(cdr_rows.NO),
                    "digits": DIGITS,
                    "iso_forms": ISO_FORMS,
                    "first_year": cdr_rows.FIRST_YEAR,
                    "last_year": cdr_rows.LAST_YEAR,
                },
            )
            read, good, params = cursor.rowcount, GOOD, {}
        cursor.execute(TABLES)
        cursor.execute(
            "SELECT DISTINCT account FROM _raw"
            if mode == TYPED
            else "SELECT DISTINCT account_ref FROM _chk WHERE reason IS NULL"
        )
        accounts = cdr_rows.accounts_for({ref for (ref,) in cursor.fetchall()}, batch.partner_id)
        with cursor.copy("COPY _acct FROM STDIN") as copy:
            for ref, owner in accounts.items():
                copy.write_row((ref, *owner))
        cursor.execute(
            f"SELECT {rating_sql.BLOCK_SQL}, min(r.called) FROM {good} r GROUP BY 1", params
        )
        blocks = cursor.fetchall()
        with cursor.copy("COPY _cls FROM STDIN") as copy:
            for block, number in blocks:
                c = cls.classify(number)
                copy.write_row((block, c.country, str(c.line_type), str(c.price_class)))
        if mode == TYPED:
            rejected = []
        else:
            fields = CLEAN_LIST if mode == CLEAN else LINE_LIST
            rejected = _python_rows(cursor, batch, reasons, fields)
            cursor.execute(REJECTED_SQL)
            if bad := dict(cursor.fetchall()):
                cursor.execute(
                    f"SELECT r.line, {CLEAN_ROW if mode == CLEAN else LINE_ROW} FROM _raw r "
                    "WHERE r.line = ANY(%s)",
                    [list(bad)],
                )
                rejected += [(line, reasons[bad[line]], raw) for line, raw in cursor.fetchall()]
        # hash joins: the temporary tables have no statistics (the planner took merge joins,
        # sorting the chunk's rows twice on text keys)
        cursor.execute("SET LOCAL enable_mergejoin = off")
        cursor.execute(NEW_SQL.replace("{good}", good), params)
        imported = cursor.rowcount
        cursor.execute("RESET enable_mergejoin")
        if mode == TYPED and imported < read:  # accounts not found
            rejected = _unknown_accounts(cursor, chunk, reasons)
        if imported:  # a start in the future (``cdr_rows.FUTURE_SLACK``), once the rest is good
            future = _future_rows(cursor, chunk, mode, reasons)
            imported -= len(future)
            rejected += future
        keys = _keys(cursor) if imported else []
        if keys:
            months = sorted({m for _c, m in keys})
            bounds = {
                "clients": sorted({c for c, _m in keys}),
                "lo": month_bounds(months[0])[0],
                "hi": month_bounds(months[-1])[1],
            }
            # before the customers' locks: creating a partition waits for the imports writing
            # (a chunk beside this one may be waiting for one of our customers)
            partitions.partitions_ensure(months)
            rating.keys_lock(cursor, bounds["clients"])
            before = imported
            if thorough:
                cursor.execute(ANY_STORED_SQL)
                imported -= cursor.rowcount
                cursor.execute(TWICE_SQL)
                imported -= cursor.rowcount
            else:
                cursor.execute("SET LOCAL enable_nestloop = off")
                cursor.execute(STORED_SQL, bounds)
                imported -= cursor.rowcount
                cursor.execute("RESET enable_nestloop")
            if imported != before:
                keys = _keys(cursor) if imported else []
        if keys:
            # the rows of a chunk of consecutive lines coming customer by customer are stored
            # as they come; others in the order of the customer/time index
            grouped = isinstance(chunk, tuple) and chunk[2]
            rating.rate_staged(keys, batch_id=batch.pk, ordered=not grouped)
        cursor.execute(DROP)
    if isinstance(chunk, tuple):  # the lines were numbered 1, 2… in the chunk
        rejected = [(chunk[0][line - 1], reason, raw) for line, reason, raw in rejected]
    return read, imported, rejected


def _stage(cursor, chunk) -> str:
    """``_raw``: the chunk's rows with their line numbers. A canonical chunk (``_canonical``)
    is read by COPY into typed columns, a clean one (``_clean``) into the nine text columns;
    other lines are kept whole (a plain file's bytes, escaped for COPY's text format) or as the
    csv reader's rows. Returns TYPED, CLEAN or LINES."""
    if isinstance(chunk, tuple):  # numbered 1, 2… (``load_chunk`` maps them to the file's)
        data = chunk[1].replace(b"\r\n", b"\n")
        identity = "line integer GENERATED BY DEFAULT AS IDENTITY"
        columns = ", ".join(cdr_rows.COLUMNS)
        for mode, types in ((TYPED, TYPED_COLUMNS), (CLEAN, None)):
            if not (_canonical(data) if mode == TYPED else _clean(data)):
                continue
            types = types or {c: "text" for c in cdr_rows.COLUMNS}
            try:
                # COPY refuses a line of another column count, a typed one a day the month lacks
                with transaction.atomic():
                    cursor.execute(
                        f"CREATE TEMP TABLE _raw ({identity}, "
                        + ", ".join(f"{c} {types[c]}" for c in cdr_rows.COLUMNS)
                        + ") ON COMMIT DROP"
                    )
                    with cursor.copy(
                        f"COPY _raw ({columns}) FROM STDIN (FORMAT csv, FORCE_NOT_NULL ({columns}))"
                    ) as copy:
                        for start in range(0, len(data), BLOCK):
                            copy.write(data[start : start + BLOCK])
                return mode
            except psycopg.DataError:
                pass
        cursor.execute(f"CREATE TEMP TABLE _raw ({identity}, raw text, f text[]) ON COMMIT DROP")
        data = data.replace(b"\\", b"\\\\").replace(b"\t", b"\\t")
        with cursor.copy("COPY _raw (raw) FROM STDIN") as copy:
            for start in range(0, len(data), BLOCK):
                copy.write(data[start : start + BLOCK])
    else:
        cursor.execute("CREATE TEMP TABLE _raw (line integer, raw text, f text[]) ON COMMIT DROP")
        with cursor.copy("COPY _raw (line, raw, f) FROM STDIN") as copy:
            for line, row in chunk:
                if any(cdr_rows.NUL in v for v in row):  # refused by parse_row
                    row = [v.replace(cdr_rows.NUL, cdr_rows.REPLACED) for v in row]
                copy.write_row((line, ",".join(row), row))
    return LINES


# A canonical chunk's columns in ``_raw``: those PostgreSQL reads as parse_row does (a start
# time without offset in the session's time zone: the chunk's transaction sets UTC).
TYPED_COLUMNS = {
    **{c: "text" for c in cdr_rows.COLUMNS},
    "call_id": 'text COLLATE "C"',
    "start_time": "timestamptz",
    "duration": "integer",
}


def _canonical(data: bytes) -> bool:
    """Every line of the chunk in the common forms (``CANONICAL_LINE``)."""
    if not data.endswith(b"\n"):
        data += b"\n"
    return not CANONICAL_LINE.sub(b"", data)


def line_count(data: bytes) -> int:
    """The lines of a file or a chunk (the last may lack its line feed)."""
    return data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)


def _future_rows(cursor, chunk, mode, reasons) -> list:
    """The staged calls that start after ``cdr_rows.latest_start()``, taken out of ``_new``, as
    (line, reason, raw) — their reason the last ``parse_row`` gives a row."""
    cursor.execute(
        "DELETE FROM _new WHERE started_at > %s AND line IS NOT NULL RETURNING line",
        [cdr_rows.latest_start()],
    )
    lines = sorted(line for (line,) in cursor.fetchall())
    if not lines:
        return []
    if mode == TYPED:
        text = chunk[1].replace(b"\r\n", b"\n").split(b"\n")
        return [(line, reasons["future"], text[line - 1].decode()) for line in lines]
    cursor.execute(
        f"SELECT r.line, {CLEAN_ROW if mode == CLEAN else LINE_ROW} FROM _raw r "
        "WHERE r.line = ANY(%s) ORDER BY r.line",
        [lines],
    )
    return [(line, reasons["future"], raw) for line, raw in cursor.fetchall()]


def _unknown_accounts(cursor, chunk, reasons) -> list:
    """A canonical chunk's rows whose account is not found, as (line, reason, raw)."""
    data = chunk[1]
    cursor.execute(
        "SELECT r.line FROM _raw r WHERE NOT EXISTS (SELECT 1 FROM _acct a WHERE a.ref = r.account)"
        " ORDER BY r.line"
    )
    lines = [line for (line,) in cursor.fetchall()]
    if not lines:
        return []
    text = data.replace(b"\r\n", b"\n").split(b"\n")
    return [(line, reasons["account"], text[line - 1].decode()) for line in lines]


PRINTABLE = bytes(range(0x20, 0x7F)) + b"\n"


def _clean(data: bytes) -> bool:
    """Printable ASCII, no space at the edge of a field, no empty line: the fields as COPY reads
    them are what ``parse_row`` gets after strip(), and no line can make the COPY fail but by
    its number of columns."""
    return not (
        data.translate(None, PRINTABLE)
        or b" ," in data
        or b", " in data
        or b"\n " in data
        or b" \n" in data
        or b"\n\n" in data
        or data[:1] in (b" ", b"\n")
        or data[-1:] == b" "
    )


def _keys(cursor) -> list:
    cursor.execute("SELECT DISTINCT client_id, month FROM _new")
    return sorted(cursor.fetchall())


def _python_rows(cursor, batch, reasons, fields) -> list:
    """The rows the SQL leaves to ``parse_row``: their good values go to ``_py``; returns the
    bad ones as (line, reason, raw)."""
    cursor.execute(
        f"SELECT c.line, {fields} FROM _chk c "
        "JOIN _raw r ON r.line = c.line WHERE c.reason = 'python' ORDER BY c.line"
    )
    rows = cursor.fetchall()
    if not rows:
        return []
    good, bad = cdr_rows.check_rows(rows, batch.partner_id, reasons)
    with cursor.copy("COPY _py FROM STDIN") as copy:
        for line, values in good:
            # checked ("+00:00" added when it had none); in UTC, as PostgreSQL takes no offset
            # past ±15:59 that Python accepts
            started = datetime.fromisoformat(values[1]).astimezone(UTC)
            copy.write_row((line, values[0], started, *values[2:]))
    return bad
