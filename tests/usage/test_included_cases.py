"""Independent check of the DATA of the plans' included destinations (USE-3, USE-4) against the
contract texts, through the real import and the SQL rating engine.

Contracts:
- 004 (HOSTED-A) §7: "vers 40 destinations internationales : Canada Fixe, Royaume Uni Fixe, …,
  Thaïlande Mobile, Luxembourg Fixe VAS" and the national scope "01, 02, 03, 04, 05 et 09",
  "06 et 07".
- 002 (HOSTED-W) §6.1: the same national scope; the international destinations are "indiquées
  sur le Bon de Commande" (no list in the text: seeded with HOSTED-A's 40, docs/rules.md USE-4).
- 000 (SIP-UNL) art. 2: "l'une des quarante et une (41) destinations figurant sur la liste
  accessible sur le site « AMABOO »" (no list in the text: seeded with HOSTED-A's fixed
  destinations plus Belgium, Italy and Switzerland, docs/rules.md USE-3).

Seeded grid (usage migration 0004), € HT per minute, 1/1 s unless said: Guadeloupe fixed 0.0300;
Chine mobile 0.0200; Thaïlande mobile 0.0400; world zones "+3" and "+7" 0.3000, "+5", "+8" and
"+9" 0.5000. SIP-UNL bills what it does not include per second; HOSTED-A/W at the tariff's own
increments (all 1/1 here)."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from offers.models import Terms
from tests.usage.core_helpers import (
    OCT,
    account,
    assert_matches_reference,
    at,
    calls,
    row,
    run_import,
)
from usage.models import CallRecord, IncludedDestination

GUADELOUPE_0590 = [
    ("Guadeloupe Fixe (Saint-Barthélemy)", "BL", "fixed"),
    ("Guadeloupe Fixe (Saint-Martin)", "MF", "fixed"),
]

pytestmark = pytest.mark.django_db

# HOSTED-A §7, the 40 names in the contract's order, each with the (ISO country, line type) a
# careful reader gives it: "Fixe"/"VAS" fixed, "Mobile" mobile; Chypre (Sud) is the Republic
# (CY; the north is dialled +90 392, Turkey); Canada's northern territories are CA (+1 867).
CONTRACT_40 = [
    ("Canada Fixe", "CA", "fixed"),
    ("Royaume Uni Fixe", "GB", "fixed"),
    ("Portugal Fixe", "PT", "fixed"),
    ("Portugal Fixe OLO", "PT", "fixed"),
    ("Mayotte Fixe", "YT", "fixed"),
    ("Réunion Fixe", "RE", "fixed"),
    ("Suède Fixe", "SE", "fixed"),
    ("Suède VAS", "SE", "fixed"),
    ("Espagne Fixe", "ES", "fixed"),
    ("Irlande Fixe", "IE", "fixed"),
    ("Israël Fixe", "IL", "fixed"),
    ("Malte Fixe", "MT", "fixed"),
    ("Slovaquie Fixe", "SK", "fixed"),
    ("Hongrie Fixe", "HU", "fixed"),
    ("Irlande Fixe VAS", "IE", "fixed"),
    ("Chypre (Sud) Fixe", "CY", "fixed"),
    ("France Fixe", "FR", "fixed"),
    ("France Fixe OBL", "FR", "fixed"),
    ("Danemark Fixe", "DK", "fixed"),
    ("Allemagne Fixe VAS", "DE", "fixed"),
    ("Irlande Fixe OLO", "IE", "fixed"),
    ("Thaïlande Fixe", "TH", "fixed"),
    ("Pays Bas Fixe", "NL", "fixed"),
    ("Corée du Sud Fixe", "KR", "fixed"),
    ("Chine Mobile", "CN", "mobile"),
    ("Allemagne Fixe", "DE", "fixed"),
    ("Norvège Fixe", "NO", "fixed"),
    ("Guadeloupe Fixe", "GP", "fixed"),
    ("Guyane Française Fixe", "GF", "fixed"),
    ("Martinique Fixe", "MQ", "fixed"),
    ("Roumanie Fixe", "RO", "fixed"),
    ("Canada Territoires du Nord Fixe", "CA", "fixed"),
    ("Chine Fixe", "CN", "fixed"),
    ("Etats Unis Fixe", "US", "fixed"),
    ("Etats Unis Fixe OLO", "US", "fixed"),
    ("Pologne Fixe", "PL", "fixed"),
    ("Luxembourg Fixe", "LU", "fixed"),
    ("Brésil Fixe", "BR", "fixed"),
    ("Thaïlande Mobile", "TH", "mobile"),
    ("Luxembourg Fixe VAS", "LU", "fixed"),
]


def seeded(preset):
    """The (name, country, line type) rows of a preset's terms, as the engine reads them."""
    terms = Terms.objects.get(preset=preset, is_preset=True)
    return set(
        IncludedDestination.objects.filter(terms=terms).values_list("name", "country", "line_type")
    )


