"""SEPA direct-debit batches (BIL-4): the pain.008 file of the invoices due, its settlement
once the bank collected it, and the debits the bank rejects."""

import secrets
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from billing import services as billing
from billing.choices import ChargeKind
from billing.models import Invoice
from kernel.clock import paris_today
from kernel.errors import InvalidTransition
from payments import sepa
from payments.choices import (
    AllocationSource,
    BatchStatus,
    DebitStatus,
    MandateStatus,
    PaymentMethod,
    PaymentStatus,
)
from payments.events import announce_payments
from payments.invoice_states import ZERO, invoice_states, open_invoices
from payments.models import (
    Allocation,
    CollectionCase,
    DebitBatch,
    DirectDebit,
    Mandate,
    Payment,
)
from payments.services.allocation import allocate, lock_payer, on_account_apply
from payments.services.mandates import mandates_lapse
from payments.services.notices import notify_billing
from payments.services.settlement import corrections_left_set_against


def debit_candidates(collection_date: date) -> list[tuple[Invoice, Mandate, Decimal]]:
    """Invoices of customers with an active mandate whose undisputed part is due by
    ``collection_date`` and not already in flight (BIL-4, BIL-8); an invoice whose debit was
    rejected is presented again only from ``sepa.represent_date`` (its pre-notification)."""
    mandates = {m.client_id: m for m in Mandate.objects.filter(status=MandateStatus.ACTIVE)}
    told_too_late = DirectDebit.objects.filter(
        invoice=OuterRef("pk"),
        status=DebitStatus.REJECTED,
        rejected_on__gt=collection_date - timedelta(days=sepa.REPRESENT_NOTICE_DAYS),
    )
    invoices = (
        open_invoices()
        .filter(client_id__in=mandates, due_date__lte=collection_date)
        .exclude(direct_debits__status=DebitStatus.PENDING)
        .exclude(Exists(told_too_late))
        .select_related("client")
        .order_by("client_id", "due_date", "pk")
    )
    states = invoice_states(invoices)
    rows = []
    for invoice in invoices:
        amount = states[invoice.pk].due_by(collection_date)
        if amount > 0:
            rows.append((invoice, mandates[invoice.client_id], amount))
    return rows


