"""The rating engine (USE-1..4, TRK-6, CON-7, late records): set-based SQL over whole
account-months on PostgreSQL; the same rules in Python (``usage.services.rating_py``) on SQLite
(``make run``) and as the tests' reference.

A pass re-rates every call of the given (customer, Paris month) keys, because the plans count
in call-start order over the month (the 99 first distinct numbers, the 150 of USE-4): a record
arriving late can move the slots of the calls after it. Only rows whose outcome changes are
written. Steps (all in one transaction):

1. ``_bk``: the distinct number blocks of the calls (``classify.block_key``) with their
   destination group (TRK-6, longest prefix) and their tariff candidates (USE-2).
2. ``_rc``: one row per call with its context: plan policy (the contract's signed terms,
   ``fair_use_policy``), trial (CON-7), on-net (numbers app), blocked (the SIP account's or
   trunk's setting for the group, else the group's default; emergency numbers never), the
   tariff in force (HOSTED-A 6: on the invoicing day, the last day of the month), whether the
   destination is in the plan's included list.
3. USE-4 metrics per hosted user-month → ``FairUseBreach`` rows (``plans.breaches_record``).
4. Slots (the distinct eligible numbers ranked by their first call), then the mode of each
   call and its cost (``RATED_SQL``, integer arithmetic for the increments); the stored calls whose
   outcome changed go to ``_upd``, then one UPDATE of those alone.

The import (``usage.services.import_sql``) runs the same pass on its chunk's new calls
(``rate_staged``). A key whose new calls all start after its stored calls (daily files in
order: ``APPENDING_SQL``) leaves those as rated: they only lend their numbers' slots and their
USE-4 counts (``_old``). Otherwise its new calls are rated together with the calls of a plan
already stored for the same keys (a stored call of no plan depends on no other: ``SETTLED``,
left as rated) and INSERTed already rated, in the statement that fills ``_upd`` — no UPDATE
of every new row (each one would be a second copy of the row and of its index entries). The
same statement rewrites the daily roll-up (``usage.services.rollup``) of the days it adds
calls to or changes, from the calls it has rated. A pass holds its customers' advisory locks
(``keys_lock``) until its transaction ends.
"""

from datetime import date, timedelta

from django.db import connection, transaction

from usage import signals
from usage.models import CallRecord
from usage.partitioning import is_postgres, month_bounds
from usage.services import plans, rollup

SIP_UNL_SLOTS = 99  # USE-3
SIP_UNL_SECONDS = 3600  # USE-3: 60 minutes included per call
KEYS_PER_PASS = 2000  # (customer, month) keys rated per transaction


def rate_keys(keys, *, batch_id=None, plan=None, sip_account_ids=None) -> list[tuple[int, date]]:
    """Re-rate every call of the (client_id, month) ``keys``; returns the keys rated. Sends
    ``calls_rated`` after each pass commits. ``plan`` / ``sip_account_ids``: re-rate only the
    calls of that plan / those SIP accounts (``SCOPE_SQL``), the others left as rated."""
    keys = {(int(c), m) for c, m in keys if c is not None}
    if batch_id is not None and not is_postgres(connection):
        keys |= spill_keys(batch_id)  # USE-4: see ``SPILL_SQL``
    keys = sorted(keys)
    accounts = sorted(sip_account_ids) if sip_account_ids is not None else None
    scope = {"plan": plan, "accounts": accounts}
    scoped = plan is not None or sip_account_ids is not None
    for start in range(0, len(keys), KEYS_PER_PASS):
        chunk = keys[start : start + KEYS_PER_PASS]
        with transaction.atomic():
            if is_postgres(connection):
                _rate_sql(chunk, scope=scope if scoped else None)
                if scoped:  # the pass rewrote no roll-up: its calls are not the keys' all
                    rollup.rollup_refresh(chunk)
            else:
                from usage.services import rating_py

                rating_py.rate(chunk, appending=batch_id is not None, **scope)
                rollup.rollup_refresh(chunk)
            _announce(chunk, batch_id)
    return keys


# A re-rating limited to some calls of the keys (``rate_keys``' ``plan``, ``sip_account_ids``):
# the docs/rules.md choice — a rated call's price does not move with a tariff entered since —
# has two exceptions, the HOSTED-A calls at invoicing (HOSTED-A 6) and the SIP account whose
# breach is waived (USE-4); the customer's other calls of the month (a trunk's, PLATFORM's,
# another user's) keep their rating. Slots and fair use count per SIP account: a plan's or an
# account's calls are rated without the others.
SCOPE_SQL = """
    AND (%(scope_plan)s::text IS NULL OR r.plan = %(scope_plan)s::text)
    AND (%(scope_accounts)s::integer[] IS NULL OR r.sip_account_id = ANY(%(scope_accounts)s))"""


