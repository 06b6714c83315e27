#!/usr/bin/env python
"""Benchmark of the consumption page and the usage read API for one account with 100 000 calls
in a month (issue 15, Done-when 3), on PostgreSQL.

    python bench/usage_pages.py [--calls N] [--keep]

The page and the summary read the daily roll-up written after each rating pass
(``usage.services.rollup``; its refresh time for the month is printed too); the call lists read
the calls through the index (client, started_at, id). Builds, in a dedicated database
(``portal_bench_usage``, dropped and recreated at each start, dropped at the end unless
``--keep``), one customer with a SIP-UNL contract (5 SIP accounts) and
a trunk, N rated calls (default 100 000) spread over November 2026 — plus 50 000 calls of 50
other customers in the same partition —, written by COPY; then times, in this process with
Django's test client (no network, no server), after 3 warm-up requests, 30 requests each of:

- the consumption page ``/usage/?month=2026-11`` (signed-in member);
- the dashboard (its "consumption of the month" card, current month);
- ``GET /api/v1/calls/?customer=<id>`` (first cursor page, 100 calls) and a deeper page
  (``next`` followed 10 times);
- ``GET /api/v1/calls/?customer=<id>&month=2026-11&call_type=outbound``;
- ``GET /api/v1/calls/summary/?customer=<id>&month=2026-11``.

Prints the median and 95th percentile (ms) and the SQL queries of each, and writes them to
``bench/results/usage_pages.txt``.
"""

import argparse
import io
import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.billing_run import drop_database, recreate_database  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
BENCH_DATABASE_URL = os.environ.get(
    "BENCH_USAGE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench_usage"
)
os.environ["DATABASE_URL"] = BENCH_DATABASE_URL
MONTH = date(2026, 11, 1)
SEED = 15
RUNS = 30
COLUMNS = [
    "call_id", "started_at", "account_ref", "answered", "duration", "caller", "called",
    "call_type", "device_id", "client_id", "contract_id", "sip_account_id", "trunk_id",
    "billing_month", "country", "line_type", "price_class", "plan", "rate", "billed_seconds",
    "included_seconds", "list_cost", "cost", "included", "slot", "blocked", "trial", "late",
    "breach", "rated", "imported_at", "on_net",
]  # fmt: skip


def _rows(n, client_id, contract_id, accounts, trunk, rng, prefix):
    start = datetime(2026, 10, 31, 23, tzinfo=UTC)  # 1 November 00:00 in Paris
    span = 30 * 24 * 3600 - 1
    classes = [("FR", "fixed", 0.6), ("FR", "mobile", 0.3), ("GB", "fixed", 0.1)]
    for i in range(n):
        country, line_type, _w = rng.choices(classes, weights=[c[2] for c in classes])[0]
        on_trunk = trunk and rng.random() < 0.3
        account_id, username = (None, trunk[1]) if on_trunk else rng.choice(accounts)
        answered = rng.random() < 0.8
        duration = rng.randint(5, 600) if answered else 0
        cost = (
            "0"
            if (line_type == "fixed" and country == "FR" and not on_trunk)
            else (f"{duration * 0.0002:.4f}")
        )
        slot = (
            str(rng.randint(1, 150)) if (answered and not on_trunk and line_type == "fixed") else ""
        )
        yield (
            "\t".join(
                [
                    f"{prefix}-{i}",
                    (start + timedelta(seconds=rng.randint(0, span))).isoformat(),
                    username,
                    "t" if answered else "f",
                    str(duration),
                    "+33145000000",
                    f"+3314{rng.randint(0, 9_999_999):07d}",
                    "outbound" if rng.random() < 0.9 else "inbound",
                    "",
                    str(client_id),
                    str(contract_id),
                    str(account_id) if account_id else "\\N",
                    str(trunk[0]) if on_trunk else "\\N",
                    MONTH.isoformat(),
                    country,
                    line_type,
                    "standard",
                    "none" if on_trunk else "sip_unl",
                    "0.0120",
                    str(duration),
                    "0",
                    f"{duration * 0.0002:.4f}",
                    cost,
                    "t" if cost == "0" and answered else "f",
                    slot or "\\N",
                    "f",
                    "f",
                    "f",
                    "f",
                    "t",
                    "2026-12-01T00:00:00+00:00",
                    "f",
                ]
            )
            + "\n"
        )


