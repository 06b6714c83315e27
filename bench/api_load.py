#!/usr/bin/env python
"""Load benchmark of the partner API (issue 13) on PostgreSQL, behind gunicorn.

    python bench/api_load.py [--seconds 20] [--clients 50] [--quick] [--keep] [--reuse]

Builds, in a dedicated database (``portal_bench_api``, dropped and recreated at each start,
dropped at the end unless ``--keep``), a partner with 1 000 customers and their sites, users,
contracts, invoices, payments, trunks, SIP accounts, tickets… (bulk_create, fixed seed), and a
second partner with 10 customers of the same shape. Then:

1. counts the SQL queries of one request to every list endpoint, in this process, for the
   partner of 1 000 customers and for the one of 10 (they must be equal: constant in the data);
2. starts gunicorn (``portal.wsgi``, ``portal.settings.production``, DEBUG off, the real Redis
   cache and throttle) and drives each list endpoint (page of 50) and two detail endpoints with
   ``--clients`` threads on keep-alive ``http.client`` connections (reopened when a sync
   worker closes them) for ``--seconds`` each;
3. prints one row per endpoint: requests, req/s, p50/p95/p99 latency, errors, the CPU one
   request cost gunicorn and PostgreSQL (from /proc: comparable between runs whatever the
   machine's load), and the queries.

``--profile`` prints a cProfile of in-process requests instead of the load test.

Kept pages (``portal.api.pagination``: a page asked again is served from memory while no
committed change touches its tables) are on, as in production; ``--no-page-cache`` runs
gunicorn with ``API_PAGE_CACHE=0``, every request reading its page from PostgreSQL.

The load generator is wrk (``--loader wrk``, the default when /usr/bin/wrk exists; ``make
bench-api`` installs Debian's package) or Python threads in this process (``--loader python``,
which take most of a core themselves). Either shares the machine's two cores with gunicorn,
PostgreSQL and Redis, so the figures are a floor of what the server does alone.
See bench/README.md.
"""

import argparse
import cProfile
import http.client
import io
import os
import pstats
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Never the project's own database: the benchmark drops and recreates its database.
BENCH_DATABASE_URL = os.environ.get(
    "BENCH_API_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench_api"
)
BENCH_CACHE_URL = os.environ.get("BENCH_API_CACHE_URL", "rediscache://127.0.0.1:6379/9")
BENCH_BROKER_URL = os.environ.get("BENCH_API_BROKER_URL", "redis://127.0.0.1:6379/10")
# The throttle keeps running (one Redis round trip a request, as in production) but never
# refuses: the bench measures the server, not the rate limit.
BENCH_THROTTLE_RATE = "100000000/min"


def configure() -> None:
    """This process's environment (gunicorn gets its own, production, in ``start_gunicorn``).
    Only ``main`` calls it: ``tests/api/test_query_counts.py`` imports ``Builder`` from here."""
    os.environ["DATABASE_URL"] = BENCH_DATABASE_URL
    os.environ["CACHE_URL"] = BENCH_CACHE_URL
    os.environ["CELERY_BROKER_URL"] = BENCH_BROKER_URL
    os.environ["API_THROTTLE_RATE"] = BENCH_THROTTLE_RATE
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings.test"


SEED = 20261202
BIG = ("Bench API Partner", 1000)
SMALL = ("Bench API Small Partner", 10)
MONTHS = [date(2026, m, 1) for m in range(6, 12)]  # invoiced June..November 2026
PAGE = 50
OFFER_MIX = [("sip-unl", 30), ("trunk", 25), ("hosted-w", 25), ("platform", 5), ("hosted-a", 15)]
DETAIL = ["contract-detail", "invoice-detail"]


# --- The data set ----------------------------------------------------------------------------


