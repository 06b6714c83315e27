"""USE-3 / USE-4: the plan policies' month-level rules — when a hosted user's unlimited is lost
for a month (a fair-use breach) — and which devices the reseller supplied (the SIP accounts'
device records and the equipment items with the customer).

The per-call rules (included, slots, per-second / per-minute billing) are in the rating engine
(``usage.services.rating`` in SQL, ``usage.services.rating_py`` in Python); this module turns a
user-month's metrics into breach reasons and records the ``FairUseBreach`` rows. A breach is
never removed by a later re-rating: it ends only by a staff waiver (usurf's ``breach_waive``).
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from equipment import selectors as equipment_selectors
from equipment.macs import mac_spellings, normalise_mac
from usage.choices import BreachReason, BreachStatus, RatingPlan
from usage.models import FairUseBreach
from usage.partitioning import month_bounds

MAX_DISTINCT_NUMBERS = 150  # USE-4 (HOSTED-W 6.1, HOSTED-A 7)
MAX_FORWARDED_SECONDS = 2 * 3600  # USE-4 (HOSTED-W 6.1): 2 h fair use of forwarding
MAX_SIMULTANEOUS = 3  # USE-4 (HOSTED-W 6.1)
MAX_DEVICES = 3  # USE-4 (HOSTED-W 6.1)


def supplied_devices(account_ids) -> set[tuple[int, str]]:
    """(sip_account_id, device_id) pairs the reseller supplied: the account's devices marked
    so, and the equipment items with its customer (shipped or delivered), by their MAC address
    (a device's id when it is one) in any of the ways a call record may write it."""
    from telephony.models import SipAccount, SipDevice

    account_ids = list(account_ids)
    pairs = set()
    for account_id, device_id in SipDevice.objects.filter(
        account_id__in=account_ids, supplied_by_reseller=True
    ).values_list("account_id", "device_id"):
        pairs.add((account_id, device_id))
        # a device known by its MAC address: ours in any usual spelling too (staff declare
        # "00:0B:82:AA:BB:CC", the carrier's records write "00:0b:82:aa:bb:cc" or bare)
        try:
            mac = normalise_mac(device_id)
        except ValidationError:
            continue
        pairs.update((account_id, written) for written in mac_spellings(mac))
    clients = dict(
        SipAccount.objects.filter(pk__in=account_ids).values_list("pk", "contract__client_id")
    )
    # USE-4: an item that was with the customer and has since come back (RMA, return, swap)
    # was still ours in its hands: the calls it placed then, rated after its return, keep the plan
    macs = equipment_selectors.supplied_macs(set(clients.values()))
    for account_id, client_id in clients.items():
        for mac in macs.get(client_id, ()):
            pairs.update((account_id, written) for written in mac_spellings(mac))
    return pairs


def breach_reasons(plan: str, m: dict) -> list[dict]:
    """USE-4: the reasons a hosted user's month loses the unlimited, from its metrics
    (``distinct``, ``forwarded_seconds``, ``simultaneous``, ``devices``, ``third_party``,
    ``mobility``, ``telecom_professional``)."""
    reasons = []

    def add(code, value, limit=None):
        reasons.append({"code": code, "value": value, "limit": limit})

    if m["distinct"] > MAX_DISTINCT_NUMBERS:
        add(BreachReason.DISTINCT_NUMBERS.value, m["distinct"], MAX_DISTINCT_NUMBERS)
    if plan == RatingPlan.HOSTED_W:
        if m["forwarded_seconds"] > MAX_FORWARDED_SECONDS:
            add(BreachReason.FORWARDING.value, m["forwarded_seconds"], MAX_FORWARDED_SECONDS)
        if m["simultaneous"] > MAX_SIMULTANEOUS:
            add(BreachReason.SIMULTANEOUS.value, m["simultaneous"], MAX_SIMULTANEOUS)
        if m["devices"] > MAX_DEVICES:
            add(BreachReason.DEVICES.value, m["devices"], MAX_DEVICES)
    if m["third_party"]:
        add(BreachReason.THIRD_PARTY_DEVICE.value, m["third_party"])
    if plan == RatingPlan.HOSTED_A and m["mobility"]:
        add(BreachReason.MOBILITY.value, True)
    if m["telecom_professional"]:
        add(BreachReason.TELECOM_PROFESSIONAL.value, True)
    return reasons


def registered_devices(account_ids, month: date) -> dict[int, int]:
    """USE-4 (HOSTED-W 6.1 "a enregistré plus de trois équipements ... en simultané"): the most
    devices registered **at once** on each account during ``month``. The telephony app keeps no
    registration log: a device counts as registered from its first registration (``created_at``)
    to the last one seen (``last_seen_at``; never seen yet: from its creation on), clipped to the
    month. A device last seen before another was registered was not there with it: a phone
    replaced in the month (an RMA's replacement) never makes one device too many."""
    from django.db.models import Q

    from telephony.models import SipDevice

    start, end = month_bounds(month)
    rows = (
        SipDevice.objects.filter(account_id__in=list(account_ids), created_at__lt=end)
        .filter(Q(last_seen_at__isnull=True) | Q(last_seen_at__gte=start))
        .values_list("account_id", "created_at", "last_seen_at")
    )
    edges: dict[int, list[tuple]] = {}
    for account_id, created, seen in rows:
        first = created if seen is None else min(created, seen)
        last = end if seen is None else min(max(created, seen), end)
        # At the same instant a registration comes before an end: both were there then.
        edges.setdefault(account_id, []).extend([(max(first, start), 0, 1), (last, 1, -1)])
    result = {}
    for account_id, points in edges.items():
        level = peak = 0
        for _when, _order, delta in sorted(points):
            level += delta
            peak = max(peak, level)
        result[account_id] = peak
    return result


def breaches_record(metrics: list[dict]) -> list[tuple[int, date]]:
    """Record the breaches the metrics show (one row per user-month, never twice) and return
    the (sip_account_id, month) of every OPEN breach among those user-months (new or older).
    ``metrics``: dicts with sip_account_id, month, client_id, plan and the metric values."""
    from usage import signals

    if not metrics:
        return []
    accounts = {m["sip_account_id"] for m in metrics}
    months = {m["month"] for m in metrics}
    by_month: dict[date, dict[int, int]] = {}
    for month in months:
        by_month[month] = registered_devices(
            [m["sip_account_id"] for m in metrics if m["month"] == month], month
        )
    existing = {
        (b.sip_account_id, b.month): b
        for b in FairUseBreach.objects.filter(sip_account_id__in=accounts, month__in=months)
    }
    now = timezone.now()
    created = []
    for m in metrics:
        key = (m["sip_account_id"], m["month"])
        if key in existing:
            continue
        m.setdefault("devices", by_month[m["month"]].get(m["sip_account_id"], 0))
        reasons = breach_reasons(m["plan"], m)
        if reasons:
            breach = FairUseBreach.objects.create(
                client_id=m["client_id"],
                sip_account_id=m["sip_account_id"],
                month=m["month"],
                plan=m["plan"],
                reasons=reasons,
                detected_at=now,
            )
            existing[key] = breach
            created.append(breach.pk)
    for pk in created:
        transaction.on_commit(
            lambda pk=pk: signals.breach_recorded.send(sender=FairUseBreach, breach_id=pk)
        )
    return [
        key
        for key, b in existing.items()
        if b.status == BreachStatus.OPEN and (key[0] in accounts and key[1] in months)
    ]


# The calls of the rating pass (``_rc``) and the calls it keeps as rated (``_old``: an appending
# pass, ``usage.services.rating``): the month's metrics count both.
CALLS = """(
    SELECT sip_account_id, month, client_id, plan, called, counts, duration, answered,
        call_type, device_id, started_at, trial FROM _rc
    UNION ALL
    SELECT sip_account_id, month, client_id, plan, called, counts, duration, answered,
        call_type, device_id, started_at, trial FROM _old)"""

METRICS_SQL = """
SELECT rc.sip_account_id, rc.month, rc.client_id, rc.plan,
    count(DISTINCT rc.called) FILTER (WHERE rc.counts) AS distinct_numbers,
    COALESCE(sum(rc.duration) FILTER (
        WHERE rc.answered AND rc.call_type = 'forwarded'), 0) AS forwarded_seconds,
    count(DISTINCT rc.device_id) FILTER (WHERE rc.device_id <> '' AND sup.device_id IS NULL)
        AS third_party,
    bool_or(sa.mobility) AS mobility, bool_or(cl.is_telecom_professional) AS telecom_pro
FROM {calls} rc
JOIN telephony_sipaccount sa ON sa.id = rc.sip_account_id
JOIN accounts_client cl ON cl.id = rc.client_id
LEFT JOIN _sup sup ON sup.sip_account_id = rc.sip_account_id AND sup.device_id = rc.device_id
WHERE rc.plan IN ('hosted_w', 'hosted_a') AND NOT rc.trial
GROUP BY 1, 2, 3, 4
"""

# USE-4 HOSTED-W "plus de trois appels simultanés", per user-month: the level of the user's
# answered calls in progress when each call of the month starts (a call ending at the second
# another starts does not overlap it). The calls of the month before still in progress at the
# month's start count with them (a call of 23:50 on the last day is still there at 00:05): those
# of the pass (``{calls}``), and the stored ones of a month the pass does not rate. The breach is
# the month of the call that goes over.
SIMULTANEOUS_SQL = """
WITH own AS (
    SELECT client_id, sip_account_id, month, started_at, duration FROM {calls} c
    WHERE plan = 'hosted_w' AND answered AND duration > 0 AND NOT trial
), um AS (
    SELECT DISTINCT client_id, sip_account_id, month, (month - interval '1 month')::date AS prev,
        (month::timestamp AT TIME ZONE 'Europe/Paris') AS starts,
        ((month - interval '1 month')::timestamp AT TIME ZONE 'Europe/Paris') AS prev_starts
    FROM own
), edge AS (
    SELECT um.sip_account_id, um.month, c.started_at, c.duration
    FROM um JOIN {calls} c ON c.sip_account_id = um.sip_account_id AND c.month = um.prev
    WHERE c.plan = 'hosted_w' AND c.answered AND c.duration > 0 AND NOT c.trial
        AND c.started_at + c.duration * interval '1 second' > um.starts
    UNION ALL
    SELECT um.sip_account_id, um.month, r.started_at, r.duration
    FROM um JOIN usage_callrecord r ON r.client_id = um.client_id
        AND r.started_at >= um.prev_starts AND r.started_at < um.starts
        AND r.sip_account_id = um.sip_account_id AND r.billing_month = um.prev
    WHERE r.plan = 'hosted_w' AND r.answered AND r.duration > 0 AND NOT r.trial
        AND r.started_at + r.duration * interval '1 second' > um.starts
        AND NOT EXISTS (SELECT FROM _rk k WHERE k.client_id = r.client_id AND k.month = um.prev)
)
SELECT sip_account_id, month, max(level) FILTER (WHERE counted) FROM (
    SELECT sip_account_id, month, counted, sum(delta) OVER (
        PARTITION BY sip_account_id, month ORDER BY t, delta ROWS UNBOUNDED PRECEDING) AS level
    FROM (
        SELECT sip_account_id, month, started_at AS t, 1 AS delta, true AS counted FROM own
        UNION ALL
        SELECT sip_account_id, month, started_at + duration * interval '1 second', -1, false
        FROM own
        UNION ALL
        SELECT sip_account_id, month, started_at, 1, false FROM edge
        UNION ALL
        SELECT sip_account_id, month, started_at + duration * interval '1 second', -1, false
        FROM edge
    ) e
) x GROUP BY 1, 2
"""


def breaches_record_sql(cursor, *, kept: bool = False) -> list[tuple[int, date]]:
    """The USE-4 metrics of the hosted user-months in the rating pass's ``_rc`` table (and
    ``_old``, the calls it keeps as rated, when ``kept``)."""
    calls = CALLS if kept else "_rc"
    cursor.execute(
        f"SELECT DISTINCT sip_account_id FROM {calls} c WHERE plan IN ('hosted_w', 'hosted_a')"
    )
    accounts = [row[0] for row in cursor.fetchall()]
    if not accounts:
        return []
    cursor.execute(
        "CREATE TEMP TABLE _sup (sip_account_id integer, device_id varchar(64)) ON COMMIT DROP"
    )
    pairs = supplied_devices(accounts)
    if pairs:
        with cursor.copy("COPY _sup (sip_account_id, device_id) FROM STDIN") as copy:
            for pair in pairs:
                copy.write_row(pair)
    cursor.execute(SIMULTANEOUS_SQL.replace("{calls}", calls))
    simultaneous = {(a, m): n for a, m, n in cursor.fetchall()}
    cursor.execute(METRICS_SQL.replace("{calls}", calls))
    metrics = [
        {
            "sip_account_id": a,
            "month": m,
            "client_id": c,
            "plan": plan,
            "distinct": distinct,
            "forwarded_seconds": int(fwd),
            "third_party": third,
            "mobility": bool(mobility),
            "telecom_professional": bool(pro),
            "simultaneous": simultaneous.get((a, m), 0),
        }
        for a, m, c, plan, distinct, fwd, third, mobility, pro in cursor.fetchall()
    ]
    cursor.execute("DROP TABLE _sup")
    return breaches_record(metrics)
