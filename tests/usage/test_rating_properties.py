"""Properties of the rating engine (USE-1..4, TRK-6, docs/rules.md §4), with calls drawn at random
by hypothesis and imported through the real CDR import on PostgreSQL:

1. the SQL engine and the Python reference (``usage.services.rating_py``) agree on every call,
   field by field, and on which user-months are in fair-use breach;
2. the same calls imported as one file, or split in several files imported in any order (by
   the SQL import, or by the ORM import and ``rating_py.rate`` of SQLite's ``make run``), end
   with the same cost, billed seconds, included flag, slot and breach on every call, and the
   same month totals (no invoice here: the ``late`` flag never differs);
3. re-importing a file changes nothing, nor does a month re-rated (whole, HOSTED-A's at
   invoicing, one user's at a waiver);
4. money invariants: cost = round(billed × rate / 60, 4); what is never billed (unanswered,
   inbound, blocked, emergency, on-net) costs 0; the consumption page's daily roll-up adds up to
   the calls, day by day (trial calls, CON-7, are rated and shown but left out of its cost).

Each example runs in a savepoint rolled back at its end; ``RATING_PROPERTY_EXAMPLES=400`` hunts
longer. The defects found are kept below as plain tests, amounts by hand.

Seeded grid (usage migration 0004): France fixed 0.0120 €/min 1/1, France mobile 0.0450 1/1,
shared cost (084) 0.0900 60/60 min 60, short numbers 0.1500 60/60 min 60, UK fixed 0.0200 1/1,
Morocco fixed 0.1500 60/60. Paris: UTC+2 until 25 October 2026 01:00 UTC, UTC+1 after; UTC+1
until 29 March 2026 01:00 UTC, UTC+2 after."""

import os
from collections import defaultdict
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import count
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from numbering.models import PhoneNumber
from telephony.models import SipDevice
from tests.telephony.factories import customer, make_trunk
from tests.usage.core_helpers import (
    account,
    assert_matches_reference,
    platform,
    price_change,
    row,
    run_import,
    seed,
)
from usage import increments
from usage.models import CallRecord, FairUseBreach, UsageDay
from usage.services import plans, rating, rating_py

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
OCT = date(2026, 10, 1)
NOV = date(2026, 11, 1)
ON_NET = "+33199990000"
# USE-1: ours from 12 October 08:30 UTC (inside an anchor hour), ported out on 20 October
ON_NET_PART = "+33199990001"
_ids = count(1)

# 15 in `make test`; `make test-deep` runs 400 (``RATING_PROPERTY_EXAMPLES``).
EXAMPLES = int(os.environ.get("RATING_PROPERTY_EXAMPLES", "15"))
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# Destinations: French fixed (a few, so that numbers repeat and the lowered 150 is reached),
# 09, mobiles, 08xx (toll free, shared cost, "prix d'un appel normal", premium — blocked by
# default), short, social value, emergency, international (included or not, high-risk blocked),
# on-net.
DESTINATIONS = [
    "0140000001",
    "0140000002",
    "0140000003",
    "+33240000004",
    "0912345678",
    "0612345678",
    "0756123456",
    "0800123456",
    "0840123456",
    "0806123456",
    "0899123456",
    "3949",
    "116000",
    "15",
    "112",
    "+442071234567",
    "+212522123456",
    "+212612345678",
    "+12124567890",
    "0262123456",
    "0033262123456",  # USE-1: overseas written with 0033 / +33, its territory's (+262, +596)
    "+33696123456",
    "+33596600000",  # on-net: ours as +596 596 60 00 00
    "+3225551234",
    "+88234567890",
    ON_NET,
    ON_NET_PART,
]
# Start anchors: the Paris months' first and last hours, the DST change days (2026-03-29 and
# 2026-10-25 at 01:00 UTC), a day inside the month.
ANCHORS = [
    utc(2026, 9, 30, 22, 0),  # 1 October 00:00 in Paris
    utc(2026, 10, 12, 8, 0),
    utc(2026, 10, 25, 0, 30),  # 02:30 CEST, then 02:30 CET an hour later
    utc(2026, 10, 31, 22, 0),  # 31 October 23:00 in Paris: October's last hour
    utc(2026, 10, 31, 23, 0),  # 1 November 00:00 in Paris
    utc(2026, 2, 28, 23, 0),  # 1 March 00:00 in Paris
    utc(2026, 3, 29, 0, 30),  # 01:30 CET, then 03:30 CEST an hour later
    utc(2026, 3, 31, 21, 0),  # 31 March 23:00 in Paris: March's last hour
]
DURATIONS = [0, 1, 5, 29, 30, 31, 59, 60, 61, 600, 3599, 3600, 3601, 4000, 5000]

