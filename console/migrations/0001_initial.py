import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Assignment",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("queue_key", models.CharField(max_length=60, verbose_name="queue")),
                ("item_pk", models.CharField(max_length=40, verbose_name="item")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="assigned at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                (
                    "assignee",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="console_assignments",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="assigned to",
                    ),
                ),
            ],
            options={
                "verbose_name": "queue assignment",
                "verbose_name_plural": "queue assignments",
                "ordering": ["queue_key", "item_pk"],
                "constraints": [
                    models.UniqueConstraint(fields=("queue_key", "item_pk"), name="one_assignee_per_item")
                ],
            },
        ),
    ]