def rate_staged(keys, *, batch_id: int, ordered: bool = True) -> None:
    """Rate an import chunk's new calls (the temporary table ``_new`` of
    ``usage.services.import_sql``) together with the calls already stored for their
    (client_id, month) ``keys``, insert them rated and re-rate the stored ones that change.
    PostgreSQL, inside the chunk's transaction; ``calls_rated`` follows its commit.
    ``ordered``: insert them in the order of the customer/time index (a chunk whose calls do
    not come customer by customer)."""
    with connection.cursor() as cursor:
        cursor.execute(SPILL_SQL)
        keys = sorted({*((int(c), m) for c, m in keys), *cursor.fetchall()})
    _rate_sql(keys, batch_id=batch_id, ordered=ordered)
    _announce(keys, batch_id)


# USE-4 (HOSTED-W "plus de trois appels simultanés"): a call still in progress when the next
# Paris month starts counts with that month's calls, whose breach it may open. An import whose
# calls spill over into a month already stored (November's file first, October's the next day)
# rates that month too — its calls otherwise kept the rating made without them.
SPILL_SQL = """
SELECT DISTINCT n.client_id, (n.month + interval '1 month')::date
FROM _new n
WHERE n.sip_account_id IS NOT NULL AND n.answered AND n.duration > 0
    AND n.started_at + n.duration * interval '1 second'
        > ((n.month + interval '1 month')::timestamp AT TIME ZONE 'Europe/Paris')
    AND EXISTS (SELECT FROM usage_callrecord r
        WHERE r.client_id = n.client_id AND r.plan = 'hosted_w'
            AND r.billing_month = (n.month + interval '1 month')::date
            AND r.started_at >= ((n.month + interval '1 month')::timestamp
                AT TIME ZONE 'Europe/Paris')
            AND r.started_at < ((n.month + interval '2 month')::timestamp
                AT TIME ZONE 'Europe/Paris'))"""


def spill_keys(batch_id) -> set[tuple[int, date]]:
    """``SPILL_SQL`` through the ORM (SQLite): the next months into which an
    answered call of the import ``batch_id`` lasts, when they hold HOSTED-W calls."""
    found = set()
    for client_id, month, started_at, duration in CallRecord.objects.filter(
        batch_id=batch_id, sip_account_id__isnull=False, answered=True, duration__gt=0
    ).values_list("client_id", "billing_month", "started_at", "duration"):
        end = month_bounds(month)[1]
        if started_at + timedelta(seconds=duration) > end:
            nxt = end.date()
            lo, hi = month_bounds(nxt)
            if CallRecord.objects.filter(
                client_id=client_id,
                billing_month=nxt,
                plan="hosted_w",
                started_at__gte=lo,
                started_at__lt=hi,
            ).exists():
                found.add((client_id, nxt))
    return found


KEYS_LOCK = 15_0002  # pg_advisory_xact_lock(namespace, client id): whose months are being rated


def keys_lock(cursor, client_ids) -> None:
    """Hold the customers' rating lock until the transaction ends: two passes (an import's
    chunks side by side, a re-rating) never rate the same customer's month at once — each
    needs the other's calls. Taken in id order: two passes never wait for each other in a
    circle."""
    cursor.execute(
        "SELECT count(pg_advisory_xact_lock(%s, c)) FROM unnest(%s::integer[]) AS c",
        [KEYS_LOCK, sorted({int(c) for c in client_ids})],
    )


def _announce(keys, batch_id) -> None:
    transaction.on_commit(
        lambda: signals.calls_rated.send(sender=CallRecord, batch_id=batch_id, keys=keys)
    )


def rate_batch(batch_id: int) -> list[tuple[int, date]]:
    """Rate the months an import batch touched."""
    keys = (
        CallRecord.objects.filter(batch_id=batch_id)
        .values_list("client_id", "billing_month")
        .distinct()
    )
    return rate_keys(list(keys), batch_id=batch_id)


def rerate_month(month: date, *, client_ids=None, sip_account_ids=None, plan=None) -> int:
    """Re-rate whole months (after a breach is waived; HOSTED-A's at invoicing: the customers
    with calls of ``plan``). Returns the number of (customer, month) keys re-rated."""
    start, end = month_bounds(month)
    calls = CallRecord.objects.filter(
        billing_month=month, started_at__gte=start, started_at__lt=end
    )
    if client_ids is not None:
        calls = calls.filter(client_id__in=client_ids)
    if sip_account_ids is not None:
        calls = calls.filter(sip_account_id__in=sip_account_ids)
    if plan is not None:
        calls = calls.filter(plan=plan)
    keys = calls.values_list("client_id", "billing_month").distinct()
    return len(rate_keys(list(keys), plan=plan, sip_account_ids=sip_account_ids))


# --- PostgreSQL ----------------------------------------------------------------------------

BLOCK_SQL = """CASE WHEN r.called LIKE '+%%' AND length(r.called) > 8
    THEN left(r.called, length(r.called) - 4) ELSE r.called END"""

