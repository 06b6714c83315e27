"""USE-1: the price class "premium" is every premium-rate number the numbering plan marks so
(France's 0836 and 085x-089x, the directory enquiries 118 XYZ, premium-rate numbers abroad), not
only 089: its label loses "(089)", and so does the seeded grid's row that prices them ("France
surtaxé (089)", left alone if staff renamed it). Labels only: no call changes; the invoices
already issued keep the words they were issued with (their lines' text is not touched)."""

from django.db import migrations, models


def rename_row(apps, schema_editor):
    Tariff = apps.get_model("usage", "Tariff")
    Tariff.objects.filter(name="France surtaxé (089)", prefix="", price_class="premium").update(
        name="France surtaxé"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("usage", "0031_consumption_cutoff"),
    ]

    operations = [
        migrations.AlterField(
            model_name="callrecord",
            name="price_class",
            field=models.CharField(
                blank=True,
                choices=[
                    ("standard", "Standard"),
                    ("toll_free", "Toll free (080)"),
                    ("shared_cost", "Shared cost (081, 082, 084)"),
                    ("uan", "Price of a normal call (0806–0809)"),
                    ("premium", "Premium rate"),
                    ("short", "Short number"),
                ],
                max_length=12,
                verbose_name="price class",
            ),
        ),
        migrations.AlterField(
            model_name="tariff",
            name="price_class",
            field=models.CharField(
                choices=[
                    ("standard", "Standard"),
                    ("toll_free", "Toll free (080)"),
                    ("shared_cost", "Shared cost (081, 082, 084)"),
                    ("uan", "Price of a normal call (0806–0809)"),
                    ("premium", "Premium rate"),
                    ("short", "Short number"),
                ],
                default="standard",
                max_length=12,
                verbose_name="price class",
            ),
        ),
        migrations.RunPython(rename_row, migrations.RunPython.noop),
    ]
