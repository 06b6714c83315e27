"""Every write of payments and collection (BIL-4, BIL-6, BIL-7, BIL-8, BIL-10).

Invoices are immutable (BIL-2), so what happens to an invoice after issue is written here:
payments and their allocations, credit notes set against it, disputes, the collection case
(reminders, stage), and the late charges posted to billing for the next invoice. One module per
use-case family:

- ``allocation``: payments recorded by staff and their allocation to open invoices (BIL-4);
- ``settlement``: an invoice fully settled — its case closes, late charges, suspension lifted;
- ``late_charges``: ECB rates, late interest and the 40 € indemnity posted to billing (BIL-6);
- ``collection``: the daily job — reminders, indemnity, suspension proposals, in batches (BIL-7);
- ``suspensions``: suspension for non-payment and its lifting (BIL-7, CON-8);
- ``disputes``: disputes opened by customers, accepted (credit note) or rejected (BIL-8);
- ``mandates``: SEPA CORE mandates (BIL-4);
- ``direct_debits``: pain.008 batches, their settlement, rejected debits (BIL-4);
- ``prepaid``: the prepaid ledger — top-ups, debits, reservations, refunds (BIL-10);
- ``notices``: who is e-mailed about payments (the Paris business day is ``kernel.clock``).

What an invoice owes (``InvoiceState``) is a read shared with the selectors: it lives below
both, in ``payments.invoice_states``, and is re-exported here.

Other apps call ``from payments import services as payments`` then ``payments.<name>``; inside
this app, import from the submodule.
"""

from kernel.clock import paris_today
from payments.invoice_states import InvoiceState, invoice_state, invoice_states
from payments.sepa import represent_date
from payments.services.allocation import (
    lock_payer,
    payment_record,
    payment_refund,
    payment_unallocated,
)
from payments.services.collection import (
    collection_batch_run,
    collection_cases_open,
    collection_run,
    collection_step,
)
from payments.services.direct_debits import (
    debit_batch_create,
    debit_batch_settle,
    debit_candidates,
    debit_reject,
)
from payments.services.disputes import (
    dispute_accept,
    dispute_deadline,
    dispute_open,
    dispute_reject,
)
from payments.services.late_charges import (
    ecb_rate_for,
    ecb_rate_set,
    late_charges_batch_post,
    late_interest_for,
)
from payments.services.mandates import mandate_create, mandate_revoke, mandates_lapse
from payments.services.prepaid import (
    InsufficientBalance,
    gross_amount,
    ledger_text,
    prepaid_consume,
    prepaid_debit,
    prepaid_refund,
    prepaid_release,
    prepaid_reserve,
    prepaid_suspend_exhausted,
    prepaid_topup_record,
)
from payments.services.suspensions import (
    client_suspend_for_non_payment,
    overdue_for_suspension,
    suspension_lift_if_paid,
)

__all__ = [
    "InsufficientBalance",
    "InvoiceState",
    "client_suspend_for_non_payment",
    "collection_batch_run",
    "collection_cases_open",
    "collection_run",
    "collection_step",
    "debit_batch_create",
    "debit_batch_settle",
    "debit_candidates",
    "represent_date",
    "debit_reject",
    "dispute_accept",
    "dispute_deadline",
    "dispute_open",
    "dispute_reject",
    "ecb_rate_for",
    "ecb_rate_set",
    "gross_amount",
    "invoice_state",
    "invoice_states",
    "late_charges_batch_post",
    "late_interest_for",
    "lock_payer",
    "mandate_create",
    "mandate_revoke",
    "mandates_lapse",
    "overdue_for_suspension",
    "paris_today",
    "payment_record",
    "payment_refund",
    "payment_unallocated",
    "ledger_text",
    "prepaid_consume",
    "prepaid_debit",
    "prepaid_refund",
    "prepaid_release",
    "prepaid_reserve",
    "prepaid_suspend_exhausted",
    "prepaid_topup_record",
    "suspension_lift_if_paid",
]
