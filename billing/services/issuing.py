"""Issuing the run's invoices (BIL-1, BIL-2, BIL-4, BIL-9): lock the buyers, compute their
drafts, set their credit notes against them, then number and insert every invoice of a batch
with one statement per table. A buyer's invoices of a month — the regular one and, when it has
late charges, the late-charges invoice of BIL-6 right after it (consecutive numbers) — are
written together; the unique (buyer, month, purpose) of run invoices is the final guard: a buyer
already invoiced for the month is left alone."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Q, Sum

from accounts.models import Client, Partner
from billing import signals
from billing.choices import SERIES, DocumentKind, DocumentStatus
from billing.events import announce_issued
from billing.models import (
    CreditAllocation,
    CreditRefund,
    Invoice,
    InvoiceLine,
    InvoicePurpose,
    InvoiceRun,
    PendingCharge,
)
from billing.services.numbering import allocate_numbers, chronological_date
from billing.services.parties import client_identity, partner_identity, seller_identity
from billing.services.run_planning import DraftInvoice, compute_batch
from offers.periods import next_month_start

PAYMENT_TERM_DAYS = 30  # BIL-4
# BIL-6: the sources under which payments posts a late invoice's interest and indemnity; their
# source id is the late invoice's id, referenced by the late-charges invoice (EN 16931 BT-25).
LATE_INVOICE_SOURCES = {"late_invoice_interest", "late_invoice_indemnity"}


def _available_credits(parties) -> dict[tuple[str, int], list[list]]:
    """Credit notes of ``parties`` with something left to set against an invoice (two queries:
    the notes, what was refunded of them),
    as ``[note, remaining]`` pairs that the buyer's invoices use up in turn."""
    client_ids = [i for k, i in parties if k == "client"]
    partner_ids = [i for k, i in parties if k == "partner"]
    notes = (
        Invoice.objects.filter(kind=DocumentKind.CREDIT_NOTE, status=DocumentStatus.ISSUED)
        .filter(Q(client_id__in=client_ids) | Q(partner_id__in=partner_ids))
        .annotate(used=Sum("allocations__amount"))
        .order_by("issue_date", "sequence")
    )
    notes = list(notes)
    refunded = dict(
        CreditRefund.objects.filter(credit_note__in=notes)
        .values("credit_note_id")
        .annotate(total=Sum("amount"))
        .values_list("credit_note_id", "total")
    )
    credits = defaultdict(list)
    for note in notes:
        remaining = note.total_gross - (note.used or 0) - refunded.get(note.pk, 0)
        if remaining > 0:
            party = ("client", note.client_id) if note.client_id else ("partner", note.partner_id)
            credits[party].append([note, remaining])
    return credits


def _late_invoices(drafts) -> dict[int, tuple]:
    """BIL-6: the late invoices named by the late charges of ``drafts`` → their buyer (client
    id, partner id), issued invoices only (one query)."""
    ids = {
        int(line.charge.source_id)
        for draft in drafts
        if draft.purpose == InvoicePurpose.LATE_CHARGES
        for line in draft.lines
        if line.charge.source_type in LATE_INVOICE_SOURCES and line.charge.source_id.isdigit()
    }
    if not ids:
        return {}
    rows = Invoice.objects.filter(
        pk__in=ids, kind=DocumentKind.INVOICE, status=DocumentStatus.ISSUED
    ).values_list("pk", "client_id", "partner_id")
    return {pk: (client_id, partner_id) for pk, client_id, partner_id in rows}


def _preceding_invoice_id(charge: PendingCharge, late_invoices: dict[int, tuple]) -> int | None:
    """The late invoice whose interest or indemnity ``charge`` is (same buyer), if any."""
    if charge.source_type not in LATE_INVOICE_SOURCES or not charge.source_id.isdigit():
        return None
    pk = int(charge.source_id)
    buyer = (charge.client_id, charge.partner_id)
    return pk if late_invoices.get(pk) == buyer else None


def _delivered_elsewhere(address: dict, buyer: dict) -> dict:
    """BIL-3 (2026 reform): the delivery address of goods, kept on the invoice line when it is
    not the buyer's own address (the mention is due "si elle est différente")."""
    if not address:
        return {}

    def key(line1, postcode, city):
        return tuple(
            " ".join(str(part or "").casefold().split()) for part in (line1, postcode, city)
        )

    same = key(address.get("line1"), address.get("postcode"), address.get("city")) == key(
        buyer.get("address_line1"), buyer.get("postal_code"), buyer.get("city")
    )
    return {} if same else dict(address)


