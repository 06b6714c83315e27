"""What an invoice owes and since when it is late (BIL-4, BIL-6, BIL-8): reads shared by the
services (allocation, collection, direct debits) and the selectors (the account summary).

They sit below both so that neither imports the other to know what is left to pay.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from billing.choices import DocumentKind, DocumentStatus
from billing.models import Invoice
from payments import interest
from payments.choices import AllocationSource, DisputeStatus, PaymentStatus
from payments.models import Allocation, Dispute

ZERO = Decimal("0.00")


@dataclass
class InvoiceState:
    """What is left to pay on an invoice and since when it is late (BIL-4, BIL-6, BIL-8)."""

    invoice: Invoice
    settled: Decimal  # payments (net of rejected ones) and credit notes set against it
    disputed: Decimal  # under review: out of dunning and of direct debits
    open: Decimal  # left to pay, disputed part included
    tranches: list  # [(Tranche, left)] in due order; a disputed part has due_date None
    payments: list  # [(date, amount)] received on it (rejected payments excluded)

    @property
    def undisputed_open(self) -> Decimal:
        return max(self.open - self.disputed, ZERO)

    def due_by(self, day: date) -> Decimal:
        """The undisputed amount due on or before ``day`` (what a direct debit may collect)."""
        left = sum(
            (amount for t, amount in self.tranches if t.due_date and t.due_date <= day), ZERO
        )
        return min(left, self.undisputed_open)

    def overdue_since(self, today: date) -> date | None:
        """The oldest due date with something unpaid, when before ``today``."""
        for tranche, left in self.tranches:
            if left > 0 and tranche.due_date is not None and tranche.due_date < today:
                return tranche.due_date
        return None

    def days_late(self, today: date) -> int:
        since = self.overdue_since(today)
        return (today - since).days if since else 0


def _remaining(tranches: list[interest.Tranche], payments: list[tuple[date, Decimal]]):
    """Payments settle tranches oldest due first (disputed parts, not due, last)."""
    order = sorted(tranches, key=lambda t: (t.due_date is None, t.due_date or date.max))
    left = [t.amount for t in order]
    paid = sum((a for _d, a in payments), ZERO)
    for i, tranche in enumerate(order):
        take = min(paid, tranche.amount)
        left[i] -= take
        paid -= take
    return list(zip(order, left, strict=True))


def invoice_states(invoices) -> dict[int, InvoiceState]:
    """The state of several invoices in two queries (lists and the daily job)."""
    invoices = list(invoices)
    ids = [i.pk for i in invoices]
    allocations: dict[int, list[Allocation]] = {pk: [] for pk in ids}
    for row in Allocation.objects.filter(invoice_id__in=ids).select_related("payment"):
        allocations[row.invoice_id].append(row)
    disputes: dict[int, list[Dispute]] = {pk: [] for pk in ids}
    for row in Dispute.objects.filter(invoice_id__in=ids):
        disputes[row.invoice_id].append(row)
    return {i.pk: _state(i, allocations[i.pk], disputes[i.pk]) for i in invoices}


def invoice_state(invoice: Invoice) -> InvoiceState:
    return invoice_states([invoice])[invoice.pk]


def _state(invoice: Invoice, allocations, disputes) -> InvoiceState:
    settled = sum((a.amount for a in allocations), ZERO)
    payments = [
        (a.on, a.amount)
        for a in allocations
        if a.source == AllocationSource.PAYMENT and a.payment.status == PaymentStatus.RECEIVED
    ]
    disputed_total = sum((d.amount for d in disputes), ZERO)
    tranches = [interest.Tranche(max(invoice.amount_due - disputed_total, ZERO), invoice.due_date)]
    for d in disputes:
        if d.status == DisputeStatus.REJECTED:
            tranches.append(interest.Tranche(d.amount, d.new_due_date))
        elif d.status == DisputeStatus.OPEN:
            tranches.append(interest.Tranche(d.amount, None))
    open_amount = max(invoice.amount_due - settled, ZERO)
    under_review = sum((d.amount for d in disputes if d.status == DisputeStatus.OPEN), ZERO)
    return InvoiceState(
        invoice=invoice,
        settled=settled,
        disputed=min(under_review, open_amount),
        open=open_amount,
        tranches=_remaining(tranches, payments),
        payments=payments,
    )


def open_invoices(client=None, partner=None):
    """Issued invoices with something due whose collection case is not settled: the buyer's
    (``client`` or ``partner``); with neither, those billed to no partner."""
    qs = Invoice.objects.filter(
        kind=DocumentKind.INVOICE, status=DocumentStatus.ISSUED, amount_due__gt=0
    ).exclude(collection__settled_on__isnull=False)
    return qs.filter(client=client) if client else qs.filter(partner=partner)
