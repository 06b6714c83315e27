"""Independent check of the seeded tariff grid (usage migration 0004, USE-2) and of the prices
the contracts state, through the real import and the SQL rating engine.

What the contracts price: none of them gives a price per minute. AMABOO 2 (000) bills "à la
seconde sur la base tarifaire figurant sur le site « AMABOO »"; SIP Trunk (001) has no tariff;
the HOSTED-W order form (002) says "facturée à la minute selon la tarification du Prestataire";
the CALLR annex (003, PLATFORM 24) says "Les Tarifs en vigueur sont disponibles dans l'Interface
Client" and only prices the options (28) and penalties (27); ALLSET (004, HOSTED-A 6) bills
"conformément au tarif de l'ALLSET SAS en vigueur". So the grid's rates are the reseller's own;
these tests check the increments each contract imposes, the included lists, the options of
PLATFORM 28, and that each row prices the destinations it names.

Seeded rows used here (€ HT per minute, first/next increment, minimum):
  France fixed 0.0120 1/1; France toll free (080) 0.0000 1/1; Réunion mobile 0.1500 30/6;
  Italy fixed, Belgium fixed, China fixed 0.0200 1/1; China mobile 0.0200 1/1; Thailand mobile
  0.0400 1/1; Switzerland fixed 0.0300 1/1, mobile 0.2500 30/6; Morocco fixed 0.1500 60/60;
  world zone "+8" 0.5000 1/1; the satellite and international networks' rows, prefixes +870,
  +881, +882, +883, 4.0000 1/1 (in the high-risk destination group, blocked by default: TRK-6).
"""

from datetime import date
from decimal import Decimal

import pytest

from offers.models import Offer
from tests.usage.core_helpers import (
    account,
    assert_matches_reference,
    at,
    calls,
    platform,
    row,
    run_import,
)
from usage.models import CallRecord

pytestmark = pytest.mark.django_db
OCT = date(2026, 10, 1)

REUNION_MOBILE = "+2626926012"  # + 2 digits: Réunion mobiles (0692 60 12 ..), 30/6 at 0.15
MOROCCO_FIXED = "+2125221234"  # + 2 digits: Casablanca fixed, 60/60 at 0.15
SWISS_MOBILE = "+417912345"  # + 2 digits: Swiss mobile, 30/6 at 0.25
CHINA_FIXED = "+861012345678"
CHINA_MOBILE = "+8613812345678"
THAI_MOBILE = "+66812345678"
ITALY_FIXED = "+390612345678"
BELGIUM_FIXED = "+3223456789"
SWISS_FIXED = "+41441234567"
TAIWAN_FIXED = "+886221234567"
BANGLADESH_FIXED = "+88027111234"
IRIDIUM = "+8816123456789"  # Iridium (+881 6), a satellite mobile
INTL_NETWORK = "+882123456789"  # +882: international networks


def one(called, **filters):
    return CallRecord.objects.get(called=called, **filters)


def satellite_caller():
    """A trunk (its calls rated at the grid's increments) whose customer unblocked the
    high-risk group (TRK-6: the satellite and international networks, blocked by default) on
    30 September, before its calls."""
    from datetime import UTC, datetime

    import time_machine

    from telephony.models import DestinationGroup
    from telephony.services import destination_unblock
    from tests.telephony.factories import customer, make_trunk

    account("sip-unl")  # seeds the grid
    trunk = make_trunk(customer())
    with time_machine.travel(datetime(2026, 9, 30, 6, tzinfo=UTC), tick=False):
        destination_unblock(owner=trunk, group=DestinationGroup.objects.get(code="high-risk"))
    return trunk


# --- OPT: PLATFORM 28, the options' NRC / MRC -------------------------------------------------


