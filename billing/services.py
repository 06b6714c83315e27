"""Every write of billing: pending charges, the month-end run (BIL-1, BIL-5), numbering
(BIL-2), credit notes (BIL-9).

The run of month M bills, per buyer (a customer, or a partner in partner-billed mode): M+1's
subscriptions in advance as each contract will stand on M+1's first day, M's first months pro
rata, consumption and one-off charges not yet invoiced, termination fees of terminations
effective by then, and the minimum-commitment top-up of M. It works in batches of buyers, each
batch in one transaction with a savepoint per buyer; the unique (buyer, month) of invoices and
(source, period) of charges are the final guards, so a rerun completes what is missing and
duplicates nothing.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.choices import BillingMode
from accounts.models import Client, Partner
from billing import amounts, plan, signals
from billing.choices import (
    COMMITMENT_KINDS,
    SERIES,
    VAT_BY_REGIME,
    WHOLESALE_KINDS,
    ChargeKind,
    DocumentKind,
    DocumentStatus,
    RunStatus,
    VatCategory,
)
from billing.models import (
    Counter,
    CreditAllocation,
    Invoice,
    InvoiceLine,
    InvoiceRun,
    PendingCharge,
)
from offers.choices import LIVE_STATUSES, FirstMonth, TerminationStatus
from offers.models import Contract, Termination
from offers.periods import add_months, month_start, next_month_start
from offers.services import price_changes_by_line

logger = logging.getLogger(__name__)
PAYMENT_TERM_DAYS = 30  # BIL-4
BATCH_SIZE = 200


# --- Pending charges ------------------------------------------------------------------------


def charge_post(
    *,
    client: Client,
    kind: str,
    source_type: str,
    source_id,
    period_start: date,
    description: str,
    unit_price,
    quantity=1,
    period_end: date | None = None,
    contract=None,
    contract_line=None,
    vat_category: str = "",
    is_paid: bool = False,
    actor=None,
) -> PendingCharge:
    """The one way other apps ask to be paid. Idempotent on (source, period): posting the same
    source twice returns the first charge."""
    if kind not in ChargeKind.values:
        raise ValidationError({"kind": _("Unknown charge kind.")})
    if Decimal(unit_price) < 0:
        raise ValidationError(
            {"unit_price": _("A charge is never negative: issue a credit note instead.")}
        )
    charge, created = PendingCharge.objects.get_or_create(
        source_type=source_type,
        source_id=str(source_id),
        period_start=period_start,
        defaults={
            "client": client,
            "kind": kind,
            "period_end": period_end,
            "description": description[:255],
            "unit_price": amounts.round_price(Decimal(unit_price)),
            "quantity": Decimal(quantity),
            "contract": contract,
            "contract_line": contract_line,
            "vat_category": vat_category,
            "is_paid": is_paid,
            "created_by": actor,
        },
    )
    if created and actor is not None:
        audit_record(
            action="charge.create",
            instance=charge,
            actor=actor,
            client=client,
            after={"kind": kind, "unit_price": charge.unit_price, "quantity": charge.quantity},
        )
    return charge


# --- Numbering (BIL-2) ----------------------------------------------------------------------


def allocate_numbers(kind: str, year: int, count: int) -> list[tuple[int, str]]:
    """Take ``count`` consecutive numbers of ``kind``'s series for ``year``, inside the caller's
    transaction (the counter row stays locked until it commits; a rollback gives them back)."""
    series = SERIES[kind]
    Counter.objects.get_or_create(series=series, year=year)
    counter = Counter.objects.select_for_update().get(series=series, year=year)
    first = counter.last_number + 1
    counter.last_number += count
    counter.save(update_fields=["last_number"])
    return [(n, f"{series}{year}-{n:06d}") for n in range(first, first + count)]


# --- Parties --------------------------------------------------------------------------------


def seller_identity() -> dict:
    r = settings.RESELLER
    return {
        "name": r["legal_name"],
        "trade_name": r["name"],
        "siren": r["siren"],
        "vat_number": r["vat_number"],
        "address": r["address"],
        "country": "FR",
        "email": r["support_email"],
        "legal_form": r["legal_form"],
        "rcs": r["rcs"],
    }


def _client_identity(client: Client) -> dict:
    return {
        "name": client.legal_name,
        "siren": client.siren,
        "siret": client.siret,
        "vat_number": client.vat_number,
        "address_line1": client.address_line1,
        "address_line2": client.address_line2,
        "postal_code": client.postal_code,
        "city": client.city,
        "country": client.country,
        "vat_regime": client.vat_regime,
        "recipients": client.invoice_recipients,
        "distributor": client.partner.name if client.partner_id else "",
    }


def _partner_identity(partner: Partner) -> dict:
    return {
        "name": partner.legal_name or partner.name,
        "siren": partner.siren,
        "siret": "",
        "vat_number": partner.vat_number,
        "address_line1": partner.address_line1,
        "address_line2": "",
        "postal_code": partner.postal_code,
        "city": partner.city,
        "country": partner.country,
        "vat_regime": "standard",
        "recipients": [partner.support_email],
        "distributor": "",
    }


def party_key(client: Client) -> tuple[str, int]:
    """Who is invoiced for a customer's charges (ACC-3)."""
    if client.partner_id and client.partner.billing_mode == BillingMode.PARTNER_BILLED:
        return ("partner", client.partner_id)
    return ("client", client.pk)


