"""Premium-rate and high-risk destinations (USE-1, USE-2, TRK-6): how their calls are named, blocked
and priced.

Seeded grid (usage 0004): France premium 0.8000 €/min 60/60 min 60; the world zones +3 / +4
0.3000 €/min 1/1; the satellite and international networks +870, +881, +882, +883
4.0000 €/min 1/1. Destination groups (telephony 0002): premium-rate and high-risk blocked by
default."""

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from accounts.choices import Role
from billing import services as billing
from billing.models import InvoiceLine
from telephony.models import DestinationGroup
from telephony.services import destination_unblock
from tests.offers.factories import make_contract
from tests.usage.money_helpers import OCT, at, call
from usage import selectors
from usage.models import CallRecord
from usage.services.rollup import rollup_refresh

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_pdf(settings, tmp_path):
    settings.BILLING_RENDER_PDF = False
    settings.MEDIA_ROOT = str(tmp_path / "media")


# USE-1 — the price class « premium » is every premium-rate number the numbering plan marks so:
# France's 0836 and 085x–089x, the directory enquiries 118 XYZ, the UK's 09, Belgium's 090x…
# The consumption page, its CSV and the invoice line named it « Surtaxé (089) »: a customer who
# called 0836 12 34 56 or the UK's +44 909 read "089". October, a PLATFORM customer: 0836,
# 120 s billed at 0.80 €/min = 1.6000 €; 118 712, 60 s = 0.8000 €; the UK's +44 909 879 0000,
# 60 s = 0.8000 € (the amounts as rated, kept as they are: only the words change).
def test_use1_premium_rate_class_is_not_named_089(as_role, tenant):
    client = tenant.client
    contract = make_contract(client, "platform", signature=OCT, service_start=OCT)
    premium = {"line_type": "special", "price_class": "premium", "contract": contract}
    call(client, started_at=at(5, 9), called="+33836123456", cost="1.6000", duration=120,
         **premium)  # fmt: skip
    call(client, started_at=at(5, 10), called="118712", cost="0.8000", **premium)
    call(client, started_at=at(5, 11), called="+449098790000", country="GB", cost="0.8000",
         **premium)  # fmt: skip
    rollup_refresh([(client.pk, OCT)])

    with translation.override("fr"):
        summary = selectors.consumption_summary(client=client, month=OCT)
        assert {line.label: line.cost for line in summary.by_class} == {
            "Numéro spécial — Surtaxé, France": Decimal("2.4000"),
            "Numéro spécial — Surtaxé, international": Decimal("0.8000"),
        }
    with translation.override("en"):
        summary = selectors.consumption_summary(client=client, month=OCT)
        assert {line.label for line in summary.by_class} == {
            "Special rate — Premium rate, France",
            "Special rate — Premium rate, international",
        }

    web = as_role(Role.BILLING)
    web.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    body = web.get(reverse("usage:calls_csv"), {"month": "2026-10"}).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body), delimiter=";"))
    assert [r["Classe de prix"] for r in rows] == ["Surtaxé"] * 3

    with translation.override("fr"):
        billing.run_month_sync(month=OCT)
    descriptions = sorted(
        InvoiceLine.objects.filter(kind="consumption", period_start=OCT).values_list(
            "description", flat=True
        )
    )
    assert descriptions == [
        "Communications de 10/2026 — Numéro spécial — Surtaxé, France (2 appels, 3\u00a0min)",
        "Communications de 10/2026 — Numéro spécial — Surtaxé, international (1 appel, 1\u00a0min)",
    ]
    assert not [d for d in descriptions if "089" in d]


