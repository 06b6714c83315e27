#!/usr/bin/env python
"""Benchmark of a month of daily CDR files (issue 15): the same calls as ``bench/rating.py``'s
file in call order, cut into ``--files`` successive files imported one after the other.

    python bench/rating_daily.py [--rows 200000] [--accounts 400] [--files 10] [--keep]

Each file's calls come after the stored ones, which it leaves as rated
(docs/rules.md: a call is rated once; the stored calls of a plan lend their numbers' slots and
their USE-4 counts to the new ones), unless it opens a fair-use breach (the month is then rated
whole). Prints each file's time, the total, the same calls as one file
(the floor of this bench: what a carrier's monthly file costs), the totals per plan and the
roll-up's totals against the calls'. In its own database (``portal_bench_rating``, as
``bench/rating.py``: dropped and recreated, dropped at the end unless ``--keep``). Results go
to stdout and ``bench/results/rating_daily.txt``.
"""

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import rating as bench  # noqa: E402 (sets the database and the settings)
from bench.billing_run import drop_database, recreate_database  # noqa: E402


def run_files(contents) -> list[float]:
    from usage.choices import ImportSource
    from usage.services import imports

    seconds = []
    for i, content in enumerate(contents):
        batch = imports.import_create(
            source=ImportSource.COMMAND, filename=f"day{i + 1}.csv", content=content, run=False
        )
        started = time.perf_counter()
        imports.import_run(batch.pk)
        seconds.append(time.perf_counter() - started)
    return seconds


def totals(cursor) -> list[tuple]:
    cursor.execute(
        "SELECT plan, count(*), sum(cost), count(*) FILTER (WHERE included), "
        "count(*) FILTER (WHERE breach) FROM usage_callrecord GROUP BY plan ORDER BY 1"
    )
    return cursor.fetchall()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000, help="default 200000")
    parser.add_argument("--accounts", type=int, default=400, help="default 400")
    parser.add_argument("--files", type=int, default=10, help="default 10")
    parser.add_argument("--keep", action="store_true", help="keep the database at the end")
    args = parser.parse_args(argv)
    os.environ.setdefault("USAGE_IMPORT_WORKERS", "2")
    lines = []

    def say(text=""):
        print(text, flush=True)
        lines.append(text)

    name = recreate_database(bench.BENCH_DATABASE_URL)
    say(
        f"database {name}: recreated; load average {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)"
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    try:
        accounts = bench.accounts_ready(args.accounts, random.Random(bench.SEED))
        path = Path(tempfile.mkdtemp(prefix="bench-rating-daily-")) / "cdr.csv"
        rng = random.Random(bench.SEED + 1)
        rows = bench.write_cdrs(path, accounts, args.rows, rng, order="time")
        header, *body = [line for line in path.read_bytes().split(b"\r\n") if line]
        n = args.files
        contents = [
            b"\n".join([header, *body[i * len(body) // n : (i + 1) * len(body) // n], b""])
            for i in range(n)
        ]
        say(f"set-up: {len(accounts)} accounts, {rows} CDRs of October 2026 in call order, "
            f"cut into {n} files of ~{rows // n} calls")  # fmt: skip
        seconds = run_files(contents)
        for i, s in enumerate(seconds):
            say(f"  file {i + 1:>2}: {s:6.2f} s")
        say(f"{n} files: {sum(seconds):.2f} s; the last {seconds[-1] / seconds[0]:.1f}x the first")
        with connection.cursor() as cursor:
            daily = totals(cursor)
            cursor.execute(
                "SELECT (SELECT sum(cost) FILTER (WHERE NOT trial AND NOT blocked) "
                "FROM usage_callrecord), (SELECT sum(cost) FROM usage_usageday), "
                "(SELECT sum(calls) FROM usage_usageday), (SELECT count(*) FROM usage_usageday)"
            )
            billable, rolled, rolled_calls, rollup_rows = cursor.fetchone()
            say(f"  roll-up: {rolled_calls} calls, {rolled} € in {rollup_rows} rows; "
                f"the calls' billable cost {billable} €")  # fmt: skip
            cursor.execute("TRUNCATE usage_callrecord, usage_usageday, usage_fairusebreach CASCADE")
        one = run_files([b"\n".join([header, *body, b""])])[0]
        say(f"the same calls as one file: {one:.2f} s ({sum(seconds) / one:.1f}x less than the "
            f"{n} files)")  # fmt: skip
        with connection.cursor() as cursor:
            same = totals(cursor) == daily
        for plan, count, cost, included, breach in daily:
            say(f"  {plan:9} {count:>7} calls, cost {cost:>11} €, included {included}, "
                f"breach {breach}")  # fmt: skip
        say(f"  the same totals per plan as one file: {'yes' if same else 'NO'}")
    finally:
        connection.close()
        if not args.keep:
            drop_database(bench.BENCH_DATABASE_URL)
    bench.results_write(lines, "rating_daily.txt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