def parties_for_month(month: date) -> list[tuple[str, int]]:
    """Every buyer with something to bill in the run of ``month``."""
    target = add_months(month, 1)
    with_contracts = Contract.objects.filter(
        Q(status__in=LIVE_STATUSES) | Q(terminations__effective_date__gte=month)
    ).values_list("client_id", flat=True)
    with_charges = PendingCharge.objects.filter(
        invoice_line__isnull=True, period_start__lte=target
    ).values_list("client_id", flat=True)
    ids = set(with_contracts) | set(with_charges)
    clients = (
        Client.objects.filter(pk__in=ids)
        .select_related("partner")
        .only("pk", "partner__billing_mode")
    )
    return sorted({party_key(c) for c in clients})


# --- The run: compute ----------------------------------------------------------------------


@dataclass
class DraftLine:
    charge: PendingCharge
    end_client: Client
    description: str
    unit_price: Decimal
    net: Decimal
    vat_category: str
    vat_rate: Decimal
    contract_reference: str = ""
    site_name: str = ""
    purchase_order_ref: str = ""


@dataclass
class DraftInvoice:
    """What a buyer will be invoiced (the run's preview shows these, unwritten)."""

    party: tuple[str, int]
    buyer_name: str
    lines: list[DraftLine] = field(default_factory=list)
    groups: list = field(default_factory=list)
    total_net: Decimal = Decimal("0")
    total_vat: Decimal = Decimal("0")
    total_gross: Decimal = Decimal("0")


def _vat_for(client_regime: str, charge: PendingCharge) -> tuple[str, Decimal]:
    if charge.vat_category == VatCategory.OUTSIDE_SCOPE:
        return VatCategory.OUTSIDE_SCOPE, Decimal("0.00")
    return VAT_BY_REGIME[client_regime]


