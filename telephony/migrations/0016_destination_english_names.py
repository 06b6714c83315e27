"""SPEC §9, TRK-6: a destination group's English name beside its French one (as the catalogue's,
``kernel.languages``), for the English pages and the partner API in English; the groups seeded
by migrations 0002 and 0015 named in English. A name staff already entered is kept."""

from django.db import migrations, models

NAMES = {
    "fr-fixed": "France — landlines",
    "fr-mobile": "France — mobiles",
    "fr-special-08": "France — special numbers 08",
    "international-eu": "International — European Union",
    "international-world": "International — rest of the world",
    "premium-rate": "Premium-rate numbers",
    "high-risk": "High-risk international and satellite (fraud)",
}


def name_in_english(apps, schema_editor):
    groups = apps.get_model("telephony", "DestinationGroup").objects
    for code, name in NAMES.items():
        groups.filter(code=code, name_en="").update(name_en=name)


class Migration(migrations.Migration):
    dependencies = [
        ("telephony", "0015_satellites_are_high_risk"),
    ]

    operations = [
        migrations.AddField(
            model_name="destinationgroup",
            name="name_en",
            field=models.CharField(
                blank=True,
                help_text="Shown on English pages and in the API in English; empty: the French "
                "name.",
                max_length=120,
                verbose_name="name in English",
            ),
        ),
        migrations.RunPython(name_in_english, migrations.RunPython.noop),
    ]
