"""Payments received and their allocations (BIL-4): a transfer, card payment or cheque
recorded by staff settles the payer's open invoices, oldest due first."""

from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import DecimalField, F, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.choices import BillingMode
from accounts.models import Client
from billing.models import Invoice
from billing.services.refunds import refund_checked
from kernel.clock import paris_today
from kernel.money import money
from payments.choices import RECORDED_METHODS, AllocationSource, PaymentMethod, PaymentStatus
from payments.events import announce_payments
from payments.invoice_states import ZERO, invoice_states, open_invoices
from payments.models import Allocation, Payment, PaymentRefund
from payments.services.settlement import after_settlement, lock_payer


def allocate(
    payment: Payment, invoices: list[Invoice], *, rest: Decimal | None = None, on=None
) -> Decimal:
    """Spread ``payment`` (or the ``rest`` of it still on account) over ``invoices`` (each up to
    its open amount), set against them ``on`` that day (by default the day it was received);
    returns what is left.

    BIL-8 (PLATFORM 12.6.1): the undisputed parts of ``invoices`` are paid first, in their
    order, and only then the parts under dispute — a customer paying exactly what it does not
    dispute never leaves a later invoice short (reminded, dunned) while the money went to the
    part it disputes."""
    on = on or payment.received_on
    takes, rest = _takes(payment.amount if rest is None else rest, invoices)
    for invoice in invoices:
        if invoice.pk not in takes:
            continue
        Allocation.objects.create(
            invoice=invoice,
            source=AllocationSource.PAYMENT,
            payment=payment,
            amount=takes.pop(invoice.pk),
            on=on,
        )
        after_settlement(invoice, on, actor=payment.recorded_by)
    return rest


def _takes(rest: Decimal, invoices: list[Invoice], states=None) -> tuple[dict, Decimal]:
    """What ``allocate`` sets against each of ``invoices`` (by pk), and what is left."""
    states = states if states is not None else invoice_states(invoices)
    takes: dict[int, Decimal] = {}
    for disputed_parts in (False, True):
        for invoice in invoices:
            if rest <= 0:
                break
            state = states[invoice.pk]
            room = state.open if disputed_parts else state.undisputed_open
            take = min(rest, room - takes.get(invoice.pk, ZERO))
            if take > 0:
                takes[invoice.pk] = takes.get(invoice.pk, ZERO) + take
                rest -= take
    return takes, rest


def payment_allocation_preview(
    *, amount: Decimal, client: Client | None = None, partner=None
) -> tuple[list[tuple[Invoice, Decimal, Decimal]], Decimal]:
    """What ``payment_record`` would settle with ``amount`` received from the payer (nothing
    written): each open invoice it pays, oldest due first, with what it takes and what was
    open on it (incl. VAT), and what would be left on account — what a staff member's
    confirmation states before the payment is recorded (BIL-4)."""
    invoices = list(open_invoices(client=client, partner=partner).order_by("due_date"))
    states = invoice_states(invoices)
    takes, rest = _takes(Decimal(amount), invoices, states)
    settled = [(i, takes[i.pk], states[i.pk].open) for i in invoices if i.pk in takes]
    return settled, rest


def partner_collects(client: Client) -> bool:
    """ACC-3: the customer's partner is invoiced for its services and collects its payments —
    the customer owes us nothing and is no payer of ours."""
    return client.partner_id is not None and (
        client.partner.billing_mode == BillingMode.PARTNER_BILLED
    )


def partner_collects_message(client: Client) -> str:
    return _(
        "%(partner)s is invoiced for this customer's services and collects its payments: "
        "record the partner's transfer on the partner, in the back office (Payments)."
    ) % {"partner": client.partner.name}


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
    rest_of: Payment | None = None,
    actor=None,
) -> Payment:
    """BIL-4: staff record a transfer, card or cheque payment. Without ``invoices`` it settles
    the buyer's open invoices oldest due first; with a source (``source_type``/``source_id``)
    it is an advance payment for something not invoiced yet (a channel order, TRK-3).
    ``rest_of``: the payment recorded just before for another part of the same transfer (the
    rest of a channel order's payment, on account): not a second recording of it."""
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
    elif client is not None and not source_type and partner_collects(client):
        errors["client"] = partner_collects_message(client)
    if errors:
        raise ValidationError(errors)
    lock_payer(
        client_id=client.pk if client is not None else None,
        partner_id=partner.pk if partner is not None else None,
    )
    if (
        source_type
        and Payment.objects.filter(
            source_type=source_type, source_id=str(source_id), status=PaymentStatus.RECEIVED
        ).exists()
    ):
        raise ValidationError(_("A payment is already recorded for this order."))
    reference = (reference or "").strip()
    if (
        reference
        and Payment.objects.filter(
            client=client,
            partner=partner,
            reference=reference,
            amount=amount,
            received_on=received_on,
            status=PaymentStatus.RECEIVED,
        )
        .exclude(pk=rest_of.pk if rest_of is not None else None)
        .exists()
    ):  # the same transfer recorded twice (a form sent again, two members of staff)
        raise ValidationError(
            {
                "reference": _(
                    "This payment is already recorded: same payer, amount, date and bank "
                    "reference. Record it once."
                )
            },
            code="duplicate",
        )
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
    """What is left of ``payment`` on account: its amount less what it settled and what was
    refunded of it (BIL-4)."""
    used = payment.allocations.filter(source=AllocationSource.PAYMENT).aggregate(s=Sum("amount"))
    refunded = payment.refunds.aggregate(s=Sum("amount"))["s"] or ZERO
    return payment.amount - (used["s"] or ZERO) - refunded


