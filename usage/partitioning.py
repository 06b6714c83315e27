"""PostgreSQL declarative partitioning of the call records (one partition per Paris calendar
month) — the migration operation that creates the table, and the DDL helpers the partition
service uses. SQLite keeps one plain table: every helper here is a no-op there."""

import re
from datetime import date, datetime

from django.db import migrations

from kernel.clock import PARIS

TABLE = "usage_callrecord"
PARTITION_NAME = re.compile(r"^usage_callrecord_p(\d{4})(\d{2})$")


def is_postgres(connection) -> bool:
    return connection.vendor == "postgresql"


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The [start, end) of a Paris calendar month as aware datetimes."""
    start = datetime(month.year, month.month, 1, tzinfo=PARIS)
    nxt = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    end = datetime(nxt.year, nxt.month, 1, tzinfo=PARIS)
    return start, end


def partition_name(month: date) -> str:
    return f"{TABLE}_p{month:%Y%m}"


def create_partition_sql(month: date) -> str:
    start, end = month_bounds(month)
    return (
        f'CREATE TABLE IF NOT EXISTS "{partition_name(month)}" PARTITION OF "{TABLE}" '
        f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
    )


class CreatePartitionedModel(migrations.CreateModel):
    """``CreateModel`` whose table, on PostgreSQL, is partitioned by RANGE on ``partition_key``
    with the primary key (id, partition_key); elsewhere a plain ``CreateModel``."""

    def __init__(
        self, name, fields, options=None, bases=None, managers=None, partition_key="started_at"
    ):
        self.partition_key = partition_key
        super().__init__(name, fields, options=options, bases=bases, managers=managers)

    def deconstruct(self):
        name, args, kwargs = super().deconstruct()
        kwargs["partition_key"] = self.partition_key
        return name, args, kwargs

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if not is_postgres(schema_editor.connection):
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        model = to_state.apps.get_model(app_label, self.name)
        table = model._meta.db_table
        execute = schema_editor.execute

        def partitioned_execute(sql, params=()):
            if isinstance(sql, str) and sql.startswith(f'CREATE TABLE "{table}"'):
                sql = sql.replace(" PRIMARY KEY", "", 1)
                sql = (
                    sql[: sql.rstrip().rindex(")")]
                    + f', PRIMARY KEY ("id", "{self.partition_key}"))'
                    + f' PARTITION BY RANGE ("{self.partition_key}")'
                )
            return execute(sql, params)

        schema_editor.execute = partitioned_execute
        try:
            schema_editor.create_model(model)
        finally:
            schema_editor.execute = execute

    def describe(self):
        return f"Create model {self.name} (partitioned by {self.partition_key} on PostgreSQL)"


def create_default_partition(apps, schema_editor):
    """A DEFAULT partition, so that no insert ever fails for want of a month's partition; the
    partition service moves its rows into the month's partition when it creates it."""
    if is_postgres(schema_editor.connection):
        schema_editor.execute(
            f'CREATE TABLE IF NOT EXISTS "{TABLE}_default" PARTITION OF "{TABLE}" DEFAULT'
        )