def build(calls: int):
    from django.db import connection

    from accounts.choices import Role
    from tests.factories import ClientFactory, MembershipFactory, PartnerFactory, SiteFactory
    from tests.telephony.factories import make_sip_account, make_trunk
    from usage.services.partitions import partitions_ensure
    from usage.services.rollup import rollup_refresh

    partitions_ensure([MONTH])
    partner = PartnerFactory(name="Bench")
    client = ClientFactory(partner=partner, legal_name="Bench 100k SAS")
    SiteFactory(client=client)
    member = MembershipFactory(client=client, role=Role.ADMIN)
    first, _secret = make_sip_account(client, offer_code="sip-unl")
    accounts = [(first.pk, first.username)]
    for _ in range(4):
        account, _secret = make_sip_account(client, contract=first.contract)
        accounts.append((account.pk, account.username))
    trunk = make_trunk(client)
    rng = random.Random(SEED)
    buffer = io.StringIO()
    buffer.writelines(
        _rows(calls, client.pk, first.contract_id, accounts, (trunk.pk, trunk.username), rng, "big")
    )
    for k in range(50):  # the neighbours in the same partition
        other = ClientFactory(partner=partner)
        buffer.writelines(_rows(1000, other.pk, first.contract_id, accounts, None, rng, f"o{k}"))
    buffer.seek(0)
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        with cursor.connection.cursor().copy(
            f"COPY usage_callrecord ({', '.join(COLUMNS)}) FROM STDIN"
        ) as copy:
            while data := buffer.read(1 << 20):
                copy.write(data)
        cursor.execute("ANALYZE usage_callrecord")
    print(f"loaded {calls + 50_000} calls in {time.perf_counter() - t0:.1f} s")
    # What the rating pass's receiver does after an import (usage.services.rollup).
    t0 = time.perf_counter()
    rollup_refresh([(client.pk, MONTH)])
    rollup = (
        f"daily roll-up of the month (what each rating pass does): {time.perf_counter() - t0:.2f} s"
    )
    print(rollup)
    return partner, client, member, rollup


def measure(label, call, lines):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        response = call()
        assert response.status_code == 200, (label, response.status_code)
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        call()
        times.append((time.perf_counter() - t0) * 1000)
    with CaptureQueriesContext(connection) as queries:
        call()
    times.sort()
    line = (
        f"{label:<58} median {statistics.median(times):7.1f} ms   "
        f"p95 {times[int(len(times) * 0.95) - 1]:7.1f} ms   {len(queries)} queries"
    )
    print(line)
    lines.append(line)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    recreate_database(BENCH_DATABASE_URL)
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment
    from rest_framework.test import APIClient

    from tests.factories import make_api_key

    setup_test_environment()
    call_command("migrate", verbosity=0)
    try:
        partner, client, member, rollup = build(args.calls)
        web = Client()
        web.force_login(member.user)
        _key, raw = make_api_key(partner)
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
        lines = [
            f"bench/usage_pages.py --calls {args.calls}: one customer with {args.calls} calls "
            f"in {MONTH:%Y-%m} (+ 50 000 of 50 neighbours), {RUNS} requests each after 3 "
            f"warm-ups, Django test client in-process; load {os.getloadavg()[0]:.2f}",
            rollup,
        ]
        measure("page /usage/?month=2026-11", lambda: web.get("/usage/?month=2026-11"), lines)
        measure("dashboard (card of the month)", lambda: web.get("/"), lines)
        url = f"/api/v1/calls/?customer={client.pk}"
        measure("API /calls/?customer= (first page of 100)", lambda: api.get(url), lines)
        deep = url
        for _ in range(10):
            deep = api.get(deep).json()["next"]
        measure("API /calls/ 11th cursor page", lambda: api.get(deep), lines)
        month_url = f"{url}&month=2026-11&call_type=outbound"
        measure("API /calls/?month=2026-11&call_type=outbound", lambda: api.get(month_url), lines)
        summary = f"/api/v1/calls/summary/?customer={client.pk}&month=2026-11"
        measure("API /calls/summary/?month=2026-11", lambda: api.get(summary), lines)
        out = ROOT / "bench" / "results" / "usage_pages.txt"
        out.write_text("\n".join(lines) + "\n")
        print(f"written to {out}")
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(BENCH_DATABASE_URL)


if __name__ == "__main__":
    main()
