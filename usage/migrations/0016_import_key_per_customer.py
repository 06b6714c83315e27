"""The import key per customer: (call_id, started_at, client). Two partners may number their
calls alike; one partner's new call was dropped as a duplicate of another partner's call with
the same id and start (and its report told that the other's call existed)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0006_list_order_indexes'),
        ('offers', '0008_list_order_indexes'),
        ('telephony', '0007_closed_status_for_terminated_contracts'),
        ('usage', '0015_breach_plan_choices'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='callrecord',
            name='usage_call_once',
        ),
        migrations.AddConstraint(
            model_name='callrecord',
            constraint=models.UniqueConstraint(fields=('call_id', 'started_at', 'client'), name='usage_call_once'),
        ),
    ]
