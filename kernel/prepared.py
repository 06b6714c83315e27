"""Statements prepared once per PostgreSQL session and executed by name (issue 13).

A list page of the partner API (``kernel.sql_lists``) is one long statement whose plan costs
PostgreSQL more than running it (a page of contracts: ~1.4 ms of planning, ~1 ms of execution).
``run`` prepares a statement on the session at its first use (``PREPARE name (types) AS …``,
the parameters' types named from their Python values) and executes it by name afterwards; with
``generic`` the session plans it once for every page (``plan_cache_mode``), which is right for a
statement whose inputs are keys, not filters whose selectivity changes the plan, and plans it
by index (``enable_seqscan`` off while it plans: a page's rows and their related rows are read
by key, and a sequential scan of a small related table, which the planner prefers, runs once per
row: a page of contracts 2.9 → 2.0 ms of PostgreSQL, trunks 2.3 → 1.6 ms). The setting goes with
every execution: a plan made again after an ``ANALYZE`` is made the same way. A session keeps
its prepared statements whatever its transactions do, until it closes: they are remembered per
psycopg connection. ``PREPARE`` runs on the raw psycopg cursor (once per session: it is not a
query of any request) inside a savepoint when a transaction is open; a statement PostgreSQL
refuses to prepare (a parameter whose type it cannot settle) runs unprepared from then on.

Every statement runs in the request's time zone: ``SET LOCAL`` lasts for the statement's
transaction only (in autocommit, the statements of one ``execute`` run as one implicit
transaction; inside an atomic block the closing ``SET`` restores the connection's zone).
"""

import datetime
import hashlib
import re
import weakref
from decimal import Decimal

import psycopg
from django.utils import timezone
from psycopg import pq
from psycopg.adapt import Loader

_PREPARED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_UNPREPARABLE: set = set()
# A session's prepared statements stay in its memory until it closes: past this many (a page's
# keys are one statement per page number and filter combination) the others run unprepared.
MOST_PER_SESSION = 500
_TYPES = (
    (bool, "boolean"),
    (int, "bigint"),
    (Decimal, "numeric"),
    (datetime.datetime, "timestamptz"),
    (datetime.date, "date"),
    (str, "text"),
)


class _Utf8(Loader):
    """``text`` as the bytes PostgreSQL sent (UTF-8): JSON a response sends as it is."""

    def load(self, data) -> bytes:
        return bytes(data)


def run(
    connection,
    statement: str,
    params,
    generic: bool = False,
    zone: bool = True,
    label="sql_list",
    utf8: bool = False,
) -> list:
    """The rows of ``statement`` (Django's ``%s`` parameters), run in the request's time zone
    unless not ``zone`` (a statement that writes no local time: a page's keys): ``SET LOCAL``
    lasts for this statement's transaction only (in autocommit the statements of one call run
    as one implicit transaction; inside an atomic block the second ``SET`` restores the
    connection's zone). ``label`` begins the prepared statement's name (what a log shows).
    With ``utf8``, ``text`` columns come as bytes (a page of contracts: 80 kB neither decoded
    here nor encoded again for the response)."""
    name = _prepared(connection, statement, params, label)
    if name is not None:
        arguments = ", ".join(["%s"] * len(params))
        statement = f"EXECUTE {name}({arguments})" if params else f"EXECUTE {name}"
    head, tail, values = "", "", list(params)
    if zone:
        head, tail = "SET LOCAL TIME ZONE %s; ", "; SET LOCAL TIME ZONE %s"
        values = [timezone.get_current_timezone_name(), *values, connection.timezone_name]
    generic = generic and name is not None
    if generic:
        head += "SET LOCAL plan_cache_mode = force_generic_plan; SET LOCAL enable_seqscan = off; "
        tail = "; RESET enable_seqscan; RESET plan_cache_mode" + tail
    with connection.cursor() as cursor:
        if utf8:
            cursor.cursor.adapters.register_loader("text", _Utf8)
        cursor.execute(f"{head}{statement}{tail}", values)
        for _set in range(head.count("; ")):
            cursor.nextset()
        return cursor.fetchall()


