"""PostgreSQL helper for the CDR import: a timestamp cast that returns NULL instead of failing
(only called for days 29–31, which the import's regular expression cannot check alone)."""

from django.db import migrations

CREATE = r"""
CREATE OR REPLACE FUNCTION usage_try_timestamptz(value text) RETURNS timestamptz
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN value::timestamptz;
EXCEPTION WHEN others THEN
    RETURN NULL;
END;
$$
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS usage_try_timestamptz(text)")


class Migration(migrations.Migration):
    dependencies = [("usage", "0004_seed_tariffs")]

    operations = [migrations.RunPython(forwards, backwards)]
