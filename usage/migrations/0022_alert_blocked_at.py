"""A consumption alert's block start: the level reached for the alerts already blocking."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('usage', '0021_shared_cost_084_label'),
    ]

    operations = [
        migrations.AddField(
            model_name='consumptionalert',
            name='blocked_at',
            field=models.DateTimeField(blank=True, help_text='When the block started: the level reached, or later when the customer asked for the block once the month was already past its threshold.', null=True, verbose_name='outgoing calls blocked from'),
        ),
        migrations.RunSQL(
            "UPDATE usage_consumptionalert SET blocked_at = created_at WHERE blocked",
            migrations.RunSQL.noop,
        ),
    ]
