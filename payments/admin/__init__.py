"""Back office of payments and collection (BIL-4, BIL-6, BIL-7, BIL-8, BIL-10).

Every row here is written by ``payments.services`` (which also write the audit log): the add
pages are forms that call a service, and state changes are actions with a confirmation form.
Nothing is changed or deleted as a bare row (payments, allocations and ledger entries are
append-only). One module per model family, each registering its admins:

- ``ecb_rates``: the ECB rates (BIL-6);
- ``allocation``: payments received and what they settled (BIL-4);
- ``mandates``: SEPA mandates (BIL-4);
- ``direct_debits``: pain.008 batches and rejected debits (BIL-4);
- ``disputes``: disputes accepted or rejected (BIL-8);
- ``collection``: the collection cases, the dunning queue, suspension (BIL-7);
- ``prepaid``: the prepaid ledger, top-ups and refunds (BIL-10);
- ``display``: amounts in euros and the customers offered by the forms.

Importing this package (Django's admin autodiscovery) registers them all.
"""

from payments.admin.allocation import PaymentAdmin
from payments.admin.collection import CollectionCaseAdmin
from payments.admin.direct_debits import DebitBatchAdmin, DirectDebitAdmin
from payments.admin.disputes import DisputeAdmin
from payments.admin.ecb_rates import LATE_RATE_POINTS, EcbRateAdmin
from payments.admin.mandates import MandateAdmin
from payments.admin.prepaid import PrepaidEntryAdmin

__all__ = [
    "LATE_RATE_POINTS",
    "CollectionCaseAdmin",
    "DebitBatchAdmin",
    "DirectDebitAdmin",
    "DisputeAdmin",
    "EcbRateAdmin",
    "MandateAdmin",
    "PaymentAdmin",
    "PrepaidEntryAdmin",
]
