"""TRK-6 (TRUNK 5: « high-risk international destinations are blocked by default »): the
satellite networks +870 (Inmarsat) and +881 (Iridium, Globalstar), priced 4.00 €/min like the
international networks +882/+883, were in no blocked group — a hacked phone on a new SIP account
could call them all night. They join the high-risk group, blocked by default, which is named for
them; the customer unblocks it as any other group. The group is created when it is missing (its
default then applies to the existing trunks and SIP accounts, as for any group created later); a
name staff changed is kept. Run twice, it changes nothing more."""

from django.db import migrations

CODE = "high-risk"
PREFIXES = ["+870", "+881", "+882", "+883"]
OLD_NAME = "International à risque (fraude)"
NAME = "International à risque et satellites (fraude)"


def load(apps, schema_editor):
    DestinationGroup = apps.get_model("telephony", "DestinationGroup")
    group = DestinationGroup.objects.filter(code=CODE).first()
    if group is None:
        position = max(DestinationGroup.objects.values_list("position", flat=True), default=-1)
        DestinationGroup.objects.create(
            code=CODE,
            name=NAME,
            prefixes=PREFIXES,
            blocked_by_default=True,
            position=position + 1,
        )
        return
    missing = [p for p in PREFIXES if p not in group.prefixes]
    if missing or group.name == OLD_NAME:
        group.prefixes = list(group.prefixes) + missing
        group.name = NAME if group.name == OLD_NAME else group.name
        group.save(update_fields=["prefixes", "name"])


class Migration(migrations.Migration):
    dependencies = [("telephony", "0011_verbose_names_excl_vat")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
