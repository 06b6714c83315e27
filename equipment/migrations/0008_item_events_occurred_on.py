"""EQP-1: an item's move carries the day it happened (``occurred_on``), which staff enter when
they record it later; a return's receipt and an RMA's shipment too. Existing rows happened
on the day they were recorded (Paris time)."""

from django.db import migrations, models

def fill(apps, schema_editor):
    """The recording day in Paris, on PostgreSQL and on SQLite (the migration check)."""
    from django.utils import timezone

    for model_name, source, target in (
        ("ItemEvent", "at", "occurred_on"),
        ("ReturnItem", "received_at", "received_on"),
        ("Rma", "shipped_at", "shipped_on"),
    ):
        model = apps.get_model("equipment", model_name)
        for row in model.objects.exclude(**{f"{source}__isnull": True}).only("pk", source):
            model.objects.filter(pk=row.pk).update(
                **{target: timezone.localdate(getattr(row, source))}
            )


class Migration(migrations.Migration):
    dependencies = [
        ("equipment", "0007_model_english_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="itemevent",
            name="occurred_on",
            field=models.DateField(null=True, verbose_name="occurred on"),
        ),
        migrations.AddField(
            model_name="returnitem",
            name="received_on",
            field=models.DateField(blank=True, null=True, verbose_name="received on"),
        ),
        migrations.AddField(
            model_name="rma",
            name="shipped_on",
            field=models.DateField(blank=True, null=True, verbose_name="replacement shipped on"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="itemevent",
            name="occurred_on",
            field=models.DateField(verbose_name="occurred on"),
        ),
        migrations.AlterField(
            model_name="itemevent",
            name="at",
            field=models.DateTimeField(verbose_name="recorded on"),
        ),
        migrations.AlterField(
            model_name="returnitem",
            name="received_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="receipt recorded at"
            ),
        ),
        migrations.AlterField(
            model_name="rma",
            name="shipped_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="shipment recorded at"
            ),
        ),
        migrations.AlterModelOptions(
            name="itemevent",
            options={
                "ordering": ["item", "occurred_on", "at", "id"],
                "verbose_name": "item move",
                "verbose_name_plural": "item moves",
            },
        ),
    ]