# OPT (PLATFORM 28): "Interconnexion directe (fibre) 1000 € 250 € / lien; Peering BGP 1000 €
# 250 € / peering; CAPS 0 € 150 € / lot de 10 CAPS; Numéro court vocal et/ou SMS Sur devis;
# Garantie de Service (SLA) Voir annexe; Réservation de capacité vocale 0 € 30 € / 30 canaux;
# Hébergement de tranches de numéros 1500 € / tranche (dégressif) 400 € / tranche (dégressif)".
def test_opt_platform_options_priced_as_the_annex():
    offer = Offer.objects.get(code="platform")
    got = {
        p.code: (p.setup_price, p.monthly_price, p.price_on_quote, p.unit)
        for p in offer.options.all()
    }
    assert got == {
        "opt-direct-interconnection": (Decimal(1000), Decimal(250), False, "lien"),
        "opt-bgp-peering": (Decimal(1000), Decimal(250), False, "peering"),
        "opt-caps": (Decimal(0), Decimal(150), False, "lot de 10 CAPS"),
        "opt-short-number": (Decimal(0), Decimal(0), True, "numéro"),
        "opt-sla-guarantee": (Decimal(0), Decimal(0), True, "contrat"),
        "opt-capacity-reservation": (Decimal(0), Decimal(30), False, "lot de 30 canaux"),
        "opt-number-range-hosting": (Decimal(1500), Decimal(400), False, "tranche"),
    }


# --- USE-2: PLATFORM bills at the tariff's own increments (24.2.3 "paliers de 6 secondes ou
# des minutes indivisibles ... refacturés") ------------------------------------------------------


# USE-2 on PLATFORM (no plan), by hand from the seeded rows:
#   Réunion mobile 30/6 at 0.15: 30 s → 30 → 0.0750; 31 s → 30 + 6 = 36 → 0.0900;
#     36 s → 36 → 0.0900; 37 s → 30 + 12 = 42 → 0.1050;
#   Morocco fixed 60/60 at 0.15: 1 s → 60 → 0.1500; 60 s → 60 → 0.1500; 61 s → 120 → 0.3000;
#   Swiss mobile 30/6 at 0.25: 1 s → 30 → 0.1250;
#   0 s answered and an unanswered call → 0.
# Total 0.0750 + 0.0900 + 0.0900 + 0.1050 + 0.1500 + 0.1500 + 0.3000 + 0.1250 = 1.0850.
def test_use2_platform_thirty_six_and_sixty_sixty_rows_at_their_boundaries():
    plat = platform()
    cases = [
        (REUNION_MOBILE + "01", 30, True),
        (REUNION_MOBILE + "02", 31, True),
        (REUNION_MOBILE + "03", 36, True),
        (REUNION_MOBILE + "04", 37, True),
        (MOROCCO_FIXED + "01", 1, True),
        (MOROCCO_FIXED + "02", 60, True),
        (MOROCCO_FIXED + "03", 61, True),
        (SWISS_MOBILE + "01", 1, True),
        (SWISS_MOBILE + "02", 0, True),
        (SWISS_MOBILE + "03", 0, False),
    ]
    run_import(
        [
            row(plat, called, start=at(2, 8, n), duration=d, answered=ok)
            for n, (called, d, ok) in enumerate(cases)
        ]
    )
    got = [(one(called).billed_seconds, one(called).cost) for called, _d, _ok in cases]
    assert got == [
        (30, Decimal("0.0750")),
        (36, Decimal("0.0900")),
        (36, Decimal("0.0900")),
        (42, Decimal("0.1050")),
        (60, Decimal("0.1500")),
        (60, Decimal("0.1500")),
        (120, Decimal("0.3000")),
        (30, Decimal("0.1250")),
        (0, Decimal("0")),
        (0, Decimal("0")),
    ]
    assert sum(c.cost for c in CallRecord.objects.all()) == Decimal("1.0850")
    assert_matches_reference()


# --- USE-3 / USE-4: the included lists per offer, and the increments each contract imposes ------


