"""EQP-3: a rental is a contract of ``offers``. Its product and one offer per commitment of the
order form (12, 24, 36 months), anchored on the order date, tacitly renewed by 12 months,
ended at any time with the remaining instalments of the period (``remaining_months``). The
monthly price of each contract's line is the order form's (the model's rental price)."""

from decimal import Decimal

from django.db import migrations

PRODUCT = "equipment-rental"
COMMITMENTS = (12, 24, 36)


def create(apps, schema_editor):
    Product = apps.get_model("offers", "Product")
    Terms = apps.get_model("offers", "Terms")
    Offer = apps.get_model("offers", "Offer")
    product, _ = Product.objects.get_or_create(
        code=PRODUCT,
        defaults={
            "name": "Location d'équipement",
            "kind": "main",
            "unit": "équipement",
            "setup_price": Decimal("0"),
            "monthly_price": Decimal("0"),
            "price_on_quote": True,
        },
    )
    for months in COMMITMENTS:
        code = f"equipment-rental-{months}"
        if Offer.objects.filter(code=code).exists():
            continue
        name = f"Location d'équipement — {months} mois"
        terms = Terms.objects.create(
            name=f"{name} (WITECH 5.5.2)",
            preset="HOSTED-W",
            is_preset=False,
            anchor="order",
            initial_months=months,
            renewal_months=12,
            notice_rule="months",
            notice_months=0,
            subscription_timing="advance",
            consumption_timing="arrears",
            first_month="pro_rata",
            fee_rule="remaining_months",
            minimum_monthly_commitment=Decimal("0"),
            sla_policy="none",
            support_days="",
            fair_use_policy="none",
        )
        Offer.objects.create(
            code=code,
            name=name,
            preset="HOSTED-W",
            main_product=product,
            terms=terms,
            description="Location de matériel (EQP-3), engagement du bon de commande.",
        )


class Migration(migrations.Migration):
    dependencies = [
        ("equipment", "0001_initial"),
        ("offers", "0006_termination_reason_port_out"),
    ]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
