"""NUM-2, NUM-3: an equipment rental (EQP-3) is a contract of ``offers`` but no telephone service:
no number is assigned or ported to it, no SIP account is opened on it."""

from django.db import migrations


def rentals_are_no_telephone_service(apps, schema_editor):
    Offer = apps.get_model("offers", "Offer")
    Offer.objects.filter(code__startswith="equipment-rental-").update(telephone_service=False)


def undo(apps, schema_editor):
    Offer = apps.get_model("offers", "Offer")
    Offer.objects.filter(code__startswith="equipment-rental-").update(telephone_service=True)


class Migration(migrations.Migration):
    dependencies = [
        ("equipment", "0003_field_labels_in_french"),
        ("offers", "0010_offer_telephone_service"),
    ]

    operations = [migrations.RunPython(rentals_are_no_telephone_service, undo)]
