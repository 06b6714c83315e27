"""An invoice fully settled (BIL-4, BIL-6, BIL-7): by a payment, a direct debit, a credit note
of an accepted dispute, or found settled by the daily job. Its collection case closes, its late
charges are posted, and the customer's non-payment suspension is lifted."""

from datetime import date

from billing.models import Invoice
from kernel.clock import paris_today
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


def after_settlement(invoice: Invoice, on: date, actor=None, today: date | None = None) -> None:
    """An invoice fully settled ``on`` that day: its case closes, interest is posted when it was
    paid late (BIL-6), and the customer's non-payment suspension is lifted when nothing is more
    than 8 days late ``today`` (BIL-7) — by default today in Paris, never the day an old payment
    was received (another invoice may have become late since)."""
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
        today = today or max(on, paris_today())
        suspension_lift_if_paid(client=invoice.client, today=today, actor=actor)
