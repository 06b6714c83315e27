"""Payments received and their allocations (BIL-4): a transfer, card payment or cheque
recorded by staff settles the payer's open invoices, oldest due first."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import Client
from billing.models import Invoice
from kernel.clock import paris_today
from payments.choices import RECORDED_METHODS, AllocationSource, PaymentStatus
from payments.events import announce_payments
from payments.invoice_states import ZERO, invoice_states, open_invoices
from payments.models import Allocation, Payment
from payments.services.settlement import after_settlement


def allocate(payment: Payment, invoices: list[Invoice]) -> Decimal:
    """Spread ``payment`` over ``invoices`` (each up to its open amount); returns the rest."""
    rest = payment.amount
    states = invoice_states(invoices)
    for invoice in invoices:
        if rest <= 0:
            break
        take = min(rest, states[invoice.pk].open)
        if take <= 0:
            continue
        Allocation.objects.create(
            invoice=invoice,
            source=AllocationSource.PAYMENT,
            payment=payment,
            amount=take,
            on=payment.received_on,
        )
        rest -= take
        after_settlement(invoice, payment.received_on, actor=payment.recorded_by)
    return rest


@transaction.atomic
def payment_record(
    *,
    amount,
    method: str,
    received_on: date,
    client: Client | None = None,
    partner=None,
    reference: str = "",
    invoices: list[Invoice] | None = None,
    source_type: str = "",
    source_id="",
    actor=None,
) -> Payment:
    """BIL-4: staff record a transfer, card or cheque payment. Without ``invoices`` it settles
    the buyer's open invoices oldest due first; with a source (``source_type``/``source_id``)
    it is an advance payment for something not invoiced yet (a channel order, TRK-3)."""
    amount = Decimal(str(amount))
    errors = {}
    if amount <= 0:
        errors["amount"] = _("The amount must be positive.")
    if method not in RECORDED_METHODS:
        errors["method"] = _("Record a transfer, a card payment or a cheque.")
    if received_on > paris_today():
        errors["received_on"] = _("A payment cannot be received in the future.")
    if (client is None) == (partner is None):
        errors["client"] = _("Choose who paid.")
    if errors:
        raise ValidationError(errors)
    if client is not None:  # one payer's allocations are written in turn
        Client.objects.select_for_update().get(pk=client.pk)
    if (
        source_type
        and Payment.objects.filter(
            source_type=source_type, source_id=str(source_id), status=PaymentStatus.RECEIVED
        ).exists()
    ):
        raise ValidationError(_("A payment is already recorded for this order."))
    payment = Payment.objects.create(
        client=client,
        partner=partner,
        method=method,
        amount=amount,
        received_on=received_on,
        reference=reference,
        source_type=source_type,
        source_id=str(source_id) if source_type else "",
        recorded_by=actor,
    )
    if not source_type:
        if invoices is None:
            targets = list(open_invoices(client=client, partner=partner).order_by("due_date"))
        else:
            owner = {"client_id": client.pk} if client else {"partner_id": partner.pk}
            targets = [i for i in invoices if all(getattr(i, k) == v for k, v in owner.items())]
            if len(targets) != len(invoices):
                raise ValidationError({"invoices": _("These invoices are not this payer's.")})
        allocate(payment, targets)
    audit_record(
        action="payment.record",
        instance=payment,
        actor=actor,
        client=client,
        partner=partner,
        after={"amount": amount, "method": method, "received_on": received_on, "ref": reference},
    )
    announce_payments([payment])
    return payment


def payment_unallocated(payment: Payment) -> Decimal:
    used = payment.allocations.filter(source=AllocationSource.PAYMENT).aggregate(s=Sum("amount"))
    return payment.amount - (used["s"] or ZERO)
