"""Signals other apps listen to, so that billing never imports them (one-way dependencies)."""

from dataclasses import dataclass
from datetime import date

from django.dispatch import Signal

from billing.choices import DocumentKind

# BIL-1: sent by ``run_start`` before the buyers are counted; kwargs: ``month`` (first day of
# M), ``target`` (first day of M+1, the month billed in advance) and ``today`` (Paris). The run
# prices M+1 "as the contract will stand on its first day": receivers bring forward the work
# of that day (e.g. renewing trunks, which applies their pending decreases and re-optimises
# their packs) when ``today >= target``, idempotently.
run_preparing = Signal()

# BIL-3: sent when an invoice or a credit note is issued, inside the issuing transaction;
# kwargs: ``invoice_id`` and ``invoice`` (the row just written). The PDF task listens to it
# (``billing.tasks.enqueue_invoice_pdf``, connected in ``BillingConfig.ready``) and renders the
# document once that transaction commits: the services never import the tasks. Payments
# squares the prepaid ledger with it (BIL-10).
document_issued = Signal()

# BIL-4, BIL-6, BIL-8: sent when the invoice pages show issued invoices with an amount due;
# kwargs: ``invoices`` and ``today`` (Paris). Billing knows what an invoice asked for, not what
# was paid since: the payments app answers ``{invoice pk: PaymentState}`` from its payments,
# direct debits and disputes (``payments.instructions.payment_states``, connected in
# ``PaymentsConfig.ready``).
payment_states = Signal()


@dataclass(frozen=True)
class PaymentState:
    """What the customer reads of an invoice: ``settled`` (nothing left to pay), ``disputed``
    (part of it under review, BIL-8), ``debit`` (its direct debit at the bank, collected on
    ``debit_on``: never late meanwhile, BIL-6), ``overdue`` or ``due``."""

    status: str
    debit_on: date | None = None


def payment_states_of(invoices, today: date) -> dict[int, PaymentState]:
    """The first answer to ``payment_states`` for the invoices with an amount due (credit notes
    and documents with nothing to pay are left out); empty when nobody answers."""
    owing = [i for i in invoices if i.kind == DocumentKind.INVOICE and i.amount_due > 0]
    if not owing:
        return {}
    for _receiver, answer in payment_states.send(sender=None, invoices=owing, today=today):
        if isinstance(answer, dict):
            return answer
    return {}
