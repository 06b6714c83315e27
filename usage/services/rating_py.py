"""The rating rules in Python: the engine on SQLite (``make run``) and the reference the tests
hold the SQL engine (``usage.services.rating``) to. Same steps, same results, row by row."""

from collections import defaultdict
from datetime import timedelta

from django.db.models import Q

from kernel.clock import PARIS
from numbering.phone import REGIONS
from usage import increments
from usage.choices import LineType, PriceClass
from usage.models import CallRecord, ConsumptionAlert, IncludedDestination, Tariff
from usage.partitioning import month_bounds
from usage.services import plans, tariff_changes
from usage.services.classify import block_key

SIP_UNL_SLOTS = 99
SIP_UNL_SECONDS = 3600
FIELDS = [
    "rated",
    "plan",
    "tariff_id",
    "rate",
    "on_net",
    "blocked",
    "trial",
    "late",
    "slot",
    "billed_seconds",
    "included_seconds",
    "included",
    "breach",
    "list_cost",
    "cost",
]


def _last_day(month):
    nxt = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return nxt - timedelta(days=1)


def _spec(t: Tariff) -> int:
    if not t.prefix:
        return 50
    return 100 + len(t.prefix) if len(t.prefix.lstrip("+")) >= 4 else len(t.prefix)


# USE-2: France's premium row prices a premium-rate number abroad that has no row of its own
# (rating_sql's ``_tc``, specificity 40: under the (country, type) rows, over the world zones)
FRENCH_PREMIUM = ("FR", LineType.SPECIAL, PriceClass.PREMIUM)
PREMIUM_ABROAD_SPEC = 40


def _tariff_for(tariffs, block, country, line_type, price_class, day):
    best = None
    abroad_premium = price_class == PriceClass.PREMIUM and country != "FR"
    for t in tariffs:
        if t.prefix:
            if not block.startswith(t.prefix):
                continue
            spec = _spec(t)
        elif (t.country, t.line_type, t.price_class) == (country, line_type, price_class):
            spec = _spec(t)
        elif abroad_premium and (t.country, t.line_type, t.price_class) == FRENCH_PREMIUM:
            spec = PREMIUM_ABROAD_SPEC
        else:
            continue
        if t.valid_from > day or (t.valid_to is not None and t.valid_to <= day):
            continue
        key = (spec, t.valid_from)
        if best is None or key > best[0]:
            best = (key, t)
    return best[1] if best else None


def _included_by_terms(terms_ids):
    """terms → (country, line type) → the spans of days it was on the list (its own list,
    else its preset's): (from, until excluded), None for since always / still on it."""
    from offers.models import Terms

    rows = defaultdict(lambda: defaultdict(list))
    for d in IncludedDestination.objects.all():
        rows[d.terms_id][(d.country, d.line_type)].append((d.valid_from, d.valid_to))
    preset_ref = {t.preset: t.pk for t in Terms.objects.filter(is_preset=True)}
    result = {}
    for terms in Terms.objects.filter(pk__in=terms_ids):
        own = rows.get(terms.pk)
        result[terms.pk] = own if own else rows.get(preset_ref.get(terms.preset), {})
    return result


def _listed(spans, day, signed) -> bool:
    """USE-3/USE-4, CON-6: on the list on the call's ``day``, or on the contract's signature
    day (``signed``) for a call from that day on."""

    def on(d):
        return any((lo is None or lo <= d) and (hi is None or d < hi) for lo, hi in spans)

    return on(day) or (day >= signed and on(signed))


def _in_force(lo, hi, at) -> bool:
    """A version in force from ``lo`` until ``hi`` (None: unbounded) at the moment ``at``."""
    return (lo is None or lo <= at) and (hi is None or at < hi)


def _group_versions(premium_code: str) -> tuple[list[tuple], list[tuple]]:
    """TRK-6: every destination group's versions as (from, until, prefix, position, group id,
    blocked by default), one row per prefix: what each change replaced, in force until it, then
    the group now (``DestinationGroupChange``; None: unbounded); and the premium-rate group's
    versions as (from, until, position, group id, blocked by default)."""
    from telephony.models import DestinationGroup, DestinationGroupChange

    changes = defaultdict(list)
    for change in DestinationGroupChange.objects.order_by("at", "id"):
        changes[change.group_id].append(change)
    rows, premium = [], []
    for g in DestinationGroup.objects.all():
        lo = None
        versions = []
        for c in changes.get(g.pk, ()):
            versions.append(
                (lo, c.at, c.prefixes_before, c.position_before, c.blocked_by_default_before)
            )
            lo = c.at
        versions.append((lo, None, g.prefixes, g.position, g.blocked_by_default))
        for lo, hi, prefixes, position, default in versions:
            rows += [(lo, hi, prefix, position, g.pk, default) for prefix in prefixes]
            if g.code == premium_code:
                premium.append((lo, hi, position, g.pk, default))
    return rows, premium