def _new_charges_for_batch(clients: list[Client], month: date) -> list[PendingCharge]:
    """Subscriptions, termination fees and commitment top-ups that the run creates (unsaved)."""
    target = add_months(month, 1)
    client_ids = [c.pk for c in clients]
    by_id = {c.pk: c for c in clients}
    contracts = list(
        Contract.objects.filter(client_id__in=client_ids)
        .filter(
            Q(status__in=LIVE_STATUSES)
            | Q(
                terminations__status__in=[TerminationStatus.SCHEDULED, TerminationStatus.EFFECTIVE],
                terminations__effective_date__gt=month,
            )
        )
        .distinct()
        .select_related("offer", "site")
        .prefetch_related("lines__product")
    )
    endings = dict(
        Termination.objects.filter(
            contract__in=contracts,
            status__in=[TerminationStatus.SCHEDULED, TerminationStatus.EFFECTIVE],
        ).values_list("contract_id", "effective_date")
    )
    existing = set(
        PendingCharge.objects.filter(
            client_id__in=client_ids, period_start__gte=month, source_type="contract_line"
        ).values_list("source_id", "period_start")
    )
    prices = price_changes_by_line(contracts)
    new: list[PendingCharge] = []
    for contract in contracts:
        client = by_id[contract.client_id]
        free = contract.term("first_month") == FirstMonth.FREE_ORDER_MONTH
        for line in contract.lines.all():
            facts = plan.LineFacts(
                started_on=line.started_on,
                ended_on=line.ended_on,
                monthly_price=line.unit_monthly_price,
                order_date=contract.order_date,
                free_order_month=free,
                ends_on=endings.get(contract.pk),
                price_changes=tuple(prices.get(line.pk, ())),
            )
            for due in plan.months_due(facts, month):
                if (str(line.pk), due.period_start) in existing or (
                    str(line.pk),
                    due.month,
                ) in existing:
                    continue
                kind = ChargeKind.PRORATA if due.is_prorata else ChargeKind.SUBSCRIPTION
                new.append(
                    PendingCharge(
                        client=client,
                        contract=contract,
                        contract_line=line,
                        kind=kind,
                        source_type="contract_line",
                        source_id=str(line.pk),
                        period_start=due.period_start,
                        period_end=due.period_end,
                        description=f"{contract.offer.name} — {line.product.name}",
                        quantity=Decimal(line.quantity),
                        unit_price=due.unit_price,
                    )
                )
    # Termination fees of terminations effective by the run (CON-5), taxable.
    fees = list(
        Termination.objects.filter(
            contract__client_id__in=client_ids,
            effective_date__lte=target,
            fee_amount__gt=0,
            status__in=[TerminationStatus.SCHEDULED, TerminationStatus.EFFECTIVE],
        ).select_related("contract__offer")
    )
    charged = set(
        PendingCharge.objects.filter(
            source_type="termination", source_id__in=[str(t.pk) for t in fees]
        ).values_list("source_id", flat=True)
    )
    for termination in fees:
        if str(termination.pk) in charged:
            continue
        contract = termination.contract
        new.append(
            PendingCharge(
                client=by_id[contract.client_id],
                contract=contract,
                kind=ChargeKind.TERMINATION_FEE,
                source_type="termination",
                source_id=str(termination.pk),
                period_start=termination.fee_start,
                description=_("Termination fee — %(offer)s") % {"offer": contract.offer.name},
                quantity=Decimal(1),
                unit_price=termination.fee_amount,
            )
        )
    new.extend(_commitment_topups(contracts, month, new, endings, by_id))
    return new


def _commitment_topups(contracts, month, new_charges, endings, by_id) -> list[PendingCharge]:
    """BIL-5: subscriptions + consumption of M below the minimum commitment → a top-up line."""
    committed = [
        c
        for c in contracts
        if Decimal(c.term("minimum_monthly_commitment")) > 0
        and c.service_start_date
        and c.service_start_date < next_month_start(month)
    ]
    if not committed:
        return []
    end = next_month_start(month)
    billed = defaultdict(Decimal)
    rows = (
        PendingCharge.objects.filter(
            contract__in=committed,
            kind__in=COMMITMENT_KINDS,
            period_start__gte=month,
            period_start__lt=end,
        )
        .values("contract_id")
        .annotate(total=Sum(F("quantity") * F("unit_price")))
    )
    for row in rows:
        billed[row["contract_id"]] += row["total"]
    committed_ids = {c.pk for c in committed}
    for charge in new_charges:
        if (
            charge.contract_id in committed_ids
            and charge.kind in COMMITMENT_KINDS
            and month <= charge.period_start < end
        ):
            billed[charge.contract_id] += charge.quantity * charge.unit_price
    already = set(
        PendingCharge.objects.filter(
            source_type="commitment",
            period_start=month,
            source_id__in=[str(c.pk) for c in committed],
        ).values_list("source_id", flat=True)
    )
    topups = []
    for contract in committed:
        if str(contract.pk) in already:
            continue
        minimum = plan.commitment_share(
            Decimal(contract.term("minimum_monthly_commitment")),
            month,
            contract.service_start_date,
            endings.get(contract.pk),
        )
        gap = amounts.round_money(minimum - billed[contract.pk])
        if gap > 0:
            topups.append(
                PendingCharge(
                    client=by_id[contract.client_id],
                    contract=contract,
                    kind=ChargeKind.COMMITMENT_TOPUP,
                    source_type="commitment",
                    source_id=str(contract.pk),
                    period_start=month,
                    period_end=end,
                    description=_("Minimum monthly commitment top-up (%(month)s)")
                    % {"month": f"{month:%m/%Y}"},
                    quantity=Decimal(1),
                    unit_price=gap,
                )
            )
    return topups


