"""Which committed changes a read has not seen, by PostgreSQL's snapshots (issue 13).

Every ordinary table of the schema carries a statement trigger (``kernel_change``, installed
after each ``migrate``) that writes, for each statement that inserts, updates, deletes or
truncates, the table and the writing transaction in ``kernel_change``: one row per table and
transaction, in that transaction, so the row is committed if and only if the change is.

A read that ran under snapshot S (``pg_current_snapshot()``) saw exactly the transactions
visible in S. Later, ``unchanged(connection, tables, S)`` asks whether a transaction that S did
not see has since committed a change to one of ``tables``: if not, what the read returned is
still what it would return now. That is exact: no delay, no clock, nothing a writer has to
remember, and no lock (writers only insert their own rows).

Only a read that saw committed data alone may be kept: in a transaction that has itself
written (``pg_current_xact_id_if_assigned()`` set) the data may yet be rolled back
(``snapshot_sql`` gives NULL there). A kept read lives at most ``MAX_AGE`` seconds: ``prune``
deletes only rows every snapshot younger than that already saw.

PostgreSQL only; other databases (SQLite, ``make run``) keep nothing.
"""

import re

from django.db import connections, transaction

TABLE = "kernel_change"
TRIGGER = "kernel_change"
MAX_AGE = 60.0  # seconds a kept read may be reused; ``prune`` waits at least twice as long

CREATE = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    xid xid8 NOT NULL,
    relid oid NOT NULL,
    PRIMARY KEY (xid, relid)
);
CREATE TABLE IF NOT EXISTS {TABLE}_mark (
    id smallint PRIMARY KEY CHECK (id = 1),
    snapshot pg_snapshot NOT NULL,
    taken_at timestamptz NOT NULL
);
CREATE OR REPLACE FUNCTION {TABLE}_log() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {TABLE} (xid, relid) VALUES (pg_current_xact_id(), TG_RELID)
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$;
"""

DROP = f"""
DO $$
DECLARE t regclass;
BEGIN
    FOR t IN SELECT tgrelid::regclass FROM pg_trigger WHERE tgname = '{TRIGGER}' LOOP
        EXECUTE format('DROP TRIGGER {TRIGGER} ON %s', t);
    END LOOP;
END;
$$;
DROP FUNCTION IF EXISTS {TABLE}_log();
DROP TABLE IF EXISTS {TABLE}_mark;
DROP TABLE IF EXISTS {TABLE};
"""

# The ordinary tables of the schema without the trigger (not partitions: a statement on a
# partitioned table does not fire its partitions' statement triggers, so a read of one is
# never kept; not the log itself).
_UNWATCHED = f"""
SELECT c.oid::regclass::text FROM pg_class c
WHERE c.relkind = 'r' AND NOT c.relispartition
  AND c.relnamespace = current_schema()::regnamespace
  AND c.relname NOT IN ('{TABLE}', '{TABLE}_mark')
  AND NOT EXISTS (
      SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = '{TRIGGER}'
  )
"""

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")

# ``snapshot_sql``: the read's snapshot, or NULL when its transaction has written.
SNAPSHOT_SQL = (
    "CASE WHEN pg_current_xact_id_if_assigned() IS NULL THEN pg_current_snapshot()::text END"
)

_UNCHANGED = f"""
SELECT NOT EXISTS (
    SELECT 1 FROM {TABLE}
    WHERE xid >= pg_snapshot_xmin(%s::pg_snapshot)
      AND relid = ANY(%s::bigint[]::oid[])
      AND NOT pg_visible_in_snapshot(xid, %s::pg_snapshot)
)
"""

_WATCHED: dict = {}  # (alias, names) -> the oids of their tables, or None: not watched


def install(using: str = "default") -> int:
    """Creates the log and puts the trigger on every table that lacks it; how many got it."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return 0
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(CREATE)
        cursor.execute(_UNWATCHED)
        tables = [name for (name,) in cursor.fetchall()]
        for name in tables:
            cursor.execute(
                f"CREATE OR REPLACE TRIGGER {TRIGGER} "
                f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {name} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_log()"
            )
    _WATCHED.clear()
    return len(tables)


def watched(connection, *statements: str) -> tuple | None:
    """The oids of the relations ``statements`` name, when each is a table with the trigger;
    None when one is not (a view, a partitioned table, a table created since ``migrate``) or
    the database is not PostgreSQL. Kept per process and set of names."""
    if connection.vendor != "postgresql":
        return None
    names = frozenset(word for sql in statements for word in _IDENTIFIER.findall(sql))
    key = (connection.alias, names)
    if key in _WATCHED:
        return _WATCHED[key]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.oid, c.relkind = 'r' AND NOT c.relispartition AND EXISTS ("
            f"  SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = '{TRIGGER}'"
            ") FROM pg_class c WHERE c.relname = ANY(%s) "
            "AND c.relnamespace = current_schema()::regnamespace "
            "AND c.relkind NOT IN ('i', 'I', 'S', 'c', 't')",
            [sorted(names)],
        )
        rows = cursor.fetchall()
    found = tuple(sorted(oid for oid, _ok in rows)) if rows and all(ok for _o, ok in rows) else None
    _WATCHED[key] = found
    return found


def unchanged(connection, tables: tuple, snapshot: str) -> bool:
    """Whether no transaction that ``snapshot`` did not see has committed a change to
    ``tables`` (oids from ``watched``) since."""
    from kernel import prepared

    ((same,),) = prepared.rows(
        connection, _UNCHANGED, (snapshot, list(tables), snapshot), label="kernel_change"
    )
    return same


def prune(using: str = "default") -> int:
    """Deletes the rows that every snapshot taken since the previous prune saw, when that
    prune is at least twice ``MAX_AGE`` old (a kept read is younger than ``MAX_AGE``, so its
    snapshot was taken after it); marks the current snapshot for the next. Rows deleted."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return 0
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(f"SELECT snapshot::text FROM {TABLE}_mark WHERE id = 1 FOR UPDATE")
        row = cursor.fetchone()
        deleted = 0
        if row is not None:
            cursor.execute(
                f"SELECT taken_at <= now() - make_interval(secs => %s) FROM {TABLE}_mark",
                [2 * MAX_AGE],
            )
            if not cursor.fetchone()[0]:
                return 0
            cursor.execute(
                f"DELETE FROM {TABLE} WHERE xid < pg_snapshot_xmin(%s::pg_snapshot)", [row[0]]
            )
            deleted = cursor.rowcount
        cursor.execute(
            f"INSERT INTO {TABLE}_mark (id, snapshot, taken_at) "
            "VALUES (1, pg_current_snapshot(), now()) "
            "ON CONFLICT (id) DO UPDATE SET snapshot = EXCLUDED.snapshot, taken_at = now()"
        )
    return deleted
