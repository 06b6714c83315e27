"""Every write of billing: pending charges, the month-end run (BIL-1, BIL-5), numbering
(BIL-2), credit notes (BIL-9). One module per use-case family:

- ``charges``: ``charge_post``, the one way other apps ask to be paid;
- ``numbering``: gapless numbers of each series and year (BIL-2);
- ``parties``: the seller's and the buyers' identities, who is invoiced for a customer (ACC-3)
  and the buyers of a month's run;
- ``run_charges``: the charges a run creates — subscriptions due, termination fees,
  minimum-commitment top-ups (BIL-5);
- ``run_planning``: what each buyer will be invoiced (the drafts), and the run's preview;
- ``issuing``: writing the run's invoices for a batch of buyers (locks, credit set against the
  invoices, numbers, one insert per table);
- ``runs``: the run as a job — start, batches, progress counted once per batch, finish;
- ``credit_notes``: issuing credit notes, setting them against invoices or refunding them
  (BIL-9);
- ``credited_lines``: the invoice line each credit note line credits, what is left to credit on
  a line, the lines a credit naming none goes to (BIL-9).

Issuing a document sends ``billing.signals.document_issued``; the PDF task listens to it
(``billing.tasks``), so the services never import the tasks.

Code of other apps uses ``from billing import services as billing`` and the names below; code of
billing itself imports from the modules.
"""

from .charges import charge_post, charge_withdraw, delivery_address_of
from .credit_notes import (
    CreditLine,
    credit_note_apply,
    credit_note_issue,
    credit_note_refund,
    credit_note_totals,
    credit_remaining,
)
from .credited_lines import line_left_to_credit, lines_left_to_credit
from .parties import parties_for_month
from .run_planning import run_preview
from .runs import batches, run_batch, run_finish, run_month_sync, run_start

__all__ = [
    "CreditLine",
    "batches",
    "charge_post",
    "charge_withdraw",
    "credit_note_apply",
    "credit_note_issue",
    "credit_note_totals",
    "credit_note_refund",
    "credit_remaining",
    "delivery_address_of",
    "line_left_to_credit",
    "lines_left_to_credit",
    "parties_for_month",
    "run_batch",
    "run_finish",
    "run_month_sync",
    "run_preview",
    "run_start",
]
