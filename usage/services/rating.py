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
   trunk's setting for the group in force when the call started — ``DestinationSettingChange``
   —, else the group's default; emergency numbers never), the
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
already stored for the same keys (a stored call of no plan depends on no other:
``rating_sql.SETTLED``, left as rated) and INSERTed already rated, in the statement that
fills ``_upd`` — no UPDATE of every new row (each one would be a second copy of the row and
of its index entries). The same statement rewrites the daily roll-up (``usage.services.rollup``)
of the days it adds calls to or changes, from the calls it has rated. A pass holds its
customers' advisory locks (``keys_lock``) until its transaction ends.
"""

from datetime import date, timedelta

from django.db import connection, transaction

from usage import signals
from usage.models import CallRecord
from usage.partitioning import is_postgres, month_bounds
from usage.services import plans, rollup
from usage.services.rating_sql import (
    APPENDING_SQL,
    BLOCKING_ALERTS_SQL,
    CHANGED_SQL,
    EMPTY_OLD_SQL,
    INSERT_SQL,
    KEPT_DAY_MIN_SQL,
    KEPT_NUMBERS,
    NEW_ONLY_SQL,
    ORDER_SQL,
    PASS_SETTINGS,
    RATED_SQL,
    ROLLUP_DELETE,
    ROLLUP_DELETE_STAGED,
    ROLLUP_SQL,
    ROLLUP_TOUCHED_SQL,
    SETTING_AT_CALL_SQL,
    SETTING_CHANGES_SQL,
    STAGED_CALLS,
    STALE_SQL,
    STEPS,
    STORED_CALLS,
    TEMP_TABLES,
    THRESHOLD_BLOCK_SQL,
    UPDATE_SQL,
)

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
POSTING_LOCK = 15_0003  # (namespace, 0): shared by every pass, exclusive for a cut-off


def keys_lock(cursor, client_ids) -> None:
    """Hold the customers' rating lock until the transaction ends: two passes (an import's
    chunks side by side, a re-rating) never rate the same customer's month at once — each
    needs the other's calls. Taken in id order: two passes never wait for each other in a
    circle. Every pass also holds ``POSTING_LOCK`` shared: a consumption cut-off
    (``posting_cutoff``) is taken while no pass is writing."""
    cursor.execute("SELECT pg_advisory_xact_lock_shared(%s, 0)", [POSTING_LOCK])
    cursor.execute(
        "SELECT count(pg_advisory_xact_lock(%s, c)) FROM unnest(%s::integer[]) AS c",
        [KEYS_LOCK, sorted({int(c) for c in client_ids})],
    )


def posting_cutoff() -> int:
    """BIL-1: the last call a consumption posting prices (``ConsumptionCutoff``), taken with
    ``POSTING_LOCK`` exclusive: the passes writing calls have committed (call ids come from one
    sequence, so every stored call up to it is in), and a pass starting after the cut-off is
    recorded (the caller's transaction commits) finds it — its new calls are late records, with
    higher ids. Inside the caller's transaction (the lock is held until it ends)."""
    with connection.cursor() as cursor:
        if is_postgres(connection):
            cursor.execute("SELECT pg_advisory_xact_lock(%s, 0)", [POSTING_LOCK])
        cursor.execute("SELECT COALESCE(max(id), 0) FROM usage_callrecord")
        return cursor.fetchone()[0]


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
        cursor.execute(KEPT_DAY_MIN_SQL, params)
        if (kept := cursor.fetchone()[0]) is not None and kept < params["lo_day"]:
            params["lo_day"] = kept  # CON-6: a refusing contract's calls take older tariffs
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
                cursor.execute(SETTING_CHANGES_SQL)
                if not cursor.fetchone()[0]:
                    step = step.replace(SETTING_AT_CALL_SQL, "NULL::boolean")
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
