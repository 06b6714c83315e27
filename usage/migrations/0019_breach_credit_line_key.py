"""USE-4 / BIL-9: a breach credit note tied to the consumption line it credits, so that a later
run measures what it bills against what was invoiced less what was credited (a late record
billed after a waiver's credit note was never billed)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("usage", "0018_price_class_labels"),
    ]

    operations = [
        migrations.AddField(
            model_name="breachcredit",
            name="line_key",
            field=models.CharField(
                blank=True,
                help_text="The month's consumption line credited (what a later run bills is measured against what was invoiced less this).",
                max_length=120,
                verbose_name="consumption line",
            ),
        ),
    ]
