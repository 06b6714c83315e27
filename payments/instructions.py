"""What billing asks of payments (billing never imports payments; receivers connected in
``PaymentsConfig.ready``): what an invoice tells its payer about a SEPA direct debit (BIL-3,
BIL-4), through ``payment_instructions`` when it renders a PDF; what the invoice pages say of
each invoice's payment (BIL-4, BIL-6, BIL-8), through ``payment_states``."""

from django.conf import settings

from billing.documents import DirectDebitNotice
from billing.signals import PaymentState
from payments import sepa
from payments.choices import DebitStatus, MandateStatus
from payments.invoice_states import invoice_states, payment_status
from payments.models import Mandate


def sepa_notice(sender, invoice, **kwargs) -> DirectDebitNotice | None:
    """The debit of the invoice already in a batch (its collection date), else the customer's
    active mandate signed by the issue date (the due date, or the next TARGET2 business day
    when it is not one: a batch collects the invoices due by its date on a business day);
    ``None`` for a customer without a mandate."""
    creditor_id = settings.SEPA_CREDITOR["creditor_id"]
    debit = (
        invoice.direct_debits.exclude(status=DebitStatus.REJECTED)
        .select_related("batch", "mandate")
        .order_by("-pk")
        .first()
    )
    if debit is not None:
        return DirectDebitNotice(
            debit.batch.collection_date, debit.mandate.reference, creditor_id, debit.amount
        )
    mandate = Mandate.objects.filter(
        client_id=invoice.client_id,
        status=MandateStatus.ACTIVE,
        signed_on__lte=invoice.issue_date,
    ).first()
    if mandate is None:
        return None
    # A due date on a weekend or a TARGET2 holiday is collected on the next business day.
    debit_date = sepa.next_target2_day(invoice.due_date)
    return DirectDebitNotice(debit_date, mandate.reference, creditor_id, invoice.amount_due)


def payment_states(sender, invoices, today, **kwargs) -> dict[int, PaymentState]:
    """The status of each invoice as the payments page shows it (three queries for a page)."""
    return {
        pk: PaymentState(payment_status(state, today), state.debit_pending_on)
        for pk, state in invoice_states(invoices).items()
    }