# The calls of a pass: those stored for the keys (``client_id = ANY`` lets the index on
# (client, started_at) find them without a join the planner could misjudge), with their current
# outcome (``was_*``) to write only what changes; an import adds its chunk's new calls (``_new``,
# ``line`` instead of ``id``).
STORED_CALLS = """
    SELECT r.id, NULL::integer AS line, NULL::text AS call_id, NULL::text AS account_ref,
        NULL::text AS caller, r.started_at, r.billing_month AS month, r.client_id,
        r.sip_account_id, r.trunk_id, r.contract_id, r.answered, r.duration, r.call_type,
        r.called, r.country, r.line_type, r.price_class, r.device_id, r.rated AS was_rated,
        r.late AS was_late,
        r.plan AS was_plan, r.tariff_id AS was_tariff_id, r.rate AS was_rate,
        r.on_net AS was_on_net, r.blocked AS was_blocked, r.trial AS was_trial,
        r.slot AS was_slot, r.billed_seconds AS was_billed, r.included_seconds AS was_incl,
        r.included AS was_included, r.breach AS was_breach, r.list_cost AS was_list_cost,
        r.cost AS was_cost
    FROM usage_callrecord r
    JOIN _rk k ON k.client_id = r.client_id AND k.month = r.billing_month AND NOT k.appending
    WHERE r.client_id = ANY(%(clients)s) AND r.started_at >= %(lo)s AND r.started_at < %(hi)s"""
# A rated call of no plan (PLATFORM, trunks) depends on no other call — no slot, no fair use:
# an import's pass leaves such stored calls as they are, with their rows of the roll-up, and
# rates its new calls alone (a month of daily files would otherwise re-rate each customer's
# month so far at each file). ``rate_keys`` (a breach waived) still re-rates every call.
SETTLED = "r.rated AND r.plan = 'none'"
STAGED_CALLS = (
    STORED_CALLS
    + f" AND NOT ({SETTLED})"
    + """
    UNION ALL
    SELECT NULL, n.line, n.call_id, n.account_ref, n.caller, n.started_at, n.month, n.client_id,
        n.sip_account_id, n.trunk_id, n.contract_id, n.answered, n.duration, n.call_type,
        n.called, n.country, n.line_type, n.price_class, n.device_id, false, false,
        NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
    FROM _new n"""
)

# Consumption alerts (docs/rules.md): an outgoing call placed while the customer's 100 % alert
# blocked its outgoing calls (from the alert to its lifting) is blocked, as a blocked
# destination is (TRK-6). Left out of a pass whose customers have no such alert (most passes).
BLOCKING_ALERTS_SQL = """SELECT EXISTS (SELECT FROM usage_consumptionalert
    WHERE client_id = ANY(%(clients)s) AND level = 100 AND blocked)"""
THRESHOLD_BLOCK_SQL = """(r.call_type <> 'inbound' AND EXISTS (
            SELECT 1 FROM usage_consumptionalert a
            WHERE a.client_id = r.client_id AND a.month = r.month AND a.level = 100
                AND a.blocked AND r.started_at >= a.blocked_at
                AND (a.lifted_at IS NULL OR r.started_at < a.lifted_at)))"""

