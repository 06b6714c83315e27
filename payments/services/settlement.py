"""An invoice fully settled (BIL-4, BIL-6, BIL-7): by a payment, a direct debit, a credit note
of an accepted dispute, or found settled by the daily job. Its collection case closes, its late
charges are posted, and the customer's non-payment suspension is lifted."""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Q

from accounts.models import Client, Partner
from billing import services as billing
from billing.choices import DocumentKind, DocumentStatus
from billing.models import Invoice
from kernel.clock import paris_today
from kernel.money import ZERO
from payments.choices import AllocationSource, DunningStage
from payments.invoice_states import invoice_state
from payments.models import Allocation, CollectionCase
from payments.services.late_charges import post_late_charges
from payments.services.suspensions import suspension_lift_if_paid


def lock_payer(*, client_id: int | None = None, partner_id: int | None = None) -> None:
    """BIL-4: one payer's allocations are written in turn — its row (the customer's, or the
    partner's when the partner pays) is locked until the transaction ends, so that two writes
    at once (a transfer recorded while a batch is settled, two staff recording payments) never
    both set money against the same open amount."""
    if client_id is not None:
        Client.objects.select_for_update().get(pk=client_id)
    elif partner_id is not None:
        Partner.objects.select_for_update().get(pk=partner_id)


def _case(invoice: Invoice) -> CollectionCase:
    case, _created = CollectionCase.objects.get_or_create(
        invoice=invoice, defaults={"client": invoice.client}
    )
    return CollectionCase.objects.select_for_update().get(pk=case.pk)


def after_settlement(invoice: Invoice, on: date, actor=None, today: date | None = None) -> None:
    """Money set against ``invoice`` ``on`` that day. Fully settled, its case closes and
    interest is posted when it was paid late (BIL-6). Either way, the customer's non-payment
    suspension is lifted when nothing is more than 8 days late ``today`` (BIL-7) — an invoice
    paid but for a part under dispute or not due yet (BIL-8) counts for nothing — by default
    today in Paris, never the day an old payment was received (another invoice may have become
    late since)."""
    state = invoice_state(invoice)
    case = _case(invoice)
    if state.open <= 0 and case.settled_on is None:
        case.settled_on = on
        case.stage = DunningStage.SETTLED
        case.save(update_fields=["settled_on", "stage", "updated_at"])
        post_late_charges(case, state, actor=actor)
    if invoice.client_id:
        today = today or max(on, paris_today())
        suspension_lift_if_paid(client=invoice.client, today=today, actor=actor)


def credit_note_set_against(
    credit_note: Invoice, invoice: Invoice, *, on: date | None = None, actor=None
) -> Decimal:
    """BIL-9: what is left of ``credit_note`` set against what is left to pay on ``invoice``,
    the invoice it corrects: an allocation dated ``on`` (by default today) and the invoice
    settled when nothing is left to pay. The payer's row is to be locked by the caller.
    Returns the amount set against it; the rest of the credit note goes to the next
    invoices."""
    today = paris_today()
    take = min(billing.credit_remaining(credit_note), invoice_state(invoice).open)
    if take <= 0:
        return ZERO
    billing.credit_note_apply(credit_note=credit_note, invoice=invoice, amount=take)
    Allocation.objects.create(
        invoice=invoice,
        source=AllocationSource.CREDIT_NOTE,
        credit_note=credit_note,
        amount=take,
        on=on or today,
    )
    after_settlement(invoice, today, actor=actor)
    return take


def corrected_invoice_credit(*, credit_note_id: int) -> Decimal:
    """BIL-9: a credit note that corrects an invoice (a re-rating, a waived penalty, a price
    restored, a correction by staff) lowers what is left to pay on that invoice first — so an
    unpaid invoice is never reminded, dunned nor charged interest for the part it no longer
    owes. The part credited counts as paid on the invoice's due date at the latest (it was
    never owed: no interest on it). Run once the credit note is committed, in a transaction
    of its own (the payer's row locked first, as every money write); idempotent (only what is
    left of the credit note)."""
    with transaction.atomic():
        note = (
            Invoice.objects.filter(
                pk=credit_note_id,
                kind=DocumentKind.CREDIT_NOTE,
                status=DocumentStatus.ISSUED,
                corrects__isnull=False,
            )
            .select_related("corrects")
            .first()
        )
        if note is None:
            return ZERO
        invoice = note.corrects
        lock_payer(client_id=invoice.client_id, partner_id=invoice.partner_id)
        on = min(paris_today(), invoice.due_date) if invoice.due_date else None
        return credit_note_set_against(note, invoice, on=on, actor=note.created_by)


def corrections_left_set_against() -> Decimal:
    """BIL-9, the daily collection's first step: the corrections whose set-against never ran
    (``corrected_invoice_credit`` is a callback after the credit note's commit: a process
    stopped in between, or the callback failing, left it undone) are set against their invoice
    now, before it is reminded, debited or settled from money on account. Only credit notes
    with something left whose corrected invoice is not settled; idempotent (each takes only
    what is left of it and of the invoice). Returns the amount set against."""
    notes = (
        Invoice.objects.filter(
            kind=DocumentKind.CREDIT_NOTE,
            status=DocumentStatus.ISSUED,
            corrects__kind=DocumentKind.INVOICE,
        )
        .filter(
            Q(corrects__collection__isnull=True) | Q(corrects__collection__settled_on__isnull=True)
        )
        .order_by("issue_date", "pk")
    )
    total = ZERO
    for note in notes:
        if billing.credit_remaining(note) > 0:
            total += corrected_invoice_credit(credit_note_id=note.pk)
    return total
