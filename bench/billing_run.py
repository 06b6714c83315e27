#!/usr/bin/env python
"""Benchmark of the month-end billing run (BIL-1) on PostgreSQL.

    python bench/billing_run.py [--customers N] [--keep] [--query-breakdown]

Builds N customers (default 10 000) with 1–3 active contracts and pending consumption charges
in a dedicated database (``portal_bench``, dropped and recreated at each start, dropped at the
end unless ``--keep``), runs the month-end run of 2026-10 in this process without PDFs, then
measures the floor (the same invoice and line rows written by a raw COPY into TEMP tables), the
median time of one invoice PDF and the time of a 1 000-line invoice's PDF (bench/invoice_pdf.py).
See bench/README.md.
"""

import argparse
import logging
import os
import random
import re
import statistics
import sys
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.invoice_pdf import long_invoice_pdf  # noqa: E402  (the project root on the path first)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
# Never the project's own database: the benchmark drops and recreates its database.
BENCH_DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench"
)
os.environ["DATABASE_URL"] = BENCH_DATABASE_URL

MONTH = date(2026, 10, 1)  # the run of October 2026, issued 2026-10-31
SEED = 20261031
PARTNERS = 5  # partner-billed, owning ~10 % of the customers
PARTNER_SHARE = 0.10
PDF_SAMPLE = 20
# (offer code, weight, main quantity range, options: (product code, probability, quantity range))
OFFER_MIX = [
    ("sip-unl", 30, (1, 5), []),
    ("trunk", 25, (2, 30), []),
    (
        "hosted-w",
        25,
        (1, 20),
        [("hosted-w-voicemail", 0.5, None), ("hosted-w-softphone", 0.3, None)],
    ),
    ("platform", 5, (1, 1), [("opt-caps", 0.4, (1, 3))]),
    ("hosted-a", 15, (1, 1), []),
]


# --- The database ----------------------------------------------------------------------------