STEPS = [
    """CREATE TEMP TABLE _rk (client_id integer, month date,
        appending boolean NOT NULL DEFAULT false) ON COMMIT DROP""",
    # 1. blocks, their destination group and tariff candidates
    f"""CREATE TEMP TABLE _bk ON COMMIT DROP AS
    SELECT DISTINCT {BLOCK_SQL} AS block, r.country, r.line_type, r.price_class
    FROM ({{calls}}) r""",
    """CREATE TEMP TABLE _grp ON COMMIT DROP AS
    SELECT g.id AS group_id, g.blocked_by_default, p.prefix, g.position
    FROM telephony_destinationgroup g, jsonb_array_elements_text(g.prefixes) AS p(prefix)""",
    """CREATE TEMP TABLE _bg ON COMMIT DROP AS
    SELECT DISTINCT ON (b.block) b.block, g.group_id, g.blocked_by_default
    FROM _bk b JOIN _grp g ON b.block LIKE g.prefix || '%%'
    ORDER BY b.block, length(g.prefix) DESC, g.position""",
    # USE-2: a prefix of 4+ digits (the "+" is not one: "3949" is a short number's 4) beats
    # the (country, type) row, which beats shorter prefixes (world zones, fall-backs).
    """CREATE TEMP TABLE _tc ON COMMIT DROP AS
    SELECT b.block, t.id AS tariff_id, t.valid_from, t.valid_to, t.rate_per_minute AS rate,
           t.first_increment AS f, t.next_increment AS n, t.min_duration AS m, 50 AS spec
    FROM _bk b JOIN usage_tariff t ON t.prefix = '' AND t.country = b.country
         AND t.line_type = b.line_type AND t.price_class = b.price_class
    UNION ALL
    SELECT b.block, t.id, t.valid_from, t.valid_to, t.rate_per_minute, t.first_increment,
           t.next_increment, t.min_duration,
           CASE WHEN length(ltrim(t.prefix, '+')) >= 4 THEN 100 + length(t.prefix)
                ELSE length(t.prefix) END
    FROM _bk b JOIN usage_tariff t ON t.prefix <> '' AND b.block LIKE t.prefix || '%%'""",
    """CREATE INDEX ON _tc (block, spec DESC, valid_from DESC)""",
    """ANALYZE _tc""",
    # Most blocks have one best tariff over the whole pass (no price change inside it): those
    # are joined directly; the others look the tariff up call by call (LATERAL).
    """CREATE TEMP TABLE _tsimple ON COMMIT DROP AS
    SELECT DISTINCT ON (block) block, tariff_id, rate, f, n, m FROM _tc
    WHERE block NOT IN (SELECT block FROM _tc WHERE valid_from > %(lo_day)s
                        OR (valid_to IS NOT NULL AND valid_to <= %(hi_day)s))
    ORDER BY block, spec DESC, valid_from DESC""",
    """CREATE UNIQUE INDEX ON _tsimple (block)""",
    # the included destinations of each terms (its own list, else its preset's)
    """CREATE TEMP TABLE _inc ON COMMIT DROP AS
    SELECT DISTINCT t.id AS terms_id, d.country, d.line_type
    FROM offers_terms t
    JOIN usage_includeddestination d ON d.terms_id = COALESCE(
        (SELECT x.terms_id FROM usage_includeddestination x WHERE x.terms_id = t.id LIMIT 1),
        (SELECT p.id FROM offers_terms p WHERE p.preset = t.preset AND p.is_preset LIMIT 1))""",
    # the contracts of the pass, their plan policy read once from the signed terms
    """CREATE TEMP TABLE _ctr ON COMMIT DROP AS
    SELECT c.id AS contract_id, o.terms_id, c.is_trial, c.trial_ends_on,
        COALESCE(c.terms_snapshot->>'fair_use_policy', 'none') AS policy
    FROM offers_contract c JOIN offers_offer o ON o.id = c.offer_id
    WHERE c.client_id IN (SELECT client_id FROM _rk)""",
    """CREATE UNIQUE INDEX ON _ctr (contract_id)""",
    """CREATE TEMP TABLE _onnet ON COMMIT DROP AS
    SELECT DISTINCT e164 AS called FROM numbering_phonenumber WHERE state = 'assigned'""",
    # 2. one row per call with its context
    f"""CREATE TEMP TABLE _rc ON COMMIT DROP AS
    SELECT c.*,
        ((c.country = 'FR' AND c.line_type IN ('fixed', 'polyvalent', 'mobile'))
         OR c.listed) AS hosted_incl,
        -- a candidate for a slot: the calls that take one of the month's distinct numbers
        CASE c.plan
            WHEN 'sip_unl' THEN c.counts AND c.line_type IN ('fixed', 'polyvalent') AND c.listed
            WHEN 'hosted_w' THEN c.counts
            WHEN 'hosted_a' THEN c.counts
            ELSE false END AS cand
    FROM (
    SELECT q.*,
        (q.answered AND q.duration > 0 AND q.call_type <> 'inbound' AND NOT q.on_net
         AND q.line_type <> 'emergency' AND NOT q.blocked) AS counts
    FROM (
    SELECT r.id, r.line, r.call_id, r.account_ref, r.caller, r.started_at, r.month,
        r.client_id, r.contract_id, r.sip_account_id, r.answered, r.duration, r.call_type,
        r.called, r.country, r.line_type, r.price_class, r.device_id,
        r.was_rated, r.was_late, r.trunk_id, r.was_plan, r.was_tariff_id, r.was_rate,
        r.was_on_net, r.was_blocked, r.was_trial, r.was_slot, r.was_billed, r.was_incl,
        r.was_included, r.was_breach, r.was_list_cost, r.was_cost,
        CASE WHEN r.sip_account_id IS NOT NULL AND c.policy IN ('sip_unl', 'hosted_w', 'hosted_a')
             THEN c.policy ELSE 'none' END AS plan,
        -- CON-7: on trial, the days (Paris) before its end date (excluded); once the trial
        -- is ended, a call rated trial while it ran stays trial (never invoiced)
        CASE WHEN c.is_trial THEN COALESCE(r.local_day < c.trial_ends_on, false)
             ELSE c.contract_id IS NOT NULL AND COALESCE(r.was_trial, false) END AS trial,
        (o.called IS NOT NULL) AS on_net,
        (r.line_type <> 'emergency' AND (COALESCE(
            CASE WHEN r.sip_account_id IS NOT NULL THEN ss.blocked ELSE ts.blocked END,
            bg.blocked_by_default, false) OR {THRESHOLD_BLOCK_SQL})) AS blocked,
        (inc.terms_id IS NOT NULL) AS listed,
        COALESCE(tsm.tariff_id, t.tariff_id) AS tariff_id, COALESCE(tsm.rate, t.rate) AS rate,
        COALESCE(tsm.f, t.f) AS f, COALESCE(tsm.n, t.n) AS n, COALESCE(tsm.m, t.m) AS m
    FROM (
        SELECT r.*, (r.started_at AT TIME ZONE 'Europe/Paris')::date AS local_day,
            {BLOCK_SQL} AS block
        FROM ({{calls}}) r
    ) r
    LEFT JOIN _ctr c ON c.contract_id = r.contract_id
    LEFT JOIN _onnet o ON o.called = r.called
    LEFT JOIN _bg bg ON bg.block = r.block
    LEFT JOIN telephony_destinationsetting ss
        ON ss.sip_account_id = r.sip_account_id AND ss.group_id = bg.group_id
    LEFT JOIN telephony_destinationsetting ts
        ON ts.trunk_id = r.trunk_id AND ts.group_id = bg.group_id
    LEFT JOIN _inc inc ON inc.terms_id = c.terms_id AND inc.country = r.country
        AND inc.line_type = CASE WHEN r.line_type = 'polyvalent' THEN 'fixed' ELSE r.line_type END
    LEFT JOIN _tsimple tsm ON tsm.block = r.block
    LEFT JOIN LATERAL (
        SELECT tc.tariff_id, tc.rate, tc.f, tc.n, tc.m FROM _tc tc
        WHERE tsm.block IS NULL AND tc.block = r.block
          AND tc.valid_from <= (CASE WHEN c.policy = 'hosted_a'
                THEN (r.month + interval '1 month' - interval '1 day')::date
                ELSE r.local_day END)
          AND (tc.valid_to IS NULL OR tc.valid_to > (CASE WHEN c.policy = 'hosted_a'
                THEN (r.month + interval '1 month' - interval '1 day')::date
                ELSE r.local_day END))
        ORDER BY tc.spec DESC, tc.valid_from DESC LIMIT 1
    ) t ON true
    OFFSET 0 -- a fence: each call's context once (the outer levels read "blocked" five times)
    ) q
    ) c""",
    """CREATE TEMP TABLE _br (sip_account_id integer, month date) ON COMMIT DROP""",
    """CREATE TEMP TABLE _upd ON COMMIT DROP AS
    SELECT id, started_at, plan, tariff_id, rate, on_net, blocked, trial, late, slot,
        billed_seconds, included_seconds, included, breach, list_cost, cost
    FROM usage_callrecord WITH NO DATA""",
]