call_st = st.fixed_dictionaries(
    {
        "called": st.sampled_from(DESTINATIONS),
        "anchor": st.sampled_from(ANCHORS),
        # minutes apart (overlaps, same-second ties) or anywhere in the hour
        "offset": st.one_of(st.integers(0, 6).map(lambda m: m * 600), st.integers(0, 3599)),
        "duration": st.one_of(st.sampled_from(DURATIONS), st.integers(0, 5000)),
        "answered": st.booleans().map(lambda b: b or None),  # 2/3 answered (None: yes)
        "call_type": st.sampled_from(["outbound", "outbound", "outbound", "inbound", "forwarded"]),
        "device": st.sampled_from(["", "", "", "dev-ours", "dev-other"]),
        "who": st.integers(0, 1),
    }
)
# one account, two users of one contract, or a plan beside calls of no plan (same customer)
OFFERS = [
    "sip-unl",
    "hosted-w",
    "hosted-a",
    "platform",
    "trunk",
    "sip-unl+user",
    "hosted-w+user",
    "hosted-a+user",
    "sip-unl+platform",
    "hosted-w+trunk",
    "hosted-a+platform",
    "platform*trial",
    "hosted-w*trial",
]


@pytest.fixture
def world(monkeypatch):
    """The grid, an on-net number, a number ours for eight days of October (USE-1 on the call's
    start), a price change of UK London numbers on 15 October (a prefix
    tariff of 5 digits: +4420 0.0200 → 0.0300 €/min) and the USE-4 150 distinct numbers lowered
    to 4 so that small call sets reach it."""
    seed()
    PhoneNumber.objects.create(
        e164=ON_NET, number_type="geographic", state="assigned", client=customer()
    )
    PhoneNumber.objects.create(
        e164=ON_NET_PART, number_type="geographic", state="ported_out",
        assigned_at=utc(2026, 10, 12, 8, 30), ported_out_on=date(2026, 10, 20),
    )  # fmt: skip
    PhoneNumber.objects.create(
        e164="+596596600000", number_type="geographic", state="assigned", client=customer()
    )
    price_change("+4420", "0.0200", "0.0300", date(2026, 10, 15))
    monkeypatch.setattr(plans, "MAX_DISTINCT_NUMBERS", 4)


@contextmanager
def python_engine(on: bool):
    """The import and the rating as on SQLite (``make run``): rows through the ORM, rated by
    ``rating_py.rate`` (its own appending rule, ``kept_calls``), on this PostgreSQL."""
    from unittest import mock

    from usage.services import imports

    if not on:
        yield
        return
    with (
        mock.patch.object(imports, "is_postgres", lambda _c: False),
        mock.patch.object(rating, "is_postgres", lambda _c: False),
    ):
        yield


@contextmanager
def rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def owner(offer):
    """A fresh customer with the accounts of ``offer``: the objects ``row`` names (a SIP
    account, a PLATFORM contract or a trunk's username)."""
    from telephony import services

    offer, trial, _ = offer.partition("*trial")
    first, _, second = offer.partition("+")
    # CON-7: a trial's contract is ordered, not in service (PLATFORM 6.2)
    if first == "platform":
        refs = [platform(ordered=bool(trial))]
    elif first == "trunk":
        refs = [make_trunk(customer()).username]
    else:
        refs = [account(first, ordered=bool(trial))]
    from accounts.models import Client

    client = Client.objects.get(pk=client_of(refs[0]))
    if second == "user":  # a second user of the same contract
        refs.append(services.sip_account_create(contract=refs[0].contract, label="Poste 2")[0])
    elif second == "platform":
        refs.append(platform(client))
    elif second == "trunk":
        refs.append(make_trunk(client).username)
    if trial:  # CON-7: on trial until 15 October (excluded)
        contract = refs[0].contract if hasattr(refs[0], "contract") else refs[0]
        contract.is_trial, contract.trial_ends_on = True, date(2026, 10, 15)
        contract.save(update_fields=["is_trial", "trial_ends_on"])
    for ref in refs:
        if hasattr(ref, "contract"):
            SipDevice.objects.create(account=ref, device_id="dev-ours", supplied_by_reseller=True)
    return refs