def recreate_database(url: str) -> str:
    """Drop and create the benchmark database (a clean run every time); returns its name."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"refusing to drop {name!r}: the benchmark database name must contain 'bench'")
    with psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname="postgres",
        autocommit=True,
        connect_timeout=5,
    ) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name


def drop_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    with psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(parts.path.lstrip("/"))
            )
        )


# --- The data set ----------------------------------------------------------------------------


def build(customers: int, rng: random.Random) -> dict:
    """Customers, sites, active contracts with their lines and October's consumption, written
    with bulk_create (the benchmark measures the run, not this)."""
    from accounts.choices import BillingMode, VatRegime
    from accounts.models import Client, Partner, Site
    from billing.choices import ChargeKind, VatCategory
    from billing.models import PendingCharge
    from offers.choices import ContractStatus
    from offers.models import Contract, ContractLine, Offer, Product
    from offers.periods import next_month_start
    from tests.factories import siren_for, siret_for, vat_for

    batch = 2000
    now = datetime(2026, 9, 30, 12, tzinfo=UTC)
    offers = {o.code: o for o in Offer.objects.select_related("main_product", "terms")}
    products = {p.code: p for p in Product.objects.all()}
    snapshots = {code: offer.terms.snapshot() for code, offer in offers.items()}
    codes = [code for code, *_ in OFFER_MIX]
    weights = [weight for _code, weight, *_ in OFFER_MIX]
    mix = {code: (quantity, options) for code, _w, quantity, options in OFFER_MIX}

    partners = Partner.objects.bulk_create(
        [
            Partner(
                name=f"Bench Partner {i}",
                support_email=f"support{i}@partner-bench.example",
                billing_mode=BillingMode.PARTNER_BILLED,
                wholesale_discount_percent=Decimal(rng.choice(["10", "15", "20"])),
                legal_name=f"Bench Partner {i} SAS",
                siren=(siren := siren_for(900000 + i)),
                vat_number=vat_for(siren),
                address_line1="10 rue des Partenaires",
                postal_code="69003",
                city="Lyon",
            )
            for i in range(PARTNERS)
        ]
    )

    clients = []
    for i in range(customers):
        siren = siren_for(i)
        regime = rng.choices(
            [VatRegime.STANDARD, VatRegime.OVERSEAS, VatRegime.REVERSE_CHARGE], [90, 5, 5]
        )[0]
        clients.append(
            Client(
                partner=rng.choice(partners) if rng.random() < PARTNER_SHARE else None,
                legal_name=f"Bench Company {i} SAS",
                siren=siren,
                siret=siret_for(siren),
                vat_number=vat_for(siren),
                address_line1=f"{1 + i % 200} rue de la Paix",
                postal_code="97200" if regime == VatRegime.OVERSEAS else "75002",
                city="Fort-de-France" if regime == VatRegime.OVERSEAS else "Paris",
                country="BE" if regime == VatRegime.REVERSE_CHARGE else "FR",
                vat_regime=regime,
                invoice_recipients=[f"billing@{siren}.example"],
            )
        )
    Client.objects.bulk_create(clients, batch_size=batch)
    sites = Site.objects.bulk_create(
        [
            Site(
                client=client,
                name="Siège",
                address_line1="2 rue du Port",
                postal_code="13002",
                city="Marseille",
                insee_code="13202",
            )
            for client in clients
        ],
        batch_size=batch,
    )

    first_day = date(2023, 1, 1).toordinal()
    last_day = (MONTH - timedelta(days=1)).toordinal()
    contracts, plans = [], []
    for client, site in zip(clients, sites, strict=True):
        for _ in range(rng.randint(1, 3)):
            code = rng.choices(codes, weights)[0]
            offer = offers[code]
            start = date.fromordinal(rng.randint(first_day, last_day))  # before the month
            signed = start - timedelta(days=rng.randint(0, 20))
            contract = Contract(
                reference=f"BN-{len(contracts) + 1:08d}",
                client=client,
                site=site,
                offer=offer,
                status=ContractStatus.ACTIVE,
                terms_snapshot=snapshots[code],
                signature_date=signed,
                order_date=signed,
                service_start_date=start,
                purchase_order_ref=f"PO-{client.siren[-4:]}" if rng.random() < 0.2 else "",
                ordered_at=now,
                activated_at=now,
            )
            period = contract.period_at(MONTH) or contract.period_at(start)
            contract.current_period_start = period.start
            contract.current_period_end = period.end or next_month_start(MONTH)
            contracts.append(contract)
            plans.append((code, start))
    Contract.objects.bulk_create(contracts, batch_size=batch)

    lines = []
    for contract, (code, start) in zip(contracts, plans, strict=True):
        (low, high), options = mix[code]
        quantity = rng.randint(low, high)
        wanted = [(offers[code].main_product, quantity)]
        for option, probability, option_range in options:
            if rng.random() < probability:
                wanted.append(
                    (products[option], rng.randint(*option_range) if option_range else quantity)
                )
        for product, count in wanted:
            lines.append(
                ContractLine(
                    contract=contract,
                    product=product,
                    quantity=count,
                    unit_setup_price=product.setup_price,
                    unit_monthly_price=product.monthly_price,
                    started_on=start,
                )
            )
    ContractLine.objects.bulk_create(lines, batch_size=batch)

    by_client = {}
    for contract in contracts:
        by_client.setdefault(contract.client_id, []).append(contract)
    charges = []
    for client in clients:
        for _ in range(rng.randint(0, 3)):
            charges.append(
                PendingCharge(
                    client=client,
                    contract=rng.choice(by_client[client.pk]),
                    kind=ChargeKind.CONSUMPTION,
                    source_type="usage",
                    source_id=f"bench-cdr-{len(charges) + 1}",
                    period_start=MONTH + timedelta(days=rng.randint(0, 30)),
                    description="Communications sortantes",
                    quantity=Decimal(1),
                    unit_price=Decimal(rng.randint(50, 8000)) / 100,
                    vat_category=VatCategory.OUTSIDE_SCOPE if rng.random() < 0.03 else "",
                )
            )
    PendingCharge.objects.bulk_create(charges, batch_size=batch)
    return {
        "partners": len(partners),
        "customers": len(clients),
        "partner_customers": sum(1 for c in clients if c.partner_id),
        "contracts": len(contracts),
        "contract_lines": len(lines),
        "charges": len(charges),
    }


# --- The run ---------------------------------------------------------------------------------


class QueryCounter:
    """``connection.execute_wrapper``: counts statements; with ``shapes``, also the count and
    time of each statement shape (literals and IN/VALUES lists folded)."""

    def __init__(self, shapes: bool = False):
        self.count = 0
        self.shapes = defaultdict(lambda: [0, 0.0]) if shapes else None

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        if self.shapes is None:
            return execute(sql, params, many, context)
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            entry = self.shapes[sql]
            entry[0] += 1
            entry[1] += time.perf_counter() - started

    @staticmethod
    def shape(sql: str) -> str:
        sql = re.sub(r"%s(::[\w\[\]]+)?", "?", sql)
        sql = re.sub(r"\?(, \?)+", "?…", sql)
        sql = re.sub(r"\(\?…\)(, \(\?…\))+", "(?…)…", sql)
        sql = re.sub(r"(WHEN .*? THEN .*? )+", "WHEN… ", sql)
        return re.sub(r"SELECT .*? FROM", "SELECT … FROM", sql, count=1)

    def top(self, limit=20) -> list[tuple[str, int, float]]:
        merged = defaultdict(lambda: [0, 0.0])
        for sql, (count, seconds) in (self.shapes or {}).items():
            entry = merged[self.shape(sql)]
            entry[0] += count
            entry[1] += seconds
        ranked = sorted(merged.items(), key=lambda item: -item[1][1])[:limit]
        return [(shape, count, seconds) for shape, (count, seconds) in ranked]


def run_month(shapes: bool) -> dict:
    from django.conf import settings
    from django.db import connection

    from billing import services
    from billing.models import Invoice, InvoiceLine

    settings.BILLING_RENDER_PDF = False
    counter = QueryCounter(shapes)
    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        begun = services.run_start(month=MONTH)
        run, parties = begun if isinstance(begun, tuple) else (begun, None)
        if parties is None:
            parties = services.parties_for_month(MONTH)
        for batch in services.batches(parties):
            services.run_batch(run_id=run.pk, parties=batch)
        run = services.run_finish(run_id=run.pk)
        seconds = time.perf_counter() - started
    return {
        "run": run,
        "buyers": len(parties),
        "invoices": Invoice.objects.filter(run=run).count(),
        "lines": InvoiceLine.objects.filter(invoice__run=run).count(),
        "seconds": seconds,
        "queries": counter.count,
        "shapes": counter.top() if shapes else [],
    }


# --- The floor -------------------------------------------------------------------------------


def floor(run) -> float:
    """Seconds to write the run's invoice and line rows again, with COPY, into TEMP tables
    without constraints (values read back from the real tables first, not timed)."""
    from django.db import connection
    from psycopg.types.string import TextLoader

    connection.ensure_connection()
    raw = connection.connection
    tables = {
        "bench_inv": (
            "billing_invoice",
            "SELECT * FROM billing_invoice WHERE run_id = %s ORDER BY id",
        ),
        "bench_line": (
            "billing_invoiceline",
            "SELECT l.* FROM billing_invoiceline l JOIN billing_invoice i ON i.id = l.invoice_id "
            "WHERE i.run_id = %s ORDER BY l.id",
        ),
    }
    data = {}
    with raw.cursor() as cursor:
        for loader_type in ("json", "jsonb"):
            cursor.adapters.register_loader(loader_type, TextLoader)  # JSON kept as text
        for temp, (table, query) in tables.items():
            cursor.execute(query, [run.pk])
            columns = [d.name for d in cursor.description]
            data[temp] = (columns, cursor.fetchall())
            cursor.execute(f"DROP TABLE IF EXISTS {temp}")
            cursor.execute(f"CREATE TEMP TABLE {temp} (LIKE {table} INCLUDING DEFAULTS)")
        started = time.perf_counter()
        with raw.transaction():
            for temp, (columns, rows) in data.items():
                names = ", ".join(f'"{name}"' for name in columns)
                with cursor.copy(f"COPY {temp} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        seconds = time.perf_counter() - started
        for temp in tables:
            cursor.execute(f"DROP TABLE {temp}")
    return seconds


# --- PDFs ------------------------------------------------------------------------------------


def pdf_times(run) -> dict:
    from django.db.models import Count

    from billing.documents import render_pdf
    from billing.models import Invoice

    logging.getLogger("factur-x").setLevel(logging.WARNING)  # set to INFO on import: 3 lines a PDF

    ids = list(Invoice.objects.filter(run=run).order_by("pk").values_list("pk", flat=True))
    if not ids:
        return {}
    step = max(1, len(ids) // PDF_SAMPLE)
    sample = ids[::step][:PDF_SAMPLE]
    queryset = Invoice.objects.select_related("client__partner", "corrects").annotate(
        line_count=Count("lines")
    )
    render_pdf(queryset.get(pk=sample[0]))  # warm-up: fonts, templates, XSD
    times, sizes = [], []
    for pk in sample:
        invoice = queryset.get(pk=pk)
        started = time.perf_counter()
        render_pdf(invoice)
        times.append((time.perf_counter() - started) * 1000)
        sizes.append(invoice.line_count)
    largest = queryset.order_by("-line_count", "pk").first()
    started = time.perf_counter()
    render_pdf(largest)
    largest_ms = (time.perf_counter() - started) * 1000
    return {
        "median_ms": statistics.median(times),
        "min_ms": min(times),
        "max_ms": max(times),
        "sample": len(sample),
        "median_lines": statistics.median(sizes),
        "largest_lines": largest.line_count,
        "largest_ms": largest_ms,
    }


# --- Main ------------------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000, help="default 10000")
    parser.add_argument(
        "--keep", action="store_true", help="keep the benchmark database at the end"
    )
    parser.add_argument(
        "--query-breakdown",
        action="store_true",
        help="also print the most frequent statements of the run",
    )
    parser.add_argument("--no-pdf", action="store_true", help="skip the PDF timing")
    parser.add_argument(
        "--profile-pdf",
        action="store_true",
        help="print a cProfile of the 1000-line invoice's PDF render",
    )
    args = parser.parse_args(argv)

    wall = time.perf_counter()
    name = recreate_database(BENCH_DATABASE_URL)
    print(f"database {name}: recreated", flush=True)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    migrate_seconds = time.perf_counter() - started
    print(f"migrate: {migrate_seconds:.1f} s", flush=True)

    try:
        started = time.perf_counter()
        built = build(args.customers, random.Random(SEED))
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        setup_seconds = time.perf_counter() - started
        print(
            "set-up: {customers} customers ({partner_customers} of {partners} partner-billed "
            "partners), {contracts} contracts, {contract_lines} contract lines, {charges} "
            "pending charges in {s:.1f} s".format(s=setup_seconds, **built),
            flush=True,
        )

        result = run_month(args.query_breakdown)
        run = result["run"]
        rate = args.customers / result["seconds"] if result["seconds"] else 0.0
        print(
            f"run {MONTH:%Y-%m}: status {run.status}, {result['buyers']} buyers, "
            f"{result['invoices']} invoices, {result['lines']} lines, "
            f"{result['seconds']:.2f} s, {rate:.0f} customers/s, {result['queries']} queries "
            f"({result['queries'] / max(result['buyers'], 1):.1f} per buyer)",
            flush=True,
        )
        if run.failed:
            print(f"  {run.failed} failures, first: {run.errors[:1]}", flush=True)
        if result["shapes"]:
            print("  statements by time spent in execute (count, seconds, ms each, shape):")
        for shape, count, seconds in result["shapes"]:
            print(f"  {count:>7} {seconds:7.2f} s {seconds / count * 1000:6.2f}  {shape[:160]}")

        floor_seconds = floor(run)
        ratio = result["seconds"] / floor_seconds if floor_seconds else float("inf")
        print(
            f"floor: COPY of {result['invoices']} invoice + {result['lines']} line rows in "
            f"{floor_seconds:.3f} s; run/floor {ratio:.0f}×",
            flush=True,
        )

        pdf = {} if args.no_pdf else pdf_times(run)
        if pdf:
            print(
                f"pdf: median {pdf['median_ms']:.0f} ms over {pdf['sample']} invoices "
                f"(min {pdf['min_ms']:.0f}, max {pdf['max_ms']:.0f}, median "
                f"{pdf['median_lines']:.0f} lines); largest invoice ({pdf['largest_lines']} "
                f"lines) {pdf['largest_ms']:.0f} ms",
                flush=True,
            )
        long_pdf = {} if args.no_pdf else long_invoice_pdf(run, MONTH, args.profile_pdf)
        if long_pdf:
            print(
                f"PDF of {long_pdf['lines']} lines: {long_pdf['seconds']:.2f} s "
                f"({long_pdf['pages']} pages), CPU {long_pdf['cpu_seconds']:.2f} s",
                flush=True,
            )
    finally:
        connection.close()
        if not args.keep:
            drop_database(BENCH_DATABASE_URL)

    summary = [
        ("customers", f"{args.customers}"),
        ("contracts / contract lines", f"{built['contracts']} / {built['contract_lines']}"),
        ("pending charges before run", f"{built['charges']}"),
        ("set-up (bulk_create)", f"{setup_seconds:.1f} s"),
        ("buyers", f"{result['buyers']}"),
        ("invoices", f"{result['invoices']}"),
        ("invoice lines", f"{result['lines']}"),
        ("run, without PDFs", f"{result['seconds']:.2f} s"),
        ("customers/s", f"{rate:.0f} (target 500, i.e. 10 000 in < 20 s)"),
        (
            "queries",
            f"{result['queries']} ({result['queries'] / max(result['buyers'], 1):.1f} per buyer)",
        ),
        ("floor (COPY invoices + lines)", f"{floor_seconds:.3f} s"),
        ("run / floor", f"{ratio:.0f}×"),
    ]
    if pdf:
        summary.append(("PDF median", f"{pdf['median_ms']:.0f} ms ({pdf['sample']} invoices)"))
        summary.append(
            ("PDF largest invoice", f"{pdf['largest_ms']:.0f} ms ({pdf['largest_lines']} lines)")
        )
    if long_pdf:
        summary.append(
            (
                f"PDF of {long_pdf['lines']} lines",
                f"{long_pdf['seconds']:.2f} s ({long_pdf['pages']} pages, CPU "
                f"{long_pdf['cpu_seconds']:.2f} s; target < 2 s)",
            )
        )
        summary.append(("bench wall time", f"{time.perf_counter() - wall:.0f} s"))
    width = max(len(label) for label, _value in summary)
    print(f"\n== billing run benchmark, month {MONTH:%Y-%m}, PostgreSQL ==")
    for label, value in summary:
        print(f"{label:<{width}}  {value}")
    return 0 if run.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