# The numbers of the calls an appending pass keeps as rated (left out of a pass that keeps none).
KEPT_NUMBERS = """
        UNION ALL
        SELECT sip_account_id, month, called, started_at FROM _old WHERE slot IS NOT NULL"""
# Slots, modes and costs of every call of ``_rc`` (the CTE ``out``), for the statements below.
RATED_SQL = f"""
WITH nums AS (
    -- the month's distinct eligible numbers of each account, ranked by their first call (an
    -- appending key's kept calls hold a slot: their numbers come first)
    SELECT sip_account_id, month, called, row_number() OVER (
        PARTITION BY sip_account_id, month ORDER BY min(started_at), called) AS slot
    FROM (
        SELECT sip_account_id, month, called, started_at FROM _rc WHERE cand{KEPT_NUMBERS}
    ) c GROUP BY 1, 2, 3
), slots AS (
    SELECT rc.*, (br.sip_account_id IS NOT NULL) AS in_breach, nums.slot
    FROM _rc rc
    LEFT JOIN _br br ON br.sip_account_id = rc.sip_account_id AND br.month = rc.month
    LEFT JOIN nums ON rc.cand AND nums.sip_account_id = rc.sip_account_id
        AND nums.month = rc.month AND nums.called = rc.called
), modes AS (
    SELECT slots.*,
        CASE
            WHEN NOT counts THEN 'zero'
            WHEN plan = 'sip_unl' AND cand AND slot <= {SIP_UNL_SLOTS} THEN 'incl60'
            WHEN plan = 'sip_unl' AND (cand OR line_type IN ('fixed', 'polyvalent', 'mobile'))
                THEN 'sec'
            WHEN plan IN ('hosted_w', 'hosted_a') AND in_breach THEN 'min'
            WHEN plan = 'hosted_w' AND hosted_incl THEN 'incl'
            WHEN plan = 'hosted_a' AND hosted_incl AND call_type = 'outbound' THEN 'incl'
            ELSE 'tariff' END AS mode,
        CASE WHEN counts AND tariff_id IS NOT NULL THEN
            CASE WHEN duration <= f THEN greatest(f, m)
                 ELSE greatest(f + (duration - f + n - 1) / n * n, m) END
            ELSE 0 END AS list_billed
    FROM slots
), f AS (
    SELECT modes.*,
        CASE mode WHEN 'zero' THEN 0 WHEN 'incl' THEN 0
            WHEN 'incl60' THEN greatest(duration - {SIP_UNL_SECONDS}, 0)
            WHEN 'sec' THEN duration
            WHEN 'min' THEN (duration + 59) / 60 * 60
            ELSE list_billed END AS billed,
        CASE mode WHEN 'incl60' THEN least(duration, {SIP_UNL_SECONDS})
            WHEN 'incl' THEN duration ELSE 0 END AS incl_seconds
    FROM modes
), out AS (
    SELECT f.id, f.line, f.call_id, f.account_ref, f.caller, f.started_at, f.month, f.client_id,
        f.contract_id, f.sip_account_id, f.trunk_id, f.answered, f.duration, f.call_type,
        f.called, f.country, f.line_type, f.price_class, f.device_id, f.plan, f.tariff_id,
        f.rate, f.on_net, f.blocked, f.trial, f.slot, f.billed, f.incl_seconds,
        f.mode IN ('incl', 'incl60') AS included,
        f.mode = 'min' AS breach,
        round(f.list_billed * COALESCE(f.rate, 0) / 60, 4) AS list_cost,
        CASE WHEN f.tariff_id IS NULL THEN 0
             ELSE round(f.billed * f.rate / 60, 4) END AS cost,
        (f.was_late OR (NOT f.was_rated AND inv.client_id IS NOT NULL)) AS late,
        f.was_rated, f.was_plan, f.was_tariff_id, f.was_rate, f.was_on_net, f.was_blocked,
        f.was_trial, f.was_late, f.was_slot, f.was_billed, f.was_incl, f.was_included,
        f.was_breach, f.was_list_cost, f.was_cost
    FROM f LEFT JOIN (
        SELECT DISTINCT k.client_id, k.month FROM _rk k
        JOIN accounts_client cl ON cl.id = k.client_id
        JOIN billing_invoice i ON i.month = k.month AND i.status = 'issued'
            AND i.kind = 'invoice' AND i.purpose = 'regular'
            AND (i.client_id = k.client_id OR i.partner_id = cl.partner_id)
    ) inv ON inv.client_id = f.client_id AND inv.month = f.month
)"""