# USE-3 (AMABOO 2: "Les appels ... de téléphones fixes (hors destinations comprises dans le
# forfait illimité) et mobiles à l'international sont facturés à la seconde"), SIP-UNL:
#   China fixed, Italy fixed, Switzerland fixed: among the 41 (fixed only), slots 1-3, 600 s → 0;
#   China mobile (in HOSTED-A's 40, not SIP-UNL's fixed list) 90 s → 90 × 0.02 / 60 = 0.0300;
#   Thai mobile 90 s → 90 × 0.04 / 60 = 0.0600;
#   Morocco fixed (row 60/60) 61 s → per second 61 × 0.15 / 60 = 0.1525 (not 120 s = 0.3000);
#   Swiss mobile (row 30/6) 31 s → 31 × 0.25 / 60 = 0.12916… → 0.1292 (not 36 s = 0.1500).
# Total 0.0300 + 0.0600 + 0.1525 + 0.1292 = 0.3717.
def test_use3_sip_unl_fixed_list_and_per_second_on_coarse_rows():
    sip = account("sip-unl")
    run_import(
        [
            row(sip, CHINA_FIXED, start=at(2, 8), duration=600),
            row(sip, ITALY_FIXED, start=at(2, 9), duration=600),
            row(sip, SWISS_FIXED, start=at(2, 10), duration=600),
            row(sip, CHINA_MOBILE, start=at(2, 11), duration=90),
            row(sip, THAI_MOBILE, start=at(2, 12), duration=90),
            row(sip, MOROCCO_FIXED + "05", start=at(2, 13), duration=61),
            row(sip, SWISS_MOBILE + "05", start=at(2, 14), duration=31),
        ]
    )
    included = [one(n) for n in (CHINA_FIXED, ITALY_FIXED, SWISS_FIXED)]
    assert [(c.slot, c.included, c.cost) for c in included] == [
        (1, True, Decimal("0")),
        (2, True, Decimal("0")),
        (3, True, Decimal("0")),
    ]
    assert [
        (one(n).slot, one(n).billed_seconds, one(n).cost)
        for n in (CHINA_MOBILE, THAI_MOBILE, MOROCCO_FIXED + "05", SWISS_MOBILE + "05")
    ] == [
        (None, 90, Decimal("0.0300")),
        (None, 90, Decimal("0.0600")),
        (None, 61, Decimal("0.1525")),
        (None, 31, Decimal("0.1292")),
    ]
    assert sum(c.cost for c in CallRecord.objects.all()) == Decimal("0.3717")
    assert_matches_reference()


# USE-4 (HOSTED-A 7's list of 40; HOSTED-W seeded with the same 40), no breach:
#   China fixed, China mobile, Thai mobile: in the 40 → 0;
#   Italy fixed, Belgium fixed: not in the 40 (SIP-UNL's extra three) → 90 × 0.02 / 60 = 0.0300;
#   Switzerland fixed: not in the 40 → 90 × 0.03 / 60 = 0.0450;
#   Morocco fixed (60/60) 61 s → 120 × 0.15 / 60 = 0.3000 (the tariff's increments).
# Total per user 0.0300 + 0.0300 + 0.0450 + 0.3000 = 0.4050.
@pytest.mark.parametrize("offer", ["hosted-a", "hosted-w"])
def test_use4_hosted_lists_are_the_forty_of_hosted_a(offer):
    sip = account(offer)
    called = [CHINA_FIXED, CHINA_MOBILE, THAI_MOBILE, ITALY_FIXED, BELGIUM_FIXED, SWISS_FIXED]
    rows = [row(sip, n, start=at(2, 8 + i), duration=90) for i, n in enumerate(called)]
    rows.append(row(sip, MOROCCO_FIXED + "06", start=at(2, 15), duration=61))
    run_import(rows)
    assert [(one(n).included, one(n).cost) for n in called] == [
        (True, Decimal("0")),
        (True, Decimal("0")),
        (True, Decimal("0")),
        (False, Decimal("0.0300")),
        (False, Decimal("0.0300")),
        (False, Decimal("0.0450")),
    ]
    assert one(MOROCCO_FIXED + "06").cost == Decimal("0.3000")
    assert sum(c.cost for c in CallRecord.objects.all()) == Decimal("0.4050")
    assert_matches_reference()