def client_of(ref) -> int:
    if isinstance(ref, str):
        from telephony.models import Trunk

        return Trunk.objects.get(username=ref).contract.client_id
    if hasattr(ref, "contract"):
        return ref.contract.client_id
    return ref.client_id


def rows_of(refs, specs, ids):
    return [
        row(
            refs[s["who"] % len(refs)],
            s["called"],
            start=s["anchor"] + timedelta(seconds=s["offset"]),
            duration=s["duration"] if s["answered"] else 0,
            answered=bool(s["answered"]),
            call_type=s["call_type"],
            device=s["device"],
            call_id=call_id,
        )
        for s, call_id in zip(specs, ids, strict=True)
    ]


OUTCOME = [field for field in rating_py.FIELDS if field != "rated"]


def outcome(client_id) -> dict:
    return {
        c.call_id: tuple(getattr(c, f) for f in OUTCOME)
        for c in CallRecord.objects.filter(client_id=client_id)
    }


def keys_of(client_id):
    return set(
        CallRecord.objects.filter(client_id=client_id).values_list("client_id", "billing_month")
    )


def check_reference(client_id) -> None:
    """Property 1: the SQL engine's calls equal the Python reference's, and the user-months in
    breach are those whose metrics (the reference's) break USE-4."""
    keys = keys_of(client_id)
    if not keys:
        return
    assert_matches_reference(keys)
    expected = set()
    for m in rating_py.metrics(rating_py.context(keys)):
        m["devices"] = plans.registered_devices([m["sip_account_id"]], m["month"]).get(
            m["sip_account_id"], 0
        )
        if plans.breach_reasons(m["plan"], m):
            expected.add((m["sip_account_id"], m["month"]))
    recorded = set(
        FairUseBreach.objects.filter(client_id=client_id).values_list("sip_account_id", "month")
    )
    assert recorded == expected


def check_money(client_id) -> None:
    """Property 4: per call, and the daily roll-up against the calls."""
    from usage.models import Tariff

    tariffs = {t.pk: t for t in Tariff.objects.all()}
    days = defaultdict(lambda: [0, 0, 0, Decimal(0)])
    slots, lists = {}, defaultdict(Decimal)
    for c in CallRecord.objects.filter(client_id=client_id):
        # USE-2: cost = billed × rate / 60, to 4 decimals half-up
        if c.tariff_id is not None:
            assert c.cost == increments.cost(c.billed_seconds, c.rate), c.called
        never = (
            not c.answered
            or c.duration == 0
            or c.call_type == "inbound"
            or c.blocked
            or c.on_net
            or c.line_type == "emergency"
        )
        if never:
            assert (c.cost, c.billed_seconds, c.slot) == (0, 0, None), c.called
        if c.price_class == "toll_free":
            assert c.cost == 0, c.called
        # billed at the tariff's increments: at least the minimum
        if c.billed_seconds and not c.included and c.plan in ("none", "hosted_a", "hosted_w"):
            assert c.billed_seconds >= tariffs[c.tariff_id].min_duration, c.called
        if c.included:
            assert c.plan != "none" and not never
        day = c.started_at.astimezone(PARIS).date()
        entry = days[(c.billing_month, day)]
        entry[0] += 1
        entry[1] += c.answered
        entry[2] += c.duration
        if not (c.trial or c.blocked):
            entry[3] += c.cost
        # the Paris month of the call
        assert c.billing_month == day.replace(day=1)
        # the fair-use counter of the page ("numéros distincts : 37 / 99"): the highest slot
        if c.slot:
            slots[(c.sip_account_id, c.billing_month)] = max(
                slots.get((c.sip_account_id, c.billing_month), 0), c.slot
            )
        lists[c.billing_month] += c.list_cost
    rolled = defaultdict(lambda: [0, 0, 0, Decimal(0)])
    rolled_slots, rolled_lists = {}, defaultdict(Decimal)
    for d in UsageDay.objects.filter(client_id=client_id):
        entry = rolled[(d.month, d.day)]
        entry[0] += d.calls
        entry[1] += d.answered
        entry[2] += d.seconds
        entry[3] += d.cost
        rolled_lists[d.month] += d.list_cost
        if d.max_slot:
            key = (d.sip_account_id, d.month)
            rolled_slots[key] = max(rolled_slots.get(key, 0), d.max_slot)
    assert dict(rolled) == dict(days)
    assert rolled_slots == slots
    assert dict(rolled_lists) == dict(lists)


