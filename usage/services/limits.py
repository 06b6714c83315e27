"""USE-5 platform limits (PLATFORM 25, OPT): a PLATFORM customer may have at most 10
simultaneous calls and 1 call attempt per second (CAPS). Each CAPS lot (option ``opt-caps``,
"lot de 10 CAPS") raises the attempts per second by 10; each voice capacity reservation
(``opt-capacity-reservation``, "lot de 30 canaux") raises the simultaneous calls by 30.
Breaches are computed from the call records and recorded per customer, limit and UTC hour
(with the hour's peak), shown to staff (back office) and to the customer (consumption page).

Choices: the rule book says "raised by the CAPS option (+10 per lot)"; the contract's option
is a lot of 10 *CAPS* (attempts per second), so a lot raises the CAPS limit; the simultaneous
calls are raised by the capacity reservation, the option that sells channels. Options count
while their contract line runs (started, not ended) on the day computed, whatever the contract's
status since (a month recomputed after the contract ended keeps the options it had). The limits
are clauses of the PLATFORM contract: only its calls count (not a SIP trunk's of the same
customer). Simultaneous calls count every answered call (inbound too) over
[start, start + duration) — at the start of each call of the month, the calls of the month
before still in progress included; attempts count outbound calls, answered or not, per second
of their start. A month is measured against the options in force on each call's day, whenever
it is computed (a late record months after).
"""

import heapq
from datetime import UTC, date, timedelta
from itertools import chain

from django.db import transaction
from django.db.models import Count, Max
from django.db.models.functions import TruncSecond

from kernel.clock import PARIS, paris_today
from offers.models import Contract, ContractLine
from offers.services.quantities import quantity_changes_by_line
from usage.choices import CallType
from usage.models import CallRecord, LimitBreach
from usage.money_choices import LimitKind
from usage.partitioning import month_bounds

BASE_SIMULTANEOUS = 10
BASE_CAPS = 1
CAPS_PER_LOT = 10
CHANNELS_PER_RESERVATION = 30
PLATFORM = "PLATFORM"


def _option_lines(client_id: int) -> list[tuple]:
    """The customer's CAPS and capacity lines that ran: (product code, quantity now, started,
    ended, quantity changes). Each counts on the days between its start and its end, whatever
    its contract's status is now (a line never started counts on no day), with the quantity it
    had on that day: a lot added on 20 October counts from 20 October (its pro rata is billed
    from that day), a lot removed at the renewal of 1 November still counts in October (CON-2:
    the line's quantity changes in place, its changes are the history)."""
    rows = list(
        ContractLine.objects.filter(
            contract__client_id=client_id,
            started_on__isnull=False,
            product__code__in=["opt-caps", "opt-capacity-reservation"],
        ).values_list("pk", "product__code", "quantity", "started_on", "ended_on")
    )
    changes = quantity_changes_by_line([r[0] for r in rows], since=date.min)
    return [
        (code, quantity, started, ended, changes.get(pk, ()))
        for pk, code, quantity, started, ended in rows
    ]


def _quantity_on(quantity: int, changes, day: date) -> int:
    """A line's quantity on ``day`` from its quantity now and its changes (effective on, units
    added (+) or removed (−), pending): the changes effective after that day are undone; a
    decrease still pending but due by that day already counts."""
    for effective_on, delta, pending in changes:
        if pending:
            if effective_on <= day:
                quantity += delta
        elif effective_on > day:
            quantity -= delta
    return max(quantity, 0)


def _limits_on(lines, day: date) -> dict[str, int]:
    lots: dict[str, int] = {}
    for code, quantity, started, ended, changes in lines:
        if started <= day and (ended is None or ended > day):
            lots[code] = lots.get(code, 0) + _quantity_on(quantity, changes, day)
    return {
        LimitKind.SIMULTANEOUS: BASE_SIMULTANEOUS
        + CHANNELS_PER_RESERVATION * lots.get("opt-capacity-reservation", 0),
        LimitKind.CAPS: BASE_CAPS + CAPS_PER_LOT * lots.get("opt-caps", 0),
    }


def limits_for(client_id: int, day: date | None = None) -> dict[str, int]:
    """USE-5: the customer's limits on ``day`` with its options."""
    return _limits_on(_option_lines(client_id), day or paris_today())


def _calls(client_id: int, month: date):
    """The customer's calls of ``month`` on its PLATFORM contracts (PLATFORM 25 is a clause of
    the platform contract: another contract's calls — a SIP trunk's channels — are not
    measured; as ``quality.measured_calls``)."""
    start, end = month_bounds(month)
    return CallRecord.objects.filter(
        client_id=client_id,
        billing_month=month,
        started_at__gte=start,
        started_at__lt=end,
        contract__terms_snapshot__preset=PLATFORM,
    )