def remittance(invoice: Invoice) -> str:
    """BIL-4 / BIL-3: what the customer's bank statement shows beside the debit (the pain.008's
    unstructured remittance information): French, whatever staff's language, as the invoice."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("Invoice %(number)s") % {"number": invoice.number}


def _sequence_type(mandate: Mandate, used: set[int]) -> str:
    """FRST for a mandate's first collection, RCUR after (a rejected first one stays FRST). A
    mandate unused for 36 months is not collected at all: it has lapsed (``mandates_lapse``)."""
    if mandate.pk in used:
        return "RCUR"
    if mandate.debits.exclude(status=DebitStatus.REJECTED).exists():
        return "RCUR"
    return "FRST"


@transaction.atomic
def debit_batch_create(*, collection_date: date, actor=None):
    """BIL-4: a pain.008 file of the invoices due, one collection per invoice, collected on
    a TARGET2 business day that leaves the bank one business day to receive it (SEPA Core
    rulebook, D-1)."""
    earliest = sepa.earliest_collection_date(paris_today())
    if collection_date < earliest:
        raise ValidationError(
            {
                "collection_date": _(
                    "The bank needs the file one business day before the collection date: "
                    "the earliest collection date is %(date)s."
                )
                % {"date": earliest.strftime("%d/%m/%Y")}
            }
        )
    if not sepa.is_target2_day(collection_date):
        raise ValidationError(
            {
                "collection_date": _(
                    "Banks do not collect on %(date)s (a weekend or a TARGET2 holiday): choose "
                    "%(next)s."
                )
                % {
                    "date": collection_date.strftime("%d/%m/%Y"),
                    "next": sepa.next_target2_day(collection_date).strftime("%d/%m/%Y"),
                }
            }
        )
    corrections_left_set_against()  # BIL-9: never debit what a correction credited
    on_account_apply()  # BIL-4: never debit what the customer already paid on account
    mandates_lapse(collection_date)  # SEPA Core: no collection on a mandate unused 36 months
    rows = debit_candidates(collection_date)
    if not rows:
        raise ValidationError(_("No invoice is due for direct debit by this date."))
    reference = f"PRLV-{collection_date:%Y%m%d}-{secrets.token_hex(3).upper()}"
    collections, debits, used = [], [], set()
    for invoice, mandate, amount in rows:
        seq = _sequence_type(mandate, used)
        if seq == "FRST":
            used.add(mandate.pk)
        e2e = f"{invoice.number}-{secrets.token_hex(4).upper()}"[:35]
        collections.append(
            sepa.Collection(
                end_to_end_id=e2e,
                amount=amount,
                debtor_name=mandate.account_holder,
                iban=mandate.iban,
                bic=mandate.bic,
                mandate_reference=mandate.reference,
                mandate_signed_on=mandate.signed_on,
                sequence_type=seq,
                description=remittance(invoice),
            )
        )
        debits.append(
            DirectDebit(
                invoice=invoice,
                mandate=mandate,
                end_to_end_id=e2e,
                sequence_type=seq,
                amount=amount,
            )
        )
    xml = sepa.pain008(collections, collection_date).decode()
    batch = DebitBatch.objects.create(
        reference=reference,
        collection_date=collection_date,
        total=sum((d.amount for d in debits), ZERO),
        count=len(debits),
        xml=xml,
        created_by=actor,
    )
    for debit in debits:
        debit.batch = batch
    try:
        with transaction.atomic():  # a savepoint: the error below undoes the whole batch
            DirectDebit.objects.bulk_create(debits)
    except IntegrityError:  # one pending debit per invoice: another batch was made meanwhile
        raise ValidationError(
            _(
                "Another batch was made for these invoices a moment ago: nothing was created. "
                "Look at the batches, then make a new one for the invoices still due."
            ),
            code="concurrent_batch",
        ) from None
    audit_record(
        action="debit_batch.create",
        instance=batch,
        actor=actor,
        after={"count": batch.count, "total": batch.total, "date": collection_date},
    )
    return batch


@transaction.atomic
def debit_batch_settle(*, batch, actor=None) -> int:
    """The bank collected the batch: each pending debit becomes a payment of its invoice,
    received on the collection date — so never before that day (BIL-4)."""
    batch = DebitBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != BatchStatus.CREATED:
        raise InvalidTransition(_("This batch is already settled."), code="settled")
    if paris_today() < batch.collection_date:  # nothing is collected before that day
        raise InvalidTransition(
            _("The bank collects this batch on %(date)s: settle it from that day.")
            % {"date": batch.collection_date.strftime("%d/%m/%Y")},
            code="not_collected",
        )
    settled = 0
    payments = []
    pending = list(
        batch.debits.filter(status=DebitStatus.PENDING)
        .select_related("invoice__client")
        .order_by("pk")
    )
    # BIL-4: each customer's allocations are written in turn (a transfer recorded meanwhile).
    for client_id in sorted({debit.invoice.client_id for debit in pending} - {None}):
        lock_payer(client_id=client_id)
    for debit in pending:
        payment = Payment.objects.create(
            client_id=debit.invoice.client_id,
            method=PaymentMethod.DIRECT_DEBIT,
            amount=debit.amount,
            received_on=batch.collection_date,
            reference=debit.end_to_end_id,
            recorded_by=actor,
        )
        debit.status, debit.payment = DebitStatus.COLLECTED, payment
        debit.save(update_fields=["status", "payment"])
        allocate(payment, [debit.invoice])
        payment.client = debit.invoice.client
        payments.append(payment)
        settled += 1
    announce_payments(payments)
    batch.status = BatchStatus.SETTLED
    batch.save(update_fields=["status"])
    audit_record(action="debit_batch.settle", instance=batch, actor=actor, after={"n": settled})
    return settled


@transaction.atomic
def debit_reject(*, debit, reason: str, bank_fee, rejected_on: date | None = None, actor=None):
    """BIL-4 (PLATFORM 12.3.3): a rejected direct debit — the payment is reversed (the invoice
    is due again) and the bank's reject fee is re-invoiced as a pending charge (taxable).

    BIL-6/BIL-7: only a rejected debit starts the late clock, from the invoice's original due
    date: the next daily job sends the reminders due by then, posts the recovery indemnity and,
    past due + 8 days, proposes the suspension; interest runs from the due date."""
    debit = (
        DirectDebit.objects.select_for_update(of=("self", "invoice"))
        .select_related("invoice", "batch")
        .get(pk=debit.pk)
    )
    if debit.status == DebitStatus.REJECTED:
        raise InvalidTransition(_("This debit is already rejected."), code="rejected")
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the bank's reject reason.")})
    bank_fee = Decimal(str(bank_fee or 0))
    if bank_fee < 0:
        raise ValidationError({"bank_fee": _("The bank fee cannot be negative.")})
    rejected_on = rejected_on or paris_today()
    if rejected_on > paris_today():
        raise ValidationError({"rejected_on": _("A reject cannot be dated in the future.")})
    sent_on = timezone.localdate(debit.batch.created_at)
    if rejected_on < sent_on:
        raise ValidationError(
            {
                "rejected_on": _(
                    "The debit was sent to the bank on %(date)s: date its reject from then."
                )
                % {"date": sent_on.strftime("%d/%m/%Y")}
            }
        )
    invoice = debit.invoice
    refunded = ZERO
    if debit.payment_id:
        payment = Payment.objects.select_for_update().get(pk=debit.payment_id)
        payment.status = PaymentStatus.REJECTED
        payment.save(update_fields=["status"])
        reopened = set()
        for allocation in payment.allocations.filter(source=AllocationSource.PAYMENT):
            Allocation.objects.create(
                invoice=allocation.invoice,
                source=AllocationSource.REVERSAL,
                payment=payment,
                amount=-allocation.amount,
                on=rejected_on,
            )
            reopened.add(allocation.invoice_id)
        # BIL-4: what was refunded of its money on account (a debit returned as unauthorised,
        # up to 13 months after it, SEPA Core) is owed again, or the customer has it twice —
        # from us and from its bank: a reversal on the debited invoice without a matching
        # part, due from the return (``invoice_states`` reads it as a tranche of that day).
        refunded = payment.refunds.aggregate(s=Sum("amount"))["s"] or ZERO
        if refunded > 0:
            Allocation.objects.create(
                invoice=invoice,
                source=AllocationSource.REVERSAL,
                payment=payment,
                amount=-refunded,
                on=rejected_on,
            )
            reopened.add(invoice.pk)
        # Due again (BIL-6): late since its original due date, the late charges still to post
        # (nothing was owed while the debit was pending or once it was collected) — every
        # invoice the payment settled, those its rest on account settled included (BIL-4).
        cases = CollectionCase.objects.select_for_update().filter(invoice_id__in=reopened)
        for case in cases.order_by("pk"):
            case.settled_on, case.late_charges_posted = None, False
            case.stage = case.reminder_stage()
            case.save(update_fields=["settled_on", "late_charges_posted", "stage", "updated_at"])
    debit.status, debit.reject_reason = DebitStatus.REJECTED, reason.strip()
    debit.reject_fee, debit.rejected_on = bank_fee, rejected_on
    debit.save(update_fields=["status", "reject_reason", "reject_fee", "rejected_on"])
    if bank_fee > 0:
        # BIL-3: the words of an invoice line are French, whatever staff's language.
        with translation.override(settings.LANGUAGE_CODE):
            description = _("Direct-debit reject fee — invoice %(number)s") % {
                "number": invoice.number
            }
        billing.charge_post(
            client=invoice.client,
            kind=ChargeKind.REJECT_FEE,
            source_type="debit_reject",
            source_id=debit.pk,
            period_start=rejected_on,
            description=description,
            unit_price=bank_fee,
            actor=actor,
        )
    audit_record(
        action="direct_debit.reject",
        instance=debit,
        actor=actor,
        client=invoice.client,
        after={"reason": reason, "fee": bank_fee, "refunded": refunded},
    )
    notify_billing(
        invoice.client,
        "payments/email/debit_rejected",
        {
            "debit": debit,
            # presented again only under a mandate still in force (not after MD01/MD06)
            "represent_on": max(sepa.represent_date(rejected_on), invoice.due_date)
            if debit.mandate.status == MandateStatus.ACTIVE
            else None,
        },
    )
    return debit
