"""TRK-6 (TRUNK 5: « high-risk international destinations are blocked by default »): the
satellite networks +870 (Inmarsat) and +881 (Iridium, Globalstar), priced 4.00 €/min like the
international networks +882/+883, were in no blocked group — a hacked phone on a new SIP account
could call them all night. They join the high-risk group, blocked by default, which is named for
them; the customer unblocks it as any other group. The group is created when it is missing (its
default then applies to the existing trunks and SIP accounts, as for any group created later); a
name staff changed is kept. Run twice, it changes nothing more. The change is kept in the
groups' history (``DestinationGroupChange``): a call made before it keeps the group it had when
its month is rated again."""

from django.db import migrations
from django.utils import timezone

CODE = "high-risk"
PREFIXES = ["+870", "+881", "+882", "+883"]
OLD_NAME = "International à risque (fraude)"
NAME = "International à risque et satellites (fraude)"


def load(apps, schema_editor):
    DestinationGroup = apps.get_model("telephony", "DestinationGroup")
    DestinationGroupChange = apps.get_model("telephony", "DestinationGroupChange")
    group = DestinationGroup.objects.filter(code=CODE).first()
    if group is None:
        position = max(DestinationGroup.objects.values_list("position", flat=True), default=-1)
        group = DestinationGroup.objects.create(
            code=CODE,
            name=NAME,
            prefixes=PREFIXES,
            blocked_by_default=True,
            position=position + 1,
        )
        # TRK-6: it matched no call before it existed
        DestinationGroupChange.objects.create(
            group=group,
            at=timezone.now(),
            blocked_by_default_before=True,
            prefixes_before=[],
            position_before=group.position,
        )
        return
    missing = [p for p in PREFIXES if p not in group.prefixes]
    if missing:
        # TRK-6: the calls made before keep the prefixes in force then
        DestinationGroupChange.objects.create(
            group=group,
            at=timezone.now(),
            blocked_by_default_before=group.blocked_by_default,
            prefixes_before=list(group.prefixes),
            position_before=group.position,
        )
    if missing or group.name == OLD_NAME:
        group.prefixes = list(group.prefixes) + missing
        group.name = NAME if group.name == OLD_NAME else group.name
        group.save(update_fields=["prefixes", "name"])


class Migration(migrations.Migration):
    dependencies = [("telephony", "0014_setting_change_without_own_setting")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
