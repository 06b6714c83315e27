"""TRK-1: the demo pack table of the ``trunk`` offer (1 ch 5.00, 4 ch 17.00, 10 ch 39.00,
30 ch 99.00 HT a month; 200 channels at most) and TRK-6: the destination groups, premium-rate
and high-risk blocked by default.

The 1-channel pack is the offer's main product (``trunk-channels``, 5.00 a channel): a contract
signed for N channels holds N one-channel packs until its trunk is set up or re-optimised.
``load`` is idempotent (tests call it again after a transactional test's flush).
"""

from decimal import Decimal

from django.db import migrations

PACKS = [
    # (channels, monthly price, product code, product name)
    (1, "5.0000", "trunk-channels", None),
    (4, "17.0000", "trunk-pack-4", "Pack 4 canaux SIP trunk"),
    (10, "39.0000", "trunk-pack-10", "Pack 10 canaux SIP trunk"),
    (30, "99.0000", "trunk-pack-30", "Pack 30 canaux SIP trunk"),
]
GROUPS = [
    # (code, name, E.164 prefixes, blocked by default)
    ("fr-fixed", "France — fixes", ["+331", "+332", "+333", "+334", "+335", "+339"], False),
    ("fr-mobile", "France — mobiles", ["+336", "+337"], False),
    ("fr-special-08", "France — numéros spéciaux 08", ["+338"], False),
    ("international-eu", "International — Union européenne", ["+32", "+49", "+34", "+39"], False),
    ("international-world", "International — reste du monde", ["+1", "+44", "+41", "+212"], False),
    # Hungary's premium rate is 06 90 / 06 91 (+3690, +3691); "+363" blocked its fixed area
    # codes 32-37 and Telekom mobiles (migration 0008 corrects a database seeded before)
    ("premium-rate", "Numéros surtaxés", ["+3389", "+3381", "+3382", "+3690", "+3691"], True),
    # the satellite networks +870 and +881 too (migration 0012 adds them to a database seeded
    # before, where they were in no blocked group)
    (
        "high-risk",
        "International à risque et satellites (fraude)",
        ["+882", "+883", "+252", "+239", "+870", "+881"],
        True,
    ),
]


def load(apps, schema_editor):
    Offer = apps.get_model("offers", "Offer")
    Product = apps.get_model("offers", "Product")
    PackTable = apps.get_model("telephony", "PackTable")
    Pack = apps.get_model("telephony", "Pack")
    DestinationGroup = apps.get_model("telephony", "DestinationGroup")
    for position, (code, name, prefixes, blocked) in enumerate(GROUPS):
        DestinationGroup.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "prefixes": prefixes,
                "blocked_by_default": blocked,
                "position": position,
            },
        )
    offer = Offer.objects.filter(code="trunk").first()
    if offer is None:
        return
    table, _created = PackTable.objects.get_or_create(offer=offer, defaults={"max_channels": 200})
    for channels, price, code, name in PACKS:
        product = Product.objects.filter(code=code).first()
        if product is None:
            product = Product.objects.create(
                code=code, name=name, kind="main", unit="pack", monthly_price=Decimal(price)
            )
        Pack.objects.get_or_create(
            table=table,
            channels=channels,
            defaults={"monthly_price": Decimal(price), "product": product},
        )


def unload(apps, schema_editor):
    apps.get_model("telephony", "Pack").objects.all().delete()
    apps.get_model("telephony", "PackTable").objects.all().delete()
    apps.get_model("telephony", "DestinationGroup").objects.all().delete()
    apps.get_model("offers", "Product").objects.filter(code__startswith="trunk-pack-").delete()


class Migration(migrations.Migration):
    dependencies = [("telephony", "0001_initial"), ("offers", "0002_presets_and_catalogue")]

    operations = [migrations.RunPython(load, unload)]
