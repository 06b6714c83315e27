"""TRK-6: the settings' history (``DestinationSettingChange``) rebuilt from the audit log, where
every block and unblock was recorded with its time and the setting before: the calls made
before a change keep the setting they were made under when their month is rated again."""

from django.db import migrations

OWNERS = {"telephony.SipAccount": "sip_account_id", "telephony.Trunk": "trunk_id"}


def load(apps, schema_editor):
    AuditLog = apps.get_model("accounts", "AuditLog")
    DestinationGroup = apps.get_model("telephony", "DestinationGroup")
    DestinationSetting = apps.get_model("telephony", "DestinationSetting")
    DestinationSettingChange = apps.get_model("telephony", "DestinationSettingChange")
    if DestinationSettingChange.objects.exists():
        return  # already rebuilt (or recorded since)
    groups = dict(DestinationGroup.objects.values_list("code", "id"))
    changes = []
    for entry in AuditLog.objects.filter(
        action__in=["destination.block", "destination.unblock"], object_type__in=OWNERS
    ).order_by("created_at", "id"):
        before = entry.before or {}
        group_id = groups.get(before.get("group"))
        if group_id is None or not isinstance(before.get("blocked"), bool):
            continue
        setting = DestinationSetting.objects.filter(
            group_id=group_id, **{OWNERS[entry.object_type]: entry.object_id}
        ).first()
        if setting is not None:
            changes.append(
                DestinationSettingChange(
                    setting=setting, at=entry.created_at, blocked_before=before["blocked"]
                )
            )
    DestinationSettingChange.objects.bulk_create(changes)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_list_order_indexes"),
        ("telephony", "0009_destination_setting_history"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