class Builder:
    """One partner's customers and everything the API lists, with bulk_create."""

    batch = 2000

    def __init__(self, rng: random.Random):
        from offers.models import Offer, Product
        from telephony.models import PackTable

        self.rng = rng
        self.now = datetime(2026, 11, 30, 10, tzinfo=UTC)
        self.offers = {o.code: o for o in Offer.objects.select_related("main_product", "terms")}
        self.products = {p.code: p for p in Product.objects.all()}
        self.snapshots = {code: o.terms.snapshot() for code, o in self.offers.items()}
        table = PackTable.objects.prefetch_related("packs").get(offer=self.offers["trunk"])
        self.packs = sorted(table.packs.all(), key=lambda p: p.channels)
        self.counters = dict.fromkeys(
            ["invoice", "credit", "contract", "ticket", "sip", "customers"], 0
        )

    def _next(self, name: str) -> int:
        self.counters[name] += 1
        return self.counters[name]

    def partner(self, name: str, customers: int, tag: str) -> dict:
        from accounts.choices import BillingMode, Role
        from accounts.models import Client, Membership, Partner, Site, User
        from accounts.services import api_key_create
        from tests.factories import siren_for, siret_for, vat_for

        partner = Partner.objects.create(
            name=name,
            support_email=f"support@{tag}.example",
            billing_mode=BillingMode.RESELLER_BILLED,
            legal_name=f"{name} SAS",
        )
        _key, raw_key = api_key_create(partner=partner, name="bench")
        base = 800000 + self._next("customers") * 10000  # distinct SIRENs for each partner
        clients = Client.objects.bulk_create(
            [
                Client(
                    partner=partner,
                    legal_name=f"{name} Customer {i:04d} SAS",
                    siren=(siren := siren_for(base + i)),
                    siret=siret_for(siren),
                    vat_number=vat_for(siren),
                    address_line1=f"{1 + i % 200} rue de la Paix",
                    postal_code="75002",
                    city="Paris",
                    invoice_recipients=[f"billing@{siren}.example"],
                )
                for i in range(customers)
            ],
            batch_size=self.batch,
        )
        sites = Site.objects.bulk_create(
            [
                Site(
                    client=c,
                    name="Siège",
                    address_line1="2 rue du Port",
                    postal_code="13002",
                    city="Marseille",
                    insee_code="13202",
                )
                for c in clients
            ],
            batch_size=self.batch,
        )
        users = User.objects.bulk_create(
            [
                User(email=f"admin{i}@{tag}-{c.siren}.example", password="!", first_name="Ada")
                for i, c in enumerate(clients)
            ],
            batch_size=self.batch,
        )
        Membership.objects.bulk_create(
            [
                Membership(user=u, client=c, role=Role.ADMIN)
                for u, c in zip(users, clients, strict=True)
            ],
            batch_size=self.batch,
        )
        contracts = self._contracts(clients, sites)
        invoices = self._invoices(clients, contracts)
        self._payments(clients, invoices)
        self._charges(clients, contracts)
        self._telephony(contracts)
        self._support(clients, contracts)
        return {"partner": partner, "key": raw_key, "clients": clients, "contracts": contracts}

    def _contracts(self, clients, sites) -> list:
        from offers.choices import ContractStatus, SuspensionReason, TerminationStatus
        from offers.models import Contract, ContractLine, Suspension, Termination

        rng = self.rng
        codes = [c for c, _w in OFFER_MIX]
        weights = [w for _c, w in OFFER_MIX]
        contracts = []
        for index, (client, site) in enumerate(zip(clients, sites, strict=True)):
            # The first customer has one contract of each offer: even the smallest partner has
            # a trunk, SIP accounts, availability reports… (tests/api/test_query_counts.py).
            plan = codes if index == 0 else rng.choices(codes, weights, k=rng.randint(1, 3))
            for code in plan:
                start = date(2024, 1, 1) + timedelta(days=rng.randint(0, 900))
                contracts.append(
                    Contract(
                        reference=f"BA-{self._next('contract'):08d}",
                        client=client,
                        site=site,
                        offer=self.offers[code],
                        status=ContractStatus.ACTIVE,
                        terms_snapshot=self.snapshots[code],
                        signature_date=start - timedelta(days=10),
                        order_date=start - timedelta(days=10),
                        service_start_date=start,
                        current_period_start=date(2026, 1, 1),
                        current_period_end=date(2027, 1, 1),
                        ordered_at=self.now,
                        activated_at=self.now,
                    )
                )
        Contract.objects.bulk_create(contracts, batch_size=self.batch)
        lines = []
        for contract in contracts:
            offer = contract.offer
            wanted = [(offer.main_product, rng.randint(1, 10))]
            if offer.code == "hosted-w" and rng.random() < 0.5:
                wanted.append((self.products["hosted-w-voicemail"], wanted[0][1]))
            contract.bench_lines = []
            for product, quantity in wanted:
                contract.bench_lines.append(
                    ContractLine(
                        contract=contract,
                        product=product,
                        quantity=quantity,
                        unit_setup_price=product.setup_price,
                        unit_monthly_price=product.monthly_price,
                        started_on=contract.service_start_date,
                    )
                )
            lines += contract.bench_lines
        ContractLine.objects.bulk_create(lines, batch_size=self.batch)
        Termination.objects.bulk_create(
            [
                Termination(
                    contract=c,
                    status=TerminationStatus.SCHEDULED,
                    notice_at=self.now,
                    notice_date=self.now.date(),
                    effective_date=date(2027, 1, 1),
                    fee_rule=c.terms_snapshot["fee_rule"],
                    fee_start=date(2027, 1, 1),
                    fee_amount=Decimal("0.00"),
                    previous_status=ContractStatus.ACTIVE,
                )
                for c in contracts[::20]
            ]
        )
        Suspension.objects.bulk_create(
            [
                Suspension(contract=c, reason=SuspensionReason.NON_PAYMENT, started_at=self.now)
                for c in contracts[7::50]
            ]
        )
        return contracts

    def _invoices(self, clients, contracts) -> list:
        from billing.choices import ChargeKind, DocumentKind, DocumentStatus, VatCategory
        from billing.models import Invoice, InvoiceLine

        rng = self.rng
        by_client = {}
        for contract in contracts:
            by_client.setdefault(contract.client_id, []).append(contract)
        invoices, plans = [], []
        for month in MONTHS:
            issue = month - timedelta(days=1)
            for client in clients:
                rows = []
                for contract in by_client.get(client.pk, []):
                    for line in contract.bench_lines:
                        rows.append(
                            (
                                ChargeKind.SUBSCRIPTION,
                                contract,
                                line.product.name,
                                Decimal(line.quantity),
                                line.unit_monthly_price,
                            )
                        )
                    if rng.random() < 0.5:
                        rows.append(
                            (
                                ChargeKind.CONSUMPTION,
                                contract,
                                "Communications sortantes",
                                Decimal(1),
                                Decimal(rng.randint(50, 8000)) / 100,
                            )
                        )
                net = sum((q * p).quantize(Decimal("0.01")) for _k, _c, _d, q, p in rows)
                vat = (net * Decimal("0.20")).quantize(Decimal("0.01"))
                number = self._next("invoice")
                invoices.append(
                    Invoice(
                        kind=DocumentKind.INVOICE,
                        status=DocumentStatus.ISSUED,
                        series="F",
                        year=issue.year,
                        sequence=number,
                        number=f"F{issue.year}-{number:06d}",
                        client=client,
                        month=month,
                        issue_date=issue,
                        due_date=issue + timedelta(days=30),
                        buyer=_buyer(client),
                        seller={"name": "Azur Télécom SAS"},
                        vat_breakdown=[
                            {
                                "category": VatCategory.STANDARD,
                                "rate": "20.00",
                                "taxable": str(net),
                                "vat": str(vat),
                            }
                        ],
                        total_net=net,
                        total_vat=vat,
                        total_gross=net + vat,
                        amount_due=net + vat,
                    )
                )
                plans.append(rows)
        Invoice.objects.bulk_create(invoices, batch_size=self.batch)
        lines = []
        for invoice, rows in zip(invoices, plans, strict=True):
            for position, (kind, contract, description, quantity, price) in enumerate(rows, 1):
                lines.append(
                    InvoiceLine(
                        invoice=invoice,
                        position=position,
                        kind=kind,
                        description=description,
                        contract_reference=contract.reference,
                        site_name="Siège",
                        period_start=invoice.month,
                        period_end=_next_month(invoice.month),
                        quantity=quantity,
                        unit_price=price,
                        net_amount=(quantity * price).quantize(Decimal("0.01")),
                        vat_category=VatCategory.STANDARD,
                        vat_rate=Decimal("20.00"),
                    )
                )
        InvoiceLine.objects.bulk_create(lines, batch_size=self.batch)
        credits = []
        for invoice in invoices[5::40]:
            number = self._next("credit")
            credits.append(
                Invoice(
                    kind=DocumentKind.CREDIT_NOTE,
                    status=DocumentStatus.ISSUED,
                    series="A",
                    year=invoice.year,
                    sequence=number,
                    number=f"A{invoice.year}-{number:06d}",
                    client_id=invoice.client_id,
                    month=invoice.month,
                    issue_date=invoice.issue_date + timedelta(days=10),
                    corrects=invoice,
                    reason="Geste commercial",
                    buyer=invoice.buyer,
                    vat_breakdown=invoice.vat_breakdown,
                    total_net=invoice.total_net,
                    total_vat=invoice.total_vat,
                    total_gross=invoice.total_gross,
                )
            )
        Invoice.objects.bulk_create(credits, batch_size=self.batch)
        return invoices

    def _payments(self, clients, invoices) -> None:
        from payments.choices import AllocationSource, PaymentMethod, PrepaidKind
        from payments.models import Allocation, Dispute, Payment, PrepaidAccount, PrepaidEntry

        paid = [i for i in invoices if i.month < MONTHS[-2] and i.total_gross > 0]
        payments = Payment.objects.bulk_create(
            [
                Payment(
                    client_id=i.client_id,
                    method=PaymentMethod.TRANSFER,
                    amount=i.total_gross,
                    received_on=i.due_date - timedelta(days=3),
                    reference=f"VIR-{i.number}",
                )
                for i in paid
            ],
            batch_size=self.batch,
        )
        Allocation.objects.bulk_create(
            [
                Allocation(
                    invoice=i,
                    source=AllocationSource.PAYMENT,
                    payment=p,
                    amount=p.amount,
                    on=p.received_on,
                )
                for i, p in zip(paid, payments, strict=True)
            ],
            batch_size=self.batch,
        )
        last = [i for i in invoices if i.month == MONTHS[-1] and i.total_gross > 0]
        Dispute.objects.bulk_create(
            [
                Dispute(
                    invoice=i,
                    client_id=i.client_id,
                    amount=(i.total_gross / 2).quantize(Decimal("0.01")),
                    reason="Lignes facturées deux fois",
                )
                for i in last[::10]
            ]
        )
        accounts = PrepaidAccount.objects.bulk_create(
            [PrepaidAccount(client=c) for c in clients[::5]]
        )
        entries = []
        for account in accounts:
            entries += [
                PrepaidEntry(
                    account=account,
                    kind=PrepaidKind.TOPUP,
                    amount=Decimal("100.00"),
                    balance_after=Decimal("100.00"),
                    description="Rechargement",
                ),
                PrepaidEntry(
                    account=account,
                    kind=PrepaidKind.DEBIT,
                    amount=Decimal("-40.00"),
                    balance_after=Decimal("60.00"),
                    description="Facture",
                ),
                PrepaidEntry(
                    account=account,
                    kind=PrepaidKind.TOPUP,
                    amount=Decimal("50.00"),
                    balance_after=Decimal("110.00"),
                    description="Rechargement",
                ),
            ]
        PrepaidEntry.objects.bulk_create(entries, batch_size=self.batch)

    def _charges(self, clients, contracts) -> None:
        from billing.choices import ChargeKind
        from billing.models import PendingCharge

        rng = self.rng
        charges = []
        for contract in contracts:
            for _ in range(rng.randint(1, 3)):
                n = len(charges) + 1
                charges.append(
                    PendingCharge(
                        client_id=contract.client_id,
                        contract=contract,
                        kind=ChargeKind.CONSUMPTION,
                        source_type="usage",
                        source_id=f"bench-api-{contract.reference}-{n}",
                        period_start=date(2026, 11, 1) + timedelta(days=rng.randint(0, 29)),
                        description="Communications sortantes",
                        unit_price=Decimal(rng.randint(50, 8000)) / 100,
                    )
                )
        PendingCharge.objects.bulk_create(charges, batch_size=self.batch)

    def _telephony(self, contracts) -> None:
        from telephony.choices import DecreaseStatus, LedgerCause, OrderStatus, PaymentChoice
        from telephony.models import (
            ChannelDecrease,
            ChannelOrder,
            PackLedgerEntry,
            SipAccount,
            SipDevice,
            Trunk,
        )

        rng = self.rng
        trunk_contracts = [c for c in contracts if c.offer.code == "trunk"]
        trunks = Trunk.objects.bulk_create(
            [
                Trunk(
                    contract=c,
                    username=f"bt{secrets.token_hex(8)}",
                    secret_encrypted="-",
                    secret_issued_at=self.now,
                )
                for c in trunk_contracts
            ],
            batch_size=self.batch,
        )
        ledger, orders, decreases = [], [], []
        big, small = self.packs[-1], self.packs[0]
        for index, trunk in enumerate(trunks):
            ledger.append(
                PackLedgerEntry(
                    trunk=trunk,
                    pack=big,
                    count=1,
                    cause=LedgerCause.INITIAL,
                    effective_on=date(2025, 1, 1),
                )
            )
            ledger.append(
                PackLedgerEntry(
                    trunk=trunk,
                    pack=small,
                    count=rng.randint(1, 3),
                    cause=LedgerCause.INITIAL,
                    effective_on=date(2025, 1, 1),
                )
            )
            if index % 3 == 0:
                orders.append(
                    ChannelOrder(
                        trunk=trunk,
                        reference=f"CO-{trunk.pk:08d}",
                        status=OrderStatus.ACTIVE,
                        channels_requested=small.channels,
                        packs=[
                            {
                                "channels": small.channels,
                                "count": 1,
                                "monthly_price": str(small.monthly_price),
                            }
                        ],
                        channels_added=small.channels,
                        monthly_price_added=small.monthly_price,
                        activation_day=date(2026, 10, 5),
                        period_end=date(2027, 1, 1),
                        payment_method=PaymentChoice.RECORDED_PAYMENT,
                        expires_on=date(2026, 10, 12),
                        paid_at=self.now,
                        activated_at=self.now,
                    )
                )
            if index % 10 == 0:
                decreases.append(
                    ChannelDecrease(
                        trunk=trunk,
                        status=DecreaseStatus.PENDING,
                        channels_to_remove=1,
                        channels_before=big.channels,
                        effective_on=date(2027, 1, 1),
                    )
                )
        PackLedgerEntry.objects.bulk_create(ledger, batch_size=self.batch)
        ChannelOrder.objects.bulk_create(orders, batch_size=self.batch)
        ChannelDecrease.objects.bulk_create(decreases, batch_size=self.batch)
        accounts = []
        for contract in contracts:
            if contract.offer.code in ("sip-unl", "hosted-w"):
                for _ in range(rng.randint(1, 3)):
                    accounts.append(
                        SipAccount(
                            contract=contract,
                            username=f"bs{secrets.token_hex(8)}",
                            secret_encrypted="-",
                            secret_issued_at=self.now,
                            label=f"Poste {self._next('sip')}",
                        )
                    )
        SipAccount.objects.bulk_create(accounts, batch_size=self.batch)
        SipDevice.objects.bulk_create(
            [
                SipDevice(account=a, device_id=secrets.token_hex(6), user_agent="Yealink T54W")
                for a in accounts
            ],
            batch_size=self.batch,
        )

    def _support(self, clients, contracts) -> None:
        from offers.choices import SlaPolicy
        from support.choices import ExcuseReason, TicketKind, TicketSource, TicketStatus
        from support.models import (
            AvailabilityReport,
            Outage,
            OutageAnnouncement,
            Ticket,
            TicketMessage,
        )

        rng = self.rng
        first = {}
        for contract in contracts:
            first.setdefault(contract.client_id, contract)
        tickets = []
        for client in clients:
            for kind in (TicketKind.QUESTION, TicketKind.FAILURE):
                reported = self.now - timedelta(days=rng.randint(1, 150), hours=rng.randint(0, 23))
                tickets.append(
                    Ticket(
                        number=f"T-{self._next('ticket'):07d}",
                        client=client,
                        contract=first[client.pk] if kind == TicketKind.FAILURE else None,
                        kind=kind,
                        subject="Plus de tonalité" if kind == TicketKind.FAILURE else "Question",
                        status=TicketStatus.RESOLVED,
                        source=TicketSource.PORTAL,
                        reported_at=reported,
                        acknowledged_at=reported + timedelta(minutes=20),
                        intervention_started_at=reported + timedelta(hours=1),
                        intervention_deadline=reported + timedelta(hours=4),
                        restoration_target=reported + timedelta(hours=8),
                        restored_at=reported + timedelta(hours=3),
                        resolved_at=reported + timedelta(hours=3),
                    )
                )
        Ticket.objects.bulk_create(tickets, batch_size=self.batch)
        TicketMessage.objects.bulk_create(
            [
                TicketMessage(ticket=t, body="Bonjour, tout est coupé depuis ce matin.")
                for t in tickets
            ],
            batch_size=self.batch,
        )
        hosted = [c for c in contracts if c.offer.code in ("hosted-w", "hosted-a")]
        reports = []
        for contract in hosted:
            policy = SlaPolicy.HOSTED_W if contract.offer.code == "hosted-w" else SlaPolicy.HOSTED_A
            for month in MONTHS[-4:-1]:
                reports.append(
                    AvailabilityReport(
                        contract=contract,
                        month=month,
                        policy=policy,
                        minutes_in_month=43200,
                        availability=Decimal("99.950000"),
                        computed_at=self.now,
                    )
                )
        AvailabilityReport.objects.bulk_create(reports, batch_size=self.batch)
        outages = Outage.objects.bulk_create(
            [
                Outage(
                    title=f"Incident plateforme {i}",
                    description="Appels sortants impossibles.",
                    started_at=self.now - timedelta(days=10 * i + 1),
                    ended_at=self.now - timedelta(days=10 * i),
                    excusable=i % 3 == 0,
                    excuse_reason=ExcuseReason.PLANNED_MAINTENANCE if i % 3 == 0 else "",
                )
                for i in range(8)
            ]
        )
        for i, outage in enumerate(outages):
            outage.contracts.set(contracts[i::40])
        OutageAnnouncement.objects.bulk_create(
            [
                OutageAnnouncement(outage=o, sent_at=o.started_at - timedelta(days=2), recipients=5)
                for o in outages[::3]
            ]
        )