def _draft(party, buyer_name, charges, clients_by_id, discount) -> DraftInvoice:
    draft = DraftInvoice(party=party, buyer_name=buyer_name)
    for charge in sorted(
        charges, key=lambda c: (c.client_id, c.contract_id or 0, c.period_start, c.kind, c.pk or 0)
    ):
        client = clients_by_id[charge.client_id]
        unit_price = charge.unit_price
        if discount and charge.kind in WHOLESALE_KINDS:
            unit_price = amounts.wholesale(unit_price, discount)
        category, rate = _vat_for(client.vat_regime if party[0] == "client" else "standard", charge)
        contract = charge.contract
        draft.lines.append(
            DraftLine(
                charge=charge,
                end_client=client,
                description=charge.description,
                unit_price=unit_price,
                net=amounts.line_net(charge.quantity, unit_price),
                vat_category=category,
                vat_rate=rate,
                contract_reference=contract.reference if contract else "",
                site_name=contract.site.name if contract and contract.site_id else "",
                purchase_order_ref=contract.purchase_order_ref if contract else "",
            )
        )
    draft.groups = amounts.vat_breakdown(
        [(line.vat_category, line.vat_rate, line.net) for line in draft.lines]
    )
    draft.total_net, draft.total_vat, draft.total_gross = amounts.totals(draft.groups)
    return draft


def compute_batch(
    parties: list[tuple[str, int]], month: date, *, save_charges: bool
) -> list[DraftInvoice]:
    """The invoices of ``parties`` for the run of ``month``. With ``save_charges`` the charges
    the run creates are written (inside the caller's transaction); without, nothing is."""
    target = add_months(month, 1)
    partner_ids = [pid for kind, pid in parties if kind == "partner"]
    clients = list(
        Client.objects.filter(
            Q(pk__in=[pid for kind, pid in parties if kind == "client"])
            | Q(partner_id__in=partner_ids, partner__billing_mode=BillingMode.PARTNER_BILLED)
        ).select_related("partner")
    )
    clients_by_id = {c.pk: c for c in clients}
    new = _new_charges_for_batch(clients, month)
    # The charges already pending, read before the new ones are written (those are in memory),
    # with their contracts in one light query (no terms snapshot to decode per charge).
    pending = list(
        PendingCharge.objects.filter(
            client_id__in=clients_by_id,
            invoice_line__isnull=True,
            period_start__lte=target,
        )
    )
    contracts = Contract.objects.select_related("site").only(
        "reference", "purchase_order_ref", "site__name"
    )
    contracts = contracts.in_bulk({c.contract_id for c in pending if c.contract_id})
    for charge in pending:
        if charge.contract_id:
            charge.contract = contracts[charge.contract_id]
    if save_charges:
        if new:
            PendingCharge.objects.bulk_create(new)
        pending.extend(c for c in new if c.period_start <= target)
    else:
        pending.extend(new)
    by_party = defaultdict(list)
    for charge in pending:
        by_party[party_key(clients_by_id[charge.client_id])].append(charge)
    partners = {p.pk: p for p in Partner.objects.filter(pk__in=partner_ids)}
    drafts = []
    for party in parties:
        charges = by_party.get(party, [])
        if not charges:
            continue
        if party[0] == "partner":
            partner = partners[party[1]]
            drafts.append(
                _draft(
                    party,
                    partner.legal_name or partner.name,
                    charges,
                    clients_by_id,
                    partner.wholesale_discount_percent,
                )
            )
        else:
            drafts.append(
                _draft(party, clients_by_id[party[1]].legal_name, charges, clients_by_id, None)
            )
    return drafts


def run_preview(*, month: date, parties=None) -> list[DraftInvoice]:
    """What the run would invoice, without writing anything (BIL-1)."""
    with transaction.atomic():
        drafts = compute_batch(parties or parties_for_month(month), month, save_charges=False)
        transaction.set_rollback(True)
    return drafts


# --- The run: write -------------------------------------------------------------------------


def _available_credits(parties) -> dict[tuple[str, int], list[tuple[Invoice, Decimal]]]:
    """Credit notes of ``parties`` with something left to set against an invoice (one query)."""
    client_ids = [i for k, i in parties if k == "client"]
    partner_ids = [i for k, i in parties if k == "partner"]
    notes = (
        Invoice.objects.filter(kind=DocumentKind.CREDIT_NOTE, status=DocumentStatus.ISSUED)
        .filter(Q(client_id__in=client_ids) | Q(partner_id__in=partner_ids))
        .annotate(used=Sum("allocations__amount"))
        .order_by("issue_date", "sequence")
    )
    credits = defaultdict(list)
    for note in notes:
        remaining = note.total_gross - (note.used or 0)
        if remaining > 0:
            party = ("client", note.client_id) if note.client_id else ("partner", note.partner_id)
            credits[party].append((note, remaining))
    return credits