def context(keys):
    """Every call of the keys with its rating context (the ``_rc`` rows of the SQL engine)."""
    from billing.models import Invoice
    from numbering.selectors import held_at, held_periods
    from offers.models import Contract
    from telephony.models import PREMIUM_RATE_GROUP, DestinationSetting, DestinationSettingChange

    cond = Q(pk__in=[])
    for client_id, month in keys:
        cond |= Q(client_id=client_id, billing_month=month)
    calls = list(CallRecord.objects.filter(cond).order_by("started_at", "id"))
    contracts = {
        c.pk: c
        for c in Contract.objects.filter(pk__in={c.contract_id for c in calls}).select_related(
            "offer"
        )
    }
    included = _included_by_terms({c.offer.terms_id for c in contracts.values()})
    on_net = held_periods({c.called for c in calls})
    groups, premium = _group_versions(PREMIUM_RATE_GROUP)
    settings, ids = {}, {}
    for s in DestinationSetting.objects.filter(
        Q(sip_account_id__in={c.sip_account_id for c in calls if c.sip_account_id})
        | Q(trunk_id__in={c.trunk_id for c in calls if c.trunk_id})
    ):
        owner = ("s", s.sip_account_id) if s.sip_account_id else ("t", s.trunk_id)
        settings[(owner, s.group_id)] = s.blocked
        ids[s.pk] = (owner, s.group_id)
    # TRK-6: each setting's changes, oldest first — a call takes the setting in force when it
    # started (what the first change after it replaced, else the setting now)
    history = defaultdict(list)
    for change in DestinationSettingChange.objects.filter(setting_id__in=ids).order_by("at", "id"):
        history[ids[change.setting_id]].append((change.at, change.blocked_before))
    tariffs = list(Tariff.objects.all())
    kept = tariff_changes.kept_days(contracts)  # CON-6: refusals keep the eve's tariffs
    # consumption alerts: the spans in which a customer's outgoing calls were blocked
    spans = defaultdict(list)
    for alert in ConsumptionAlert.objects.filter(
        client_id__in={c for c, _m in keys},
        month__in={m for _c, m in keys},
        level=100,
        blocked=True,
    ):
        spans[(alert.client_id, alert.month)].append((alert.blocked_at, alert.lifted_at))
    # BIL-1: a month whose consumption was posted (a run of it or of a later month, the SQL
    # engine's ``usage_consumptioncutoff``) takes its new calls as late records
    from usage.models import ConsumptionCutoff

    posted = ConsumptionCutoff.objects.order_by("-month").values_list("month", flat=True).first()
    invoiced = {(c, m) for c, m in keys if posted is not None and m <= posted}
    for client_id, month in keys:
        from accounts.models import Client

        client = Client.objects.filter(pk=client_id).first()
        buyers = Q(client_id=client_id)
        if client is not None and client.partner_id:
            buyers |= Q(partner_id=client.partner_id)
        if Invoice.objects.filter(
            buyers, month=month, status="issued", kind="invoice", purpose="regular"
        ).exists():
            invoiced.add((client_id, month))
    rows = []
    for call in calls:
        contract = contracts.get(call.contract_id)
        snapshot = contract.terms_snapshot if contract else {}
        policy = snapshot.get("fair_use_policy", "none")
        plan = (
            policy
            if call.sip_account_id and policy in ("sip_unl", "hosted_w", "hosted_a")
            else "none"
        )
        local_day = call.started_at.astimezone(PARIS).date()
        # CON-7: on trial, the days before its end date (excluded); once the trial is ended,
        # a call rated trial while it ran stays trial (never invoiced)
        if contract is None:
            trial = False
        elif contract.is_trial:
            trial = contract.trial_ends_on is not None and local_day < contract.trial_ends_on
        else:  # ended: its days (before the kept end date) and what was rated trial
            trial = call.trial or (
                contract.trial_ends_on is not None and local_day < contract.trial_ends_on
            )
        block = block_key(call.called)

        # TRK-6: the groups as they stood when the call started (their version then)
        matches = [
            (len(p), -pos, gid, default)
            for lo, hi, p, pos, gid, default in groups
            if _in_force(lo, hi, call.started_at) and block.startswith(p)
        ]
        group = max(matches, key=lambda m: (m[0], m[1])) if matches else None
        if call.price_class == PriceClass.PREMIUM:
            # TRK-6: a premium-rate number is in the premium-rate group wherever its prefix
            # falls (rating_sql's PREMIUM_SQL), in that group's version then
            group = next(
                ((0, -pos, gid, default) for lo, hi, pos, gid, default in premium
                 if _in_force(lo, hi, call.started_at)),
                group,
            )  # fmt: skip
        blocked = False
        # TRK-6: calls *to* a blocked group (a received call's called number is the customer's)
        if group is not None and call.line_type != "emergency" and call.call_type != "inbound":
            _length, _pos, group_id, default = group
            owner = ("s", call.sip_account_id) if call.sip_account_id else ("t", call.trunk_id)
            blocked = settings.get((owner, group_id), default)
            later = [b for t, b in history.get((owner, group_id), ()) if t > call.started_at]
            if later:  # None: no own setting then, the group's default in force then
                blocked = default if later[0] is None else later[0]
        if not blocked and call.line_type != "emergency" and call.call_type != "inbound":
            blocked = any(
                lo <= call.started_at and (hi is None or call.started_at < hi)
                for lo, hi in spans.get((call.client_id, call.billing_month), ())
            )
        day = _last_day(call.billing_month) if policy == "hosted_a" else local_day
        day = min(day, kept.get(call.contract_id, day))
        tariff = _tariff_for(tariffs, block, call.country, call.line_type, call.price_class, day)
        mapped = "fixed" if call.line_type == "polyvalent" else call.line_type
        listed = bool(contract) and _listed(
            included.get(contract.offer.terms_id, {}).get((call.country, mapped), ()),
            local_day,
            contract.signature_date,
        )
        net = held_at(on_net.get(call.called, ()), call.started_at)
        counts = (
            call.answered
            and call.duration > 0
            and call.call_type != "inbound"
            and not net
            and call.line_type != "emergency"
            and not blocked
        )
        rows.append(
            {
                "call": call,
                "plan": plan,
                "trial": trial,
                "on_net": net,
                "blocked": blocked,
                "tariff": tariff,
                "listed": listed,
                "counts": counts,
                "invoiced": (call.client_id, call.billing_month) in invoiced,
            }
        )
    return rows


