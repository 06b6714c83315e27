"""CON-1: the five term presets, the platform options of §3.4 and one offer per preset.

The data live in ``offers/catalogue/presets.json``; staff change them in the back office after.
"""

import json
from datetime import time
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "catalogue" / "presets.json"


def _terms_values(spec):
    values = dict(spec)
    for name in ("support_start", "support_end"):
        if values.get(name):
            values[name] = time.fromisoformat(values[name])
    return values


def load(apps, schema_editor):
    Terms = apps.get_model("offers", "Terms")
    Product = apps.get_model("offers", "Product")
    Offer = apps.get_model("offers", "Offer")
    data = json.loads(DATA.read_text(encoding="utf-8"))
    presets = {}
    for spec in data["terms"]:
        presets[spec["preset"]] = Terms.objects.create(is_preset=True, **_terms_values(spec))
    products = {p["code"]: Product.objects.create(**p) for p in data["products"]}
    for spec in data["offers"]:
        reference = presets[spec["preset"]]
        values = _terms_values(next(t for t in data["terms"] if t["preset"] == spec["preset"]))
        values["name"] = f"{spec['name']} — {reference.name}"
        terms = Terms.objects.create(is_preset=False, **values)
        offer = Offer.objects.create(
            code=spec["code"], name=spec["name"], preset=spec["preset"],
            main_product=products[spec["main_product"]], terms=terms,
        )
        offer.options.set([products[code] for code in spec["options"]])


def unload(apps, schema_editor):
    apps.get_model("offers", "Offer").objects.all().delete()
    apps.get_model("offers", "Terms").objects.all().delete()
    apps.get_model("offers", "Product").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("offers", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