@dataclass
class _Issued:
    """An invoice ready to be written: unsaved rows, numbered by ``_write``."""

    invoice: Invoice
    lines: list[InvoiceLine]
    charges: list[PendingCharge]
    allocations: list[CreditAllocation]
    preceding: list[int]  # BIL-6: the late invoices it refers to (BT-25)


def _issue(
    draft: DraftInvoice,
    run: InvoiceRun,
    month: date,
    issue_date: date,
    clients_by_id,
    partners,
    credits: list[list],
    late_invoices: dict[int, tuple],
) -> _Issued:
    """The rows of ``draft``'s invoice (nothing written, no number yet)."""
    party_kind, party_id = draft.party
    if party_kind == "client":
        buyer = client_identity(clients_by_id[party_id])
    else:
        buyer = partner_identity(partners[party_id], {line.end_client for line in draft.lines})
    paid = draft.paid_in_advance  # BIL-10: VAT of the paid lines per rate on their totals
    due_before_credit = max(draft.total_gross - paid, Decimal("0"))
    applied, allocations = Decimal("0"), []
    for entry in credits:  # the buyer's credit notes, oldest first, used up across its invoices
        note, remaining = entry
        take = min(remaining, due_before_credit - applied)
        if take <= 0:
            continue
        allocations.append((note, take))
        applied += take
        entry[1] = remaining - take
    invoice = Invoice(
        kind=DocumentKind.INVOICE,
        status=DocumentStatus.ISSUED,
        series=SERIES["invoice"],
        year=issue_date.year,
        client_id=party_id if party_kind == "client" else None,
        partner_id=party_id if party_kind == "partner" else None,
        run=run,
        month=month,
        purpose=draft.purpose,
        issue_date=issue_date,
        due_date=issue_date + timedelta(days=PAYMENT_TERM_DAYS),
        seller=seller_identity(),
        buyer=buyer,
        vat_breakdown=[
            {
                "category": g.category,
                "rate": str(g.rate),
                "taxable": str(g.taxable),
                "vat": str(g.vat),
            }
            for g in draft.groups
        ],
        total_net=draft.total_net,
        total_vat=draft.total_vat,
        total_gross=draft.total_gross,
        credit_applied=applied,
        paid_in_advance=paid,
        amount_due=draft.total_gross - paid - applied,
    )
    lines = [
        InvoiceLine(
            invoice=invoice,
            position=i,
            end_client=line.end_client,
            kind=line.charge.kind,
            description=line.description,
            contract_reference=line.contract_reference,
            site_name=line.site_name,
            purchase_order_ref=line.purchase_order_ref,
            period_start=line.charge.period_start,
            period_end=line.charge.period_end,
            quantity=line.charge.quantity,
            unit_price=line.unit_price,
            net_amount=line.net,
            vat_category=line.vat_category,
            vat_rate=line.vat_rate,
            is_paid=line.charge.is_paid,
            delivery_address=_delivered_elsewhere(line.delivery_address, buyer),
        )
        for i, line in enumerate(draft.lines, start=1)
    ]
    preceding = [_preceding_invoice_id(line.charge, late_invoices) for line in draft.lines]
    return _Issued(
        invoice=invoice,
        lines=lines,
        preceding=sorted({pk for pk in preceding if pk is not None}),
        charges=[line.charge for line in draft.lines],
        allocations=[
            CreditAllocation(credit_note=note, invoice=invoice, amount=amount)
            for note, amount in allocations
        ],
    )


def _write(issued: list[_Issued], issue_date: date) -> list[Invoice]:
    """Number and insert the invoices, their lines and allocations, and mark their charges
    invoiced: one statement per table. Numbers are taken last, so the counter row stays locked
    only for the inserts and the commit; the date is settled under that lock (BIL-2)."""
    if not issued:
        return []
    # BIL-2: never dated before an invoice already numbered (a run completed late).
    issue_date = chronological_date(DocumentKind.INVOICE, issue_date)
    numbers = allocate_numbers(DocumentKind.INVOICE, issue_date.year, len(issued))
    for item, (sequence, number) in zip(issued, numbers, strict=True):
        item.invoice.sequence, item.invoice.number = sequence, number
        item.invoice.issue_date, item.invoice.year = issue_date, issue_date.year
        item.invoice.due_date = issue_date + timedelta(days=PAYMENT_TERM_DAYS)
    invoices = Invoice.objects.bulk_create([item.invoice for item in issued])
    lines = InvoiceLine.objects.bulk_create([line for item in issued for line in item.lines])
    charges = [charge for item in issued for charge in item.charges]
    for charge, line in zip(charges, lines, strict=True):
        charge.invoice_line = line
    _mark_invoiced(charges)
    CreditAllocation.objects.bulk_create([a for item in issued for a in item.allocations])
    references = Invoice.preceding_invoices.through
    references.objects.bulk_create(
        [
            references(from_invoice_id=item.invoice.pk, to_invoice_id=pk)
            for item in issued
            for pk in item.preceding
        ]
    )
    return invoices


