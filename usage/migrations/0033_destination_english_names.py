"""SPEC §9, PLATFORM 24: a tariff's English name beside its French one (as the catalogue's,
``kernel.languages``), for the English pages and the partner API in English; the grid seeded by
migration 0004 named in English — a country's rows as the English tariffs page named them (the
country and kind of number), the world zones and networks translated. A name staff already
entered is kept; a row without one is named by ``usage.destinations``."""

from django.db import migrations, models

KINDS = {"fixe": "Fixed", "mobile": "Mobile"}
COUNTRIES = {
    "France": "France", "Réunion": "Reunion", "Mayotte": "Mayotte", "Guadeloupe": "Guadeloupe",
    "Saint-Barthélemy": "Saint Barthélemy", "Saint-Martin": "Saint Martin",
    "Martinique": "Martinique", "Guyane": "French Guiana", "Allemagne": "Germany",
    "Belgique": "Belgium", "Espagne": "Spain", "Italie": "Italy",
    "Royaume-Uni": "United Kingdom", "Suisse": "Switzerland", "Portugal": "Portugal",
    "Irlande": "Ireland", "Pays-Bas": "Netherlands", "Luxembourg": "Luxembourg",
    "Danemark": "Denmark", "Suède": "Sweden", "Norvège": "Norway", "Pologne": "Poland",
    "Roumanie": "Romania", "Hongrie": "Hungary", "Slovaquie": "Slovakia", "Malte": "Malta",
    "Chypre": "Cyprus", "Israël": "Israel", "États-Unis": "United States", "Canada": "Canada",
    "Brésil": "Brazil", "Chine": "China", "Corée du Sud": "South Korea",
    "Thaïlande": "Thailand", "Maroc": "Morocco",
}  # fmt: skip
FRANCE = {
    "France 09 (polyvalent)": "France — Non-geographic (09)",
    "France numéro vert (080)": "France — Toll free (080)",
    "France coût partagé (081, 082, 084)": "France — Shared cost (081, 082, 084)",
    "France services au prix d'un appel normal (0806-0809)": (
        "France — Price of a normal call (0806–0809)"
    ),
    "France surtaxé": "France — Premium rate",
    "France numéro court": "France — Short number",
}
PREFIXES = {
    **{f"Reste du monde (zone {z})": f"Rest of the world (zone {z})" for z in range(1, 10)},
    "Réseaux satellitaires (+870)": "Satellite networks (+870)",
    "Réseaux satellitaires (+881)": "Satellite networks (+881)",
    "Réseaux internationaux (+882)": "International networks (+882)",
    "Réseaux internationaux (+883)": "International networks (+883)",
}


def english_names() -> dict[str, str]:
    """The seeded rows' French names → their English names."""
    names = {
        f"{french} {kind}": f"{english} — {kind_en}"
        for french, english in COUNTRIES.items()
        for kind, kind_en in KINDS.items()
    }
    return {**names, **FRANCE, **PREFIXES}


def name_in_english(apps, schema_editor):
    tariffs = apps.get_model("usage", "Tariff").objects
    for name, english in english_names().items():
        tariffs.filter(name=name, name_en="").update(name_en=english)


class Migration(migrations.Migration):
    dependencies = [
        ("usage", "0032_premium_rate_label"),
    ]

    operations = [
        migrations.AddField(
            model_name="tariff",
            name="name_en",
            field=models.CharField(
                blank=True,
                help_text="Shown on English pages and in the API in English; empty: the country "
                "and kind of number in English, or the prefix.",
                max_length=120,
                verbose_name="name in English",
            ),
        ),
        migrations.RunPython(name_in_english, migrations.RunPython.noop),
    ]