def one(called):
    return CallRecord.objects.get(called=called)


# --- the seeded lists against the contracts --------------------------------------------------


# USE-4 (HOSTED-A 7): the seed is the contract's list, name by name (40 names), each with the
# right country and line type; HOSTED-W (order form not in 002) gets the same list (our choice,
# docs/rules.md USE-4). 40 names make 31 distinct (country, type) pairs: the OLO/VAS/OBL
# variants and Canada's northern territories are the same country's fixed network.
@pytest.mark.parametrize("preset", ["HOSTED-A", "HOSTED-W"])
def test_use4_hosted_seed_is_the_contract_list_of_40(preset):
    account("hosted-a")  # seeds the grid
    assert len(CONTRACT_40) == 40 and len({n for n, _c, _t in CONTRACT_40}) == 40
    assert seeded(preset) == set(CONTRACT_40) | set(GUADELOUPE_0590)
    assert len({(c, t) for _n, c, t in CONTRACT_40}) == 31


# USE-3: SIP-UNL covers "numéros de téléphonie fixe" only: every seeded row is fixed (Chine
# Mobile and Thaïlande Mobile of the HOSTED-A list are left out), 41 rows and Guadeloupe's
# 0590 range in Saint-Barthélemy and Saint-Martin.
def test_use3_sip_unl_seed_is_fixed_only_41_rows():
    account("sip-unl")
    rows = seeded("SIP-UNL")
    assert len(rows - set(GUADELOUPE_0590)) == 41
    assert {t for _n, _c, t in rows} == {"fixed"}
    assert {c for _n, c, _t in rows} >= {"FR", "RE", "YT", "GP", "GF", "MQ", "BE", "IT", "CH"}


# --- included through the import: territories of the listed countries -----------------------


# USE-4 (HOSTED-A 7): the territories that belong to a listed country are that country's fixed
# network and included: Canaries (+34 928) and Balearics (+34 971) are "Espagne Fixe"; Madeira
# (+351 291) and the Azores (+351 296) "Portugal Fixe"; Alaska (+1 907) and Hawaii (+1 808)
# "Etats Unis Fixe"; Yellowknife (+1 867) "Canada Territoires du Nord Fixe"; Nicosia (+357 22)
# "Chypre (Sud) Fixe"; the overseas departments dialled in the French plan (02 62, 02 69,
# 05 90 20, 05 94, 05 96 30) their own "… Fixe"; and the two listed mobiles (Chine, Thaïlande).
# 15 calls of 600 s, all included: cost 0.
HOSTED_A_TERRITORIES = [
    "+34928123456",
    "+34971123456",
    "+351291123456",
    "+351296123456",
    "+19075551234",
    "+18085551234",
    "+18675551234",
    "+35722345678",
    "0262161234",
    "0269601234",
    "0590201234",
    "0594101234",
    "0596301234",
    "+8613812345678",
    "+66812345678",
]


