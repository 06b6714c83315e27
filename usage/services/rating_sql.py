"""The statements of a PostgreSQL rating pass (``usage.services.rating._rate_sql``): the calls of
the pass, their context (blocks, destination groups, tariffs, included destinations, on-net,
trials, breaches), their slots, modes and costs, then the writes (the new calls inserted rated,
the stored ones whose outcome changed updated, the daily roll-up). Kept apart from the pass's
Python so that each module stays readable; the rules are in ``usage.services.rating``'s
docstring and docs/rules.md §4."""

from numbering.phone import REGIONS
from telephony.models import PREMIUM_RATE_GROUP
from usage.services import rollup, tariff_changes

SIP_UNL_SLOTS = 99  # USE-3
SIP_UNL_SECONDS = 3600  # USE-3: 60 minutes included per call
# USE-4: the regions of the French national plan (mainland and the overseas 0262…, 0690…):
# their 01–05 fixed and 06/07 mobiles are the hosted plans' « nationaux fixe » and « nationaux
# mobiles »
NATIONAL_PLAN_REGIONS = ", ".join(f"'{region}'" for region in sorted(REGIONS))
# USE-4 « nationaux fixe (… en 01, 02, 03, 04, 05 et 09) »: a fixed number of the national plan
# (overseas 0262, 0590… too), a French 09, or a 0806–0809 one (ARCEP 2012-0856: a normal call
# to a fixed number, « inclus dans votre forfait »); one predicate over a call's columns
NATIONAL_FIXED_SQL = f"""((line_type = 'fixed' AND country IN ({NATIONAL_PLAN_REGIONS}))
    OR (country = 'FR' AND (line_type = 'polyvalent' OR price_class = 'uan')))"""


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

# TRK-6: a call is blocked by the setting in force when it started — the setting a change made
# after it replaced (``DestinationSettingChange.blocked_before`` of the first such change; NULL:
# no setting of its own then, the group's default in force then), else the setting now. ``_bsc``
# holds the changes made after the pass's first call (most passes: none, and the look-up is
# left out).
SETTING_CHANGES_SQL = "SELECT EXISTS (SELECT FROM _bsc)"
SETTING_AT_CALL_SQL = """(SELECT COALESCE(x.blocked_before, bg.blocked_by_default) FROM _bsc x
            WHERE x.setting_id = CASE WHEN r.sip_account_id IS NOT NULL THEN ss.id ELSE ts.id END
                AND x.at > r.started_at
            ORDER BY x.at, x.id LIMIT 1)"""

# CON-6 (HOSTED-A 6): a contract that refused announced tariffs keeps those of their eve.
KEPT_DAY = tariff_changes.kept_days_sql()
# The day whose tariff prices a call: its Paris day; HOSTED-A 6, the last day of its month;
# never after the day a refusing contract keeps.
TARIFF_DAY = """LEAST(c.kept_day, CASE WHEN c.policy = 'hosted_a'
                THEN (r.month + interval '1 month' - interval '1 day')::date
                ELSE r.local_day END)"""
# The earliest such day of the pass's contracts: the tariffs that change from it on are looked
# up call by call (``_tsimple`` holds the blocks priced alike over the whole pass).
KEPT_DAY_MIN_SQL = f"""SELECT min({KEPT_DAY}) FROM offers_contract c
    WHERE c.client_id = ANY(%(clients)s)"""

PREMIUM_SQL = f"(b.price_class = 'premium' AND g.code = '{PREMIUM_RATE_GROUP}')"