def month_totals(client_id) -> dict:
    totals = defaultdict(Decimal)
    for c in CallRecord.objects.filter(client_id=client_id):
        totals[c.billing_month] += c.cost
    return dict(totals)


def breached_months(client_id) -> set:
    return set(FairUseBreach.objects.filter(client_id=client_id).values_list("month", flat=True))


@PROPERTY
@given(
    offer=st.sampled_from(OFFERS),
    specs=st.lists(call_st, min_size=1, max_size=40),
    data=st.data(),
)
def test_properties_one_file_or_split_in_any_order(world, offer, specs, data):
    # USE-1..4, TRK-6: properties 1 to 4 (see the module's docstring)
    with rolled_back():
        ids = [f"p{next(_ids)}" for _ in specs]
        one, split = owner(offer), owner(offer)
        one_id, split_id = client_of(one[0]), client_of(split[0])

        run_import(rows_of(one, specs, ids))
        check_reference(one_id)
        check_money(one_id)

        n_files = data.draw(st.integers(1, 4), label="files")
        file_of = data.draw(
            st.lists(st.integers(0, n_files - 1), min_size=len(specs), max_size=len(specs)),
            label="file of each call",
        )
        order = data.draw(st.permutations(range(n_files)), label="import order")
        files = []
        for f in order:
            chosen = [i for i in range(len(specs)) if file_of[i] == f]
            if chosen:
                files.append(rows_of(split, [specs[i] for i in chosen], [ids[i] for i in chosen]))
        engine = data.draw(st.sampled_from(["sql", "python"]), label="engine of the files")
        for rows in files:
            with python_engine(engine == "python"):
                run_import(rows)
            check_reference(split_id)
            check_money(split_id)

        # property 2: call by call, month by month
        assert outcome(split_id) == outcome(one_id)
        assert month_totals(split_id) == month_totals(one_id)
        assert breached_months(split_id) == breached_months(one_id)

        # property 3: any file again changes nothing
        before = outcome(split_id), month_totals(split_id)
        again = data.draw(st.sampled_from(files), label="file imported again")
        batch = run_import(again)
        assert (batch.imported, batch.duplicates) == (0, len(again))
        assert (outcome(split_id), month_totals(split_id)) == before
        check_money(split_id)

        # a month re-rated (whole, HOSTED-A's at invoicing, a user's at a waiver) finds the same
        rating.rate_keys(keys_of(split_id))
        assert (outcome(split_id), month_totals(split_id)) == before
        for month in {m for _c, m in keys_of(split_id)}:
            rating.rerate_month(month, plan="hosted_a", client_ids=[split_id])
            users = [ref.pk for ref in split if hasattr(ref, "contract")]
            rating.rerate_month(month, sip_account_ids=users[:1], client_ids=[split_id])
        assert (outcome(split_id), month_totals(split_id)) == before
        check_money(split_id)


SLOT_CALL = st.fixed_dictionaries(
    {
        # the 96th to 104th numbers of the base, or a number of its own
        "n": st.integers(95, 106),
        # before, among or after the base's calls (2 October 08:00–09:38 UTC)
        "at": st.sampled_from(
            [utc(2026, 9, 30, 22, 0), utc(2026, 10, 2, 8, 30), utc(2026, 10, 2, 9, 37)]
            + [utc(2026, 10, 31, 22, 59, 59), utc(2026, 10, 20, 12, 0)]
        ),
        "offset": st.integers(0, 120),
        "duration": st.sampled_from([0, 1, 59, 3600, 3601, 5000]),
        "answered": st.booleans(),
    }
)


