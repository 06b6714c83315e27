"""USE-2: a tariff grid (€ HT per minute) and the included destinations of the preset terms
(USE-3: SIP-UNL, USE-4: HOSTED-A's 40, HOSTED-W's order-form list). Staff edit both in the
back office; prices here are the reseller's public grid of 2024."""

from datetime import date
from decimal import Decimal

from django.db import migrations

FROM = date(2024, 1, 1)
# (name, country, line type, price class, rate €/min, first, next, minimum)
TARIFFS = [
    ("France fixe", "FR", "fixed", "standard", "0.0120", 1, 1, 0),
    ("France 09 (polyvalent)", "FR", "polyvalent", "standard", "0.0120", 1, 1, 0),
    ("France mobile", "FR", "mobile", "standard", "0.0450", 1, 1, 0),
    ("France numéro vert (080)", "FR", "special", "toll_free", "0.0000", 1, 1, 0),
    ("France coût partagé (081, 082, 084)", "FR", "special", "shared_cost", "0.0900", 60, 60, 60),
    # 0806-0809 (phonenumbers' "universal access"): ARCEP 2012-0856, "tarification banalisée",
    # the price of a call to a geographic number (migration 0017 corrects a database seeded
    # before, where they cost 0.06 €/min, 30/6, 30 s minimum)
    (
        "France services au prix d'un appel normal (0806-0809)",
        "FR",
        "special",
        "uan",
        "0.0120",
        1,
        1,
        0,
    ),
    # every premium-rate number: 0836, 085x-089x, 118 XYZ (migration 0032 renames a row seeded
    # before as "France surtaxé (089)")
    ("France surtaxé", "FR", "special", "premium", "0.8000", 60, 60, 60),
    ("France numéro court", "FR", "special", "short", "0.1500", 60, 60, 60),
    ("Réunion fixe", "RE", "fixed", "standard", "0.0300", 1, 1, 0),
    ("Réunion mobile", "RE", "mobile", "standard", "0.1500", 30, 6, 0),
    ("Mayotte fixe", "YT", "fixed", "standard", "0.0300", 1, 1, 0),
    ("Mayotte mobile", "YT", "mobile", "standard", "0.1500", 30, 6, 0),
    ("Guadeloupe fixe", "GP", "fixed", "standard", "0.0300", 1, 1, 0),
    # Saint-Barthélemy and Saint-Martin share Guadeloupe's 0590/0690 ranges (+590): its prices
    # (migration 0017 adds them to a database seeded before)
    ("Saint-Barthélemy fixe", "BL", "fixed", "standard", "0.0300", 1, 1, 0),
    ("Saint-Barthélemy mobile", "BL", "mobile", "standard", "0.1500", 30, 6, 0),
    ("Saint-Martin fixe", "MF", "fixed", "standard", "0.0300", 1, 1, 0),
    ("Saint-Martin mobile", "MF", "mobile", "standard", "0.1500", 30, 6, 0),
    ("Guadeloupe mobile", "GP", "mobile", "standard", "0.1500", 30, 6, 0),
    ("Martinique fixe", "MQ", "fixed", "standard", "0.0300", 1, 1, 0),
    ("Martinique mobile", "MQ", "mobile", "standard", "0.1500", 30, 6, 0),
    ("Guyane fixe", "GF", "fixed", "standard", "0.0300", 1, 1, 0),
    ("Guyane mobile", "GF", "mobile", "standard", "0.1500", 30, 6, 0),
    ("Allemagne fixe", "DE", "fixed", "standard", "0.0200", 1, 1, 0),
    ("Allemagne mobile", "DE", "mobile", "standard", "0.0900", 30, 6, 0),
    ("Belgique fixe", "BE", "fixed", "standard", "0.0200", 1, 1, 0),
    ("Belgique mobile", "BE", "mobile", "standard", "0.0900", 30, 6, 0),
    ("Espagne fixe", "ES", "fixed", "standard", "0.0200", 1, 1, 0),
    ("Espagne mobile", "ES", "mobile", "standard", "0.0900", 30, 6, 0),
    ("Italie fixe", "IT", "fixed", "standard", "0.0200", 1, 1, 0),
    ("Italie mobile", "IT", "mobile", "standard", "0.0900", 30, 6, 0),
    ("Royaume-Uni fixe", "GB", "fixed", "standard", "0.0200", 1, 1, 0),
    ("Royaume-Uni mobile", "GB", "mobile", "standard", "0.0900", 30, 6, 0),
    ("Suisse fixe", "CH", "fixed", "standard", "0.0300", 1, 1, 0),
    ("Suisse mobile", "CH", "mobile", "standard", "0.2500", 30, 6, 0),
    ("Portugal fixe", "PT", "fixed", "standard", "0.0200", 1, 1, 0),
    ("Irlande fixe", "IE", "fixed", "standard", "0.0200", 1, 1, 0),
    ("Pays-Bas fixe", "NL", "fixed", "standard", "0.0200", 1, 1, 0),
    ("Luxembourg fixe", "LU", "fixed", "standard", "0.0200", 1, 1, 0),
    ("Danemark fixe", "DK", "fixed", "standard", "0.0200", 1, 1, 0),
    ("Suède fixe", "SE", "fixed", "standard", "0.0200", 1, 1, 0),
    ("Norvège fixe", "NO", "fixed", "standard", "0.0200", 1, 1, 0),
    ("Pologne fixe", "PL", "fixed", "standard", "0.0200", 1, 1, 0),
    ("Roumanie fixe", "RO", "fixed", "standard", "0.0300", 1, 1, 0),
    ("Hongrie fixe", "HU", "fixed", "standard", "0.0300", 1, 1, 0),
    ("Slovaquie fixe", "SK", "fixed", "standard", "0.0300", 1, 1, 0),
    ("Malte fixe", "MT", "fixed", "standard", "0.0300", 1, 1, 0),
    ("Chypre fixe", "CY", "fixed", "standard", "0.0300", 1, 1, 0),
    ("Israël fixe", "IL", "fixed", "standard", "0.0300", 1, 1, 0),
    ("États-Unis fixe", "US", "fixed", "standard", "0.0150", 1, 1, 0),
    ("Canada fixe", "CA", "fixed", "standard", "0.0150", 1, 1, 0),
    ("Brésil fixe", "BR", "fixed", "standard", "0.0400", 1, 1, 0),
    ("Chine fixe", "CN", "fixed", "standard", "0.0200", 1, 1, 0),
    ("Chine mobile", "CN", "mobile", "standard", "0.0200", 1, 1, 0),
    ("Corée du Sud fixe", "KR", "fixed", "standard", "0.0400", 1, 1, 0),
    ("Thaïlande fixe", "TH", "fixed", "standard", "0.0400", 1, 1, 0),
    ("Thaïlande mobile", "TH", "mobile", "standard", "0.0400", 1, 1, 0),
    ("Maroc fixe", "MA", "fixed", "standard", "0.1500", 60, 60, 0),
    ("Maroc mobile", "MA", "mobile", "standard", "0.4500", 60, 60, 0),
]
# Longest-prefix rows (they win over the (country, type) rows above): the rest of the world by
# world zone, and satellite / high-cost ranges.
PREFIX_TARIFFS = [
    ("Reste du monde (zone 1)", "+1", "0.3000"),
    ("Reste du monde (zone 2)", "+2", "0.5000"),
    ("Reste du monde (zone 3)", "+3", "0.3000"),
    ("Reste du monde (zone 4)", "+4", "0.3000"),
    ("Reste du monde (zone 5)", "+5", "0.5000"),
    ("Reste du monde (zone 6)", "+6", "0.5000"),
    ("Reste du monde (zone 7)", "+7", "0.3000"),
    ("Reste du monde (zone 8)", "+8", "0.5000"),
    ("Reste du monde (zone 9)", "+9", "0.5000"),
    # the satellite and international networks by their own codes: "+88" also priced Bangladesh
    # (+880) and Taiwan (+886) at 4.00 €/min (migration 0017 corrects a database seeded before)
    ("Réseaux satellitaires (+870)", "+870", "4.0000"),
    ("Réseaux satellitaires (+881)", "+881", "4.0000"),
    ("Réseaux internationaux (+882)", "+882", "4.0000"),
    ("Réseaux internationaux (+883)", "+883", "4.0000"),
]
# HOSTED-A 7: the 40 international destinations of the contract, as (name, country, type).
HOSTED_A_40 = [
    ("Canada Fixe", "CA", "fixed"), ("Royaume Uni Fixe", "GB", "fixed"),
    ("Portugal Fixe", "PT", "fixed"), ("Portugal Fixe OLO", "PT", "fixed"),
    ("Mayotte Fixe", "YT", "fixed"), ("Réunion Fixe", "RE", "fixed"),
    ("Suède Fixe", "SE", "fixed"), ("Suède VAS", "SE", "fixed"),
    ("Espagne Fixe", "ES", "fixed"), ("Irlande Fixe", "IE", "fixed"),
    ("Israël Fixe", "IL", "fixed"), ("Malte Fixe", "MT", "fixed"),
    ("Slovaquie Fixe", "SK", "fixed"), ("Hongrie Fixe", "HU", "fixed"),
    ("Irlande Fixe VAS", "IE", "fixed"), ("Chypre (Sud) Fixe", "CY", "fixed"),
    ("France Fixe", "FR", "fixed"), ("France Fixe OBL", "FR", "fixed"),
    ("Danemark Fixe", "DK", "fixed"), ("Allemagne Fixe VAS", "DE", "fixed"),
    ("Irlande Fixe OLO", "IE", "fixed"), ("Thaïlande Fixe", "TH", "fixed"),
    ("Pays Bas Fixe", "NL", "fixed"), ("Corée du Sud Fixe", "KR", "fixed"),
    ("Chine Mobile", "CN", "mobile"), ("Allemagne Fixe", "DE", "fixed"),
    ("Norvège Fixe", "NO", "fixed"), ("Guadeloupe Fixe", "GP", "fixed"),
    ("Guyane Française Fixe", "GF", "fixed"), ("Martinique Fixe", "MQ", "fixed"),
    ("Roumanie Fixe", "RO", "fixed"), ("Canada Territoires du Nord Fixe", "CA", "fixed"),
    ("Chine Fixe", "CN", "fixed"), ("Etats Unis Fixe", "US", "fixed"),
    ("Etats Unis Fixe OLO", "US", "fixed"), ("Pologne Fixe", "PL", "fixed"),
    ("Luxembourg Fixe", "LU", "fixed"), ("Brésil Fixe", "BR", "fixed"),
    ("Thaïlande Mobile", "TH", "mobile"), ("Luxembourg Fixe VAS", "LU", "fixed"),
]  # fmt: skip
# AMABOO 2: "41 destinations" listed on the provider's site (not in the contract): the fixed
# destinations of the HOSTED-A list plus Belgium, Italy and Switzerland fixed — staff keep it
# up to date in the back office.
SIP_UNL_41 = [d for d in HOSTED_A_40 if d[2] == "fixed"] + [
    ("Belgique Fixe", "BE", "fixed"),
    ("Italie Fixe", "IT", "fixed"),
    ("Suisse Fixe", "CH", "fixed"),
]
# "Guadeloupe Fixe" is the 0590 range, which phonenumbers splits between Guadeloupe (GP),
# Saint-Barthélemy (BL) and Saint-Martin (MF): the three count as the one destination.
GUADELOUPE_0590 = [
    ("Guadeloupe Fixe (Saint-Barthélemy)", "BL", "fixed"),
    ("Guadeloupe Fixe (Saint-Martin)", "MF", "fixed"),
]
INCLUDED = {
    "SIP-UNL": SIP_UNL_41 + GUADELOUPE_0590,
    "HOSTED-A": HOSTED_A_40 + GUADELOUPE_0590,
    "HOSTED-W": HOSTED_A_40 + GUADELOUPE_0590,
}