# An import's new calls (from ``_new``), inserted already rated: a data-modifying CTE of the
# statement that fills ``_upd``. Imported at the statement's time, not the transaction's: the
# annex (``selectors.annex_calls``) compares it with the invoices' creation.
INSERT_SQL = """, ins AS (
    INSERT INTO usage_callrecord (
        call_id, started_at, account_ref, answered, duration, caller, called, call_type,
        device_id, client_id, contract_id, sip_account_id, trunk_id, country, line_type,
        price_class, batch_id, billing_month, plan, tariff_id, rate, slot, billed_seconds,
        included_seconds, list_cost, cost, included, on_net, blocked, trial, late, breach, rated,
        imported_at)
    SELECT o.call_id, o.started_at, o.account_ref, o.answered, o.duration, o.caller, o.called,
        o.call_type, o.device_id, o.client_id, o.contract_id, o.sip_account_id, o.trunk_id,
        o.country, o.line_type, o.price_class, %(batch)s, o.month, o.plan, o.tariff_id, o.rate,
        o.slot, o.billed, o.incl_seconds, o.list_cost, o.cost, o.included, o.on_net, o.blocked,
        o.trial, o.late, o.breach, true, statement_timestamp()
    FROM out o WHERE o.line IS NOT NULL
    {order}
)"""
# In the order of the customer/time index: calls in call order (the customers mixed) are
# otherwise each inserted at another place of it, twice the cost of the INSERT (bench/rating.py
# --order time); calls coming customer by customer need no sort.
ORDER_SQL = "ORDER BY o.client_id, o.started_at"

# The consumption page's daily roll-up (``usage.services.rollup``) of the pass's keys, from the
# same rated calls: a data-modifying CTE too (the keys' old rows are deleted before).
ROLLUP_DELETE = """
DELETE FROM usage_usageday d USING _rk k WHERE d.client_id = k.client_id AND d.month = k.month
"""
# An import's pass keeps the rows of the calls it leaves as they are (``SETTLED``); the rows of
# its new calls of no plan are added beside them (the roll-up's readers add its rows up).
ROLLUP_DELETE_STAGED = ROLLUP_DELETE.rstrip() + " AND d.plan <> 'none' AND NOT k.appending\n"
ROLLUP_SQL = f", days AS ({rollup.insert_sql('out', 'month')})"
# An import pass whose keys have no stored call (their first records: a month's file, each
# customer in one chunk): its calls are all new, so ``out`` is read once, by the INSERT, which
# returns what the roll-up needs — no copy of the pass's rated rows, whole, to read three times.
ROLLUP_COLUMNS = (
    "client_id, billing_month, started_at, sip_account_id, trunk_id, plan, country, line_type, "
    "price_class, trial, answered, duration, cost, blocked, list_cost, slot"
)
NEW_ONLY_SQL = (
    RATED_SQL
    + INSERT_SQL.removesuffix("\n)")
    + f"\n    RETURNING {ROLLUP_COLUMNS}\n)"
    + rollup.insert_sql("ins", "billing_month")
)

# A stored call whose outcome changed.
CHANGED = """(NOT o.was_rated OR ROW(o.was_plan, o.was_tariff_id, o.was_rate,
        o.was_on_net, o.was_blocked, o.was_trial, o.was_late, o.was_slot, o.was_billed,
        o.was_incl, o.was_included, o.was_breach, o.was_list_cost, o.was_cost)
    IS DISTINCT FROM ROW(o.plan, o.tariff_id, o.rate, o.on_net, o.blocked, o.trial, o.late,
        o.slot, o.billed, o.incl_seconds, o.included, o.breach, o.list_cost, o.cost))"""
