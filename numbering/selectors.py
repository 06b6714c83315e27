"""Reads of the number inventory for the apps above it.

``held_periods``: when each number was one of our customers' (USE-1's on-net is judged on the
call's start, not on the day the call is rated). A period opens when the number moved to
"assigned" (its ``NumberEvent``) and closes at its next move (released to quarantine, ported
out); a number held today without a recorded move counts from ``assigned_at`` (from always
when that is unknown). A number ported out stops being ours at midnight (Paris) of its porting
day, whatever the hour the move was recorded. The SQL rating pass reads the same periods
(``usage.services.rating_sql``, ``_onnet``)."""

from collections import defaultdict
from datetime import datetime

from kernel.clock import paris_midnight
from numbering.choices import NumberState
from numbering.models import NumberEvent, PhoneNumber

Period = tuple[datetime | None, datetime | None]  # [start, end), None: unbounded


def held_periods(e164s) -> dict[str, list[Period]]:
    """The periods each of ``e164s`` was assigned to a customer of ours (empty: never)."""
    rows = list(
        PhoneNumber.objects.filter(e164__in=set(e164s)).values_list(
            "pk", "e164", "state", "assigned_at", "ported_out_on"
        )
    )
    e164_of = {pk: e164 for pk, e164, *_rest in rows}
    ported = {e164: ported_out_on for _pk, e164, _s, _a, ported_out_on in rows}
    periods: dict[str, list[Period]] = defaultdict(list)
    opened: dict[int, datetime] = {}
    for number_id, to_state, at in (
        NumberEvent.objects.filter(number_id__in=e164_of)
        .order_by("number_id", "at", "pk")
        .values_list("number_id", "to_state", "at")
    ):
        start = opened.pop(number_id, None)
        if start is not None:
            periods[e164_of[number_id]].append((start, at))
        if to_state == NumberState.ASSIGNED:
            opened[number_id] = at
    for number_id, start in opened.items():
        periods[e164_of[number_id]].append((start, None))
    for _pk, e164, state, assigned_at, ported_out_on in rows:
        if state == NumberState.ASSIGNED or (
            state == NumberState.PORTED_OUT and ported_out_on is not None
        ):
            periods[e164].append((assigned_at, None))
    result = {}
    for e164, spans in periods.items():
        left = ported[e164]
        end = paris_midnight(left) if left else None
        result[e164] = [(lo, _earliest(hi, end)) for lo, hi in spans]
    return result


def held_at(periods: list[Period], at: datetime) -> bool:
    return any((lo is None or lo <= at) and (hi is None or at < hi) for lo, hi in periods)


def _earliest(a, b):
    if a is None:
        return b
    return a if b is None else min(a, b)
