"""Signals other apps listen to, so that billing never imports them (one-way dependencies)."""

from django.dispatch import Signal

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