CHANGED_SQL = f"""
INSERT INTO _upd (id, started_at, plan, tariff_id, rate, on_net, blocked, trial, late, slot,
    billed_seconds, included_seconds, included, breach, list_cost, cost)
SELECT o.id, o.started_at, o.plan, o.tariff_id, o.rate, o.on_net, o.blocked, o.trial, o.late,
    o.slot, o.billed, o.incl_seconds, o.included, o.breach, o.list_cost, o.cost
FROM out o
WHERE o.id IS NOT NULL AND {CHANGED}
"""
# An import's pass with stored calls rewrites the roll-up of the days it changes alone: the
# days of its new calls and of the stored calls whose outcome changed (a daily file: its own
# days, not the month so far). The rows of the calls of no plan it leaves are kept
# (``SETTLED``); the DELETE does not see the rows the INSERT adds (one snapshot).
ROLLUP_TOUCHED_SQL = f""", touched AS (
    SELECT DISTINCT o.client_id, o.month, (o.started_at AT TIME ZONE 'Europe/Paris')::date AS day
    FROM out o JOIN _rk k ON k.client_id = o.client_id AND k.month = o.month
    WHERE CASE WHEN o.id IS NULL THEN NOT k.appending ELSE {CHANGED} END
), gone AS (
    DELETE FROM usage_usageday d USING touched t
    WHERE d.client_id = t.client_id AND d.month = t.month AND d.day = t.day AND d.plan <> 'none'
), days AS ({
    rollup.insert_sql(
        "out",
        "month",
        "WHERE (client_id, month, (started_at AT TIME ZONE 'Europe/Paris')::date) IN "
        "(SELECT client_id, month, day FROM touched) OR (id IS NULL AND (client_id, month) IN "
        "(SELECT client_id, month FROM _rk WHERE appending))",
    )
})"""

UPDATE_SQL = """
UPDATE usage_callrecord r SET
    rated = true, plan = u.plan, tariff_id = u.tariff_id, rate = u.rate, on_net = u.on_net,
    blocked = u.blocked, trial = u.trial, late = u.late, slot = u.slot,
    billed_seconds = u.billed_seconds, included_seconds = u.included_seconds,
    included = u.included, breach = u.breach, list_cost = u.list_cost, cost = u.cost
FROM _upd u
WHERE r.id = u.id AND r.started_at = u.started_at
  AND r.started_at >= %(lo)s AND r.started_at < %(hi)s
"""

TEMP_TABLES = "_rk, _old, _bk, _grp, _bg, _tc, _tsimple, _inc, _ctr, _onnet, _rc, _br, _upd"
# An import's pass: a key whose new calls all start after its stored calls of a plan (daily or
# hourly files, in order) leaves those as rated — the slots and fair use count in call-start
# order, so new calls after them cannot move them — unless this pass opens a fair-use breach on
# them (``STALE_SQL``: the pass is then redone with that key in full). Their calls come as
# ``_old`` (no context, no rating): their numbers keep their slots ahead of the new ones
# (``nums``), they count in the USE-4 metrics, and the new calls' roll-up rows are added beside
# theirs. Otherwise (a late record, an unrated call) the key's month is rated in full.
OLD_SQL = f"""
CREATE TEMP TABLE _old ON COMMIT DROP AS
SELECT r.client_id, r.billing_month AS month, r.sip_account_id, r.plan, r.called, r.started_at,
    r.duration, r.answered, r.call_type, r.device_id, r.slot, r.breach, r.rated,
    (r.answered AND r.duration > 0 AND r.call_type <> 'inbound' AND NOT r.on_net
     AND r.line_type <> 'emergency' AND NOT r.blocked) AS counts
FROM usage_callrecord r
JOIN _rk k ON k.client_id = r.client_id AND k.month = r.billing_month AND k.appending
WHERE r.client_id = ANY(%(clients)s) AND r.started_at >= %(lo)s AND r.started_at < %(hi)s
    AND NOT ({SETTLED})"""
APPENDING_SQL = [
    "UPDATE _rk SET appending = true WHERE NOT (client_id = ANY(%(full)s))",
    OLD_SQL,
    """UPDATE _rk k SET appending = false FROM (
        SELECT o.client_id, o.month FROM _old o
        JOIN (SELECT client_id, month, min(started_at) AS first FROM _new GROUP BY 1, 2) f
            ON f.client_id = o.client_id AND f.month = o.month
        WHERE o.started_at >= f.first OR NOT o.rated
        GROUP BY 1, 2
    ) d WHERE k.client_id = d.client_id AND k.month = d.month""",
    """DELETE FROM _old o USING _rk k
    WHERE k.client_id = o.client_id AND k.month = o.month AND NOT k.appending""",
]
EMPTY_OLD_SQL = OLD_SQL + " LIMIT 0"
# kept calls that an open breach of this pass bills per minute: their keys are rated in full
STALE_SQL = """
SELECT DISTINCT o.client_id FROM _old o
JOIN _br b ON b.sip_account_id = o.sip_account_id AND b.month = o.month
WHERE o.plan IN ('hosted_w', 'hosted_a') AND o.counts AND NOT o.breach
"""