def _in_progress_at(client_id: int, month: date) -> list[tuple]:
    """The answered PLATFORM calls of the month before ``month`` still in progress at its start
    (a call of 23:55 on the last day is still there at 00:05), as (start, duration) in start
    order. Read back from the start as far as the month's longest call reaches (SQLite has no
    date arithmetic in the query)."""
    start = month_bounds(month)[0]
    previous = _calls(client_id, (month - timedelta(days=1)).replace(day=1)).filter(
        answered=True, duration__gt=0
    )
    longest = previous.aggregate(longest=Max("duration"))["longest"]
    if not longest:
        return []
    rows = (
        previous.filter(started_at__gt=start - timedelta(seconds=longest))
        .order_by("started_at")
        .values_list("started_at", "duration")
    )
    return [(s, d) for s, d in rows if s + timedelta(seconds=d) > start]


def peak_simultaneous(intervals) -> list[tuple]:
    """Sweep over (start, end) intervals sorted by start: for each call, the number of calls in
    progress when it starts (itself included), as (start, count)."""
    ends: list = []
    out = []
    for start, end in intervals:
        while ends and ends[0] <= start:
            heapq.heappop(ends)
        heapq.heappush(ends, end)
        out.append((start, len(ends)))
    return out


def _hour(moment):
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


@transaction.atomic
def limits_compute(*, client_id: int, month: date) -> list[LimitBreach]:
    """Record the hours of ``month`` in which the customer went over a limit (idempotent: an
    hour's row is rewritten with its peak, the month's hours no longer over a limit are
    removed). The limits are those of the options in force on the Paris day of each call (a
    month recomputed later keeps its own options)."""
    lines = _option_lines(client_id)
    by_day: dict[date, dict[str, int]] = {}

    def limit(kind, moment):
        day = moment.astimezone(PARIS).date()
        if day not in by_day:
            by_day[day] = _limits_on(lines, day)
        return by_day[day][kind]

    lowest = {
        kind: min(_limits_on(lines, d)[kind] for d in _days(month))
        for kind in (LimitKind.SIMULTANEOUS, LimitKind.CAPS)
    }
    peaks: dict[tuple[str, object], tuple[int, object, int]] = {}
    answered = (
        _calls(client_id, month)
        .filter(answered=True, duration__gt=0)
        .order_by("started_at")
        .values_list("started_at", "duration")
    )
    # the calls of the month before still in progress at its start come first (they started
    # before every call of the month): they count in the level, their own starts are not the
    # month's
    month_start = month_bounds(month)[0]
    before = _in_progress_at(client_id, month)
    intervals = (
        (s, s + timedelta(seconds=d)) for s, d in chain(before, answered.iterator(chunk_size=5000))
    )
    for start, count in peak_simultaneous(intervals):
        if start < month_start:
            continue
        if count > lowest[LimitKind.SIMULTANEOUS]:
            allowed = limit(LimitKind.SIMULTANEOUS, start)
            key = (LimitKind.SIMULTANEOUS, _hour(start))
            if count > allowed and count > peaks.get(key, (0,))[0]:
                peaks[key] = (count, start, allowed)
    per_second = (
        _calls(client_id, month)
        .filter(call_type=CallType.OUTBOUND)
        .annotate(second=TruncSecond("started_at", tzinfo=UTC))
        .values("second")
        .annotate(n=Count("id"))
        .filter(n__gt=lowest[LimitKind.CAPS])
        .order_by()
    )
    for row in per_second:
        allowed = limit(LimitKind.CAPS, row["second"])
        key = (LimitKind.CAPS, _hour(row["second"]))
        if row["n"] > allowed and row["n"] > peaks.get(key, (0,))[0]:
            peaks[key] = (row["n"], row["second"], allowed)
    written = []
    for (kind, hour), (peak, at, allowed) in sorted(peaks.items()):
        breach, _created = LimitBreach.objects.update_or_create(
            client_id=client_id,
            kind=kind,
            hour=hour,
            defaults={"month": month, "peak": peak, "limit": allowed, "peak_at": at},
        )
        written.append(breach)
    # the month's result replaces it whole: an hour no longer over its limit (a lot bought that
    # day, counted for the whole day) is no longer shown
    LimitBreach.objects.filter(client_id=client_id, month=month).exclude(
        pk__in=[b.pk for b in written]
    ).delete()
    return written


def _days(month: date):
    day = month
    while day.month == month.month:
        yield day
        day += timedelta(days=1)


def platform_client_months(keys) -> list[tuple[int, date]]:
    """The (customer, month) pairs among ``keys`` that have PLATFORM traffic, each followed by
    the customer's next month when it has begun: a late record of a month's last evening may
    still be in progress at the next month's start, whose simultaneous calls it joins (a call of
    31/10 23:55 in Paris and the ten of 1 November 00:05 are eleven at once, a November
    breach)."""
    keys = list(keys)
    if not keys:
        return []
    clients = set(
        Contract.objects.filter(
            client_id__in={c for c, _m in keys}, terms_snapshot__preset=PLATFORM
        ).values_list("client_id", flat=True)
    )
    this_month = paris_today().replace(day=1)
    out = []
    for c, m in keys:
        if c not in clients:
            continue
        out.append((c, m))
        following = (m + timedelta(days=31)).replace(day=1)
        if following <= this_month:
            out.append((c, following))
    return list(dict.fromkeys(out))
