"""What each buyer will be invoiced by the run of a month (BIL-1, ACC-3): the drafts, computed
the same way for the preview (nothing written) and for the run (which writes the charges it
creates, then issues the drafts through ``issuing``)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.choices import BillingMode
from accounts.models import Client, Partner
from billing import amounts, signals
from billing.choices import VAT_BY_REGIME, WHOLESALE_KINDS, ChargeKind, VatCategory
from billing.models import InvoicePurpose, InvoiceRun, PendingCharge
from billing.services.parties import parties_for_month, party_key
from billing.services.run_charges import new_charges_for_batch
from offers.models import Contract
from offers.periods import add_months


@dataclass
class DraftLine:
    charge: PendingCharge
    end_client: Client | None  # None: a partner's own charge (its late charges, BIL-6)
    description: str
    unit_price: Decimal
    net: Decimal
    vat_category: str
    vat_rate: Decimal
    contract_reference: str = ""
    site_name: str = ""
    purchase_order_ref: str = ""
    delivery_address: dict = field(default_factory=dict)  # BIL-3: goods sold


@dataclass
class DraftInvoice:
    """What a buyer will be invoiced (the run's preview shows these, unwritten)."""

    party: tuple[str, int]
    buyer_name: str
    lines: list[DraftLine] = field(default_factory=list)
    purpose: str = InvoicePurpose.REGULAR
    groups: list = field(default_factory=list)
    total_net: Decimal = Decimal("0")
    total_vat: Decimal = Decimal("0")
    total_gross: Decimal = Decimal("0")
    # BIL-10: the part of total_gross already paid (its VAT per rate, as the invoice's own).
    paid_in_advance: Decimal = Decimal("0")


# BIL-6: late interest and the recovery indemnity are outside the scope of VAT, whatever the
# poster said.
LATE_CHARGE_KINDS = {ChargeKind.LATE_INTEREST, ChargeKind.RECOVERY_INDEMNITY}
# USE-6 / USE-7 (docs/rules.md): a contractual penalty is damages, not the consideration of a
# supply (CGI art. 256): outside the scope of VAT too, whatever the poster said.
OUTSIDE_SCOPE_KINDS = LATE_CHARGE_KINDS | {ChargeKind.PENALTY}


def is_outside_scope(charge: PendingCharge) -> bool:
    return charge.vat_category == VatCategory.OUTSIDE_SCOPE or charge.kind in OUTSIDE_SCOPE_KINDS


def _vat_for(client_regime: str, charge: PendingCharge) -> tuple[str, Decimal]:
    if is_outside_scope(charge):
        return VatCategory.OUTSIDE_SCOPE, Decimal("0.00")
    if client_regime == "reverse_charge" and charge.kind == ChargeKind.EQUIPMENT:
        # Reverse charge (art. 259-1 CGI) is for services. Equipment sold is goods delivered
        # to the customer's site, in France (ACC-1): taxable in France (CGI art. 258 I a)
        # whatever the buyer's establishment.
        return VAT_BY_REGIME["standard"]
    return VAT_BY_REGIME[client_regime]


def split_by_purpose(draft: DraftInvoice) -> list[DraftInvoice]:
    """BIL-6: a buyer's charges outside the scope of VAT (late interest, recovery indemnities)
    go on a late-charges invoice of their own, after the regular invoice — EN 16931 BR-O-11
    forbids an "O" VAT group beside any other group on one invoice."""
    outside = [line for line in draft.lines if line.vat_category == VatCategory.OUTSIDE_SCOPE]
    taxed = [line for line in draft.lines if line.vat_category != VatCategory.OUTSIDE_SCOPE]
    if not outside or not taxed:
        draft.purpose = InvoicePurpose.LATE_CHARGES if outside else InvoicePurpose.REGULAR
        return [draft]
    parts = []
    for purpose, lines in ((InvoicePurpose.REGULAR, taxed), (InvoicePurpose.LATE_CHARGES, outside)):
        part = DraftInvoice(draft.party, draft.buyer_name, lines, purpose=purpose)
        part.groups = amounts.vat_breakdown(
            [(line.vat_category, line.vat_rate, line.net) for line in lines]
        )
        part.total_net, part.total_vat, part.total_gross = amounts.totals(part.groups)
        part.paid_in_advance = amounts.paid_in_advance(
            [(line.vat_category, line.vat_rate, line.net, line.charge.is_paid) for line in lines]
        )
        parts.append(part)
    return parts


def _draft(party, buyer_name, charges, clients_by_id, discount, regime=None) -> DraftInvoice:
    """The invoice of one buyer. A partner-billed partner (``discount``) buys every sale at its
    wholesale price (ACC-3, ``WHOLESALE_KINDS``): subscriptions, setup, consumption, equipment,
    porting, termination fees, top-ups; late interest, the recovery indemnity, the bank's reject
    fee and penalties (damages, outside VAT) are not sales and stay as they are. The VAT is the
    buyer's: the customer's regime, or the partner's own (``regime``) on a partner's invoice —
    a partner in Réunion is invoiced at 8.5 %, whatever its customers' regimes."""
    draft = DraftInvoice(party=party, buyer_name=buyer_name)
    for charge in sorted(
        charges,
        key=lambda c: (c.client_id or 0, c.contract_id or 0, c.period_start, c.kind, c.pk or 0),
    ):
        client = clients_by_id[charge.client_id] if charge.client_id else None
        unit_price = charge.unit_price
        if discount and charge.kind in WHOLESALE_KINDS:
            unit_price = amounts.wholesale(unit_price, discount)
        category, rate = _vat_for(client.vat_regime if party[0] == "client" else regime, charge)
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
                site_name=(contract.site.name if contract and contract.site_id else "")
                or charge.site_name,
                purchase_order_ref=(contract.purchase_order_ref if contract else "")
                or charge.purchase_order_ref,
                delivery_address=charge.delivery_address,
            )
        )
    draft.groups = amounts.vat_breakdown(
        [(line.vat_category, line.vat_rate, line.net) for line in draft.lines]
    )
    draft.total_net, draft.total_vat, draft.total_gross = amounts.totals(draft.groups)
    draft.paid_in_advance = amounts.paid_in_advance(
        [(line.vat_category, line.vat_rate, line.net, line.charge.is_paid) for line in draft.lines]
    )
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
    new = new_charges_for_batch(clients, month)
    # The charges already pending, read before the new ones are written (those are in memory),
    # with their contracts in one light query (no terms snapshot to decode per charge).
    # The charges of the buyers' customers, and the partners' own (BIL-6: their late charges).
    pending = list(
        PendingCharge.objects.filter(
            Q(client_id__in=clients_by_id) | Q(partner_id__in=partner_ids),
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
    if save_charges and new:
        PendingCharge.objects.bulk_create(new)
    # A charge created for a later period (a service starting after M+1's first day) waits for
    # its run, in the preview as in the run.
    pending.extend(c for c in new if c.period_start <= target)
    by_party = defaultdict(list)
    for charge in pending:
        if charge.partner_id is not None:
            by_party[("partner", charge.partner_id)].append(charge)
        else:
            by_party[party_key(clients_by_id[charge.client_id])].append(charge)
    partners = {p.pk: p for p in Partner.objects.filter(pk__in=partner_ids)}
    drafts = []
    for party in parties:
        charges = by_party.get(party, [])
        if not charges:
            continue
        if party[0] == "partner":
            partner = partners[party[1]]
            drafts.extend(
                split_by_purpose(
                    _draft(
                        party,
                        partner.legal_name or partner.name,
                        charges,
                        clients_by_id,
                        partner.wholesale_discount_percent,
                        partner.vat_regime,
                    )
                )
            )
        else:
            drafts.extend(
                split_by_purpose(
                    _draft(party, clients_by_id[party[1]].legal_name, charges, clients_by_id, None)
                )
            )
    return drafts


def run_preview(*, month: date, parties=None) -> list[DraftInvoice]:
    """What the run would invoice, without writing anything (BIL-1). The run's preparation
    (``run_preparing``: the month's consumption and penalties posted, HOSTED-A's calls
    re-rated, the trunks renewed) is done first, as the run does it, and rolled back with the
    rest: without it the preview showed no consumption and a minimum-commitment top-up that
    ignored it (BIL-5)."""
    with transaction.atomic():
        signals.run_preparing.send(
            sender=InvoiceRun, month=month, target=add_months(month, 1), today=timezone.localdate()
        )
        drafts = compute_batch(parties or parties_for_month(month), month, save_charges=False)
        transaction.set_rollback(True)
    return drafts


def charge_draft_line(charge: PendingCharge) -> tuple[str, DraftLine]:
    """The buyer's name and the line the next run will make of ``charge`` (not written): its
    price (a partner-billed partner's wholesale price), net and VAT as ``_draft`` gives them —
    what a staff member's confirmation states before a manual charge is added (ACC-4)."""
    client = charge.client
    party = party_key(client)
    if party[0] == "partner":
        partner = client.partner
        draft = _draft(
            party,
            partner.legal_name or partner.name,
            [charge],
            {client.pk: client},
            partner.wholesale_discount_percent,
            partner.vat_regime,
        )
    else:
        draft = _draft(party, client.legal_name, [charge], {client.pk: client}, None)
    return draft.buyer_name, draft.lines[0]
