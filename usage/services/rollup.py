"""The consumption page's daily roll-up (``UsageDay``): rewritten for the (customer, month)
keys of each rating pass — on PostgreSQL by the pass's own statement, from the calls it has
just rated (``usage.services.rating``: no second read of the month; an import's pass rewrites
only the days whose calls it adds or changes, and adds the rows of its calls of no plan beside
those kept), elsewhere through the ORM after the pass; ``rollup_refresh`` also rewrites it from
the stored calls. Its readers add its rows up. The page and the
API summary then read a few hundred rows instead of a month of calls (100 000 calls: see
``bench/usage_pages.py``)."""

from collections import defaultdict
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import TruncDate

from kernel.clock import PARIS
from usage.models import CallRecord, UsageDay
from usage.partitioning import month_bounds


def insert_sql(calls: str, month: str, where: str = "") -> str:
    """The roll-up of rated ``calls`` (a table or a CTE, whose month column is ``month``)."""
    return f"""
INSERT INTO usage_usageday (client_id, month, day, sip_account_id, trunk_id, plan, country,
    line_type, price_class, trial, calls, answered, seconds, cost, list_cost, max_slot)
SELECT client_id, {month}, (started_at AT TIME ZONE 'Europe/Paris')::date, sip_account_id,
    trunk_id, coalesce(plan, ''), coalesce(country, ''), coalesce(line_type, ''),
    coalesce(price_class, ''), trial, count(*), count(*) FILTER (WHERE answered),
    coalesce(sum(duration) FILTER (WHERE answered), 0),
    coalesce(sum(cost) FILTER (WHERE NOT trial AND NOT blocked), 0),
    coalesce(sum(list_cost), 0), max(slot)
FROM {calls} {where}
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10"""


KEYS_WHERE = """
WHERE billing_month = %(month)s AND client_id = ANY(%(clients)s)
    AND started_at >= %(lo)s AND started_at < %(hi)s"""


@transaction.atomic
def rollup_refresh(keys) -> None:
    """Rewrite the roll-up of the (client_id, month) ``keys``."""
    by_month = defaultdict(set)
    for client_id, month in keys:
        if client_id is not None:
            by_month[month].add(int(client_id))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # the GROUP BY in memory, not sorted on disk
            cursor.execute("SET LOCAL work_mem = '256MB'")
    for month, clients in by_month.items():
        UsageDay.objects.filter(month=month, client_id__in=clients).delete()
        if connection.vendor == "postgresql":
            lo = month_bounds(month)[0]
            with connection.cursor() as cursor:
                cursor.execute(
                    insert_sql(CallRecord._meta.db_table, "billing_month", KEYS_WHERE),
                    {
                        "month": month,
                        "clients": sorted(clients),
                        "lo": lo,
                        "hi": lo + timedelta(days=32),
                    },
                )
        else:
            _refresh_orm(month, clients)


# What a day's row is counted by, beside its customer and day.
DIMENSIONS = (
    "sip_account_id",
    "trunk_id",
    "plan",
    "country",
    "line_type",
    "price_class",
    "trial",
)


def _refresh_orm(month, clients) -> None:
    rows = (
        CallRecord.objects.filter(client_id__in=clients, billing_month=month)
        .annotate(d=TruncDate("started_at", tzinfo=PARIS))
        .values("client_id", "d", *DIMENSIONS)
        .annotate(
            n_calls=Count("id"),
            n_answered=Count("id", filter=Q(answered=True)),
            # an unanswered call talks no seconds (stored before the import zeroed them)
            n_seconds=Sum("duration", filter=Q(answered=True)),
            n_cost=Sum("cost", filter=Q(trial=False, blocked=False)),
            n_list_cost=Sum("list_cost"),
            n_slot=Max("slot"),
        )
        .order_by()
    )
    UsageDay.objects.bulk_create(
        [
            UsageDay(
                client_id=row["client_id"],
                month=month,
                day=row["d"],
                sip_account_id=row["sip_account_id"],
                trunk_id=row["trunk_id"],
                plan=row["plan"] or "",
                country=row["country"] or "",
                line_type=row["line_type"] or "",
                price_class=row["price_class"] or "",
                trial=row["trial"],
                calls=row["n_calls"],
                answered=row["n_answered"],
                seconds=row["n_seconds"] or 0,
                cost=row["n_cost"] or 0,
                list_cost=row["n_list_cost"] or 0,
                max_slot=row["n_slot"],
            )
            for row in rows
        ],
        batch_size=2000,
    )
