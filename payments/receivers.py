"""Payments' answers to billing's signals (billing never imports payments)."""

from payments.services.prepaid import prepaid_square_with_invoice


def square_prepaid_with_invoice(sender, invoice_id, invoice=None, **kwargs):
    """BIL-10: once an invoice is issued, the prepaid ledger agrees with what it says was paid.
    Most invoices paid nothing in advance: no query for them (the month-end run issues
    thousands)."""
    if invoice is not None and not invoice.paid_in_advance > 0:
        return
    prepaid_square_with_invoice(invoice_id=invoice_id)