def metrics(rows):
    """USE-4 metrics per hosted user-month (the SQL engine's METRICS_SQL/SIMULTANEOUS_SQL)."""
    from accounts.models import Client
    from telephony.models import SipAccount

    # CON-7: the trial's test calls open no breach (METRICS_SQL, SIMULTANEOUS_SQL)
    hosted = [r for r in rows if r["plan"] in ("hosted_w", "hosted_a") and not r["trial"]]
    if not hosted:
        return []
    accounts = {
        a.pk: a
        for a in SipAccount.objects.filter(pk__in={r["call"].sip_account_id for r in hosted})
    }
    pros = set(
        Client.objects.filter(
            pk__in={r["call"].client_id for r in hosted}, is_telecom_professional=True
        ).values_list("pk", flat=True)
    )
    supplied = plans.supplied_devices(accounts)
    groups = defaultdict(list)
    for r in hosted:
        groups[(r["call"].sip_account_id, r["call"].billing_month)].append(r)
    edge = _edge_calls(rows, groups)
    out = []
    for (account_id, month), items in groups.items():
        # the level of the user's calls in progress when each call of the month starts, the
        # calls of the month before still in progress at its start included (SIMULTANEOUS_SQL)
        events = [(c.started_at, 1, False) for c in edge.get((account_id, month), ())]
        events += [
            (c.started_at + timedelta(seconds=c.duration), -1, False)
            for c in edge.get((account_id, month), ())
        ]
        for r in items:
            c = r["call"]
            if r["plan"] == "hosted_w" and c.answered and c.duration > 0:
                events.append((c.started_at, 1, True))
                events.append((c.started_at + timedelta(seconds=c.duration), -1, False))
        level = peak = 0
        for _t, delta, counted in sorted(events, key=lambda e: (e[0], e[1])):
            level += delta
            if counted:
                peak = max(peak, level)
        first = items[0]["call"]
        out.append(
            {
                "sip_account_id": account_id,
                "month": month,
                "client_id": first.client_id,
                "plan": items[0]["plan"],
                "distinct": len({r["call"].called for r in items if r["counts"]}),
                "forwarded_seconds": sum(
                    r["call"].duration
                    for r in items
                    if r["call"].answered and r["call"].call_type == "forwarded"
                ),
                "third_party": len(
                    {
                        r["call"].device_id
                        for r in items
                        if r["call"].device_id and (account_id, r["call"].device_id) not in supplied
                    }
                ),
                "mobility": accounts[account_id].mobility,
                "telecom_professional": first.client_id in pros,
                "simultaneous": peak,
            }
        )
    return out


