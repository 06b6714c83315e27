"""Issue 15 (bench/rating.py): the import key's call id compared byte by byte (collation "C")
on PostgreSQL, and no index on the calls' import batch.

The unique index on (call_id, started_at) compared call ids with the database's collation
(strcoll for each comparison): on this machine it tripled the cost of inserting a call. A call
id is an opaque carrier identifier, never sorted for a person, so byte order is right for it.
The batch index served only the last-traffic look-up after an import, which now reads the
(customer, month) keys the pass rated. SQLite keeps its plain table (no "C" collation there)."""

from django.db import migrations


def bytewise(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            'ALTER TABLE usage_callrecord ALTER COLUMN call_id TYPE varchar(64) COLLATE "C"'
        )


def collated(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            'ALTER TABLE usage_callrecord ALTER COLUMN call_id TYPE varchar(64) COLLATE "default"'
        )


class Migration(migrations.Migration):
    dependencies = [("usage", "0008_fillfactor_90")]

    operations = [
        migrations.RunPython(bytewise, collated),
        migrations.RemoveIndex(model_name="callrecord", name="usage_call_batch"),
    ]