def _buyer(client) -> dict:
    return {
        "name": client.legal_name,
        "siren": client.siren,
        "siret": client.siret,
        "vat_number": client.vat_number,
        "address_line1": client.address_line1,
        "address_line2": "",
        "postal_code": client.postal_code,
        "city": client.city,
        "country": client.country,
    }


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def build() -> dict:
    """Both partners; returns their raw API keys and a few ids for the detail endpoints."""
    from django.db import connection

    builder = Builder(random.Random(SEED))
    big = builder.partner(*BIG, tag="big")
    small = builder.partner(*SMALL, tag="small")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # a steady state: hint bits and visibility map set
    return {"big": big, "small": small}


def reuse() -> dict:
    """A kept database (``--keep`` earlier): new keys for both partners."""
    from accounts.models import Partner
    from accounts.services import api_key_create

    result = {}
    for tag, (name, _n) in (("big", BIG), ("small", SMALL)):
        partner = Partner.objects.get(name=name)
        _key, raw = api_key_create(partner=partner, name="bench")
        result[tag] = {"partner": partner, "key": raw}
    return result


def counts() -> dict:
    from accounts.models import Client
    from billing.models import Invoice, InvoiceLine
    from offers.models import Contract
    from support.models import Ticket
    from telephony.models import SipAccount, Trunk

    return {
        "customers": Client.objects.count(),
        "contracts": Contract.objects.count(),
        "invoices": Invoice.objects.count(),
        "invoice lines": InvoiceLine.objects.count(),
        "trunks": Trunk.objects.count(),
        "SIP accounts": SipAccount.objects.count(),
        "tickets": Ticket.objects.count(),
    }