# TRK-6 (TRUNK 5: « high-risk international destinations are blocked by default »): the
# satellite networks +870 (Inmarsat) and +881 (Iridium, Globalstar), priced 4.00 €/min, were in
# no blocked group — phonenumbers places them in no country ("001") and the high-risk group held
# only +882/+883 — so a new SIP account's hacked phone could call them all night: 61 s to
# Inmarsat carried and billed 61 × 4.00 / 60 = 4.0667 €. Now they are refused (flagged, 0 €) on
# a new SIP account or trunk, like +882; the customer who unblocks the high-risk group calls them
# at their tariff: SIP-UNL bills them per second, 61 s × 4.00 / 60 = 4.0667 € each. An emergency
# number is never blocked (112: free).
def test_trk6_satellite_networks_blocked_by_default():
    from tests.telephony.factories import make_trunk
    from tests.usage.core_helpers import account, assert_matches_reference, row, run_import
    from tests.usage.core_helpers import at as cdr_at

    new = account("sip-unl")
    unblocked = account("sip-unl")
    trunk = make_trunk(new.contract.client)
    with time_machine.travel(datetime(2026, 10, 1, 6, tzinfo=UTC), tick=False):
        destination_unblock(owner=unblocked, group=DestinationGroup.objects.get(code="high-risk"))
    run_import(
        [
            row(new, "+870773123456", start=cdr_at(3, 9), duration=61),
            row(new, "+881612345678", start=cdr_at(3, 10), duration=61),
            row(new, "112", start=cdr_at(3, 11), duration=61),
            row(trunk.username, "+870773123457", start=cdr_at(3, 12), duration=61),
            row(unblocked, "+870773123458", start=cdr_at(3, 13), duration=61),
            row(unblocked, "+881612345679", start=cdr_at(3, 14), duration=61),
        ]
    )
    outcome = {c.called: (c.blocked, c.cost) for c in CallRecord.objects.order_by("started_at")}
    assert outcome == {
        "+870773123456": (True, Decimal("0")),
        "+881612345678": (True, Decimal("0")),
        "112": (False, Decimal("0")),
        "+870773123457": (True, Decimal("0")),
        "+870773123458": (False, Decimal("4.0667")),
        "+881612345679": (False, Decimal("4.0667")),
    }
    assert_matches_reference()


# TRK-6: migration telephony 0015 brings a database seeded before to it — the high-risk group
# gets +870 and +881 and its new name; a group staff renamed keeps its name; a database without
# the group gets it, blocked by default. Run twice, it changes nothing more. Each change is in
# the groups' history: a call made before it keeps the group it had when re-rated.
def test_migration_0015_puts_satellites_in_the_high_risk_group():
    from importlib import import_module

    from django.apps import apps

    from tests.telephony.factories import seed_catalogue

    seed_catalogue()
    migration = import_module("telephony.migrations.0015_satellites_are_high_risk")
    DestinationGroup.objects.filter(code="high-risk").update(
        name="International à risque (fraude)", prefixes=["+882", "+883", "+252", "+239"]
    )
    for _run in range(2):
        migration.load(apps, None)
    group = DestinationGroup.objects.get(code="high-risk")
    assert group.name == "International à risque et satellites (fraude)"
    assert group.prefixes == ["+882", "+883", "+252", "+239", "+870", "+881"]
    assert group.blocked_by_default
    assert list(group.changes.values_list("prefixes_before", flat=True)) == [
        ["+882", "+883", "+252", "+239"]
    ]

    group.name = "Satellites et zones à risque"
    group.save()
    migration.load(apps, None)
    assert DestinationGroup.objects.get(code="high-risk").name == "Satellites et zones à risque"

    DestinationGroup.objects.filter(code="high-risk").delete()
    migration.load(apps, None)
    created = DestinationGroup.objects.get(code="high-risk")
    assert (created.prefixes, created.blocked_by_default) == (
        ["+870", "+881", "+882", "+883"],
        True,
    )
    assert list(created.changes.values_list("prefixes_before", flat=True)) == [[]]


