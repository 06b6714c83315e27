"""What was invoiced for a contract, read from issued invoices only — never from the contract's
live lines, which a termination or a change empties: the base of an SLA credit (SLA-7, SLA-10)
and the subscriptions paid that cap compensation (SLA-12)."""

from datetime import date
from decimal import Decimal

from django.db.models import Q, Sum

from billing.choices import ChargeKind, DocumentKind, DocumentStatus
from billing.models import Invoice, InvoiceLine
from offers.models import Contract
from payments import services as payments

SUBSCRIPTION_KINDS = [ChargeKind.SUBSCRIPTION, ChargeKind.PRORATA]
ZERO = Decimal("0.00")


def _invoiced_lines(contract: Contract):
    return InvoiceLine.objects.filter(
        invoice__status=DocumentStatus.ISSUED,
        invoice__kind=DocumentKind.INVOICE,
        contract_reference=contract.reference,
    )


def _net_of_corrections(lines) -> Decimal:
    """The lines' net amounts, each less what the credit notes correcting an invoice credited
    on it (BIL-9's ``credited_line``: a termination, a price restored, an accepted dispute, a
    correction by staff — the credit note amends the invoice), never below zero. Compensation
    (SLA and goodwill credits: they correct no invoice) names a line too but takes nothing off.
    Credit notes naming no line (issued before the link) take nothing off either."""
    billed = dict(lines.values_list("pk", "net_amount"))
    if not billed:
        return ZERO
    credited = dict(
        InvoiceLine.objects.filter(
            credited_line__in=billed,
            invoice__kind=DocumentKind.CREDIT_NOTE,
            invoice__status=DocumentStatus.ISSUED,
            invoice__corrects__isnull=False,
        )
        .values("credited_line")
        .annotate(total=Sum("net_amount"))
        .values_list("credited_line", "total")
    )
    return sum((max(net - credited.get(pk, ZERO), ZERO) for pk, net in billed.items()), ZERO)


def invoiced_subscriptions(contract: Contract, start: date, end: date) -> Decimal:
    """The fixed fees invoiced for the contract for the service of [start, end): its
    subscription lines (full months and pro rata, as invoiced) on issued invoices whose service
    period overlaps it — whichever invoice carried them (October's are on September's run, in
    advance; a first month started on the 16th is its pro rata) —, net of the corrections
    credited on them (SLA-7: a line corrected by 50.00 of 149.00 was invoiced 99.00). 0.00 when
    none."""
    return _net_of_corrections(
        _invoiced_lines(contract)
        .filter(kind__in=SUBSCRIPTION_KINDS, period_start__lt=end)
        .filter(Q(period_end__gt=start) | Q(period_end__isnull=True, period_start__gte=start))
    )


def invoiced_consumption(contract: Contract, month: date) -> Decimal:
    """SLA-10: the consumption invoiced for the contract on the invoices of ``month``, net of
    the corrections credited on those lines (an accepted dispute)."""
    return _net_of_corrections(
        _invoiced_lines(contract).filter(kind=ChargeKind.CONSUMPTION, invoice__month=month)
    )


def paid_subscriptions(contract: Contract, start: date, end: date) -> Decimal:
    """SLA-12 (PLATFORM 15.3, "abonnements payés"): the subscription lines (full months and pro
    rata) of the contract on the issued invoices dated in [start, end) that are settled —
    nothing left to pay on them once payments, credit notes set against them and rejected
    payments are counted (``payments.invoice_states``) —, each less what the credit notes
    correcting an invoice credited on it (BIL-9's ``credited_line``: a termination, a price
    restored, an accepted dispute, a correction by staff): what was credited back was not paid.
    Compensation (SLA and goodwill credits: they correct no invoice) names a line too but does
    not lower it: it is counted against the cap as granted. Credit notes naming no line (issued
    before the link) take nothing off a line. A partly paid invoice counts nothing: a payment
    pays the invoice, not its lines (docs/rules.md, SLA-12) — except the lines paid in advance
    (``is_paid``: from the prepaid balance), paid whatever is left on the invoice."""
    invoices = Invoice.objects.filter(
        kind=DocumentKind.INVOICE,
        status=DocumentStatus.ISSUED,
        issue_date__gte=start,
        issue_date__lt=end,
        lines__contract_reference=contract.reference,
        lines__kind__in=SUBSCRIPTION_KINDS,
    ).distinct()
    paid = [pk for pk, state in payments.invoice_states(invoices).items() if state.open <= ZERO]
    # A line paid in advance (BIL-10: a prepaid number reservation or channel order, listed as
    # already paid) was paid, whatever is still due on the rest of its invoice.
    return _net_of_corrections(
        _invoiced_lines(contract).filter(
            Q(invoice_id__in=paid) | Q(is_paid=True),
            kind__in=SUBSCRIPTION_KINDS,
            invoice__in=invoices,
        )
    )
