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
4. One UPDATE: slots by window functions (first call of each distinct number, ``dense_rank``
   in call-start order), then the mode of each call and its cost.
"""

from datetime import date

from django.db import connection, transaction

from usage import signals
from usage.models import CallRecord
from usage.partitioning import is_postgres, month_bounds
from usage.services import plans

SIP_UNL_SLOTS = 99  # USE-3
SIP_UNL_SECONDS = 3600  # USE-3: 60 minutes included per call
KEYS_PER_PASS = 2000  # (customer, month) keys rated per transaction


def rate_keys(keys, *, batch_id=None) -> list[tuple[int, date]]:
    """Re-rate every call of the (client_id, month) ``keys``; returns the keys rated. Sends
    ``calls_rated`` after each pass commits."""
    keys = sorted({(int(c), m) for c, m in keys if c is not None})
    for start in range(0, len(keys), KEYS_PER_PASS):
        chunk = keys[start : start + KEYS_PER_PASS]
        with transaction.atomic():
            if is_postgres(connection):
                _rate_sql(chunk)
            else:
                from usage.services import rating_py

                rating_py.rate(chunk)
            transaction.on_commit(
                lambda chunk=chunk: signals.calls_rated.send(
                    sender=CallRecord, batch_id=batch_id, keys=chunk
                )
            )
    return keys


def rate_batch(batch_id: int) -> list[tuple[int, date]]:
    """Rate the months an import batch touched."""
    keys = (
        CallRecord.objects.filter(batch_id=batch_id)
        .values_list("client_id", "billing_month")
        .distinct()
    )
    return rate_keys(list(keys), batch_id=batch_id)


def rerate_month(month: date, *, client_ids=None, sip_account_ids=None) -> int:
    """Re-rate whole months (before invoicing a month, after a tariff change, after a breach
    is waived). Returns the number of (customer, month) keys re-rated."""
    start, end = month_bounds(month)
    calls = CallRecord.objects.filter(
        billing_month=month, started_at__gte=start, started_at__lt=end
    )
    if client_ids is not None:
        calls = calls.filter(client_id__in=client_ids)
    if sip_account_ids is not None:
        calls = calls.filter(sip_account_id__in=sip_account_ids)
    keys = calls.values_list("client_id", "billing_month").distinct()
    return len(rate_keys(list(keys)))


# --- PostgreSQL ----------------------------------------------------------------------------

BLOCK_SQL = """CASE WHEN r.called LIKE '+%%' AND length(r.called) > 8
    THEN left(r.called, length(r.called) - 4) ELSE r.called END"""

STEPS = [
    """CREATE TEMP TABLE _rk (client_id integer, month date) ON COMMIT DROP""",
    # 1. blocks, their destination group and tariff candidates
    f"""CREATE TEMP TABLE _bk ON COMMIT DROP AS
    SELECT DISTINCT {BLOCK_SQL} AS block, r.country, r.line_type, r.price_class
    FROM usage_callrecord r JOIN _rk k ON k.client_id = r.client_id AND k.month = r.billing_month
    WHERE r.started_at >= %(lo)s AND r.started_at < %(hi)s""",
    """CREATE TEMP TABLE _grp ON COMMIT DROP AS
    SELECT g.id AS group_id, g.blocked_by_default, p.prefix, g.position
    FROM telephony_destinationgroup g, jsonb_array_elements_text(g.prefixes) AS p(prefix)""",
    """CREATE TEMP TABLE _bg ON COMMIT DROP AS
    SELECT DISTINCT ON (b.block) b.block, g.group_id, g.blocked_by_default
    FROM _bk b JOIN _grp g ON b.block LIKE g.prefix || '%%'
    ORDER BY b.block, length(g.prefix) DESC, g.position""",
    # USE-2: a prefix of 4+ digits beats the (country, type) row, which beats shorter
    # prefixes (world zones, fall-backs).
    """CREATE TEMP TABLE _tc ON COMMIT DROP AS
    SELECT b.block, t.id AS tariff_id, t.valid_from, t.valid_to, t.rate_per_minute AS rate,
           t.first_increment AS f, t.next_increment AS n, t.min_duration AS m, 50 AS spec
    FROM _bk b JOIN usage_tariff t ON t.prefix = '' AND t.country = b.country
         AND t.line_type = b.line_type AND t.price_class = b.price_class
    UNION ALL
    SELECT b.block, t.id, t.valid_from, t.valid_to, t.rate_per_minute, t.first_increment,
           t.next_increment, t.min_duration,
           CASE WHEN length(t.prefix) >= 5 THEN 100 + length(t.prefix) ELSE length(t.prefix) END
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
    SELECT q.*,
        (q.answered AND q.duration > 0 AND q.call_type <> 'inbound' AND NOT q.on_net
         AND q.line_type <> 'emergency' AND NOT q.blocked) AS counts
    FROM (
    SELECT r.id, r.started_at, r.month, r.client_id, r.sip_account_id,
        r.answered, r.duration, r.call_type, r.called, r.country, r.line_type, r.device_id,
        r.was_rated, r.was_late, r.trunk_id,
        CASE WHEN r.sip_account_id IS NOT NULL AND c.policy IN ('sip_unl', 'hosted_w', 'hosted_a')
             THEN c.policy ELSE 'none' END AS plan,
        COALESCE(c.is_trial AND (c.trial_ends_on IS NULL OR r.local_day <= c.trial_ends_on),
                 false) AS trial,
        (o.called IS NOT NULL) AS on_net,
        (r.line_type <> 'emergency' AND COALESCE(
            CASE WHEN r.sip_account_id IS NOT NULL THEN ss.blocked ELSE ts.blocked END,
            bg.blocked_by_default, false)) AS blocked,
        (inc.terms_id IS NOT NULL) AS listed,
        COALESCE(tsm.tariff_id, t.tariff_id) AS tariff_id, COALESCE(tsm.rate, t.rate) AS rate,
        COALESCE(tsm.f, t.f) AS f, COALESCE(tsm.n, t.n) AS n, COALESCE(tsm.m, t.m) AS m
    FROM (
        SELECT r.id, r.started_at, r.billing_month AS month, r.client_id, r.sip_account_id,
            r.trunk_id, r.contract_id, r.answered, r.duration, r.call_type, r.called,
            r.country, r.line_type, r.device_id, r.rated AS was_rated, r.late AS was_late,
            (r.started_at AT TIME ZONE 'Europe/Paris')::date AS local_day,
            {BLOCK_SQL} AS block
        FROM usage_callrecord r
        JOIN _rk k ON k.client_id = r.client_id AND k.month = r.billing_month
        WHERE r.started_at >= %(lo)s AND r.started_at < %(hi)s
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
    ) q""",
    """CREATE TEMP TABLE _br (sip_account_id integer, month date) ON COMMIT DROP""",
]

UPDATE_SQL = f"""
WITH base AS (
    SELECT rc.*, (br.sip_account_id IS NOT NULL) AS in_breach,
        ((rc.country = 'FR' AND rc.line_type IN ('fixed', 'polyvalent', 'mobile'))
         OR rc.listed) AS hosted_incl,
        CASE rc.plan
            WHEN 'sip_unl' THEN rc.counts AND rc.line_type IN ('fixed', 'polyvalent')
                                AND rc.listed
            WHEN 'hosted_w' THEN rc.counts
            WHEN 'hosted_a' THEN rc.counts
            ELSE false END AS cand
    FROM _rc rc LEFT JOIN _br br
        ON br.sip_account_id = rc.sip_account_id AND br.month = rc.month
), firsts AS (
    SELECT base.*, min(started_at) FILTER (WHERE cand)
        OVER (PARTITION BY sip_account_id, month, called) AS first_start
    FROM base
), slots AS (
    SELECT firsts.*, CASE WHEN cand THEN dense_rank()
        OVER (PARTITION BY sip_account_id, month, cand ORDER BY first_start, called) END AS slot
    FROM firsts
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
                 ELSE greatest(f + ceil((duration - f)::numeric / n)::int * n, m) END
            ELSE 0 END AS list_billed
    FROM slots
), f AS (
    SELECT modes.*,
        CASE mode WHEN 'zero' THEN 0 WHEN 'incl' THEN 0
            WHEN 'incl60' THEN greatest(duration - {SIP_UNL_SECONDS}, 0)
            WHEN 'sec' THEN duration
            WHEN 'min' THEN ceil(duration::numeric / 60)::int * 60
            ELSE list_billed END AS billed,
        CASE mode WHEN 'incl60' THEN least(duration, {SIP_UNL_SECONDS})
            WHEN 'incl' THEN duration ELSE 0 END AS incl_seconds
    FROM modes
), out AS (
    SELECT f.id, f.started_at, f.plan, f.tariff_id, f.rate, f.on_net, f.blocked, f.trial,
        f.slot, f.billed, f.incl_seconds, f.mode,
        round(f.list_billed * COALESCE(f.rate, 0) / 60, 4) AS list_cost,
        CASE WHEN f.tariff_id IS NULL THEN 0
             ELSE round(f.billed * f.rate / 60, 4) END AS cost,
        (f.was_late OR (NOT f.was_rated AND inv.client_id IS NOT NULL)) AS late
    FROM f LEFT JOIN (
        SELECT DISTINCT k.client_id, k.month FROM _rk k
        JOIN accounts_client cl ON cl.id = k.client_id
        JOIN billing_invoice i ON i.month = k.month AND i.status = 'issued'
            AND i.kind = 'invoice' AND i.purpose = 'regular'
            AND (i.client_id = k.client_id OR i.partner_id = cl.partner_id)
    ) inv ON inv.client_id = f.client_id AND inv.month = f.month
)
UPDATE usage_callrecord r SET
    rated = true, plan = o.plan, tariff_id = o.tariff_id, rate = o.rate, on_net = o.on_net,
    blocked = o.blocked, trial = o.trial, late = o.late, slot = o.slot,
    billed_seconds = o.billed, included_seconds = o.incl_seconds,
    included = o.mode IN ('incl', 'incl60'), breach = o.mode = 'min',
    list_cost = o.list_cost, cost = o.cost
FROM out o
WHERE r.id = o.id AND r.started_at = o.started_at
  AND r.started_at >= %(lo)s AND r.started_at < %(hi)s
  AND (NOT r.rated OR ROW(r.plan, r.tariff_id, r.rate, r.on_net, r.blocked, r.trial, r.late,
        r.slot, r.billed_seconds, r.included_seconds, r.included, r.breach, r.list_cost, r.cost)
      IS DISTINCT FROM ROW(o.plan, o.tariff_id, o.rate, o.on_net, o.blocked, o.trial, o.late,
        o.slot, o.billed, o.incl_seconds, o.mode IN ('incl', 'incl60'), o.mode = 'min',
        o.list_cost, o.cost))
"""


def _rate_sql(keys) -> None:
    months = sorted({m for _, m in keys})
    lo, hi = month_bounds(months[0])[0], month_bounds(months[-1])[1]
    # the days whose tariffs the pass may use (HOSTED-A: the month's last day is inside)
    bounds = {"lo": lo, "hi": hi, "lo_day": lo.date(), "hi_day": hi.date()}
    with connection.cursor() as cursor:
        cursor.execute(
            "DROP TABLE IF EXISTS _rk, _bk, _grp, _bg, _tc, _tsimple, _inc, _ctr, _onnet, _rc, _br"
        )
        for step in STEPS:
            if step.startswith("CREATE TEMP TABLE _bk"):
                with cursor.copy("COPY _rk (client_id, month) FROM STDIN") as copy:
                    for client_id, month in keys:
                        copy.write_row((client_id, month))
                cursor.execute("ANALYZE _rk")
            cursor.execute(step, bounds)
        cursor.execute("ANALYZE _rc")
        breached = plans.breaches_record_sql(cursor)
        if breached:
            with cursor.copy("COPY _br (sip_account_id, month) FROM STDIN") as copy:
                for row in breached:
                    copy.write_row(row)
        cursor.execute(UPDATE_SQL, bounds)
        cursor.execute(
            "DROP TABLE IF EXISTS _rk, _bk, _grp, _bg, _tc, _tsimple, _inc, _ctr, _onnet, _rc, _br"
        )
