"""PLATFORM 24, SPEC §9: the English descriptions of the seeded catalogue — only the equipment
rentals' have one (equipment 0002). A description staff already entered is kept."""

from django.db import migrations

FRENCH = "Location de matériel (EQP-3), engagement du bon de commande."
ENGLISH = "Equipment rental (EQP-3), for the commitment of the order form."


def describe_in_english(apps, schema_editor):
    apps.get_model("offers", "Offer").objects.filter(
        code__startswith="equipment-rental-", description=FRENCH, description_en=""
    ).update(description_en=ENGLISH)


class Migration(migrations.Migration):
    dependencies = [
        ("offers", "0020_offer_description_en"),
        ("equipment", "0002_rental_offers"),  # the rows it describes
    ]

    operations = [migrations.RunPython(describe_in_english, migrations.RunPython.noop)]