def unload(apps, schema_editor):
    """Reversed, the seed goes: migration 0003 reversed restores a narrower unique constraint
    (terms, country, line_type) that the seeded destinations would break (Portugal Fixe and
    Portugal Fixe OLO)."""
    apps.get_model("usage", "IncludedDestination").objects.all().delete()
    apps.get_model("usage", "Tariff").objects.all().delete()


def load(apps, schema_editor):
    Tariff = apps.get_model("usage", "Tariff")
    Terms = apps.get_model("offers", "Terms")
    IncludedDestination = apps.get_model("usage", "IncludedDestination")
    if not Tariff.objects.exists():
        Tariff.objects.bulk_create(
            [
                Tariff(
                    name=name,
                    country=country,
                    line_type=line_type,
                    price_class=price_class,
                    rate_per_minute=Decimal(rate),
                    first_increment=first,
                    next_increment=next_,
                    min_duration=minimum,
                    valid_from=FROM,
                )
                for name, country, line_type, price_class, rate, first, next_, minimum in TARIFFS
            ]
            + [
                Tariff(name=name, prefix=prefix, rate_per_minute=Decimal(rate), valid_from=FROM)
                for name, prefix, rate in PREFIX_TARIFFS
            ]
        )
    for preset, destinations in INCLUDED.items():
        for terms in Terms.objects.filter(preset=preset, is_preset=True):
            for name, country, line_type in destinations:
                IncludedDestination.objects.get_or_create(
                    terms=terms, name=name, defaults={"country": country, "line_type": line_type}
                )


class Migration(migrations.Migration):
    dependencies = [
        ("usage", "0003_call_on_net"),
        ("offers", "0002_presets_and_catalogue"),
    ]

    operations = [migrations.RunPython(load, unload)]
