"""Payments' answers to billing's signals (billing never imports payments)."""

from django.db import transaction
from django.utils.translation import gettext as _

from billing.choices import DocumentKind
from kernel.clock import paris_today
from kernel.money import ZERO, money
from payments.selectors import account_summary
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


def amount_still_due(sender, client, **kwargs) -> list[str]:
    """ACC-1 (``accounts.signals.client_closing``): a customer cannot be closed while it owes
    something — an invoice left to pay (a disputed part included, BIL-8: not settled yet) or a
    prepaid balance below zero (BIL-10)."""
    summary = account_summary(client, paris_today())
    refusals = []
    if summary.open_invoices:
        refusals.append(
            _("Amount due: %(amount)s (invoices %(numbers)s).")
            % {
                "amount": money(sum((s.open for s in summary.open_invoices), ZERO)),
                "numbers": ", ".join(s.invoice.number for s in summary.open_invoices),
            }
        )
    if summary.prepaid < 0:
        refusals.append(
            _("Prepaid balance below zero: %(amount)s owed.") % {"amount": money(-summary.prepaid)}
        )
    return refusals
