"""NUM-2 / NUM-3: the numbers' catalogue products (prices € HT, edited by staff afterwards)."""

from decimal import Decimal

from django.db import migrations

PRODUCTS = [
    ("number-geographic", "Numéro géographique (01 à 05)", "0", "1.0000"),
    ("number-polyvalent", "Numéro non géographique (09)", "0", "1.5000"),
    ("number-mobile", "Numéro mobile (06, 07)", "0", "2.0000"),
    ("number-special", "Numéro à tarification spéciale (08)", "50.0000", "10.0000"),
    ("number-porting", "Portabilité entrante d'un numéro", "15.0000", "0"),
]


def create(apps, schema_editor):
    Product = apps.get_model("offers", "Product")
    for code, name, setup, monthly in PRODUCTS:
        Product.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": "option",
                "unit": "numéro",
                "setup_price": Decimal(setup),
                "monthly_price": Decimal(monthly),
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("numbering", "0002_reservations"),
        ("offers", "0006_termination_reason_port_out"),
    ]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
