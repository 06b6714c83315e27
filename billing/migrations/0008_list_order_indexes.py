from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_list_order_indexes"),
        ("billing", "0007_invoice_issued_newest"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="pendingcharge",
            index=models.Index(fields=["-period_start", "-id"], name="charge_newest"),
        ),
        migrations.RemoveIndex(model_name="invoice", name="invoice_issued_newest"),
        migrations.AddIndex(
            model_name="invoice",
            index=models.Index(
                condition=models.Q(("status", "issued")),
                fields=["-issue_date", "-id"],
                include=["client", "partner"],
                name="invoice_issued_newest",
            ),
        ),
    ]