@dataclass
class _Issued:
    """An invoice ready to be written: unsaved rows, numbered by ``_write``."""

    invoice: Invoice
    lines: list[InvoiceLine]
    charges: list[PendingCharge]
    allocations: list[CreditAllocation]


def _issue(
    draft: DraftInvoice,
    run: InvoiceRun,
    month: date,
    issue_date: date,
    clients_by_id,
    partners,
    credits: list[tuple[Invoice, Decimal]],
) -> _Issued:
    """The rows of ``draft``'s invoice (nothing written, no number yet)."""
    party_kind, party_id = draft.party
    if party_kind == "client":
        buyer = _client_identity(clients_by_id[party_id])
    else:
        buyer = _partner_identity(partners[party_id])
    paid = sum(
        (
            amounts.round_money(line.net * (1 + line.vat_rate / 100))
            for line in draft.lines
            if line.charge.is_paid
        ),
        Decimal("0"),
    )
    due_before_credit = max(draft.total_gross - paid, Decimal("0"))
    applied, allocations = Decimal("0"), []
    for note, remaining in credits:
        take = min(remaining, due_before_credit - applied)
        if take <= 0:
            break
        allocations.append((note, take))
        applied += take
    invoice = Invoice(
        kind=DocumentKind.INVOICE,
        status=DocumentStatus.ISSUED,
        series=SERIES["invoice"],
        year=issue_date.year,
        client_id=party_id if party_kind == "client" else None,
        partner_id=party_id if party_kind == "partner" else None,
        run=run,
        month=month,
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
        )
        for i, line in enumerate(draft.lines, start=1)
    ]
    return _Issued(
        invoice=invoice,
        lines=lines,
        charges=[line.charge for line in draft.lines],
        allocations=[
            CreditAllocation(credit_note=note, invoice=invoice, amount=amount)
            for note, amount in allocations
        ],
    )


def _write(issued: list[_Issued], issue_date: date) -> list[Invoice]:
    """Number and insert the invoices, their lines and allocations, and mark their charges
    invoiced: one statement per table. Numbers are taken last, so the counter row stays locked
    only for the inserts and the commit."""
    if not issued:
        return []
    numbers = allocate_numbers(DocumentKind.INVOICE, issue_date.year, len(issued))
    for item, (sequence, number) in zip(issued, numbers, strict=True):
        item.invoice.sequence, item.invoice.number = sequence, number
    invoices = Invoice.objects.bulk_create([item.invoice for item in issued])
    lines = InvoiceLine.objects.bulk_create([line for item in issued for line in item.lines])
    charges = [charge for item in issued for charge in item.charges]
    for charge, line in zip(charges, lines, strict=True):
        charge.invoice_line = line
    _mark_invoiced(charges)
    CreditAllocation.objects.bulk_create([a for item in issued for a in item.allocations])
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


def _issue_parties(run: InvoiceRun, parties) -> list[Invoice]:
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
    clients_by_id = {line.end_client.pk: line.end_client for d in drafts for line in d.lines}
    partner_ids = [i for k, i in todo if k == "partner"]
    partners = {p.pk: p for p in Partner.objects.filter(pk__in=partner_ids)} if partner_ids else {}
    credits = _available_credits(todo)
    issued = [
        _issue(d, run, month, issue_date, clients_by_id, partners, credits.get(d.party, []))
        for d in drafts
    ]
    invoices = _write(issued, issue_date)
    for invoice in invoices:
        transaction.on_commit(lambda pk=invoice.pk: _enqueue_pdf(pk))
    return invoices


def run_party(*, run: InvoiceRun, party: tuple[str, int]) -> Invoice | None:
    """Invoice one buyer for the run's month, in one transaction. Idempotent: a buyer already
    invoiced for the month is left alone; the unique (buyer, month) is the final guard."""
    with transaction.atomic():
        invoices = _issue_parties(run, [tuple(party)])
    return invoices[-1] if invoices else None


