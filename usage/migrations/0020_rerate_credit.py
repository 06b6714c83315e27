"""BIL-1 / BIL-9: the credit notes a run issues for a month's consumption line that a late
record lowered after it was invoiced (``RerateCredit``)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_list_order_indexes"),
        ("billing", "0008_list_order_indexes"),
        ("usage", "0019_breach_credit_line_key"),
    ]

    operations = [
        migrations.CreateModel(
            name="RerateCredit",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField(verbose_name="month")),
                ("line_key", models.CharField(max_length=120, verbose_name="consumption line")),
                (
                    "amount",
                    models.DecimalField(
                        decimal_places=2, max_digits=12, verbose_name="amount (€ HT)"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                (
                    "client",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounts.client",
                        verbose_name="customer",
                    ),
                ),
                (
                    "credit_note",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="billing.invoice",
                        verbose_name="credit note",
                    ),
                ),
            ],
            options={
                "verbose_name": "re-rating credit note",
                "verbose_name_plural": "re-rating credit notes",
            },
        ),
    ]