def _mark_invoiced(charges: list[PendingCharge]) -> None:
    """Point each charge at its invoice line: one UPDATE … FROM unnest() on PostgreSQL (Django's
    bulk_update builds a CASE per row, which costs more than the rest of the write); SQLite,
    used by the demo only, keeps bulk_update."""
    if connection.vendor != "postgresql":
        PendingCharge.objects.bulk_update(charges, ["invoice_line"], batch_size=500)
        return
    table = PendingCharge._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS c SET invoice_line_id = v.line_id "
            "FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, line_id) WHERE c.id = v.id",
            [[c.pk for c in charges], [c.invoice_line_id for c in charges]],
        )


def _invoiced(parties, month) -> set[tuple[str, int]]:
    rows = (
        Invoice.objects.filter(kind=DocumentKind.INVOICE, month=month, run__isnull=False)
        .filter(
            Q(client_id__in=[i for k, i in parties if k == "client"])
            | Q(partner_id__in=[i for k, i in parties if k == "partner"])
        )
        .values_list("client_id", "partner_id")
    )
    return {("client", c) if c else ("partner", p) for c, p in rows}


def _lock_parties(parties) -> set[tuple[str, int]]:
    """Lock the buyers' rows for this transaction: two workers never invoice one buyer at once
    (the second waits, then sees the invoice). Lock order — buyers by kind then id, then the
    counter — is the same everywhere, so concurrent runs cannot deadlock. Returns the buyers
    that still exist."""
    found = set()
    for kind, model in (("client", Client), ("partner", Partner)):
        ids = sorted(i for k, i in parties if k == kind)
        if ids:
            rows = model.objects.select_for_update().filter(pk__in=ids).order_by("pk")
            found |= {(kind, pk) for pk in rows.values_list("pk", flat=True)}
    return found


def issue_parties(run: InvoiceRun, parties) -> list[Invoice]:
    """Invoice ``parties`` inside the caller's transaction: a read per table for all of them,
    then one insert per table. Buyers already invoiced for the month are left alone."""
    month = run.month
    issue_date = next_month_start(month) - timedelta(days=1)  # BIL-1: last day of M
    locked = _lock_parties(parties)
    already = _invoiced(parties, month)
    todo = [p for p in parties if p in locked and p not in already]
    if not todo:
        return []
    drafts = compute_batch(todo, month, save_charges=True)
    clients_by_id = {
        line.end_client.pk: line.end_client
        for d in drafts
        for line in d.lines
        if line.end_client is not None
    }
    partner_ids = [i for k, i in todo if k == "partner"]
    partners = {p.pk: p for p in Partner.objects.filter(pk__in=partner_ids)} if partner_ids else {}
    credits = _available_credits(todo)
    late_invoices = _late_invoices(drafts)
    issued = [
        _issue(
            d,
            run,
            month,
            issue_date,
            clients_by_id,
            partners,
            credits.get(d.party, []),
            late_invoices,
        )
        for d in drafts
    ]
    invoices = _write(issued, issue_date)
    announce_issued(invoices, {pk: client.partner_id for pk, client in clients_by_id.items()})
    for invoice in invoices:
        signals.document_issued.send(sender=Invoice, invoice_id=invoice.pk, invoice=invoice)
    return invoices


def run_party(*, run: InvoiceRun, party: tuple[str, int]) -> Invoice | None:
    """Invoice one buyer for the run's month, in one transaction; returns its regular invoice
    (or its late-charges invoice when that is all it gets). Idempotent: a buyer already
    invoiced for the month is left alone; the unique (buyer, month, purpose) is the final
    guard."""
    with transaction.atomic():
        invoices = issue_parties(run, [tuple(party)])
    return invoices[0] if invoices else None
