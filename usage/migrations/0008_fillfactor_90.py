"""The call records' partitions at fillfactor 90 (usage.services.partitions.FILLFACTOR): the
import now inserts the calls already rated instead of updating each one once (issue 15). Only
future inserts use it; no table is rewritten."""

from django.db import migrations


def _set(schema_editor, fillfactor: int) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'usage_callrecord'"
        )
        names = [row[0] for row in cursor.fetchall()]
    for name in names:
        schema_editor.execute(f'ALTER TABLE "{name}" SET (fillfactor = {fillfactor})')


def forwards(apps, schema_editor):
    _set(schema_editor, 90)


def backwards(apps, schema_editor):
    _set(schema_editor, 60)


class Migration(migrations.Migration):
    dependencies = [("usage", "0007_usage_day")]

    operations = [migrations.RunPython(forwards, backwards)]