# USE-4 (HOSTED-W 6.1: "la terminaison des appels … sera facturée à la minute selon la
# tarification"): a telecom professional loses the unlimited; every billable call of the month
# is billed per minute at its tariff, whatever the row's own increments (HOSTED-A 7 bills so its
# national fixed calls only: tests/usage/test_usage_audit.py):
#   Réunion mobile (30/6) 31 s → 60 s × 0.15 / 60 = 0.1500 (not 36 s = 0.0900);
#   China mobile (one of the 40) 61 s → 120 s × 0.02 / 60 = 0.0400;
#   Morocco fixed (60/60) 1 s → 60 s × 0.15 / 60 = 0.1500;
#   French toll free 0800 61 s → 120 s × 0 = 0.
# Total 0.1500 + 0.0400 + 0.1500 = 0.3400.
def test_use4_breach_per_minute_on_rows_of_other_increments():
    sip = account("hosted-w", is_telecom_professional=True)
    run_import(
        [
            row(sip, REUNION_MOBILE + "07", start=at(2, 8), duration=31),
            row(sip, CHINA_MOBILE, start=at(2, 9), duration=61),
            row(sip, MOROCCO_FIXED + "07", start=at(2, 10), duration=1),
            row(sip, "0800123456", start=at(2, 11), duration=61),
        ]
    )
    assert [
        (c.breach, c.billed_seconds, c.cost) for c in CallRecord.objects.order_by("started_at")
    ] == [
        (True, 60, Decimal("0.1500")),
        (True, 120, Decimal("0.0400")),
        (True, 60, Decimal("0.1500")),
        (True, 120, Decimal("0")),
    ]
    assert sum(c.cost for c in CallRecord.objects.all()) == Decimal("0.3400")
    assert_matches_reference()


# --- USE-2: the "+88" row prices the ranges it names -------------------------------------------


# USE-2: the seeded row "Réseaux satellitaires (+881)" at 4.0000 €/min: an Iridium call
# (+881 6…), 60 s on a trunk → 60 × 4.00 / 60 = 4.0000, once its customer unblocked the
# high-risk group (TRK-6: the satellite and international networks, blocked by default; before,
# only +882/+883 were: a new trunk's Iridium call was carried). A new trunk's are refused: 0.
def test_use2_satellite_range_at_its_row():
    from tests.telephony.factories import customer, make_trunk

    trunk = satellite_caller()
    new = make_trunk(customer())
    run_import(
        [
            row(trunk, IRIDIUM, start=at(2, 8), duration=60),
            row(trunk, INTL_NETWORK, start=at(2, 9), duration=60),
            row(new, IRIDIUM[:-1] + "0", start=at(2, 10), duration=60),
            row(new, INTL_NETWORK[:-1] + "0", start=at(2, 11), duration=60),
        ]
    )
    assert (one(IRIDIUM).blocked, one(IRIDIUM).cost) == (False, Decimal("4.0000"))
    assert (one(INTL_NETWORK).blocked, one(INTL_NETWORK).cost) == (False, Decimal("4.0000"))
    for refused in (IRIDIUM[:-1] + "0", INTL_NETWORK[:-1] + "0"):
        assert (one(refused).blocked, one(refused).cost) == (True, Decimal("0"))
    assert_matches_reference()


# USE-1: a number of no country — Iridium (+881 6), an international network (+882), a number
# phonenumbers cannot place (+44 20 7123 45678, one digit too many for the UK) — is abroad: the
# consumption page and the invoice line say "Mobile/Autre, international", never "…, France"
# (they said "Mobile, France", "Autre, France": no country was read as France). 60 s of Iridium
# at 4.00 €/min (the high-risk group unblocked, TRK-6).
def test_use1_calls_of_no_country_are_international():
    from usage import selectors

    trunk = satellite_caller()
    run_import([row(trunk, IRIDIUM, start=at(2, 8), duration=60),
                row(trunk, "+4420712345678", start=at(2, 9), duration=60)])  # fmt: skip
    assert {one(IRIDIUM).country, one("+4420712345678").country} == {""}
    summary = selectors.consumption_summary(client=trunk.contract.client, month=OCT)
    # the UK number at the world zone's "+4" row: 60 s × 0.30 / 60 = 0.3000
    assert {line.label: line.cost for line in summary.by_class} == {
        "Mobile, international": Decimal("4.0000"),
        "Autre, international": Decimal("0.3000"),
    }