# --- Endpoints -------------------------------------------------------------------------------


def endpoints(partner) -> list[tuple[str, list[str]]]:
    """(name, paths): every list endpoint of /api/v1/ (the routers' ``*-list`` names), page 1
    of 50, then the detail endpoints over the partner's first 100 rows."""
    from django.urls import get_resolver, reverse

    from billing.choices import DocumentStatus
    from billing.models import Invoice
    from offers.models import Contract

    api = get_resolver().namespace_dict["api"][1]
    names = sorted(n for n in api.reverse_dict if isinstance(n, str) and n.endswith("-list"))
    result = [
        (name[: -len("-list")], [f"{reverse(f'api:{name}')}?page_size={PAGE}"]) for name in names
    ]
    contracts = Contract.objects.filter(client__partner=partner).order_by("pk")[:100]
    invoices = Invoice.objects.filter(
        client__partner=partner, status=DocumentStatus.ISSUED
    ).order_by("pk")[:100]
    for name, rows in zip(DETAIL, (contracts, invoices), strict=True):
        result.append(
            (name, [reverse(f"api:{name}", args=[pk]) for pk in rows.values_list("pk", flat=True)])
        )
    return result


def _api_client(raw_key: str):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    return client


def query_counts(keys: dict, paths: list[tuple[str, list[str]]]) -> dict[str, tuple]:
    """Queries of one request per endpoint, for each partner (after one warm-up request)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    result = {}
    for name, urls in paths:
        row = []
        for tag in ("big", "small"):
            client = _api_client(keys[tag])
            url = urls[0]
            if name in DETAIL and tag == "small":
                row.append(None)  # the detail ids are the big partner's
                continue
            client.get(url)
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url}: {response.status_code} {response.content[:300]!r}")
            row.append(len(captured.captured_queries))
        result[name] = tuple(row)
    return result


def profile(raw_key: str, paths, only: set[str], repeat: int, lines: int) -> None:
    """cProfile of ``repeat`` in-process requests per endpoint (the Django test client)."""
    client = _api_client(raw_key)
    for name, urls in paths:
        if only and name not in only:
            continue
        client.get(urls[0])
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for i in range(repeat):
            client.get(urls[i % len(urls)])
        profiler.disable()
        ms = (time.perf_counter() - started) * 1000 / repeat
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs()
        stats.sort_stats("cumulative").print_stats(lines)
        stats.sort_stats("tottime").print_stats(lines)
        print(f"\n===== {name}: {ms:.1f} ms a request in process =====\n{out.getvalue()}")


# --- gunicorn --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int, workers: int, threads: int, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        # Persistent connections as in production (60 s there), kept for the whole bench so that
        # the CPU of every PostgreSQL backend is counted (an exited backend's is lost).
        "DATABASE_CONN_MAX_AGE": "3600",
    }
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "portal.wsgi",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        f"--threads={threads}",
        f"--worker-class={'gthread' if threads > 1 else 'sync'}",
        "--keep-alive=5",
        "--worker-tmp-dir=/dev/shm",
        "--log-level=warning",
    ]
    handle = log.open("w")
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop_gunicorn(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)  # the master stops its workers
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


HEADERS = {
    "Host": "localhost",
    "Accept": "application/json",
    # As the TLS-terminating proxy in front of production sends them (SECURE_SSL_REDIRECT on,
    # TRUSTED_PROXY_COUNT = 1).
    "X-Forwarded-Proto": "https",
    "X-Forwarded-For": "127.0.0.1",
}


def get(port: int, path: str, raw_key: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={**HEADERS, "Authorization": f"Api-Key {raw_key}"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def wait_ready(port: int, raw_key: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn stopped:\n{log.read_text()[-3000:]}")
        try:
            status, body = get(port, "/api/v1/offers/", raw_key)
        except OSError:
            time.sleep(0.2)
            continue
        if status == 200:
            return
        raise SystemExit(f"gunicorn answers {status}: {body[:300]!r}\n{log.read_text()[-2000:]}")
    raise SystemExit("gunicorn did not answer within 60 s")


# --- CPU accounting --------------------------------------------------------------------------


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of one process (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    parent = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if parent == pid:
                found.append(int(entry))
    return found


class CpuMeter:
    """CPU seconds spent by gunicorn (master and workers) and by the PostgreSQL backends of the
    bench database: what a request costs, whatever else the shared cores are doing."""

    def __init__(self, master: int):
        import psycopg

        parts = urlsplit(BENCH_DATABASE_URL)
        self.database = parts.path.lstrip("/")
        self.master = master
        self.admin = psycopg.connect(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=parts.username or "postgres",
            password=parts.password or None,
            dbname="postgres",
            autocommit=True,
        )

    def _backends(self) -> list[int]:
        rows = self.admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", [self.database]
        ).fetchall()
        return [pid for (pid,) in rows]

    def sample(self) -> dict[str, dict[int, float]]:
        app = [self.master, *_children(self.master)]
        return {
            "app": {pid: _cpu_seconds(pid) for pid in app},
            "db": {pid: _cpu_seconds(pid) for pid in self._backends()},
        }

    @staticmethod
    def spent(before: dict, after: dict) -> dict[str, float]:
        """CPU seconds between two samples (a process born meanwhile counts from zero)."""
        return {
            side: sum(cpu - before[side].get(pid, 0.0) for pid, cpu in after[side].items())
            for side in ("app", "db")
        }

    def close(self) -> None:
        self.admin.close()


# --- Load ------------------------------------------------------------------------------------


def load(port: int, raw_key: str, urls: list[str], clients: int, seconds: float) -> dict:
    """``clients`` threads, each on its own keep-alive connection (reopened when the server
    closes it), requesting ``urls`` in turn for ``seconds``."""
    headers = {**HEADERS, "Authorization": f"Api-Key {raw_key}"}
    barrier = threading.Barrier(clients + 1)
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    samples: dict[int, bytes] = {}
    window = {}

    def run(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine = latencies[index]
        turn = index
        barrier.wait()
        deadline = window["end"]
        while True:
            started = time.perf_counter()
            if started >= deadline:
                break
            path = urls[turn % len(urls)]
            turn += 1
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                body = response.read()
                if response.status != 200:
                    errors[index] += 1
                    samples.setdefault(response.status, body[:200])
            except (OSError, http.client.HTTPException):
                errors[index] += 1
                connection.close()
            mine.append(time.perf_counter() - started)
        connection.close()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    window["end"] = time.perf_counter() + seconds
    started = time.perf_counter()
    barrier.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    every = sorted(x for mine in latencies for x in mine)
    return {
        "requests": len(every),
        "rate": len(every) / elapsed if elapsed else 0.0,
        "p50": _percentile(every, 50),
        "p95": _percentile(every, 95),
        "p99": _percentile(every, 99),
        "errors": sum(errors),
        "samples": samples,
    }


WRK = "/usr/bin/wrk"
WRK_SCRIPT = Path(__file__).with_name("wrk_paths.lua")


def load_wrk(port: int, raw_key: str, urls: list[str], clients: int, seconds: float) -> dict:
    """The same load from wrk (a C load generator: a few % of a core where 50 Python threads
    take most of one): 2 threads, ``clients`` connections, ``urls`` in turn."""
    headers = {**HEADERS, "Authorization": f"Api-Key {raw_key}"}
    command = [WRK, "-t2", f"-c{clients}", f"-d{seconds:g}s", "--timeout=30s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command += ["-s", str(WRK_SCRIPT), f"http://127.0.0.1:{port}", "--", *urls]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next((x for x in out.splitlines() if x.startswith("WRK ")), None)
    if line is None:
        raise SystemExit(f"wrk printed no result:\n{out}")
    f = {k: float(v) for k, v in (item.split("=") for item in line.split()[1:])}
    errors = int(f["non2xx"] + f["connect"] + f["timeout"])
    samples = {}
    if f["non2xx"]:
        status, body = get(port, urls[0], raw_key)
        samples[status] = body[:200]
    return {
        "requests": int(f["requests"]),
        "rate": f["requests"] / f["seconds"] if f["seconds"] else 0.0,
        "p50": f["p50"],
        "p95": f["p95"],
        "p99": f["p99"],
        "errors": errors,
        "samples": samples,
    }


def _percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] * 1000


def loadavg() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


# --- Main ------------------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    quick = os.environ.get("BENCH_QUICK", "") not in ("", "0")
    parser.add_argument(
        "--seconds",
        type=float,
        default=3 if quick else 20,
        help="seconds per endpoint (default 20; 3 with --quick)",
    )
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (50)")
    parser.add_argument(
        "--quick", action="store_true", help="3 s per endpoint (also BENCH_QUICK=1)"
    )
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (3)")
    parser.add_argument(
        "--loader",
        choices=["wrk", "python"],
        default="wrk" if Path(WRK).exists() else "python",
        help="load generator: wrk (default when installed) or Python threads",
    )
    parser.add_argument(
        "--threads", type=int, default=1, help="threads per worker (1: sync worker; more: gthread)"
    )
    parser.add_argument(
        "--only", default="", help="comma-separated endpoint names (customer, contract, invoice…)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database at the end")
    parser.add_argument(
        "--no-page-cache",
        action="store_true",
        help="gunicorn with API_PAGE_CACHE=0: every page read from PostgreSQL",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="reuse the database kept by an earlier --keep (no rebuild)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="cProfile in-process requests instead of the load test",
    )
    parser.add_argument("--profile-repeat", type=int, default=50)
    parser.add_argument("--profile-lines", type=int, default=30)
    parser.add_argument("--output", help="also write the result table to this file")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds = 3
    if args.no_page_cache:  # before Django reads its settings: the queries column too
        os.environ["API_PAGE_CACHE"] = "0"
    only = {name.strip() for name in args.only.split(",") if name.strip()}

    # billing_run sets its own DATABASE_URL on import: configure() comes after, and wins.
    from bench.billing_run import drop_database, recreate_database

    configure()
    wall = time.perf_counter()
    name = urlsplit(BENCH_DATABASE_URL).path.lstrip("/")
    if not args.reuse:
        recreate_database(BENCH_DATABASE_URL)
        print(f"database {name}: recreated", flush=True)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if not args.reuse:
        started = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        print(f"migrate: {time.perf_counter() - started:.1f} s", flush=True)
    process = None
    try:
        started = time.perf_counter()
        data = reuse() if args.reuse else build()
        keys = {tag: data[tag]["key"] for tag in ("big", "small")}
        sizes = counts()
        print(
            f"data set in {time.perf_counter() - started:.1f} s: "
            + ", ".join(f"{v} {k}" for k, v in sizes.items()),
            flush=True,
        )
        paths = endpoints(data["big"]["partner"])
        if only:
            paths = [(n, u) for n, u in paths if n in only]
        if args.profile:
            profile(keys["big"], paths, only, args.profile_repeat, args.profile_lines)
            return 0
        queries = query_counts(keys, paths)
        connection.close()

        port = free_port()
        log = ROOT / "var" / "bench_api_gunicorn.log"
        log.parent.mkdir(exist_ok=True)
        process = start_gunicorn(port, args.workers, args.threads, log)
        wait_ready(port, keys["big"], process, log)
        for _name, urls in paths:  # warm every worker: imports, URL and schema caches
            for url in urls[:3] * args.workers:
                get(port, url, keys["big"])

        meter = CpuMeter(process.pid)
        rows = []
        for endpoint, urls in paths:
            before = loadavg()
            start = meter.sample()
            driver = load_wrk if args.loader == "wrk" else load
            result = driver(port, keys["big"], urls, args.clients, args.seconds)
            spent = meter.spent(start, meter.sample())
            result.update(
                {
                    side: seconds / max(result["requests"], 1) * 1000
                    for side, seconds in spent.items()
                }
            )
            rows.append((endpoint, result, queries[endpoint], before))
            print(
                f"{endpoint:<20} {result['rate']:7.1f} req/s  p99 {result['p99']:6.0f} ms  "
                f"CPU/request: gunicorn {result['app']:.1f} ms, PostgreSQL {result['db']:.1f} ms  "
                f"errors {result['errors']}  (load {before})",
                flush=True,
            )
            for status, body in result["samples"].items():
                print(f"    {status}: {body!r}")
        meter.close()
    finally:
        if process is not None:
            stop_gunicorn(process)
        connection.close()
        if not args.keep:
            drop_database(BENCH_DATABASE_URL)

    table = report(rows, args, sizes, time.perf_counter() - wall)
    print(table)
    if args.output:
        Path(args.output).write_text(table)
    return 0 if all(r["errors"] == 0 for _e, r, _q, _l in rows) else 1


LOADERS = {
    "wrk": "wrk, 2 threads, {n} connections",
    "python": "{n} Python threads in the bench process",
}


def report(rows, args, sizes, wall: float) -> str:
    worker = f"gthread, {args.threads} threads" if args.threads > 1 else "sync"
    head = (
        f"== partner API load, PostgreSQL, gunicorn {args.workers} workers ({worker}), "
        f"{args.clients} clients × {args.seconds:g} s per endpoint, kept pages "
        f"{'off' if args.no_page_cache else 'on'} ==\n"
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores shared with other "
        f"sessions; load generator: {LOADERS[args.loader].format(n=args.clients)}, on "
        f"the same cores as gunicorn, PostgreSQL and Redis\n"
        f"data: " + ", ".join(f"{v} {k}" for k, v in sizes.items()) + "\n"
        f"cpu ms: CPU per request of gunicorn (app) and of its PostgreSQL backends (db), "
        f"whatever else runs on the machine\n"
        f"queries: SQL statements of one request, partner of {BIG[1]} customers / of "
        f"{SMALL[1]} (in process)\n\n"
    )
    lines = [
        f"{'endpoint':<20} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'p99 ms':>7} {'errors':>6} {'app cpu':>7} {'db cpu':>6} {'queries':>8}  "
        f"load avg before"
    ]
    for endpoint, r, (big, small), before in rows:
        q = f"{big}/{small}" if small is not None else f"{big}"
        lines.append(
            f"{endpoint:<20} {r['requests']:>8} {r['rate']:>7.1f} {r['p50']:>7.0f} "
            f"{r['p95']:>7.0f} {r['p99']:>7.0f} {r['errors']:>6} {r['app']:>7.1f} "
            f"{r['db']:>6.1f} {q:>8}  {before}"
        )
    lists = [r for e, r, _q, _l in rows if e not in DETAIL]
    if lists:
        lines.append(
            f"\nlists: slowest {min(r['rate'] for r in lists):.1f} req/s, worst p99 "
            f"{max(r['p99'] for r in lists):.0f} ms (target ≥ 300 req/s, p99 ≤ 250 ms); "
            f"median {statistics.median(r['rate'] for r in lists):.1f} req/s, median CPU a "
            f"request {statistics.median(r['app'] + r['db'] for r in lists):.1f} ms"
        )
    lines.append(f"bench wall time {wall:.0f} s; load average at the end {loadavg()}")
    return head + "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
