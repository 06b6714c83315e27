"""An invoice fully settled (BIL-4, BIL-6, BIL-7): by a payment, a direct debit, a credit note
of an accepted dispute, or found settled by the daily job. Its collection case closes, its late
charges are posted, and the customer's non-payment suspension is lifted."""

from datetime import date

from billing.models import Invoice
from payments.choices import DunningStage
from payments.invoice_states import invoice_state
from payments.models import CollectionCase
from payments.services.late_charges import post_late_charges
from payments.services.suspensions import suspension_lift_if_paid


def _case(invoice: Invoice) -> CollectionCase:
    case, _created = CollectionCase.objects.get_or_create(
        invoice=invoice, defaults={"client": invoice.client}
    )
    return CollectionCase.objects.select_for_update().get(pk=case.pk)


def after_settlement(invoice: Invoice, on: date, actor=None) -> None:
    """An invoice fully settled: its case closes, interest is posted when it was paid late
    (BIL-6), and the customer's non-payment suspension is lifted when nothing is overdue."""
    state = invoice_state(invoice)
    case = _case(invoice)
    if state.open > 0:
        return
    if case.settled_on is None:
        case.settled_on = on
        case.stage = DunningStage.SETTLED
        case.save(update_fields=["settled_on", "stage", "updated_at"])
        post_late_charges(case, state, actor=actor)
    if invoice.client_id:
        suspension_lift_if_paid(client=invoice.client, today=on, actor=actor)
