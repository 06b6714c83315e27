"""ACC-6: only PLATFORM's terms (17.3) know closing for inactivity — the flags set on other
contracts (SIP-UNL, TRUNK, HOSTED-W, HOSTED-A) before this rule are cleared."""

from django.db import migrations


def clear(apps, schema_editor):
    Contract = apps.get_model("offers", "Contract")
    Contract.objects.filter(inactive_flagged_on__isnull=False).exclude(
        terms_snapshot__preset="PLATFORM"
    ).update(inactive_flagged_on=None)


class Migration(migrations.Migration):
    dependencies = [("offers", "0008_list_order_indexes")]

    operations = [migrations.RunPython(clear, migrations.RunPython.noop)]