def _edge_calls(rows, groups) -> dict[tuple, list]:
    """USE-4 (SIMULTANEOUS_SQL's ``edge``): for each HOSTED-W user-month of ``groups``, the
    user's answered HOSTED-W calls of the month before still in progress at the month's start —
    those of the pass, and the stored ones of a month the pass does not rate."""
    wanted = {
        key: (items[0]["call"].client_id, _previous(key[1]))
        for key, items in groups.items()
        if items[0]["plan"] == "hosted_w"
    }
    if not wanted:
        return {}
    rated = {(r["call"].client_id, r["call"].billing_month) for r in rows}
    by_user = defaultdict(list)
    for r in rows:
        if r["plan"] == "hosted_w" and not r["trial"]:
            by_user[(r["call"].sip_account_id, r["call"].billing_month)].append(r["call"])
    stored = Q(pk__in=[])
    for (account_id, _month), (client_id, prev) in wanted.items():
        if (client_id, prev) not in rated:
            lo, hi = month_bounds(prev)
            stored |= Q(
                client_id=client_id,
                sip_account_id=account_id,
                billing_month=prev,
                started_at__gte=lo,
                started_at__lt=hi,
            )
    for c in CallRecord.objects.filter(stored, plan="hosted_w", trial=False):
        by_user[(c.sip_account_id, c.billing_month)].append(c)
    out = {}
    for (account_id, month), (_client_id, prev) in wanted.items():
        start = month_bounds(month)[0]
        out[(account_id, month)] = [
            c
            for c in by_user.get((account_id, prev), ())
            if c.answered
            and c.duration > 0
            and c.started_at < start
            and c.started_at + timedelta(seconds=c.duration) > start
        ]
    return out


def _previous(month):
    return (month - timedelta(days=1)).replace(day=1)


def _national_normal(call) -> bool:
    """USE-4: a fixed number of the national plan (01–05, mainland or overseas: 0262, 0590…),
    a French 09 number, or a 0806–0809 one — « tarification banalisée », a normal call to a
    fixed number, included in the national fixed unlimited (ARCEP 2012-0856: « inclus dans
    votre forfait »)."""
    return (call.country in REGIONS and call.line_type == "fixed") or (
        call.country == "FR" and (call.line_type == "polyvalent" or call.price_class == "uan")
    )


