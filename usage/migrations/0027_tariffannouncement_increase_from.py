from django.db import migrations, models


def fill(apps, schema_editor):
    # the announcements told before: their first day stands for their increases'
    TariffAnnouncement = apps.get_model("usage", "TariffAnnouncement")
    TariffAnnouncement.objects.filter(increase=True).update(increase_from=models.F("first_day"))


class Migration(migrations.Migration):
    dependencies = [
        ("usage", "0026_tariff_announcements"),
    ]

    operations = [
        migrations.AddField(
            model_name="tariffannouncement",
            name="increase_from",
            field=models.DateField(
                blank=True, null=True, verbose_name="first day of the increases"
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