@PROPERTY
@given(extra=st.lists(SLOT_CALL, min_size=1, max_size=12), data=st.data())
def test_properties_sip_unl_99_numbers_in_any_file_order(world, extra, data):
    # USE-3: the first 99 distinct eligible numbers of the Paris month, in call-start order,
    # whatever the order the files come in: a base of 98 numbers, one a minute from 2 October
    # 08:00 UTC, and calls around the 99th, imported as one file or split in any order.
    base = [
        {"n": i, "at": utc(2026, 10, 2, 8, 0), "offset": 60 * i, "duration": 60, "answered": True}
        for i in range(98)
    ]
    specs = base + extra
    with rolled_back():
        ids = [f"s{next(_ids)}" for _ in specs]
        one, split = account("sip-unl"), account("sip-unl")

        def rows(sip, chosen):
            return [
                row(
                    sip,
                    fixed(specs[i]["n"]),
                    start=specs[i]["at"] + timedelta(seconds=specs[i]["offset"]),
                    duration=specs[i]["duration"] if specs[i]["answered"] else 0,
                    answered=specs[i]["answered"],
                    call_id=ids[i],
                )
                for i in chosen
            ]

        run_import(rows(one, range(len(specs))))
        check_reference(one.contract.client_id)
        n_files = data.draw(st.integers(2, 4), label="files")
        file_of = [0] * len(base) + data.draw(
            st.lists(st.integers(0, n_files - 1), min_size=len(extra), max_size=len(extra)),
            label="file of each extra call",
        )
        order = data.draw(st.permutations(range(n_files)), label="import order")
        engine = data.draw(st.sampled_from(["sql", "python"]), label="engine of the files")
        for f in order:
            chosen = [i for i in range(len(specs)) if file_of[i] == f]
            if chosen:
                with python_engine(engine == "python"):
                    run_import(rows(split, chosen))
                check_reference(split.contract.client_id)
        check_money(split.contract.client_id)
        assert outcome(split.contract.client_id) == outcome(one.contract.client_id)
        slots = {c.slot for c in CallRecord.objects.filter(sip_account=one) if c.slot}
        assert slots == set(range(1, len(slots) + 1))


# --- counterexamples, kept as plain tests ----------------------------------------------------


def fixed(n: int) -> str:
    return f"+3314{n:07d}"


# USE-4 (HOSTED-W 6.1 "plus de trois appels simultanés"; rules: the calls still in progress at
# the month's start count with the month's own, the breach is the month of the call that goes
# over). Three calls from 31/10 22:50 UTC (23:50 in Paris) for 20 minutes and a fourth at 31/10
# 23:05 UTC (1 November 00:05 in Paris), 61 s, to a French fixed number: four at once, a
# November breach. Imported in one file, the fourth call is billed per minute: 120 s × 0.0120 /
# 60 = 0.0240. Imported as two files, November's first and October's the next day, the result
# must be the same (property 2).
@pytest.mark.parametrize("engine", ["sql", "python"])
def test_use4_simultaneous_at_the_month_edge_november_file_first(engine):
    sip = account("hosted-w")
    october = [row(sip, fixed(i), start=utc(2026, 10, 31, 22, 50), duration=1200) for i in range(3)]
    november = [row(sip, fixed(3), start=utc(2026, 10, 31, 23, 5), duration=61)]
    with python_engine(engine == "python"):
        run_import(november)
        run_import(october)
    assert list(FairUseBreach.objects.filter(sip_account=sip).values_list("month", flat=True)) == [
        NOV
    ]
    fourth = CallRecord.objects.get(called=fixed(3))
    assert (fourth.breach, fourth.billed_seconds, fourth.cost) == (True, 120, Decimal("0.0240"))
    # October's calls are not in breach: included, 0 €
    assert [c.cost for c in CallRecord.objects.filter(billing_month=OCT)] == [0, 0, 0]
    assert_matches_reference()


@pytest.fixture
def _no_pdf(settings, tmp_path):
    settings.BILLING_RENDER_PDF = False
    settings.MEDIA_ROOT = str(tmp_path / "media")


# USE-2 (rules: "a tariff created or changed after a call was rated does not re-price it …
# except the HOSTED-A calls, re-rated when their month is invoiced", HOSTED-A 6 "au tarif en
# vigueur au jour de la facturation"; a call of no plan "is never rated again"). A customer with
# a HOSTED-A user and a SIP trunk: on 5 October each places a 60 s call to a London number
# (UK fixed 0.0200 €/min): the trunk's at its tariff, 60 × 0.0200 / 60 = 0.0200; the HOSTED-A
# user's is forwarded (HOSTED-A: forwarded calls are billed at the tariff), 0.0200 too. A London
# price of 0.0500 €/min from 1 October is entered afterwards. October's run re-rates the
# HOSTED-A call at the price of its invoicing day, 60 × 0.0500 / 60 = 0.0500; the trunk's call
# keeps the 0.0200 it was rated at. Invoice: 0.02 (trunk) + 0.05 (HOSTED-A) = 0.07 € HT.
@pytest.mark.parametrize("engine", ["sql", "python"])
def test_use2_hosted_a_invoicing_rerate_leaves_the_customers_other_calls(_no_pdf, engine):
    from billing import services as billing
    from billing.models import Invoice
    from usage.models import Tariff

    sip = account("hosted-a")
    trunk = make_trunk(sip.contract.client)
    run_import(
        [
            row(trunk.username, "+442071234567", start=utc(2026, 10, 5, 9), duration=60),
            row(
                sip,
                "+442071234568",
                start=utc(2026, 10, 5, 10),
                duration=60,
                call_type="forwarded",
            ),
        ]
    )
    assert [c.cost for c in CallRecord.objects.order_by("started_at")] == [Decimal("0.0200")] * 2
    Tariff.objects.create(
        name="Londres", prefix="+4420", rate_per_minute=Decimal("0.0500"), valid_from=OCT
    )
    with python_engine(engine == "python"):
        billing.run_month_sync(month=OCT)
    trunk_call, hosted_call = CallRecord.objects.order_by("started_at")
    assert hosted_call.cost == Decimal("0.0500")
    assert trunk_call.cost == Decimal("0.0200")
    invoice = Invoice.objects.get(client=sip.contract.client, month=OCT, purpose="regular")
    usage = invoice.lines.filter(kind="consumption")
    assert sum(line.net_amount for line in usage) == Decimal("0.07")