STEPS = [
    """CREATE TEMP TABLE _rk (client_id integer, month date,
        appending boolean NOT NULL DEFAULT false) ON COMMIT DROP""",
    # 1. blocks, their destination group and tariff candidates
    f"""CREATE TEMP TABLE _bk ON COMMIT DROP AS
    SELECT DISTINCT {BLOCK_SQL} AS block, r.country, r.line_type, r.price_class
    FROM ({{calls}}) r""",
    # TRK-6: the groups as they stood over the pass — each group's versions (what each of its
    # changes made after the pass's first call replaced, then the group now) with the time each
    # was in force; ``_seg``, the spans between those changes (one, unbounded, in most passes);
    # ``_bg``, each block's group (longest prefix) and default in each span.
    """CREATE TEMP TABLE _gch ON COMMIT DROP AS
    SELECT id, group_id, at, blocked_by_default_before, prefixes_before, position_before
    FROM telephony_destinationgroupchange WHERE at > %(lo)s""",
    """CREATE TEMP TABLE _grp ON COMMIT DROP AS
    SELECT v.group_id, d.code, v.blocked_by_default, p.prefix, v.position, v.valid
    FROM (
        SELECT x.group_id, x.blocked_by_default_before AS blocked_by_default,
            x.prefixes_before AS prefixes, x.position_before AS position,
            tstzrange(LAG(x.at) OVER (PARTITION BY x.group_id ORDER BY x.at, x.id), x.at) AS valid
        FROM _gch x
        UNION ALL
        SELECT g.id, g.blocked_by_default, g.prefixes, g.position,
            tstzrange((SELECT max(x.at) FROM _gch x WHERE x.group_id = g.id), NULL)
        FROM telephony_destinationgroup g
    ) v
    JOIN telephony_destinationgroup d ON d.id = v.group_id
    LEFT JOIN LATERAL jsonb_array_elements_text(v.prefixes) AS p(prefix) ON true""",
    """CREATE TEMP TABLE _seg ON COMMIT DROP AS
    SELECT tstzrange(LAG(x.at) OVER (ORDER BY x.at), x.at) AS valid
    FROM (SELECT DISTINCT at FROM _gch) x
    UNION ALL
    SELECT tstzrange((SELECT max(at) FROM _gch), NULL)""",
    # TRK-6: a premium-rate number (its price class, USE-1) is in the premium-rate group
    # wherever its prefix falls (the UK's +449…, France's 0836…); else the longest prefix wins
    f"""CREATE TEMP TABLE _bg ON COMMIT DROP AS
    SELECT DISTINCT ON (b.block, s.valid) b.block, s.valid, g.group_id, g.blocked_by_default
    FROM _bk b CROSS JOIN _seg s
    JOIN _grp g ON (b.block LIKE g.prefix || '%%' OR {PREMIUM_SQL}) AND g.valid @> s.valid
    ORDER BY b.block, s.valid, {PREMIUM_SQL} DESC, length(g.prefix) DESC NULLS LAST, g.position""",
    # USE-2: a prefix of 4+ digits (the "+" is not one: "3949" is a short number's 4) beats
    # the (country, type) row, which beats France's premium row for a premium-rate number
    # abroad, which beats shorter prefixes (world zones, fall-backs).
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
    FROM _bk b JOIN usage_tariff t ON t.prefix <> '' AND b.block LIKE t.prefix || '%%'
    UNION ALL
    -- USE-2: a premium-rate number abroad with no row of its own (its country's premium row,
    -- a prefix of 4+ digits) takes France's premium row, never its world zone
    SELECT b.block, t.id, t.valid_from, t.valid_to, t.rate_per_minute, t.first_increment,
           t.next_increment, t.min_duration, 40
    FROM _bk b JOIN usage_tariff t ON t.prefix = '' AND t.country = 'FR'
         AND t.line_type = 'special' AND t.price_class = 'premium'
    WHERE b.price_class = 'premium' AND b.country IS DISTINCT FROM 'FR'""",
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
    # the included destinations of each terms (its own list, else its preset's), with the days
    # each was on the list (``IncludedDestination``: empty bounds, since always / still on it)
    """CREATE TEMP TABLE _inc ON COMMIT DROP AS
    SELECT t.id AS terms_id, d.country, d.line_type,
        range_agg(daterange(d.valid_from, d.valid_to)) AS days
    FROM offers_terms t
    JOIN usage_includeddestination d ON d.terms_id = COALESCE(
        (SELECT x.terms_id FROM usage_includeddestination x WHERE x.terms_id = t.id LIMIT 1),
        (SELECT p.id FROM offers_terms p WHERE p.preset = t.preset AND p.is_preset LIMIT 1))
    GROUP BY 1, 2, 3""",
    # the contracts of the pass, their plan policy read once from the signed terms
    f"""CREATE TEMP TABLE _ctr ON COMMIT DROP AS
    SELECT c.id AS contract_id, o.terms_id, c.is_trial, c.trial_ends_on, c.signature_date,
        COALESCE(c.terms_snapshot->>'fair_use_policy', 'none') AS policy,
        {KEPT_DAY} AS kept_day
    FROM offers_contract c JOIN offers_offer o ON o.id = c.offer_id
    WHERE c.client_id IN (SELECT client_id FROM _rk)""",
    """CREATE UNIQUE INDEX ON _ctr (contract_id)""",
    # USE-1 on-net: the periods each number was one of our customers' (numbering.selectors'
    # held_periods: from a move to "assigned" to the next move; a number held without a
    # recorded move from assigned_at; a port-out ends it at midnight of its porting day)
    """CREATE TEMP TABLE _onnet ON COMMIT DROP AS
    SELECT p.e164 AS called, range_agg(tstzrange(s.lo, s.hi)) AS held
    FROM (
        SELECT e.number_id, e.at AS lo, COALESCE(e.next_at, 'infinity') AS hi
        FROM (
            SELECT x.number_id, x.to_state, x.at,
                LEAD(x.at) OVER (PARTITION BY x.number_id ORDER BY x.at, x.id) AS next_at
            FROM numbering_numberevent x
        ) e
        WHERE e.to_state = 'assigned'
        UNION ALL
        SELECT n.id, COALESCE(n.assigned_at, '-infinity'), 'infinity'
        FROM numbering_phonenumber n
        WHERE n.state = 'assigned' OR (n.state = 'ported_out' AND n.ported_out_on IS NOT NULL)
    ) s0
    JOIN numbering_phonenumber p ON p.id = s0.number_id
    CROSS JOIN LATERAL (SELECT s0.lo, LEAST(s0.hi, COALESCE(
        p.ported_out_on::timestamp AT TIME ZONE 'Europe/Paris', 'infinity')) AS hi) s
    WHERE s.lo < s.hi
    GROUP BY p.e164""",
    """CREATE UNIQUE INDEX ON _onnet (called)""",
    """CREATE TEMP TABLE _bsc ON COMMIT DROP AS
    SELECT id, setting_id, at, blocked_before FROM telephony_destinationsettingchange
    WHERE at > %(lo)s""",
    """CREATE INDEX ON _bsc (setting_id, at)""",
    # 2. one row per call with its context
    f"""CREATE TEMP TABLE _rc ON COMMIT DROP AS
    SELECT c.*,
        ({NATIONAL_FIXED_SQL}
         -- « nationaux mobiles (… en 06 et 07) »: the overseas 06/07 mobiles too
         OR (c.line_type = 'mobile' AND c.country IN ({NATIONAL_PLAN_REGIONS}))
         OR c.listed) AS hosted_incl,
        -- a candidate for a slot: the calls that take one of the month's distinct numbers
        -- (CON-7: not the trial's test calls, which take nothing of the plan's month)
        CASE c.plan
            WHEN 'sip_unl' THEN c.counts AND NOT c.trial
                AND c.line_type IN ('fixed', 'polyvalent') AND c.listed
            WHEN 'hosted_w' THEN c.counts AND NOT c.trial
            WHEN 'hosted_a' THEN c.counts AND NOT c.trial
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
        -- is ended, the days before the end date it kept, and a call rated trial while it
        -- ran, stay trial (never invoiced)
        CASE WHEN c.is_trial THEN COALESCE(r.local_day < c.trial_ends_on, false)
             ELSE c.contract_id IS NOT NULL AND (COALESCE(r.was_trial, false)
                 OR COALESCE(r.local_day < c.trial_ends_on, false)) END AS trial,
        COALESCE(o.held @> r.started_at, false) AS on_net,
        -- TRK-6: calls to a blocked group, never a received call (its called number is ours)
        (r.line_type <> 'emergency' AND ((r.call_type <> 'inbound' AND COALESCE(
            {SETTING_AT_CALL_SQL},
            CASE WHEN r.sip_account_id IS NOT NULL THEN ss.blocked ELSE ts.blocked END,
            bg.blocked_by_default, false)) OR {THRESHOLD_BLOCK_SQL})) AS blocked,
        -- USE-3/USE-4, CON-6: on the list on the call's day, or on the contract's signature
        -- day (a destination taken off the list after stays the contract's)
        COALESCE(inc.days @> r.local_day OR (r.local_day >= c.signature_date
            AND inc.days @> c.signature_date), false) AS listed,
        COALESCE(tsm.tariff_id, t.tariff_id) AS tariff_id, COALESCE(tsm.rate, t.rate) AS rate,
        COALESCE(tsm.f, t.f) AS f, COALESCE(tsm.n, t.n) AS n, COALESCE(tsm.m, t.m) AS m
    FROM (
        SELECT r.*, (r.started_at AT TIME ZONE 'Europe/Paris')::date AS local_day,
            {BLOCK_SQL} AS block
        FROM ({{calls}}) r
    ) r
    LEFT JOIN _ctr c ON c.contract_id = r.contract_id
    LEFT JOIN _onnet o ON o.called = r.called
    LEFT JOIN _bg bg ON bg.block = r.block AND bg.valid @> r.started_at
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
          AND tc.valid_from <= {TARIFF_DAY}
          AND (tc.valid_to IS NULL OR tc.valid_to > {TARIFF_DAY})
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
# A call rated for the first time is ``late`` (BIL-1, late records) when its month's regular
# invoice is issued, or once its month's consumption was posted (``ConsumptionCutoff``: a run
# of that month or a later one) — the posting priced the calls stored before it, not this one.
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
            -- CON-7: a trial's test call to an included number, shown as the plan rates it
            WHEN plan = 'sip_unl' AND trial AND line_type IN ('fixed', 'polyvalent') AND listed
                THEN 'incl60'
            WHEN plan = 'sip_unl' AND (cand OR line_type IN ('fixed', 'polyvalent', 'mobile'))
                THEN 'sec'
            -- HOSTED-A 7: on a breach « les appels nationaux fixes » are billed per minute,
            -- the others at their tariff's increments (HOSTED-W 6.1: every call per minute)
            WHEN plan = 'hosted_a' AND in_breach AND NOT {NATIONAL_FIXED_SQL} THEN 'btariff'
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
        f.mode IN ('min', 'btariff') AS breach,
        round(f.list_billed * COALESCE(f.rate, 0) / 60, 4) AS list_cost,
        CASE WHEN f.tariff_id IS NULL THEN 0
             ELSE round(f.billed * f.rate / 60, 4) END AS cost,
        (f.was_late OR (NOT f.was_rated AND (inv.client_id IS NOT NULL
            OR COALESCE(f.month <= (SELECT max(p.month) FROM usage_consumptioncutoff p),
                false)))) AS late,
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
# annex of an invoice issued before consumption cut-offs were kept (``selectors.annex_calls``)
# compares it with the invoices' creation.
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

TEMP_TABLES = (
    "_rk, _old, _bk, _gch, _grp, _seg, _bg, _tc, _tsimple, _inc, _ctr, _onnet, _bsc, _rc, _br, _upd"
)
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
    r.duration, r.answered, r.call_type, r.device_id, r.slot, r.breach, r.rated, r.trial,
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