# For the pass's transaction (SET LOCAL): its sorts and hashes in memory; no JIT, whose
# compilation costs more than it saves on these statements.
PASS_SETTINGS = ["SET LOCAL work_mem = '256MB'", "SET LOCAL jit = off"]


def _rate_sql(keys, *, batch_id=None, ordered=True, full=frozenset(), scope=None) -> None:
    """One pass over ``keys``; with ``batch_id``, an import chunk's new calls (``_new``) are
    rated with them and inserted (``ordered``: in the order of the customer/time index), the
    stored calls of an appending key left as rated unless its customer is in ``full``.
    ``scope`` ({"plan", "accounts"}): only those stored calls, no roll-up (``SCOPE_SQL``)."""
    months = sorted({m for _, m in keys})
    lo, hi = month_bounds(months[0])[0], month_bounds(months[-1])[1]
    # the days whose tariffs the pass may use (HOSTED-A: the month's last day is inside)
    params = {
        "lo": lo,
        "hi": hi,
        "lo_day": lo.date(),
        "hi_day": hi.date(),
        "clients": sorted({c for c, _ in keys}),
        "batch": batch_id,
        "full": sorted(full),
        "scope_plan": (scope or {}).get("plan"),
        "scope_accounts": (scope or {}).get("accounts"),
    }
    calls = STORED_CALLS if batch_id is None else STAGED_CALLS
    if scope is not None:
        calls = STORED_CALLS + SCOPE_SQL
    with connection.cursor() as cursor:
        keys_lock(cursor, params["clients"])
        for setting in PASS_SETTINGS:
            cursor.execute(setting)
        cursor.execute(f"DROP TABLE IF EXISTS {TEMP_TABLES}")
        for step in STEPS:
            if step.startswith("CREATE TEMP TABLE _bk"):
                with cursor.copy("COPY _rk (client_id, month) FROM STDIN") as copy:
                    for client_id, month in keys:
                        copy.write_row((client_id, month))
                for statement in APPENDING_SQL if batch_id is not None else [EMPTY_OLD_SQL]:
                    cursor.execute(statement, params)
                cursor.execute("ANALYZE _rk")
            if step.startswith("CREATE TEMP TABLE _rc"):
                # hash joins throughout, whatever the estimates (a month imported since the
                # last ANALYZE looks empty to the planner; the temporary tables have none)
                cursor.execute("SET LOCAL enable_nestloop = off")
                cursor.execute("SET LOCAL enable_mergejoin = off")
                cursor.execute(BLOCKING_ALERTS_SQL, params)
                if not cursor.fetchone()[0]:
                    step = step.replace(THRESHOLD_BLOCK_SQL, "false")
                cursor.execute(step.replace("{calls}", calls), params)
                cursor.execute("RESET enable_nestloop")
            else:
                cursor.execute(step.replace("{calls}", calls), params)
        cursor.execute("SELECT EXISTS (SELECT FROM _old)")
        kept = cursor.fetchone()[0]
        breached = plans.breaches_record_sql(cursor, kept=kept)
        if breached:
            with cursor.copy("COPY _br (sip_account_id, month) FROM STDIN") as copy:
                for row in breached:
                    copy.write_row(row)
            cursor.execute(STALE_SQL)
            if stale := {client_id for (client_id,) in cursor.fetchall()}:
                cursor.execute("RESET enable_mergejoin")
                return _rate_sql(keys, batch_id=batch_id, ordered=ordered, full=full | stale)
        new_only = False
        if batch_id is not None:
            cursor.execute("SELECT NOT EXISTS (SELECT FROM _rc WHERE id IS NOT NULL)")
            new_only = cursor.fetchone()[0]
        order = ORDER_SQL if ordered else ""
        rated = RATED_SQL if kept else RATED_SQL.replace(KEPT_NUMBERS, "")
        if new_only:
            cursor.execute(ROLLUP_DELETE_STAGED)
            sql = NEW_ONLY_SQL.replace(RATED_SQL, rated, 1)
            cursor.execute(sql.replace("{order}", order), params)
        else:
            if scope is not None:  # the roll-up is rewritten after (``rate_keys``)
                cursor.execute(rated + CHANGED_SQL, params)
            elif batch_id is None:
                cursor.execute(ROLLUP_DELETE)
                cursor.execute(rated + ROLLUP_SQL + CHANGED_SQL, params)
            else:
                insert = INSERT_SQL.replace("{order}", order)
                cursor.execute(rated + insert + ROLLUP_TOUCHED_SQL + CHANGED_SQL, params)
            if cursor.rowcount:
                cursor.execute(UPDATE_SQL, params)
        cursor.execute("RESET enable_mergejoin")
        cursor.execute(f"DROP TABLE IF EXISTS {TEMP_TABLES}")