def run_batch(*, run_id: int, parties: list[tuple[str, int]]) -> tuple[int, list[str]]:
    """Issue the invoices of a batch of buyers: all of them in one transaction (a read per
    table, a write per table). When anything fails, that transaction is rolled back and the
    batch is redone buyer by buyer, each in its own transaction: the failure is recorded and
    the others go on. A worker killed mid-batch loses the batch's uncommitted work; the rerun
    completes it (buyers already invoiced are skipped)."""
    run = InvoiceRun.objects.get(pk=run_id)
    parties = [tuple(p) for p in parties]
    done, errors = len(parties), []
    try:
        with transaction.atomic():
            _issue_parties(run, parties)
    except Exception:  # noqa: BLE001 — redone buyer by buyer below, failures recorded there
        logger.warning("invoice run %s: batch failed, retrying buyer by buyer", run.month)
        done, errors = 0, []
        for party in parties:
            try:
                run_party(run=run, party=party)
                done += 1
            except Exception as error:  # noqa: BLE001 — recorded for staff, the batch goes on
                logger.exception("invoice run %s: %s failed", run.month, party)
                errors.append(f"{party[0]} {party[1]}: {error}")
    InvoiceRun.objects.filter(pk=run_id).update(
        done=F("done") + done, failed=F("failed") + len(errors)
    )
    if errors:
        _append_errors(run_id, errors)
    return done, errors


def _append_errors(run_id, errors):
    with transaction.atomic():
        run = InvoiceRun.objects.select_for_update().get(pk=run_id)
        run.errors = [*run.errors, *errors][-200:]
        run.save(update_fields=["errors"])


def _enqueue_pdf(invoice_id: int) -> None:
    if getattr(settings, "BILLING_RENDER_PDF", True):
        from billing.tasks import render_invoice_pdf

        render_invoice_pdf.delay(invoice_id)


def run_start(*, month: date, actor=None) -> InvoiceRun:
    """Start (or restart) the run of ``month``: counts the buyers and resets the progress; the
    caller fans out ``run_batch`` over ``batches(...)``."""
    month = month_start(month)
    signals.run_preparing.send(
        sender=InvoiceRun, month=month, target=add_months(month, 1), today=timezone.localdate()
    )
    with transaction.atomic():
        run, _created = InvoiceRun.objects.select_for_update().get_or_create(month=month)
        parties = parties_for_month(month)
        run.status = RunStatus.RUNNING
        run.total, run.done, run.failed, run.errors = len(parties), 0, 0, []
        run.started_at, run.finished_at = timezone.now(), None
        run.started_by = actor
        run.save()
        if actor is not None:
            audit_record(
                action="invoice_run.start",
                instance=run,
                actor=actor,
                after={"month": month, "parties": len(parties)},
            )
    return run, parties


def run_finish(*, run_id: int) -> InvoiceRun:
    with transaction.atomic():
        run = InvoiceRun.objects.select_for_update().get(pk=run_id)
        if run.done + run.failed >= run.total:
            run.status = RunStatus.FAILED if run.failed else RunStatus.DONE
            run.finished_at = timezone.now()
            run.save(update_fields=["status", "finished_at"])
    return run


def batches(parties, size=None):
    size = size or getattr(settings, "BILLING_BATCH_SIZE", BATCH_SIZE)
    for i in range(0, len(parties), size):
        yield [list(p) for p in parties[i : i + size]]


def run_month_sync(*, month: date, actor=None) -> InvoiceRun:
    """The whole run in this process (tests, commands, the benchmark)."""
    run, parties = run_start(month=month, actor=actor)
    for batch in batches(parties):
        run_batch(run_id=run.pk, parties=batch)
    return run_finish(run_id=run.pk)


# --- Credit notes (BIL-9) -------------------------------------------------------------------


@dataclass
class CreditLine:
    description: str
    amount: Decimal  # net, € HT, positive
    vat_category: str = ""