# USE-4 (rules: "Waiving a breach re-rates the account's month whole"; a rated call's price does
# not move with a tariff entered since). Two users of one HOSTED-W contract: A calls a French
# fixed number from a device that is not ours (a breach: 61 s per minute, 120 s × 0.0120 / 60 =
# 0.0240); B calls a Moroccan mobile, 61 s at its 60/60 tariff: 120 s × 0.4500 / 60 = 0.9000.
# A price of 1.8000 €/min for Moroccan mobiles (+2126) from 1 October is entered afterwards.
# Staff waive A's breach: A's call becomes included (0); B's call keeps its 0.9000.
def test_use4_waiver_rerates_the_users_month_not_the_other_users(admin_user):
    from telephony import services
    from usage.models import Tariff
    from usage.services.billing import breach_waive

    user_a = account("hosted-w")
    user_b, _secret = services.sip_account_create(contract=user_a.contract, label="Poste B")
    run_import(
        [
            row(user_a, "0140000001", start=utc(2026, 10, 5, 9), duration=61, device="pc-soft"),
            row(user_b, "+212612345678", start=utc(2026, 10, 5, 10), duration=61),
        ]
    )
    call_a = CallRecord.objects.get(sip_account=user_a)
    call_b = CallRecord.objects.get(sip_account=user_b)
    assert (call_a.cost, call_b.cost) == (Decimal("0.0240"), Decimal("0.9000"))
    Tariff.objects.create(
        name="Maroc mobile", prefix="+2126", rate_per_minute=Decimal("1.8000"), valid_from=OCT
    )
    breach_waive(
        breach=FairUseBreach.objects.get(sip_account=user_a), note="geste", actor=admin_user
    )
    call_a.refresh_from_db()
    call_b.refresh_from_db()
    assert (call_a.included, call_a.cost) == (True, 0)
    assert call_b.cost == Decimal("0.9000")


# USE-4 (HOSTED-W 5.1, HOSTED-A 7: the unlimited needs the reseller's terminals; rules: "the
# address in any usual spelling"). Staff declared the user's desk phone as supplied by us,
# written 00:0B:82:AA:BB:CC; the carrier's records write its MAC address in lower case
# (docs/cdr-format.md's example: 00:0b:82:aa:bb:cc) or bare. It is our phone: no breach, the
# two 61 s calls to French fixed numbers are included, 0 € (a breach would bill them per
# minute: 2 × 120 s × 0.0120 / 60 = 0.0480).
@pytest.mark.parametrize("offer", ["hosted-w", "hosted-a"])
def test_use4_supplied_sip_device_in_another_spelling_is_ours(offer):
    from telephony import services

    sip = account(offer)
    services.sip_device_register(
        account=sip, device_id="00:0B:82:AA:BB:CC", supplied_by_reseller=True
    )
    run_import(
        [
            row(
                sip,
                "0140000001",
                start=utc(2026, 10, 5, 9),
                duration=61,
                device="00:0b:82:aa:bb:cc",
            ),
            row(sip, "0140000002", start=utc(2026, 10, 5, 10), duration=61, device="000b82aabbcc"),
        ]
    )
    assert not FairUseBreach.objects.filter(sip_account=sip).exists()
    assert [(c.included, c.cost) for c in CallRecord.objects.order_by("started_at")] == [
        (True, 0),
        (True, 0),
    ]
    assert_matches_reference()
