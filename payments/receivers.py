"""Payments' answers to billing's signals (billing never imports payments)."""

from django.db import transaction

from billing.choices import DocumentKind
from payments.services.prepaid import prepaid_square_with_invoice
from payments.services.settlement import corrected_invoice_credit


def square_prepaid_with_invoice(sender, invoice_id, invoice=None, **kwargs):
    """BIL-10: once an invoice is issued, the prepaid ledger agrees with what it says was paid.
    Most invoices paid nothing in advance: no query for them (the month-end run issues
    thousands)."""
    if invoice is not None and not invoice.paid_in_advance > 0:
        return
    prepaid_square_with_invoice(invoice_id=invoice_id)


def credit_corrected_invoice(sender, invoice_id, invoice=None, **kwargs):
    """BIL-9: once a credit note correcting an invoice is committed, it lowers what is left to
    pay on that invoice (``corrected_invoice_credit``)."""
    if invoice is None or invoice.kind != DocumentKind.CREDIT_NOTE or not invoice.corrects_id:
        return
    transaction.on_commit(lambda: corrected_invoice_credit(credit_note_id=invoice_id))