@transaction.atomic
def credit_note_issue(
    *,
    lines: list[CreditLine],
    reason: str,
    client: Client | None = None,
    corrects: Invoice | None = None,
    issue_date: date | None = None,
    actor=None,
) -> Invoice:
    """A credit note (type 381, its own series), referencing the invoice it corrects when there
    is one; it is set against the buyer's next invoices, never as negative invoice lines."""
    if not lines or any(Decimal(line.amount) <= 0 for line in lines):
        raise ValidationError({"lines": _("A credit note has positive amounts.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason of the credit note.")})
    partner = None
    if corrects is not None:
        client, partner = corrects.client, corrects.partner
        credited = corrects.credit_notes.aggregate(total=Sum("total_net"))["total"] or 0
        if credited + sum(Decimal(line.amount) for line in lines) > corrects.total_net:
            raise ValidationError(
                {"lines": _("Credit notes cannot exceed the invoice they correct.")}
            )
    elif client is not None and party_key(client)[0] == "partner":
        # ACC-3: a partner-billed customer's credit goes to the partner, who was invoiced.
        partner = client.partner
    if client is None and partner is None:
        raise ValidationError({"client": _("A credit note needs a customer.")})
    end_client = client
    buyer_client = None if partner is not None else client
    issue_date = issue_date or timezone.localdate()
    regime = buyer_client.vat_regime if buyer_client else "standard"
    rows = []
    for line in lines:
        if line.vat_category == VatCategory.OUTSIDE_SCOPE:
            category, rate = VatCategory.OUTSIDE_SCOPE, Decimal("0.00")
        else:
            category, rate = VAT_BY_REGIME[regime]
        rows.append((line, category, rate, amounts.round_money(Decimal(line.amount))))
    groups = amounts.vat_breakdown([(c, r, net) for _line, c, r, net in rows])
    net, vat, gross = amounts.totals(groups)
    [(sequence, number)] = allocate_numbers(DocumentKind.CREDIT_NOTE, issue_date.year, 1)
    note = Invoice.objects.create(
        kind=DocumentKind.CREDIT_NOTE,
        status=DocumentStatus.ISSUED,
        series=SERIES[DocumentKind.CREDIT_NOTE],
        year=issue_date.year,
        sequence=sequence,
        number=number,
        client=buyer_client,
        partner=partner,
        issue_date=issue_date,
        corrects=corrects,
        reason=reason,
        seller=seller_identity(),
        buyer=_client_identity(buyer_client) if buyer_client else _partner_identity(partner),
        vat_breakdown=[
            {
                "category": g.category,
                "rate": str(g.rate),
                "taxable": str(g.taxable),
                "vat": str(g.vat),
            }
            for g in groups
        ],
        total_net=net,
        total_vat=vat,
        total_gross=gross,
        amount_due=Decimal("0"),
        created_by=actor,
    )
    InvoiceLine.objects.bulk_create(
        [
            InvoiceLine(
                invoice=note,
                position=i,
                end_client=end_client,
                kind=ChargeKind.OTHER,
                description=line.description,
                quantity=Decimal(1),
                unit_price=amount,
                net_amount=amount,
                vat_category=category,
                vat_rate=rate,
            )
            for i, (line, category, rate, amount) in enumerate(rows, start=1)
        ]
    )
    audit_record(
        action="credit_note.issue",
        instance=note,
        actor=actor,
        client=client,
        partner=partner,
        after={
            "number": number,
            "total_gross": gross,
            "reason": reason,
            "corrects": corrects.number if corrects else None,
        },
    )
    transaction.on_commit(lambda: _enqueue_pdf(note.pk))
    return note


def credit_remaining(note: Invoice) -> Decimal:
    used = note.allocations.aggregate(total=Sum("amount"))["total"] or Decimal("0")
    return note.total_gross - used


@transaction.atomic
def credit_note_apply(*, credit_note: Invoice, invoice: Invoice, amount) -> CreditAllocation:
    """BIL-9: set part of a credit note against an invoice already issued (an accepted dispute
    of that invoice), so that the next run does not set it against another invoice too."""
    credit_note = Invoice.objects.select_for_update().get(pk=credit_note.pk)
    amount = Decimal(amount)
    if credit_note.kind != DocumentKind.CREDIT_NOTE or invoice.kind != DocumentKind.INVOICE:
        raise ValidationError(_("A credit note is set against an invoice."))
    if (credit_note.client_id, credit_note.partner_id) != (invoice.client_id, invoice.partner_id):
        raise ValidationError(_("The credit note and the invoice have different buyers."))
    if amount <= 0 or amount > credit_remaining(credit_note):
        raise ValidationError(_("This amount is not left on the credit note."))
    return CreditAllocation.objects.create(credit_note=credit_note, invoice=invoice, amount=amount)
