"""Back office of billing: the month-end runs (BIL-1), issued invoices and credit notes (BIL-2,
BIL-3, BIL-9) and pending charges, manual ones included.

Issued documents are immutable (BIL-2): nothing here adds, changes or deletes one; corrections
are credit notes, issued by an action through ``billing.services``. A run is previewed (nothing
written) and launched on a worker (``billing.tasks.month_end_run``), never run in the request.

- ``runs``: the runs, their progress, the preview and the launch of a month;
- ``invoices``: invoices and credit notes, their PDF, the credit-note action;
- ``charges``: pending charges, and the manual charges staff add.

Importing the package registers every admin (Django's autodiscovery imports it).
"""

from . import charges, invoices, runs

__all__ = ["charges", "invoices", "runs"]
