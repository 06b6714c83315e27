"""PLATFORM 24, SPEC §9: the English names of the seeded catalogue — the presets' products and
offers (offers 0002), the SIP trunk packs (telephony 0002), the numbers' products (numbering
0003) and the equipment rentals (equipment 0002). A name staff already entered is kept; staff
edit them in the back office afterwards."""

from django.db import migrations

PRODUCTS = {
    "sip-unl-account": "Unlimited SIP account",
    "trunk-channels": "SIP trunk",
    "trunk-pack-4": "SIP trunk pack of 4 channels",
    "trunk-pack-10": "SIP trunk pack of 10 channels",
    "trunk-pack-30": "SIP trunk pack of 30 channels",
    "hosted-w-user": "Hosted telephony user",
    "hosted-w-voicemail": "Voicemail",
    "hosted-w-ivr": "Interactive voice response (IVR)",
    "hosted-w-call-group": "Call group",
    "hosted-w-conference": "Conference bridge",
    "hosted-w-fax-to-mail": "Fax to e-mail",
    "hosted-w-softphone": "Softphone",
    "platform-subscription": "Voice platform subscription",
    "opt-direct-interconnection": "Direct interconnection (fibre)",
    "opt-bgp-peering": "BGP peering",
    "opt-caps": "Additional CAPS",
    "opt-short-number": "Short voice/SMS number",
    "opt-sla-guarantee": "Service level guarantee (SLA)",
    "opt-capacity-reservation": "Voice capacity reservation",
    "opt-number-range-hosting": "Number range hosting",
    "hosted-a-site": "Hosted telephony per site",
    "number-geographic": "Geographic number (01 to 05)",
    "number-polyvalent": "Non-geographic number (09)",
    "number-mobile": "Mobile number (06, 07)",
    "number-special": "Special-rate number (08)",
    "number-porting": "Number port-in",
    "equipment-rental": "Equipment rental",
}
OFFERS = {
    "sip-unl": "Unlimited SIP",
    "trunk": "SIP Trunk",
    "hosted-w": "Hosted telephony Pro",
    "platform": "Voice API platform",
    "hosted-a": "Hosted telephony Site",
    **{f"equipment-rental-{m}": f"Equipment rental — {m} months" for m in (12, 24, 36)},
}


def name_in_english(apps, schema_editor):
    for model, names in (("Product", PRODUCTS), ("Offer", OFFERS)):
        rows = apps.get_model("offers", model).objects
        for code, name in names.items():
            rows.filter(code=code, name_en="").update(name_en=name)


class Migration(migrations.Migration):
    dependencies = [
        ("offers", "0017_catalogue_english_names"),
        # the rows they name, seeded by those apps
        ("telephony", "0002_packs_and_destinations"),
        ("numbering", "0003_number_products"),
        ("equipment", "0002_rental_offers"),
    ]

    operations = [migrations.RunPython(name_in_english, migrations.RunPython.noop)]