# SEPA Core rulebook: the debtor's bank refunds a collection on the debtor's request for eight
# weeks from the day it was debited; refunded by us meanwhile, it could be paid back twice.
DEBIT_REFUND_RIGHT = timedelta(weeks=8)


@transaction.atomic
def payment_refund(
    *, payment: Payment, amount, refunded_on: date, reference: str, actor=None
) -> PaymentRefund:
    """BIL-4: staff record the transfer that pays back part or all of what a payment left on
    account (paid beyond the invoices it settled; Code civil art. 1302). What is refunded is
    never set against an invoice afterwards. A direct debit's money is refunded once the
    debtor's bank can no longer return it (``DEBIT_REFUND_RIGHT``). The payer's row is locked
    first, as for every money write (the daily job sets money on account against new
    invoices); nothing is written when a check fails."""
    lock_payer(client_id=payment.client_id, partner_id=payment.partner_id)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.status != PaymentStatus.RECEIVED or payment.source_type:
        raise ValidationError(
            _(
                "Only money received on account is refunded (not a rejected payment, nor an "
                "order's)."
            )
        )
    returnable_until = payment.received_on + DEBIT_REFUND_RIGHT
    if payment.method == PaymentMethod.DIRECT_DEBIT and paris_today() < returnable_until:
        raise ValidationError(
            _(
                "The debtor's bank can still return this direct debit (eight weeks, SEPA Core): "
                "refund it from %(date)s."
            )
            % {"date": returnable_until.strftime("%d/%m/%Y")}
        )
    left = payment_unallocated(payment)
    amount, reference = refund_checked(
        amount=amount,
        left=left,
        too_much=_("Only %(left)s is left on account from this payment.") % {"left": money(left)},
        refunded_on=refunded_on,
        earliest=payment.received_on,
        too_early=_("A refund cannot be dated before the payment."),
        reference=reference,
        refunds=payment.refunds,
        twice=_(
            "This refund is already recorded: same payment, amount, date and transfer "
            "reference. Record it once."
        ),
    )
    refund = PaymentRefund.objects.create(
        payment=payment,
        amount=amount,
        refunded_on=refunded_on,
        reference=reference,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    audit_record(
        action="payment.refund",
        instance=payment,
        actor=actor,
        client=payment.client,
        partner=payment.partner,
        after={
            "amount": amount,
            "refunded_on": refunded_on,
            "reference": reference,
            "left": left - amount,
        },
    )
    return refund


def on_account_apply(*, today: date | None = None) -> int:
    """BIL-4: what a payer paid beyond its open invoices stays on account and settles the
    invoices issued to it afterwards, oldest due first, set against them ``today`` — so the
    next invoice is never dunned nor debited for money already received. Run by the daily
    collection job and before a direct-debit batch picks its invoices. Payments for something
    not invoiced yet (``source_type``, TRK-3) and rejected payments are left alone. Returns the
    number of payments used."""
    today = today or paris_today()
    zero = Value(ZERO, output_field=DecimalField(max_digits=14, decimal_places=2))
    rests = (
        Payment.objects.filter(status=PaymentStatus.RECEIVED, source_type="")
        .annotate(
            used=Coalesce(
                Sum("allocations__amount", filter=Q(allocations__source=AllocationSource.PAYMENT)),
                zero,
            )
        )
        .filter(amount__gt=F("used"))
        .order_by("received_on", "pk")
    )
    used = 0
    for payment in rests:
        with transaction.atomic():
            lock_payer(client_id=payment.client_id, partner_id=payment.partner_id)
            rest = payment_unallocated(payment)
            payer = {"client": payment.client, "partner": payment.partner}
            targets = list(open_invoices(**payer).order_by("due_date", "pk"))
            if rest > 0 and targets and allocate(payment, targets, rest=rest, on=today) < rest:
                used += 1
    return used
