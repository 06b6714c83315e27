"""What an invoice owes and since when it is late (BIL-4, BIL-6, BIL-7, BIL-8): reads shared by
the services (allocation, collection, direct debits) and the selectors (the account summary).

They sit below both so that neither imports the other to know what is left to pay.

Direct debits (BIL-6: "an invoice with a pending direct debit is not late"): the collection date
is ours, not the customer's. While a debit of the invoice is in a batch neither settled nor
rejected, the invoice is not late (no reminder, no suspension, no interest). A debit the bank
collected counts, for interest, as paid on the day it was put in a batch, or on the due date when
that was earlier: collected after the due date it bears nothing, unless the invoice was already
late when it was put in a batch (a debit presented again after a reject, an invoice put in a
batch after its due date) — then the days from the due date to that batch bear interest. A
rejected debit counts for nothing: the invoice is late from its original due date.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import timezone

from billing.choices import DocumentKind, DocumentStatus
from billing.models import Invoice
from payments import interest, sepa
from payments.choices import (
    AllocationSource,
    DebitStatus,
    DisputeStatus,
    MandateStatus,
    PaymentStatus,
)
from payments.models import Allocation, DirectDebit, Dispute, Payment

ZERO = Decimal("0.00")


@dataclass
class InvoiceState:
    """What is left to pay on an invoice and since when it is late (BIL-4, BIL-6, BIL-8)."""

    invoice: Invoice
    settled: Decimal  # payments (net of rejected ones) and credit notes set against it
    disputed: Decimal  # under review: out of dunning and of direct debits
    open: Decimal  # left to pay, disputed part included
    tranches: list  # [(Tranche, left)] in due order; a disputed part has due_date None
    # [(date, amount)] received on it, rejected payments excluded; a collected direct debit
    # dated when it was put in a batch, at the latest (BIL-6, see the module docstring).
    payments: list
    # The collection date of its debit sent to the bank, neither settled nor rejected (BIL-4).
    debit_pending_on: date | None = None
    # Its last debit rejected under a mandate still in force: the day it is presented again
    # from (the reject e-mail's pre-notification, ``sepa.represent_date``).
    represent_from: date | None = None

    @property
    def awaiting_debit(self) -> bool:
        """BIL-6/BIL-7: a direct debit is in flight: the invoice is not late."""
        return self.debit_pending_on is not None

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
        """The oldest due date with something unpaid, when before ``today``; ``None`` while a
        direct debit is pending (BIL-6). A rejected debit counts for nothing: the invoice is
        then late since its original due date."""
        if self.awaiting_debit:
            return None
        for tranche, left in self.tranches:
            if left > 0 and tranche.due_date is not None and tranche.due_date < today:
                return tranche.due_date
        return None

    def days_late(self, today: date) -> int:
        since = self.overdue_since(today)
        return (today - since).days if since else 0

    def late_days(self, until: date) -> int:
        """BIL-6: the days it bears interest for when settled on ``until`` (0: it was never
        late, so no interest and no recovery indemnity)."""
        tranches = [t for t, _left in self.tranches if t.due_date is not None]
        return interest.late_days(tranches, self.payments, until)


def payment_status(state: InvoiceState, today: date) -> str:
    """What the customer reads of an invoice (the payments page, the invoice pages):
    ``settled`` (nothing left to pay), ``disputed`` (part of it under review, BIL-8), ``debit``
    (its direct debit at the bank: never late meanwhile, BIL-6), ``overdue`` or ``due``."""
    if state.open <= 0:
        return "settled"
    if state.disputed > 0:
        return "disputed"
    if state.awaiting_debit:
        return "debit"
    if state.overdue_since(today) is not None:
        return "overdue"
    return "due"


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
    """The state of several invoices in three queries (lists and the daily job)."""
    invoices = list(invoices)
    ids = [i.pk for i in invoices]
    allocations: dict[int, list[Allocation]] = {pk: [] for pk in ids}
    rows = (
        Allocation.objects.filter(invoice_id__in=ids)
        .select_related("payment__direct_debit__batch")
        .defer("payment__direct_debit__batch__xml")  # the pain.008 file: never needed here
    )
    for row in rows:
        allocations[row.invoice_id].append(row)
    disputes: dict[int, list[Dispute]] = {pk: [] for pk in ids}
    for row in Dispute.objects.filter(invoice_id__in=ids):
        disputes[row.invoice_id].append(row)
    pending, represent = {}, {}
    debits = (
        DirectDebit.objects.filter(
            invoice_id__in=ids, status__in=[DebitStatus.PENDING, DebitStatus.REJECTED]
        )
        .order_by("invoice_id", "batch__collection_date", "pk")
        .values_list(
            "invoice_id", "status", "batch__collection_date", "rejected_on", "mandate__status"
        )
    )
    for invoice_id, status, collection_date, rejected_on, mandate_status in debits:
        if status == DebitStatus.PENDING:
            pending[invoice_id] = collection_date
        elif mandate_status == MandateStatus.ACTIVE:  # the latest reject wins
            represent[invoice_id] = sepa.represent_date(rejected_on)
        else:
            represent.pop(invoice_id, None)
    states = {}
    for i in invoices:
        state = _state(i, allocations[i.pk], disputes[i.pk], pending.get(i.pk))
        if i.pk not in pending and i.pk in represent:
            # never before the invoice is due (a reject may come before the collection date)
            state.represent_from = max(represent[i.pk], i.due_date or represent[i.pk])
        states[i.pk] = state
    return states


def invoice_state(invoice: Invoice) -> InvoiceState:
    return invoice_states([invoice])[invoice.pk]


def _debit_sent_on(payment: Payment) -> date | None:
    """The Paris day the direct debit behind ``payment`` was put in a batch (None: not a debit)."""
    try:
        debit = payment.direct_debit
    except DirectDebit.DoesNotExist:
        return None
    return timezone.localdate(debit.batch.created_at)


def _counted_on(allocation: Allocation, due_date: date) -> date:
    """BIL-6: the day a payment counts as received for interest. A collected direct debit counts
    as paid on the day it was put in a batch, or on the due date if that was earlier (the
    collection date is ours); any other payment, on the day it was received."""
    sent_on = _debit_sent_on(allocation.payment)
    if sent_on is None or due_date is None:
        return allocation.on
    return min(allocation.on, max(due_date, sent_on))


def _taken_back(allocations) -> list[interest.Tranche]:
    """BIL-4: a rejected payment's reversals beyond the parts it set against the invoice — its
    money on account that staff refunded before the debtor's bank returned the debit (SEPA Core,
    unauthorised: up to 13 months). The customer got it back twice: owed again, due from the
    day of the return (a tranche of that day; the parts it had settled are due again from the
    invoice's own due date, as for any rejected debit)."""
    net: dict[int, list] = {}
    for a in allocations:
        if a.payment_id is None or a.payment.status != PaymentStatus.REJECTED:
            continue
        entry = net.setdefault(a.payment_id, [ZERO, None])
        entry[0] += a.amount
        if a.source == AllocationSource.REVERSAL:
            entry[1] = max(entry[1] or a.on, a.on)
    return [interest.Tranche(-amount, on) for amount, on in net.values() if amount < 0]


def _state(invoice: Invoice, allocations, disputes, debit_pending_on=None) -> InvoiceState:
    settled = sum((a.amount for a in allocations), ZERO)
    payments = [
        (_counted_on(a, invoice.due_date), a.amount)
        for a in allocations
        if a.source == AllocationSource.PAYMENT and a.payment.status == PaymentStatus.RECEIVED
    ]
    # BIL-9: a correcting credit note set against the invoice counts as paid on its allocation's
    # day (the due date at the latest: never owed, no interest on it); an accepted dispute's
    # credit note is not counted here, its amount already left the tranches — but what it set
    # against the invoice beyond the disputed amount (0.03 € disputed at 20 % is credited 0.04 €,
    # BIL-8) is credit like any other, counted as paid on the due date at the latest: left out,
    # a phantom cent stayed unpaid in the schedule of an invoice the credit note settled.
    dispute_left = {d.credit_note_id: d.amount for d in disputes if d.credit_note_id}
    for a in allocations:
        if a.source != AllocationSource.CREDIT_NOTE:
            continue
        if a.credit_note_id not in dispute_left:
            payments.append((a.on, a.amount))
            continue
        within = min(a.amount, dispute_left[a.credit_note_id])
        dispute_left[a.credit_note_id] -= within
        if a.amount > within:
            on = min(a.on, invoice.due_date) if invoice.due_date else a.on
            payments.append((on, a.amount - within))
    disputed_total = sum((d.amount for d in disputes), ZERO)
    tranches = [interest.Tranche(max(invoice.amount_due - disputed_total, ZERO), invoice.due_date)]
    tranches += _taken_back(allocations)
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
        debit_pending_on=debit_pending_on,
    )


def open_invoices(client=None, partner=None):
    """Issued invoices with something due whose collection case is not settled: the buyer's
    (``client`` or ``partner``); with neither, those billed to no partner."""
    qs = Invoice.objects.filter(
        kind=DocumentKind.INVOICE, status=DocumentStatus.ISSUED, amount_due__gt=0
    ).exclude(collection__settled_on__isnull=False)
    return qs.filter(client=client) if client else qs.filter(partner=partner)
