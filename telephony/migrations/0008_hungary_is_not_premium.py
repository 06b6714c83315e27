"""TRK-6: the "Numéros surtaxés" group blocked "+363" by default — Hungary's fixed area codes
32-37 and Telekom mobiles (+36 30), not a premium range; "Hongrie Fixe" is a destination the
unlimited plans include. Hungary's premium rate is 06 90 / 06 91 (+3690, +3691)."""

from django.db import migrations


def load(apps, schema_editor):
    DestinationGroup = apps.get_model("telephony", "DestinationGroup")
    for group in DestinationGroup.objects.filter(code="premium-rate"):
        if "+363" in group.prefixes:
            group.prefixes = [p for p in group.prefixes if p != "+363"]
            group.prefixes += [p for p in ("+3690", "+3691") if p not in group.prefixes]
            group.save(update_fields=["prefixes"])


class Migration(migrations.Migration):
    dependencies = [("telephony", "0007_closed_status_for_terminated_contracts")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
