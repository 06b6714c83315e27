"""NUM-2, NUM-3: an equipment rental (EQP-3) is a contract of ``offers`` but carries no telephone
service: no number is assigned or ported to it."""

from django.db import migrations


def rentals_carry_no_numbers(apps, schema_editor):
    Offer = apps.get_model("offers", "Offer")
    Offer.objects.filter(code__startswith="equipment-rental-").update(carries_numbers=False)


def undo(apps, schema_editor):
    Offer = apps.get_model("offers", "Offer")
    Offer.objects.filter(code__startswith="equipment-rental-").update(carries_numbers=True)


class Migration(migrations.Migration):
    dependencies = [
        ("equipment", "0003_field_labels_in_french"),
        ("offers", "0010_offer_carries_numbers"),
    ]

    operations = [migrations.RunPython(rentals_carry_no_numbers, undo)]
