"""Monthly partitions of the call records (PostgreSQL) and the 12-month retention (PLATFORM
6.7): months are created ahead by a periodic task (and on demand by the import); the daily
purge drops whole the partitions older than 12 months and deletes the calls of the month in
between older than 12 months to the day (``retention_start``). SQLite: the purge deletes the
rows. The rest of the traffic data goes with them (``usage.services.retention``)."""

from datetime import date, datetime, timedelta

from django.db import connection, transaction

from kernel.clock import PARIS, paris_today
from usage.models import CallRecord
from usage.partitioning import (
    PARTITION_NAME,
    TABLE,
    create_partition_sql,
    is_postgres,
    month_bounds,
    partition_name,
)

RETENTION_MONTHS = 12  # PLATFORM 6.7
MONTHS_AHEAD = 3
# The import inserts its calls already rated (usage.services.import_sql): only the calls whose
# outcome a later record, a breach or a re-rating changes are updated, so a little room on each
# page keeps those updates "HOT" (the rated columns are not indexed) without making every page
# of a month 40 % empty, as when each new call was updated once.
FILLFACTOR = 90


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def existing_partitions() -> set[date]:
    if not is_postgres(connection):
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s",
            [TABLE],
        )
        found = set()
        for (name,) in cursor.fetchall():
            match = PARTITION_NAME.match(name)
            if match:
                found.add(date(int(match[1]), int(match[2]), 1))
        return found


@transaction.atomic
def partitions_ensure(months) -> list[date]:
    """Create the partitions of ``months`` (firsts of Paris months) that do not exist yet,
    moving any of their rows out of the DEFAULT partition first. Returns the months created."""
    if not is_postgres(connection):
        return []
    wanted = sorted({m.replace(day=1) for m in months} - existing_partitions())
    with connection.cursor() as cursor:
        for month in wanted:
            start, end = month_bounds(month)
            name = partition_name(month)
            cursor.execute(f'LOCK TABLE "{TABLE}" IN SHARE ROW EXCLUSIVE MODE')
            if month in existing_partitions():  # created by another import while we waited
                continue
            cursor.execute(
                f'CREATE TABLE "{name}" (LIKE "{TABLE}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)'
                f" WITH (fillfactor = {FILLFACTOR})"
            )
            cursor.execute(
                f'WITH moved AS (DELETE FROM "{TABLE}_default" WHERE started_at >= %s '
                f'AND started_at < %s RETURNING *) INSERT INTO "{name}" SELECT * FROM moved',
                [start, end],
            )
            cursor.execute(
                f'ALTER TABLE "{TABLE}" ATTACH PARTITION "{name}" '
                f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
            )
    return wanted


def partitions_maintain(today: date | None = None) -> list[date]:
    """The current month and the next ``MONTHS_AHEAD`` (periodic task)."""
    month = (today or paris_today()).replace(day=1)
    return partitions_ensure(add_months(month, n) for n in range(MONTHS_AHEAD + 1))


def retention_start(today: date | None = None) -> datetime:
    """PLATFORM 6.7, "une durée maximum de douze (12) mois à compter du jour de leur
    enregistrement": on day D (Paris) the calls kept are those of the days after D minus 12
    months — a call of 20 November 2026 goes with the purge of 20 November 2027."""
    today = today or paris_today()
    first = add_months(today.replace(day=1), -RETENTION_MONTHS)
    anniversary = first.replace(day=min(today.day, _days_in(first)))
    day = anniversary + timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=PARIS)


def _days_in(month: date) -> int:
    return (add_months(month, 1) - timedelta(days=1)).day


@transaction.atomic
def partitions_purge(today: date | None = None) -> list[date]:
    """PLATFORM 6.7 (daily purge): the months wholly before the retention start are dropped
    whole; the calls of the month it falls in that started before it are deleted. Returns the
    months dropped."""
    start = retention_start(today)
    if not is_postgres(connection):
        CallRecord.objects.filter(started_at__lt=start).delete()
        return []
    dropped = sorted(m for m in existing_partitions() if month_bounds(m)[1] <= start)
    with connection.cursor() as cursor:
        for month in dropped:
            cursor.execute(f'DROP TABLE "{partition_name(month)}"')
        cursor.execute(f'DELETE FROM "{TABLE}" WHERE started_at < %s', [start])
    return dropped


__all__ = ["create_partition_sql", "partitions_ensure", "partitions_maintain", "partitions_purge"]
