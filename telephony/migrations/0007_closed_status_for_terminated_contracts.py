from django.db import migrations, models


def close(apps, schema_editor):
    """CON-4/5: the trunks and SIP accounts of contracts already terminated read closed."""
    for name in ("Trunk", "SipAccount"):
        apps.get_model("telephony", name).objects.filter(contract__status="terminated").update(
            status="closed"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("telephony", "0006_statuses_follow_suspended_contracts"),
    ]

    operations = [
        migrations.AlterField(
            model_name="sipaccount",
            name="status",
            field=models.CharField(
                choices=[
                    ("active", "Active"),
                    ("disabled", "Disabled (credentials compromised)"),
                    ("suspended", "Suspended"),
                    ("closed", "Closed (contract terminated)"),
                ],
                default="active",
                editable=False,
                max_length=10,
                verbose_name="status",
            ),
        ),
        migrations.AlterField(
            model_name="trunk",
            name="status",
            field=models.CharField(
                choices=[
                    ("active", "Active"),
                    ("disabled", "Disabled (credentials compromised)"),
                    ("suspended", "Suspended"),
                    ("closed", "Closed (contract terminated)"),
                ],
                default="active",
                editable=False,
                max_length=10,
                verbose_name="status",
            ),
        ),
        migrations.RunPython(close, migrations.RunPython.noop),
    ]
