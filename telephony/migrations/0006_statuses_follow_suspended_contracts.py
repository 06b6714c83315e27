"""CON-8: the trunks and SIP accounts of a contract suspended before their status followed the
contract's (session 20) read suspended, unless their credentials are disabled (ACC-7)."""

from django.db import migrations


def follow(apps, schema_editor):
    for name in ("Trunk", "SipAccount"):
        model = apps.get_model("telephony", name)
        model.objects.filter(
            contract__status="suspended", disabled_at__isnull=True, status="active"
        ).update(status="suspended")


class Migration(migrations.Migration):
    dependencies = [("telephony", "0005_list_order_indexes"), ("offers", "0008_list_order_indexes")]

    operations = [migrations.RunPython(follow, migrations.RunPython.noop)]
