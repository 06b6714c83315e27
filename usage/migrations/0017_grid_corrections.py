"""USE-1..4: the seeded grid corrected where it priced or included numbers wrongly (the rows
migration 0004 now seeds on a fresh database; a database seeded before is brought to them):

- "Guadeloupe Fixe" is the 0590 range, which phonenumbers splits between Guadeloupe (GP),
  Saint-Barthélemy (BL) and Saint-Martin (MF): a call to 05 90 27 … (BL) was billed at the
  world zone +5 (0.50 €/min) on plans that include Guadeloupe. The presets that include
  Guadeloupe fixed include the two others, and both get Guadeloupe's prices.
- The satellite row "+88" also priced Bangladesh (+880) and Taiwan (+886) at 4.00 €/min: it is
  the networks' own codes now (+870 Inmarsat, +881, +882, +883); the two countries take their
  world zone (0.50 €/min).
- 0806-0809 are "tarification banalisée" numbers (ARCEP 2012-0856): the price of a call to a
  geographic number, not 0.06 €/min with a 30 s minimum. The law over the grid.

A call already rated keeps its cost until its month is rated again (USE-2)."""

from importlib import import_module

from django.db import migrations


def load(apps, schema_editor):
    seed = import_module("usage.migrations.0004_seed_tariffs")
    Tariff = apps.get_model("usage", "Tariff")
    Terms = apps.get_model("offers", "Terms")
    IncludedDestination = apps.get_model("usage", "IncludedDestination")
    if Tariff.objects.exists():  # a grid seeded before: bring it to the seed's rows
        for name, country, line_type, price_class, rate, first, next_, minimum in seed.TARIFFS:
            values = {
                "rate_per_minute": rate,
                "first_increment": first,
                "next_increment": next_,
                "min_duration": minimum,
            }
            if price_class == "uan":
                Tariff.objects.filter(country="FR", price_class="uan", prefix="").update(
                    name=name, **values
                )
            elif country in ("BL", "MF") and not Tariff.objects.filter(name=name).exists():
                Tariff.objects.create(
                    name=name,
                    country=country,
                    line_type=line_type,
                    price_class=price_class,
                    valid_from=seed.FROM,
                    **values,
                )
        # the "+88" row becomes "+881" (the calls rated with it keep their tariff), the other
        # networks get rows of their own
        networks = {p: (n, r) for n, p, r in seed.PREFIX_TARIFFS if p.startswith(("+87", "+88"))}
        name, _rate = networks["+881"]
        Tariff.objects.filter(prefix="+88").update(prefix="+881", name=name)
        for prefix, (name, rate) in networks.items():
            if not Tariff.objects.filter(prefix=prefix).exists():
                Tariff.objects.create(
                    name=name, prefix=prefix, rate_per_minute=rate, valid_from=seed.FROM
                )
    for terms in Terms.objects.filter(
        included_destinations__country="GP", included_destinations__line_type="fixed"
    ).distinct():
        for name, country, line_type in seed.GUADELOUPE_0590:
            IncludedDestination.objects.get_or_create(
                terms=terms, name=name, defaults={"country": country, "line_type": line_type}
            )


class Migration(migrations.Migration):
    dependencies = [("usage", "0016_import_key_per_customer")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