def rows(connection, statement: str, params, label: str = "sql_list") -> list:
    """The rows of ``statement``, a read that writes no local time: prepared once per session
    on PostgreSQL (planning a scoped, ordered, counted statement costs ~0.3 ms), run as it is
    on other databases (SQLite, ``make run``)."""
    if connection.vendor == "postgresql":
        return run(connection, statement, params, zone=False, label=label)
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()


def _type(value) -> str | None:
    if isinstance(value, list):
        inner = {_type(item) for item in value}
        return f"{inner.pop()}[]" if len(inner) == 1 and None not in inner else None
    if isinstance(value, datetime.datetime) and value.tzinfo is None:
        return None
    for kind, name in _TYPES:
        if isinstance(value, kind):
            return name
    return None


def _prepared(connection, statement: str, params: tuple, label: str = "sql_list") -> str | None:
    """The name of ``statement`` prepared on the connection's session (prepared now if it
    was not), or None when its parameters' types cannot be named or PostgreSQL refuses it."""
    types = [_type(value) for value in params]
    if None in types:
        return None
    name = (
        f"{label}_"
        + hashlib.sha1(  # noqa: S324 (a name, not a secret)
            "\0".join([statement, *types]).encode()
        ).hexdigest()[:20]
    )
    if name in _UNPREPARABLE:
        return None
    connection.ensure_connection()
    session = connection.connection
    prepared = _PREPARED.setdefault(session, set())
    if name in prepared:
        return name
    if len(prepared) >= MOST_PER_SESSION:
        return None
    numbered = iter(range(1, len(params) + 1))
    body = re.sub(r"%%|%s", lambda m: "%" if m[0] == "%%" else f"${next(numbered)}", statement)
    signature = f" ({', '.join(types)})" if types else ""
    if not _prepare(session, f"PREPARE {name}{signature} AS {body}"):
        _UNPREPARABLE.add(name)
        return None
    prepared.add(name)
    return name


def _prepare(session, sql: str) -> bool:
    """``PREPARE`` on the raw psycopg session: in a savepoint when a transaction is open, so
    that a refusal leaves the transaction as it was."""
    # Outside autocommit psycopg opens the transaction at the first statement: a savepoint too.
    in_transaction = (
        not session.autocommit or session.info.transaction_status != pq.TransactionStatus.IDLE
    )
    with psycopg.ClientCursor(session) as cursor:
        try:
            if in_transaction:
                cursor.execute("SAVEPOINT sql_list_prepare")
            cursor.execute(sql)
        except psycopg.Error:
            if in_transaction:
                cursor.execute("ROLLBACK TO SAVEPOINT sql_list_prepare")
                cursor.execute("RELEASE SAVEPOINT sql_list_prepare")
            return False
        if in_transaction:
            cursor.execute("RELEASE SAVEPOINT sql_list_prepare")
    return True


def literal(connection, sql: str, params) -> tuple[str, tuple]:
    """A kept statement with its values written in (PostgreSQL): the same key always has
    the same values, and PostgreSQL plans a statement's literals as a generic plan cannot plan
    its parameters: the partial index of issued invoices (``status = 'issued'``) serves the
    count and the page of invoices only when it sees the value (4.5 → 1.9 ms a page). Quoted by
    psycopg, as every client-side bound query; ``%`` doubled back for Django's cursor."""
    if connection.vendor != "postgresql" or not params:
        return sql, params
    return connection.ops.compose_sql(sql, params).replace("%", "%%"), ()


def bound(kept, most: int) -> None:
    """Drops the least recent entries of the ``OrderedDict`` ``kept`` past ``most``."""
    while len(kept) > most:
        kept.popitem(last=False)


def kept(store, key, connection, compile_query) -> tuple:
    """The statement ``compile_query()`` makes (a queryset's ``(sql, params)``), compiled once
    per ``key`` and kept in the ``OrderedDict`` ``store`` (at most ``KEPT_MOST``) with its
    values written in (``literal``); compiled every time when ``key`` is None."""
    if key is None:
        return compile_query()
    compiled = store.get(key)
    if compiled is None:
        compiled = store[key] = literal(connection, *compile_query())
        bound(store, KEPT_MOST)
    return compiled


KEPT_MOST = 512
