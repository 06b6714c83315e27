"""BIL-3: the PDF of a partner's long monthly invoice — 1 000 lines, target under 2 s.

Called by ``bench/billing_run.py`` (``make bench-billing``) after the run, in the benchmark
database: ``long_invoice`` has the run's own issuing path (``run_party``) invoice a new
partner-billed partner for exactly 1 000 lines, ``long_invoice_pdf`` renders its Factur-X PDF
once (the process is warm: fonts, templates and the XSD were loaded by the sample before) and
returns the time, the CPU time and the page count. ``BENCH_PDF_OUT=path`` keeps the PDF (to look
at its pages); ``--profile-pdf`` prints a cProfile of the render. See bench/README.md.
"""

import os
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

LINES = 1000
CLIENTS = 125  # end customers of the partner, 8 lines each


def long_invoice(run, month: date, lines: int = LINES):
    """A partner-billed partner invoiced for exactly ``lines`` lines by the run's own issuing
    path (``run_party``): ``CLIENTS`` end customers with a site and a contract each, and
    ``lines`` pending charges on those contracts, half subscriptions with a period, half
    consumption (each line prints its contract, site, end customer and period). The contracts
    are in status "terminated" (without a termination row): the run bills nothing of its own
    for them, so the count is exact."""
    from accounts.choices import BillingMode
    from accounts.models import Client, Partner, Site
    from billing.choices import ChargeKind
    from billing.models import PendingCharge
    from billing.services.issuing import run_party
    from offers.choices import ContractStatus
    from offers.models import Contract, Offer
    from tests.factories import siren_for, siret_for, vat_for

    offer = Offer.objects.select_related("terms").get(code="sip-unl")
    partner = Partner.objects.create(
        name="Bench Partner XL",
        support_email="support@partner-xl.example",
        billing_mode=BillingMode.PARTNER_BILLED,
        wholesale_discount_percent=Decimal("15"),
        legal_name="Bench Partner XL SAS",
        siren=(siren := siren_for(990000)),
        vat_number=vat_for(siren),
        address_line1="1 place Bellecour",
        postal_code="69002",
        city="Lyon",
    )
    clients = Client.objects.bulk_create(
        [
            Client(
                partner=partner,
                legal_name=f"Cabinet XL {i:03d} SARL",
                siren=(siren := siren_for(980000 + i)),
                siret=siret_for(siren),
                vat_number=vat_for(siren),
                address_line1=f"{i + 1} avenue du Prado",
                postal_code="13008",
                city="Marseille",
            )
            for i in range(CLIENTS)
        ]
    )
    sites = Site.objects.bulk_create(
        [
            Site(
                client=client,
                name=f"Agence {client.legal_name[11:14]}",
                address_line1="2 rue du Port",
                postal_code="13002",
                city="Marseille",
                insee_code="13202",
            )
            for client in clients
        ]
    )
    snapshot = offer.terms.snapshot()
    contracts = Contract.objects.bulk_create(
        [
            Contract(
                reference=f"XL-{i:08d}",
                client=client,
                site=site,
                offer=offer,
                status=ContractStatus.TERMINATED,
                terms_snapshot=snapshot,
                signature_date=date(2025, 1, 2),
                order_date=date(2025, 1, 2),
                service_start_date=date(2025, 1, 6),
            )
            for i, (client, site) in enumerate(zip(clients, sites, strict=True))
        ]
    )
    charges = []
    for n in range(lines):
        contract = contracts[n % len(contracts)]
        kind = n // len(contracts) % 2
        charges.append(
            PendingCharge(
                client_id=contract.client_id,
                contract=contract,
                kind=ChargeKind.SUBSCRIPTION if kind == 0 else ChargeKind.CONSUMPTION,
                source_type="bench-xl",
                source_id=f"xl-{n}",
                period_start=month + timedelta(days=n % 28),
                period_end=month + timedelta(days=n % 28 + 3) if kind == 0 else None,
                description=(
                    "Compte SIP illimité — 99 numéros" if kind == 0 else "Communications sortantes"
                ),
                quantity=Decimal(1 + n % 7),
                unit_price=Decimal(1000 + (n * 37) % 9000) / 100,
            )
        )
    PendingCharge.objects.bulk_create(charges, batch_size=2000)
    invoice = run_party(run=run, party=("partner", partner.pk))
    count = invoice.lines.count()
    if count != lines:
        raise RuntimeError(f"the long invoice has {count} lines, not {lines}")
    return invoice


def long_invoice_pdf(run, month: date, profile: bool = False) -> dict:
    """BIL-3: the PDF of a 1 000-line invoice (warm process), its time and page count."""
    from io import BytesIO

    from pypdf import PdfReader

    from billing.documents import render_pdf
    from billing.models import Invoice

    invoice = long_invoice(run, month)
    invoice = Invoice.objects.select_related("client__partner", "corrects").get(pk=invoice.pk)
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started, cpu = time.perf_counter(), time.process_time()
    pdf = render_pdf(invoice)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    out = os.environ.get("BENCH_PDF_OUT")
    if out:
        Path(out).write_bytes(pdf)
    return {
        "lines": invoice.lines.count(),
        "seconds": seconds,
        "cpu_seconds": cpu,
        "pages": len(PdfReader(BytesIO(pdf)).pages),
    }
