"""Reads of payments and collection that depend on who asks (always from the tenant)."""

from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from django.db.models import Sum

from accounts.models import Client
from billing.choices import DocumentKind, DocumentStatus
from billing.models import CreditAllocation, CreditRefund, Invoice
from payments.choices import (
    AllocationSource,
    DebitStatus,
    DunningStage,
    MandateStatus,
    PaymentStatus,
)
from payments.invoice_states import invoice_states
from payments.models import (
    Allocation,
    CollectionCase,
    Dispute,
    Mandate,
    Payment,
    PaymentRefund,
    PrepaidEntry,
)

ZERO = Decimal("0.00")


def prepaid_balance(client: Client) -> Decimal:
    """BIL-10: the balance is the sum of the ledger (€ incl. VAT)."""
    total = PrepaidEntry.objects.filter(account__client=client).aggregate(s=Sum("amount"))["s"]
    return total or ZERO


def prepaid_entries(client: Client):
    return PrepaidEntry.objects.filter(account__client=client).order_by("-created_at", "-id")


def active_mandate(client: Client) -> Mandate | None:
    return Mandate.objects.filter(client=client, status=MandateStatus.ACTIVE).first()


def in_dunning(client: Client) -> bool:
    """A reminder was sent for an invoice still unpaid (BIL-7)."""
    return (
        CollectionCase.objects.filter(client=client, settled_on__isnull=True)
        .exclude(stage__in=[DunningStage.NONE, DunningStage.SETTLED])
        .exists()
    )


def direct_debit_available(client: Client) -> bool:
    """TRK-3: an active SEPA mandate and no dunning in progress."""
    return active_mandate(client) is not None and not in_dunning(client)


def client_invoices(client: Client):
    return Invoice.objects.filter(
        client=client, kind=DocumentKind.INVOICE, status=DocumentStatus.ISSUED
    ).order_by("-issue_date", "-sequence")


def credit_in_favour(client: Client) -> Decimal:
    """BIL-4, BIL-9: the customer's money not set against any invoice yet — what its payments
    brought beyond the invoices they settled (on account; a rejected debit counts for nothing,
    an advance payment for an order is that order's) and what is left of its credit notes
    (neither set against an invoice nor refunded). Both go to its next invoices; what staff
    refunded of either is no longer the customer's here. Five aggregates, whatever the number
    of rows."""
    payments = Payment.objects.filter(client=client, status=PaymentStatus.RECEIVED, source_type="")
    paid = payments.aggregate(s=Sum("amount"))["s"] or ZERO
    used = (
        Allocation.objects.filter(payment__in=payments, source=AllocationSource.PAYMENT).aggregate(
            s=Sum("amount")
        )["s"]
        or ZERO
    )
    paid -= (
        PaymentRefund.objects.filter(payment__in=payments).aggregate(s=Sum("amount"))["s"] or ZERO
    )
    notes = Invoice.objects.filter(
        client=client, kind=DocumentKind.CREDIT_NOTE, status=DocumentStatus.ISSUED
    )
    credited = (
        notes.aggregate(
            total=Sum("total_gross"),
        )["total"]
        or ZERO
    )
    applied = (
        CreditAllocation.objects.filter(credit_note__in=notes).aggregate(s=Sum("amount"))["s"]
        or ZERO
    )
    refunded = (
        CreditRefund.objects.filter(credit_note__in=notes).aggregate(s=Sum("amount"))["s"] or ZERO
    )
    return max(paid - used, ZERO) + max(credited - applied - refunded, ZERO)


@dataclass
class AccountSummary:
    """What the customer owes (BIL-4): open invoices with their state, totals."""

    open_invoices: list  # [InvoiceState]
    due: Decimal  # undisputed, left to pay
    overdue: Decimal  # of which past its due date (not an invoice awaiting its direct debit)
    disputed: Decimal
    prepaid: Decimal
    client: Client | None = None

    @cached_property
    def credit(self) -> Decimal:
        """Money of the customer's not set against an invoice yet (``credit_in_favour``), read
        only by the pages that show it."""
        return credit_in_favour(self.client) if self.client is not None else ZERO

    @property
    def due_count(self) -> int:
        """The open invoices with something to pay outside a dispute (the dashboard card)."""
        return sum(1 for s in self.open_invoices if s.undisputed_open > 0)


def account_summary(client: Client, today) -> AccountSummary:
    """What the customer owes: the payments page's figures and the dashboard card's (one sum,
    so that both say the same amount, a disputed part set aside — BIL-8)."""
    invoices = list(
        client_invoices(client)
        .filter(amount_due__gt=0)
        .exclude(collection__settled_on__isnull=False)
        .order_by("due_date", "pk")
    )
    states = [s for s in invoice_states(invoices).values() if s.open > 0]
    return AccountSummary(
        open_invoices=states,
        due=sum((s.undisputed_open for s in states), ZERO),
        overdue=sum((s.undisputed_open for s in states if s.days_late(today) > 0), ZERO),
        disputed=sum((s.disputed for s in states), ZERO),
        prepaid=prepaid_balance(client),
        client=client,
    )


def with_left_to_pay(documents) -> list[Invoice]:
    """BIL-4: ``documents`` with ``left``: what is still to pay on each invoice today (the
    payments page's « left to pay »: payments net of rejected ones and credit notes set against
    it deducted, a disputed part included), ``None`` for a credit note. Three queries, whatever
    the number of documents."""
    documents = list(documents)
    invoices = [d for d in documents if d.kind == DocumentKind.INVOICE]
    states = invoice_states(invoices)
    for document in documents:
        state = states.get(document.pk)
        document.left = state.open if state is not None else None
    return documents


def client_payments(client: Client):
    return Payment.objects.filter(client=client).order_by("-received_on", "-id")


def client_disputes(client: Client):
    return (
        Dispute.objects.filter(client=client)
        .select_related("invoice", "credit_note")
        .prefetch_related("documents")
        .order_by("-opened_at")
    )


def client_dispute(client: Client, pk: int) -> Dispute:
    return client_disputes(client).get(pk=pk)


def dunning_queue():
    """Back office: invoices whose suspension is proposed (BIL-7), but not one whose direct
    debit is pending (not late, BIL-6; the daily job withdraws its proposal)."""
    return (
        CollectionCase.objects.filter(
            settled_on__isnull=True, stage=DunningStage.SUSPENSION_PROPOSED
        )
        .exclude(invoice__direct_debits__status=DebitStatus.PENDING)
        .select_related("invoice", "client")
        .order_by("invoice__due_date")
    )