def outcome(rows, breached) -> dict[int, dict]:
    """The rated fields of each call (by id), from its context and the open breaches."""
    breached = set(breached)
    # slots: the distinct numbers of each user-month in order of their first call
    firsts = defaultdict(dict)
    for r in rows:
        c = r["call"]
        # USE-4 « nationaux mobiles (… en 06 et 07) »: mainland and overseas 06/07 mobiles
        hosted_incl = _national_normal(c) or (c.country in REGIONS and c.line_type == "mobile")
        hosted_incl = hosted_incl or r["listed"]
        r["hosted_incl"] = hosted_incl
        # CON-7: the trial's test calls take none of the month's numbers
        if r["plan"] == "sip_unl":
            r["cand"] = (
                r["counts"]
                and not r["trial"]
                and c.line_type in ("fixed", "polyvalent")
                and r["listed"]
            )
        else:
            r["cand"] = r["counts"] and not r["trial"] and r["plan"] in ("hosted_w", "hosted_a")
        if r["cand"]:
            key = (c.sip_account_id, c.billing_month)
            seen = firsts[key].get(c.called)
            if seen is None or c.started_at < seen:
                firsts[key][c.called] = c.started_at
    ranks = {}
    for key, numbers in firsts.items():
        ordered = sorted(numbers.items(), key=lambda item: (item[1], item[0]))
        for rank, (number, _first) in enumerate(ordered, start=1):
            ranks[(key, number)] = rank
    result = {}
    for r in rows:
        c, t = r["call"], r["tariff"]
        key = (c.sip_account_id, c.billing_month)
        slot = ranks.get((key, c.called)) if r["cand"] else None
        plan, d = r["plan"], c.duration
        if not r["counts"]:
            mode = "zero"
        elif plan == "sip_unl" and r["cand"] and slot <= SIP_UNL_SLOTS:
            mode = "incl60"
        elif (
            plan == "sip_unl"
            and r["trial"]
            and c.line_type in ("fixed", "polyvalent")
            and r["listed"]
        ):
            mode = "incl60"  # CON-7: a trial's test call, shown as the plan rates it
        elif plan == "sip_unl" and (r["cand"] or c.line_type in ("fixed", "polyvalent", "mobile")):
            mode = "sec"
        elif plan == "hosted_a" and key in breached and not _national_normal(c):
            # HOSTED-A 7: on a breach « les appels nationaux fixes » are billed per minute,
            # the others at their tariff's increments (HOSTED-W 6.1: every call per minute)
            mode = "btariff"
        elif plan in ("hosted_w", "hosted_a") and key in breached:
            mode = "min"
        elif plan == "hosted_w" and r["hosted_incl"]:
            mode = "incl"
        elif plan == "hosted_a" and r["hosted_incl"] and c.call_type == "outbound":
            mode = "incl"
        else:
            mode = "tariff"
        list_billed = (
            increments.billed_seconds(d, t.first_increment, t.next_increment, t.min_duration)
            if r["counts"] and t is not None
            else 0
        )
        billed = {
            "zero": 0,
            "incl": 0,
            "incl60": max(d - SIP_UNL_SECONDS, 0),
            "sec": d,
            "min": -(-d // 60) * 60,
        }.get(mode, list_billed)
        rate = t.rate_per_minute if t is not None else None
        result[c.pk] = {
            "rated": True,
            "plan": plan,
            "tariff_id": t.pk if t is not None else None,
            "rate": rate,
            "on_net": r["on_net"],
            "blocked": r["blocked"],
            "trial": r["trial"],
            "late": c.late or (not c.rated and r["invoiced"]),
            "slot": slot,
            "billed_seconds": billed,
            "included_seconds": {"incl60": min(d, SIP_UNL_SECONDS), "incl": d}.get(mode, 0),
            "included": mode in ("incl", "incl60"),
            "breach": mode in ("min", "btariff"),
            "list_cost": increments.cost(list_billed, rate or 0),
            "cost": increments.cost(billed, rate) if rate is not None else increments.cost(0, 0),
        }
    return result


def kept_calls(rows, breached) -> set[int]:
    """An import's pass (docs/rules.md: a call is rated once; ``usage.services.rating`` in SQL):
    the ids of the stored calls it leaves as rated — those of no plan, and those of a
    customer-month whose new (unrated) calls all start after them, unless an open breach now
    bills them per minute."""
    breached = set(breached)
    by_key = defaultdict(list)
    for r in rows:
        by_key[(r["call"].client_id, r["call"].billing_month)].append(r["call"])
    kept = set()
    for calls in by_key.values():
        new = [c for c in calls if not c.rated]
        stored = [c for c in calls if c.rated and c.plan != "none"]
        kept.update(c.pk for c in calls if c.rated and c.plan == "none")
        if not new or not stored:
            continue
        first = min(c.started_at for c in new)
        stale = any(
            c.plan in ("hosted_w", "hosted_a")
            and (c.sip_account_id, c.billing_month) in breached
            and not c.breach
            and c.answered
            and c.duration > 0
            and c.call_type != "inbound"
            and not c.on_net
            and c.line_type != "emergency"
            and not c.blocked
            for c in stored
        )
        if not stale and all(c.started_at < first for c in stored):
            kept.update(c.pk for c in stored)
    return kept


def rate(keys, *, appending: bool = False, plan=None, accounts=None) -> None:
    """Rate every call of the (client_id, month) ``keys``; ``appending`` (an import): leave the
    stored calls of ``kept_calls`` as they were rated. ``plan`` / ``accounts``: only the calls
    stored with that plan / of those SIP accounts (``rating.SCOPE_SQL``)."""
    rows = [
        r
        for r in context(keys)
        if (plan is None or r["call"].plan == plan)
        and (accounts is None or r["call"].sip_account_id in accounts)
    ]
    breached = plans.breaches_record(metrics(rows))
    kept = kept_calls(rows, breached) if appending else set()
    by_id = {r["call"].pk: r["call"] for r in rows}
    dirty = []
    for pk, values in outcome(rows, breached).items():
        if pk in kept:
            continue
        call = by_id[pk]
        if any(getattr(call, f) != v for f, v in values.items()):
            for f, v in values.items():
                setattr(call, f, v)
            dirty.append(call)
    CallRecord.objects.bulk_update(dirty, FIELDS, batch_size=1000)
