"""The log of committed changes per table and transaction (``kernel.changes``). The triggers
that write it are put on every table after each ``migrate`` (``KernelConfig``)."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        from kernel import changes

        schema_editor.execute(changes.CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        from kernel import changes

        schema_editor.execute(changes.DROP)


class Migration(migrations.Migration):
    dependencies = [("kernel", "0002_console_verbose_names")]

    operations = [migrations.RunPython(forwards, backwards)]