def test_use4_hosted_a_territories_of_listed_countries_are_included():
    sip = account("hosted-a")
    run_import(
        [
            row(sip, number, start=at(2, 8 + i // 4, (i % 4) * 15), duration=600)
            for i, number in enumerate(HOSTED_A_TERRITORIES)
        ]
    )
    records = calls()
    assert len(records) == 15
    assert [(c.called, c.included) for c in records if not c.included] == []
    assert sum(c.cost for c in records) == 0
    assert_matches_reference()


# USE-4 (HOSTED-A 7): the neighbours that are not in the 40 are billed at their tariff, 60 s
# each at 1/1: Northern Cyprus +90 392 (Turkey, zone "+9" 0.50) 0.5000; Monaco +377 99 (zone
# "+3" 0.30) 0.3000; Andorra +376 71 ("+3") 0.3000; Saint-Pierre-et-Miquelon +508 41 (zone "+5"
# 0.50) 0.5000; a South Korean mobile +82 10 (only "Corée du Sud Fixe" is listed; zone "+8"
# 0.50) 0.5000. Total 0.5 + 0.3 + 0.3 + 0.5 + 0.5 = 2.1000.
def test_use4_hosted_a_unlisted_neighbours_are_billed():
    sip = account("hosted-a")
    numbers = ["+903921234567", "+37799123456", "+376712345", "+508411234", "+821020000000"]
    run_import([row(sip, n, start=at(3, 9 + i), duration=60) for i, n in enumerate(numbers)])
    assert [c.included for c in calls()] == [False] * 5
    assert [c.cost for c in calls()] == [
        Decimal("0.5000"),
        Decimal("0.3000"),
        Decimal("0.3000"),
        Decimal("0.5000"),
        Decimal("0.5000"),
    ]
    assert sum(c.cost for c in calls()) == Decimal("2.1000")
    assert_matches_reference()


# USE-3: SIP-UNL includes fixed numbers only — "Chine Fixe" (+86 10) takes slot 1 at 0 €, but
# the Chinese and Thai mobiles (in HOSTED-A's list, not in SIP-UNL's) are "mobiles à
# l'international … facturés à la seconde": 61 s × 0.0200 / 60 = 0.020333 → 0.0203 and
# 61 s × 0.0400 / 60 = 0.040666 → 0.0407.
def test_use3_sip_unl_listed_mobiles_of_hosted_a_are_billed_per_second():
    sip = account("sip-unl")
    run_import(
        [
            row(sip, "+861012345678", start=at(2, 9), duration=600),
            row(sip, "+8613812345678", start=at(2, 10), duration=61),
            row(sip, "+66812345678", start=at(2, 11), duration=61),
        ]
    )
    china_fixed = one("+861012345678")
    assert (china_fixed.slot, china_fixed.included, china_fixed.cost) == (1, True, 0)
    assert one("+8613812345678").cost == Decimal("0.0203")
    assert one("+66812345678").cost == Decimal("0.0407")
    assert one("+8613812345678").slot is None and one("+66812345678").slot is None
    assert_matches_reference()


# --- defects ------------------------------------------------------------------------------


# USE-3 / USE-4: "Guadeloupe Fixe" is in HOSTED-A's 40 and SIP-UNL's 41, and the project's own
# rule (docs/rules.md USE-1) says "`0590` … Guadeloupe +590". The 0590 range (ARCEP's
# Guadeloupe ZNE, +590 the ITU code of Guadeloupe) also serves Saint-Barthélemy and Saint-Martin,
# and for HOSTED it is a national "05" number ("services de téléphonie en 01, 02, 03, 04, 05").
# phonenumbers names 05 90 27 12 34 "BL" and 05 90 77 12 34 "MF": neither is listed, no tariff
# row either, so the world zone "+5" at 0.5000 €/min applies.
# Expected: both included, cost 0. Actual: 600 s × 0.50 / 60 = 5.0000 and 300 s × 0.50 / 60 =
# 2.5000, total 7.5000 € for two calls to the Guadeloupe 0590 range.
@pytest.mark.parametrize("offer", ["sip-unl", "hosted-a", "hosted-w"])
def test_use3_use4_0590_saint_barthelemy_saint_martin_are_guadeloupe_fixe(offer):
    sip = account(offer)
    run_import(
        [
            row(sip, "0590271234", start=at(2, 9), duration=600),
            row(sip, "0590771234", start=at(2, 10), duration=300),
        ]
    )
    assert sum(c.cost for c in calls()) == 0  # actual 7.5000
    assert [c.included for c in calls()] == [True, True]


# USE-4 (HOSTED-A 7 "Hongrie Fixe") / USE-3 (SIP-UNL's seeded "Hongrie Fixe") against TRK-6:
# the destination group "Numéros surtaxés" (telephony migration 0002) holds the prefix "+363",
# which is not a premium range but Hungary's geographic area codes 32–37 (Salgótarján,
# Esztergom, Tatabánya, Balassagyarmat, Eger, Gyöngyös) and Telekom's mobiles (+36 30);
# Hungary's premium rate is 06 90/06 91 (+3690, +3691). A call to Eger +36 36 512 345 (HU
# fixed, included) is blocked by default: flagged, refused, the customer cannot call an
# included destination. Expected: not blocked, included, cost 0 (SIP-UNL: slot 1).
@pytest.mark.parametrize("offer", ["sip-unl", "hosted-a", "hosted-w"])
def test_use3_use4_hungarian_fixed_is_not_blocked_as_premium(offer):
    sip = account(offer)
    run_import([row(sip, "+3636512345", start=at(2, 9), duration=600)])
    call = one("+3636512345")
    assert (call.country, call.line_type) == ("HU", "fixed")
    assert call.blocked is False  # actual: True
    assert call.included is True and call.cost == 0


# TRK-6: migration telephony 0008 takes "+363" (Hungary's fixed area codes 32-37) out of a
# "Numéros surtaxés" group seeded before it, for Hungary's premium rate (+3690, +3691); run
# twice, it changes nothing more.
def test_migration_0008_unblocks_hungarian_fixed_numbers():
    from importlib import import_module

    from django.apps import apps

    from telephony.models import DestinationGroup

    account("sip-unl")  # seeds the groups (corrected)
    DestinationGroup.objects.filter(code="premium-rate").update(
        prefixes=["+3389", "+3381", "+3382", "+363"]
    )
    migration = import_module("telephony.migrations.0008_hungary_is_not_premium")
    for _run in range(2):
        migration.load(apps, None)
    assert DestinationGroup.objects.get(code="premium-rate").prefixes == [
        "+3389",
        "+3381",
        "+3382",
        "+3690",
        "+3691",
    ]


# --- the list the customer signed (USE-3, USE-4, CON-6) ---------------------------------------


def _hosted_a_signed_on(day):
    from telephony import services as telephony
    from tests.offers.factories import make_contract
    from tests.telephony.factories import customer

    contract = make_contract(customer(), "hosted-a", signature=day, service_start=day)
    return telephony.sip_account_create(contract=contract, label="Poste")[0]


# USE-4 (HOSTED-A 7 lists "Canada Fixe" among the 40 of the contract) and CON-6: staff take
# Canada (its two rows) off the HOSTED-A list in the back office on 20 October. A contract
# signed on 1 October keeps what it signed: its calls to Toronto (+1 416, CA fixed) of
# 2 October (before the change) and of 28 October (after) stay included, 0 — also once the
# month is rated again (HOSTED-A's month-end re-rating, HOSTED-A 6), where both were billed
# 600 s × 0.0150 / 60 = 0.1500 (0.30 € for October's invoice). A contract signed on
# 25 October, after the change, is sold without Canada: its 600 s call of 28 October is billed
# 0.1500 at the tariff (1/1).
def test_use4_list_change_keeps_past_months_and_signed_contracts(staff):
    from usage.services.rating import rerate_month

    sip = account("hosted-a")  # signed 1 October
    run_import([row(sip, "+14165551234", start=at(2, 9), duration=600)])
    assert one("+14165551234").included is True
    canada = list(IncludedDestination.objects.filter(terms__preset="HOSTED-A", country="CA"))
    assert len(canada) == 2
    with time_machine.travel(datetime(2026, 10, 20, 8, tzinfo=UTC), tick=False):
        for destination in canada:
            url = reverse("admin:usage_includeddestination_delete", args=[destination.pk])
            assert staff.post(url, {"post": "yes"}).status_code == 302
    later = _hosted_a_signed_on(date(2026, 10, 25))
    run_import(
        [
            row(sip, "+14165551235", start=at(28, 9), duration=600),
            row(later, "+14165551236", start=at(28, 10), duration=600),
        ]
    )
    rerate_month(OCT)

    def outcome():
        return [(c.called, c.included, c.cost) for c in calls()]

    assert outcome() == [
        ("+14165551234", True, 0),
        ("+14165551235", True, 0),
        ("+14165551236", False, Decimal("0.1500")),
    ]
    assert_matches_reference()
    # the tariffs page lists what each contract includes today
    from django.utils import translation

    from usage.selectors import included_plans

    with translation.override("fr"):
        mine = included_plans(client=sip.contract.client)[0].destinations
        theirs = included_plans(client=later.contract.client)[0].destinations
    assert "Canada Fixe" in mine and "Canada Fixe" not in theirs
    assert len(mine) - len(theirs) == 2  # Canada and its northern territories


# USE-4 (HOSTED-W 6.1: "destinations internationales indiquées sur le Bon de Commande … ou sur
# demande du Client") — a destination added to the list on 20 October is included from that
# day, for every contract (the customer gains it), never before: a 60 s call to Reykjavik
# (+354 5, IS fixed, world zone "+3" 0.3000 1/1) on 10 October stays billed 0.3000 when the
# month is rated again, one on 28 October is included, 0.
def test_use4_destination_added_is_included_from_its_day(staff):
    from offers.models import Terms
    from usage.services.rating import rerate_month

    sip = account("hosted-w")
    terms = Terms.objects.get(preset="HOSTED-W", is_preset=True)
    run_import([row(sip, "+3545512345", start=at(10, 9), duration=60)])
    with time_machine.travel(datetime(2026, 10, 20, 8, tzinfo=UTC), tick=False):
        added = staff.post(
            reverse("admin:usage_includeddestination_add"),
            {"terms": terms.pk, "name": "Islande Fixe", "country": "IS", "line_type": "fixed"},
        )
    assert added.status_code == 302
    assert IncludedDestination.objects.get(name="Islande Fixe").valid_from == date(2026, 10, 20)
    run_import([row(sip, "+3545512346", start=at(28, 9), duration=60)])
    rerate_month(OCT)
    assert [(c.included, c.cost) for c in calls()] == [(False, Decimal("0.3000")), (True, 0)]
    assert_matches_reference()


# USE-4, CON-6 — taking a destination off the list keeps it as history: the back office's page
# says so, not Django's « Voulez-vous vraiment supprimer … seront aussi supprimés » followed by
# « … a été supprimé avec succès » (the row, its past months and the contracts signed with it
# are kept: nothing is deleted).
def test_use4_taking_a_destination_off_says_what_it_does(staff):
    canada = IncludedDestination.objects.filter(terms__preset="HOSTED-A", country="CA").first()
    url = reverse("admin:usage_includeddestination_delete", args=[canada.pk])
    with time_machine.travel(datetime(2026, 10, 20, 8, tzinfo=UTC), tick=False):
        page = staff.get(url).content.decode()
        done = staff.post(url, {"post": "yes"}, follow=True)
    assert "supprim" not in page.lower()
    assert (
        f"Retirer « {canada.name} » de la liste des destinations incluses à partir du "
        "20/10/2026 ?" in page.replace("\u00a0", " ")
    )
    assert "Les appels passés jusque-là et les contrats signés avant la gardent incluse" in page
    (message,) = [str(m) for m in done.context["messages"]]
    assert message.replace("\u00a0", " ") == (
        f"« {canada.name} » est retirée de la liste des destinations incluses à partir du "
        "20/10/2026."
    )
    canada.refresh_from_db()
    assert canada.valid_to == date(2026, 10, 20)