# USE-2 (money choice, docs/rules.md): a premium-rate number abroad, once its group is unblocked
# (TRK-6), was priced at its world zone — the UK's +44 909 879 0000, 61 s × 0.30 / 60 =
# 0.3050 €, Belgium's 0900 the same, the international premium rate +979 at the "+9" zone,
# 61 s × 0.50 / 60 = 0.5083 € — a fraction of what such numbers cost (the grid had no premium
# row abroad). Now a premium-rate number with no row of its own (its country's premium row or a
# prefix of 4 digits or more) is priced at France's premium row, 0.80 €/min 60/60, minimum 60 s:
# 61 s → 120 s × 0.80 / 60 = 1.6000 € each. A country's own premium row wins: staff price
# Switzerland's 0900 at 2.00 €/min 1/1 → 61 s × 2.00 / 60 = 2.0333 €. Not premium: a Moroccan
# landline keeps its row, per second on SIP-UNL, 61 s × 0.15 / 60 = 0.1525 €.
def test_use2_premium_rate_abroad_priced_at_the_french_premium_row():
    from tests.usage.core_helpers import account, assert_matches_reference, row, run_import
    from tests.usage.core_helpers import at as cdr_at
    from usage.models import Tariff

    sip = account("sip-unl")
    with time_machine.travel(datetime(2026, 10, 1, 6, tzinfo=UTC), tick=False):
        destination_unblock(owner=sip, group=DestinationGroup.objects.get(code="premium-rate"))
    Tariff.objects.create(name="Suisse surtaxé", country="CH", line_type="special",
                          price_class="premium", rate_per_minute=Decimal("2.0000"),
                          valid_from=OCT)  # fmt: skip
    dialled = ["+449098790000", "+3290012345", "+979123456789", "+41900123456", "+212522123456"]
    run_import(
        [row(sip, number, start=cdr_at(3, 9 + i), duration=61) for i, number in enumerate(dialled)]
    )
    outcome = {c.called: (c.price_class, c.blocked, c.cost) for c in CallRecord.objects.all()}
    assert outcome == {
        "+449098790000": ("premium", False, Decimal("1.6000")),
        "+3290012345": ("premium", False, Decimal("1.6000")),
        "+979123456789": ("premium", False, Decimal("1.6000")),
        "+41900123456": ("premium", False, Decimal("2.0333")),
        "+212522123456": ("standard", False, Decimal("0.1525")),
    }
    assert_matches_reference()


# USE-2 / PLATFORM 24 (the tariffs in force, visible to the customer): the tariffs page says
# what a premium-rate number abroad costs, in the reader's language.
def test_use2_tariffs_page_says_premium_abroad_takes_the_french_row(as_role):
    from tests.usage.core_helpers import seed

    seed()
    web = as_role(Role.READ_ONLY)
    web.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    french = web.get(reverse("usage:tariffs")).content.decode()
    assert (
        "Un numéro surtaxé à l'étranger sans tarif propre ci-dessous est facturé au tarif "
        "des numéros surtaxés français." in french
    )
    web.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    english = web.get(reverse("usage:tariffs")).content.decode()
    assert "billed at the French premium-rate tariff." in english


# TRK-6 refuses calls *to* a blocked destination: a call the customer receives is none. A call
# received on the customer's own 0899 number (a special number it holds, the record's called
# number) was flagged "blocked" — the CSV's « Bloqué » 1, the API's "blocked": true — for a call
# carried and answered. Now: not blocked, 0 € (received calls cost nothing). The same account's
# outgoing 0899 call stays refused (blocked, 0 €), and a call it forwards to 0899 too (the
# forward leg dials it).
def test_trk6_received_calls_are_never_blocked():
    from tests.usage.core_helpers import account, assert_matches_reference, row, run_import
    from tests.usage.core_helpers import at as cdr_at

    sip = account("sip-unl")
    run_import(
        [
            row(sip, "0899123456", start=cdr_at(3, 9), duration=61, call_type="inbound"),
            row(sip, "0899123457", start=cdr_at(3, 11), duration=61),
            row(sip, "0899123458", start=cdr_at(3, 12), duration=61, call_type="forwarded"),
        ]
    )
    outcome = {c.called: (c.call_type, c.blocked, c.cost) for c in CallRecord.objects.all()}
    assert outcome == {
        "+33899123456": ("inbound", False, Decimal("0")),
        "+33899123457": ("outbound", True, Decimal("0")),
        "+33899123458": ("forwarded", True, Decimal("0")),
    }
    assert_matches_reference()