# USE-2: the same row is seeded with the prefix "+88", so it also catches Taiwan (+886) and
# Bangladesh (+880), which are neither satellite nor international networks: they should take
# their world zone, "+8" at 0.5000 €/min (docs/rules.md: "shorter prefixes (world zones, the
# fall-backs)"). Taipei fixed 60 s → 60 × 0.50 / 60 = 0.5000; Dhaka fixed 60 s → 0.5000;
# total 1.0000. Today each costs 4.0000 (total 8.0000), eight times the zone's rate.
def test_use2_taiwan_and_bangladesh_take_their_world_zone_not_the_satellite_rate():
    plat = platform()
    run_import(
        [
            row(plat, TAIWAN_FIXED, start=at(2, 8), duration=60),
            row(plat, BANGLADESH_FIXED, start=at(2, 9), duration=60),
        ]
    )
    taiwan, bangladesh = one(TAIWAN_FIXED), one(BANGLADESH_FIXED)
    assert (taiwan.country, bangladesh.country) == ("TW", "BD")
    assert (taiwan.cost, bangladesh.cost) == (Decimal("0.5000"), Decimal("0.5000"))
    assert taiwan.cost + bangladesh.cost == Decimal("1.0000")


# USE-1 and the law (ARCEP 2012-0856, "tarification banalisée"): 0806-0809 cost what a call to a
# geographic number costs — the France fixed price, per second: 61 s × 0.0120 / 60 = 0.0122
# (the grid charged 0.06 €/min, 30/6, 30 s minimum: 66 s = 0.0660). An Inmarsat call (+870,
# a satellite network), its high-risk group unblocked (TRK-6), is priced at the satellite row:
# 60 s × 4.00 / 60 = 4.0000.
def test_use1_0806_at_the_price_of_a_normal_call_and_inmarsat_at_satellite():
    trunk = satellite_caller()
    run_import(
        [
            row(trunk, "0806123456", start=at(3, 9), duration=61),
            row(trunk, "+870773123456", start=at(3, 10), duration=60),
        ]
    )
    normal, inmarsat = calls()
    assert (normal.price_class, normal.cost) == ("uan", Decimal("0.0122"))
    assert inmarsat.cost == Decimal("4.0000")
    assert_matches_reference()


# Migration usage 0017 brings a grid seeded before it to the corrected rows: the "+88" row
# becomes "+881" (a call rated with it keeps its tariff) beside +870/+882/+883, 0806-0809 take
# the France fixed price, Saint-Barthélemy and Saint-Martin get Guadeloupe's prices and are
# included wherever Guadeloupe fixed is. Run twice, it changes nothing more.
def test_migration_0017_corrects_a_grid_seeded_before():
    from importlib import import_module

    from django.apps import apps

    from usage.models import IncludedDestination, Tariff

    account("hosted-a")  # seeds the grid (the corrected one) and the presets
    satellite = Tariff.objects.get(prefix="+881")
    Tariff.objects.filter(prefix__in=["+870", "+882", "+883"]).delete()
    satellite.prefix, satellite.name = "+88", "Réseaux satellitaires et internationaux"
    satellite.save()
    Tariff.objects.filter(price_class="uan").update(
        rate_per_minute=Decimal("0.0600"), first_increment=30, next_increment=6, min_duration=30
    )
    Tariff.objects.filter(country__in=["BL", "MF"]).delete()
    IncludedDestination.objects.filter(country__in=["BL", "MF"]).delete()

    migration = import_module("usage.migrations.0017_grid_corrections")
    for _run in range(2):
        migration.load(apps, None)
    assert Tariff.objects.get(pk=satellite.pk).prefix == "+881"
    networks = Tariff.objects.filter(prefix__startswith="+8").values_list("prefix", flat=True)
    assert sorted(networks) == ["+8", "+870", "+881", "+882", "+883"]
    uan = Tariff.objects.get(price_class="uan")
    assert (uan.rate_per_minute, uan.first_increment, uan.min_duration) == (Decimal("0.0120"), 1, 0)
    assert Tariff.objects.filter(country__in=["BL", "MF"]).count() == 4
    assert IncludedDestination.objects.filter(country__in=["BL", "MF"]).count() == 6  # 3 presets
