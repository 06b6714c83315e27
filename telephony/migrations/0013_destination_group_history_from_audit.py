"""TRK-6: the destination groups' history (``DestinationGroupChange``) rebuilt from the audit log,
where the back office recorded every change of a group with the values it replaced
(``destinationgroup.update``) and every group it created (``destinationgroup.create``): the
calls made before a change of a group's default or prefixes keep the groups they were made
under when their month is rated again. Read from the newest entry back, starting from the group
as it is now. Changes made outside the back office (data migrations) left no entry and are not
rebuilt."""

from django.db import migrations

FIELDS = ("blocked_by_default", "prefixes", "position")
TYPES = {"blocked_by_default": bool, "prefixes": list, "position": int}


def load(apps, schema_editor):
    AuditLog = apps.get_model("accounts", "AuditLog")
    DestinationGroup = apps.get_model("telephony", "DestinationGroup")
    DestinationGroupChange = apps.get_model("telephony", "DestinationGroupChange")
    if DestinationGroupChange.objects.exists():
        return  # already rebuilt (or recorded since)
    changes = []
    for group in DestinationGroup.objects.all():
        state = {field: getattr(group, field) for field in FIELDS}
        entries = AuditLog.objects.filter(
            object_type="telephony.DestinationGroup",
            object_id=str(group.pk),
            action__in=["destinationgroup.update", "destinationgroup.create"],
        ).order_by("-created_at", "-id")
        for entry in entries:
            if entry.action == "destinationgroup.create":
                state["prefixes"] = []  # it matched no call before it existed
            else:
                before = entry.before or {}
                replaced = {
                    field: before[field]
                    for field in FIELDS
                    if isinstance(before.get(field), TYPES[field])
                    and not (field == "position" and isinstance(before[field], bool))
                }
                if not replaced:
                    continue
                state.update(replaced)
            changes.append(
                DestinationGroupChange(
                    group=group,
                    at=entry.created_at,
                    blocked_by_default_before=state["blocked_by_default"],
                    prefixes_before=state["prefixes"],
                    position_before=state["position"],
                )
            )
            if entry.action == "destinationgroup.create":
                break
    DestinationGroupChange.objects.bulk_create(changes)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_list_order_indexes"),
        ("telephony", "0012_destination_group_history"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
