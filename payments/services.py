"""Every write of payments and collection (BIL-4, BIL-6, BIL-7, BIL-8, BIL-10).

Invoices are immutable (BIL-2), so what happens to an invoice after issue is written here:
payments and their allocations, credit notes set against it, disputes, the collection case
(reminders, stage), and the late charges posted to billing for the next invoice.
"""

import logging
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban

from accounts.audit import audit_record
from accounts.choices import Role
from accounts.models import Client
from accounts.notifications import notify_client
from billing import services as billing
from billing.choices import VAT_BY_REGIME, ChargeKind, DocumentKind, DocumentStatus, VatCategory
from billing.models import Invoice
from kernel.errors import InvalidTransition
from kernel.money import round_money
from offers import services as offers
from offers.choices import ContractStatus, SuspensionReason
from offers.models import Contract, Suspension
from payments import interest
from payments.choices import (
    RECORDED_METHODS,
    AllocationSource,
    DebitStatus,
    DisputeStatus,
    DunningStage,
    MandateStatus,
    PaymentMethod,
    PaymentStatus,
    PrepaidKind,
)
from payments.models import (
    Allocation,
    CollectionCase,
    Dispute,
    DisputeDocument,
    EcbRate,
    Mandate,
    Payment,
    PrepaidAccount,
    PrepaidEntry,
)

logger = logging.getLogger(__name__)

ZERO = Decimal("0.00")
DISPUTE_DAYS = 60  # BIL-8
FIRST_REMINDER_DAYS = 1  # BIL-7
SECOND_REMINDER_DAYS = 8
SUSPENSION_AFTER_DAYS = 8  # suspension possible when today > due date + 8 days
REJECTED_DISPUTE_TERM_DAYS = 30  # a rejected dispute is due again 30 days after the decision
DOCUMENT_MAX_BYTES = 5 * 1024 * 1024
DOCUMENT_EXTENSIONS = {".pdf", ".png", ".jpg", ".jpeg"}
DOCUMENT_MAX_COUNT = 5
BILLING_ROLES = (Role.ADMIN, Role.BILLING)


class InsufficientBalance(InvalidTransition):
    """BIL-10: the prepaid balance does not cover a debit (API: 409 ``insufficient_balance``)."""

    default_code = "insufficient_balance"


def paris_today() -> date:
    return timezone.localdate()


def gross_amount(*, client: Client, net) -> Decimal:
    """A net amount (€ HT) with the VAT of the customer's regime, rounded to the cent."""
    _category, rate = VAT_BY_REGIME[client.vat_regime]
    return round_money(Decimal(net) * (1 + rate / 100))


# --- What an invoice owes ---------------------------------------------------------------------


@dataclass
class InvoiceState:
    """What is left to pay on an invoice and since when it is late (BIL-4, BIL-6, BIL-8)."""

    invoice: Invoice
    settled: Decimal  # payments (net of rejected ones) and credit notes set against it
    disputed: Decimal  # under review: out of dunning and of direct debits
    open: Decimal  # left to pay, disputed part included
    tranches: list  # [(Tranche, left)] in due order; a disputed part has due_date None
    payments: list  # [(date, amount)] received on it (rejected payments excluded)

    @property
    def undisputed_open(self) -> Decimal:
        return max(self.open - self.disputed, ZERO)

    def due_by(self, day: date) -> Decimal:
        """The undisputed amount due on or before ``day`` (what a direct debit may collect)."""
        left = sum(
            (amount for t, amount in self.tranches if t.due_date and t.due_date <= day), ZERO
        )
        return min(left, self.undisputed_open)

    def overdue_since(self, today: date) -> date | None:
        """The oldest due date with something unpaid, when before ``today``."""
        for tranche, left in self.tranches:
            if left > 0 and tranche.due_date is not None and tranche.due_date < today:
                return tranche.due_date
        return None

    def days_late(self, today: date) -> int:
        since = self.overdue_since(today)
        return (today - since).days if since else 0


def _remaining(tranches: list[interest.Tranche], payments: list[tuple[date, Decimal]]):
    """Payments settle tranches oldest due first (disputed parts, not due, last)."""
    order = sorted(tranches, key=lambda t: (t.due_date is None, t.due_date or date.max))
    left = [t.amount for t in order]
    paid = sum((a for _d, a in payments), ZERO)
    for i, tranche in enumerate(order):
        take = min(paid, tranche.amount)
        left[i] -= take
        paid -= take
    return list(zip(order, left, strict=True))


def invoice_states(invoices) -> dict[int, InvoiceState]:
    """The state of several invoices in two queries (lists and the daily job)."""
    invoices = list(invoices)
    ids = [i.pk for i in invoices]
    allocations: dict[int, list[Allocation]] = {pk: [] for pk in ids}
    for row in Allocation.objects.filter(invoice_id__in=ids).select_related("payment"):
        allocations[row.invoice_id].append(row)
    disputes: dict[int, list[Dispute]] = {pk: [] for pk in ids}
    for row in Dispute.objects.filter(invoice_id__in=ids):
        disputes[row.invoice_id].append(row)
    return {i.pk: _state(i, allocations[i.pk], disputes[i.pk]) for i in invoices}


def invoice_state(invoice: Invoice) -> InvoiceState:
    return invoice_states([invoice])[invoice.pk]


def _state(invoice: Invoice, allocations, disputes) -> InvoiceState:
    settled = sum((a.amount for a in allocations), ZERO)
    payments = [
        (a.on, a.amount)
        for a in allocations
        if a.source == AllocationSource.PAYMENT and a.payment.status == PaymentStatus.RECEIVED
    ]
    disputed_total = sum((d.amount for d in disputes), ZERO)
    tranches = [interest.Tranche(max(invoice.amount_due - disputed_total, ZERO), invoice.due_date)]
    for d in disputes:
        if d.status == DisputeStatus.REJECTED:
            tranches.append(interest.Tranche(d.amount, d.new_due_date))
        elif d.status == DisputeStatus.OPEN:
            tranches.append(interest.Tranche(d.amount, None))
    open_amount = max(invoice.amount_due - settled, ZERO)
    under_review = sum((d.amount for d in disputes if d.status == DisputeStatus.OPEN), ZERO)
    return InvoiceState(
        invoice=invoice,
        settled=settled,
        disputed=min(under_review, open_amount),
        open=open_amount,
        tranches=_remaining(tranches, payments),
        payments=payments,
    )


# --- ECB rates and late charges (BIL-6) ---------------------------------------------------


def ecb_rate_set(*, effective_on: date, rate, actor=None) -> EcbRate:
    if (effective_on.month, effective_on.day) not in {(1, 1), (7, 1)}:
        raise ValidationError(
            {"effective_on": _("The rate that counts is the one in force on 1 January or 1 July.")}
        )
    rate = Decimal(rate)
    if rate < 0 or rate > 50:
        raise ValidationError({"rate": _("Enter the ECB rate in percent, e.g. 2.15.")})
    with transaction.atomic():
        before = EcbRate.objects.filter(effective_on=effective_on).first()
        row, _created = EcbRate.objects.update_or_create(
            effective_on=effective_on, defaults={"rate": rate, "created_by": actor}
        )
        audit_record(
            action="ecb_rate.set",
            instance=row,
            actor=actor,
            before={"rate": before.rate} if before else None,
            after={"effective_on": effective_on, "rate": rate},
        )
    return row


def ecb_rate_for(half_year: date) -> Decimal:
    rate = EcbRate.objects.filter(effective_on=half_year).values_list("rate", flat=True).first()
    if rate is None:
        raise ValidationError(
            _("The ECB rate in force on %(date)s is missing: staff must enter it.")
            % {"date": half_year.strftime("%d/%m/%Y")}
        )
    return rate


def late_interest_for(state: InvoiceState, until: date) -> Decimal:
    """BIL-6: interest on ``state``'s invoice up to ``until`` (unrounded)."""
    tranches = [t for t, _left in state.tranches if t.due_date is not None]
    return interest.late_interest(tranches, state.payments, until, ecb_rate_for)


def _post_indemnity(invoice: Invoice, actor=None):
    """D441-5: 40 € per late invoice, on the next invoice, outside the scope of VAT."""
    return billing.charge_post(
        client=invoice.client,
        kind=ChargeKind.RECOVERY_INDEMNITY,
        source_type="late_invoice_indemnity",
        source_id=invoice.pk,
        period_start=invoice.due_date,
        description=_("Recovery indemnity — invoice %(number)s") % {"number": invoice.number},
        unit_price=interest.RECOVERY_INDEMNITY,
        vat_category=VatCategory.OUTSIDE_SCOPE,
        actor=actor,
    )


def _post_interest(state: InvoiceState, settled_on: date, actor=None):
    invoice = state.invoice
    amount = round_money(late_interest_for(state, settled_on))
    if amount <= 0:
        return None
    days = interest.days_late(invoice.due_date, settled_on)
    return billing.charge_post(
        client=invoice.client,
        kind=ChargeKind.LATE_INTEREST,
        source_type="late_invoice_interest",
        source_id=invoice.pk,
        period_start=invoice.due_date,
        description=_("Late-payment interest — invoice %(number)s, paid %(days)s days late")
        % {"number": invoice.number, "days": days},
        unit_price=amount,
        vat_category=VatCategory.OUTSIDE_SCOPE,
        actor=actor,
    )


# --- Payments and allocations (BIL-4) -----------------------------------------------------


def _case(invoice: Invoice) -> CollectionCase:
    case, _created = CollectionCase.objects.get_or_create(
        invoice=invoice, defaults={"client": invoice.client}
    )
    return CollectionCase.objects.select_for_update().get(pk=case.pk)


def _open_invoices(client=None, partner=None):
    qs = Invoice.objects.filter(
        kind=DocumentKind.INVOICE, status=DocumentStatus.ISSUED, amount_due__gt=0
    ).exclude(collection__settled_on__isnull=False)
    return qs.filter(client=client) if client else qs.filter(partner=partner)


def _allocate(payment: Payment, invoices: list[Invoice]) -> Decimal:
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
        _after_settlement(invoice, payment.received_on, actor=payment.recorded_by)
    return rest


def _post_late_charges(case: CollectionCase, state: InvoiceState, actor=None) -> bool:
    """BIL-6: once a late invoice is settled, its interest and indemnity go to billing. A
    missing ECB rate never blocks a payment: the daily job posts them once staff enter it."""
    invoice, on = case.invoice, case.settled_on
    if case.late_charges_posted or invoice.client_id is None or on <= invoice.due_date:
        return False
    _post_indemnity(invoice, actor=actor)
    try:
        with transaction.atomic():
            _post_interest(state, on, actor=actor)
    except ValidationError as exc:
        logger.warning("late interest of %s not posted yet: %s", invoice.number, exc.messages[0])
        return False
    case.late_charges_posted = True
    case.save(update_fields=["late_charges_posted", "updated_at"])
    return True


def _after_settlement(invoice: Invoice, on: date, actor=None) -> None:
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
        _post_late_charges(case, state, actor=actor)
    if invoice.client_id:
        suspension_lift_if_paid(client=invoice.client, today=on, actor=actor)


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
            targets = list(_open_invoices(client=client, partner=partner).order_by("due_date"))
        else:
            owner = {"client_id": client.pk} if client else {"partner_id": partner.pk}
            targets = [i for i in invoices if all(getattr(i, k) == v for k, v in owner.items())]
            if len(targets) != len(invoices):
                raise ValidationError({"invoices": _("These invoices are not this payer's.")})
        _allocate(payment, targets)
    audit_record(
        action="payment.record",
        instance=payment,
        actor=actor,
        client=client,
        partner=partner,
        after={"amount": amount, "method": method, "received_on": received_on, "ref": reference},
    )
    return payment


def payment_unallocated(payment: Payment) -> Decimal:
    used = payment.allocations.filter(source=AllocationSource.PAYMENT).aggregate(s=Sum("amount"))
    return payment.amount - (used["s"] or ZERO)


# --- Collection: reminders, suspension (BIL-7) ----------------------------------------------


def collection_cases_open() -> int:
    """Create the collection case of every issued invoice with something due (idempotent)."""
    missing = Invoice.objects.filter(
        kind=DocumentKind.INVOICE, status=DocumentStatus.ISSUED, amount_due__gt=0
    ).filter(collection__isnull=True)
    rows = [CollectionCase(invoice=i, client_id=i.client_id) for i in missing.only("client_id")]
    CollectionCase.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def collection_step(*, case_id: int, today: date) -> str:
    """BIL-7 for one invoice: reminders at due + 1 and due + 8 days, indemnity once late, and
    past due + 8 days a suspension proposed to staff (or applied, per
    ``PAYMENTS_AUTO_SUSPEND``). The disputed part is left out. Idempotent per day."""
    with transaction.atomic():
        case = CollectionCase.objects.select_for_update().select_related("invoice").get(pk=case_id)
        invoice = case.invoice
        if case.settled_on is not None or invoice.client_id is None:
            return case.stage
        state = invoice_state(invoice)
        if state.open <= 0:
            _after_settlement(invoice, today)
            return DunningStage.SETTLED
        days = state.days_late(today)
        if days <= 0 or state.undisputed_open <= 0:
            return case.stage
        client = invoice.client
        context = {"invoice": invoice, "amount": state.undisputed_open, "days_late": days}
        changed = []
        if days >= FIRST_REMINDER_DAYS and case.first_reminder_on is None:
            case.first_reminder_on = today
            case.stage = DunningStage.REMINDED
            changed += ["first_reminder_on", "stage"]
            _post_indemnity(invoice)
            notify_client(client, "payments/email/reminder_first", context, roles=BILLING_ROLES)
        if days >= SECOND_REMINDER_DAYS and case.second_reminder_on is None:
            case.second_reminder_on = today
            case.stage = DunningStage.FINAL_REMINDER
            changed += ["second_reminder_on", "stage"]
            notify_client(client, "payments/email/reminder_second", context, roles=BILLING_ROLES)
        if days > SUSPENSION_AFTER_DAYS and case.stage not in {
            DunningStage.SUSPENSION_PROPOSED,
            DunningStage.SUSPENDED,
        }:
            case.stage = DunningStage.SUSPENSION_PROPOSED
            case.suspension_proposed_on = today
            changed += ["stage", "suspension_proposed_on"]
        if changed:
            case.save(update_fields=[*set(changed), "updated_at"])
    if case.stage == DunningStage.SUSPENSION_PROPOSED and settings.PAYMENTS_AUTO_SUSPEND:
        client_suspend_for_non_payment(client=invoice.client, today=today)
        case.refresh_from_db()
    return case.stage


def collection_run(*, today: date | None = None) -> dict:
    """The daily collection job (BIL-6, BIL-7): one step per open case."""
    today = today or paris_today()
    collection_cases_open()
    stages: dict[str, int] = {}
    ids = CollectionCase.objects.filter(
        settled_on__isnull=True, client__isnull=False, invoice__due_date__lt=today
    ).values_list("pk", flat=True)
    for case_id in ids:
        stage = collection_step(case_id=case_id, today=today)
        stages[stage] = stages.get(stage, 0) + 1
    # Settled late while the ECB rate was missing: post the interest now.
    waiting = CollectionCase.objects.filter(
        settled_on__isnull=False, late_charges_posted=False, client__isnull=False
    ).filter(settled_on__gt=F("invoice__due_date"))
    for case_id in waiting.values_list("pk", flat=True):
        with transaction.atomic():
            case = (
                CollectionCase.objects.select_for_update().select_related("invoice").get(pk=case_id)
            )
            _post_late_charges(case, invoice_state(case.invoice))
    return stages


def overdue_for_suspension(client: Client, today: date) -> list[InvoiceState]:
    invoices = _open_invoices(client=client).filter(due_date__lt=today - timedelta(days=8))
    return [
        s
        for s in invoice_states(invoices).values()
        if s.undisputed_open > 0 and s.days_late(today) > SUSPENSION_AFTER_DAYS
    ]


@transaction.atomic
def client_suspend_for_non_payment(*, client: Client, today: date | None = None, actor=None):
    """BIL-7 / CON-8: suspend the customer's active contracts, only when an invoice is more
    than 8 days late (its undisputed part). Returns the suspensions made."""
    today = today or paris_today()
    if not overdue_for_suspension(client, today):
        raise ValidationError(
            _("No invoice of this customer is more than 8 days late: no suspension.")
        )
    made = []
    for contract in Contract.objects.filter(client=client, status=ContractStatus.ACTIVE):
        made.append(
            offers.contract_suspend(
                contract=contract,
                reason=SuspensionReason.NON_PAYMENT,
                note=_("Unpaid invoices more than 8 days late"),
                actor=actor,
            )
        )
    CollectionCase.objects.filter(
        client=client, settled_on__isnull=True, stage=DunningStage.SUSPENSION_PROPOSED
    ).update(stage=DunningStage.SUSPENDED, updated_at=timezone.now())
    return made


def suspension_lift_if_paid(*, client: Client, today: date | None = None, actor=None) -> int:
    """BIL-7: non-payment suspensions end by themselves once nothing is more than 8 days late."""
    today = today or paris_today()
    if overdue_for_suspension(client, today):
        return 0
    lifted = 0
    suspended = Suspension.objects.filter(
        contract__client=client,
        reason=SuspensionReason.NON_PAYMENT,
        lifted_at__isnull=True,
        contract__status=ContractStatus.SUSPENDED,
    ).select_related("contract")
    for suspension in suspended:
        offers.contract_lift_suspension(contract=suspension.contract, actor=actor)
        lifted += 1
    return lifted


# --- Disputes (BIL-8) -------------------------------------------------------------------------


def dispute_deadline(invoice: Invoice) -> date:
    return invoice.issue_date + timedelta(days=DISPUTE_DAYS)


def _check_documents(documents) -> None:
    if len(documents) > DOCUMENT_MAX_COUNT:
        raise ValidationError(
            {"documents": _("Attach at most %(n)s documents.") % {"n": DOCUMENT_MAX_COUNT}}
        )
    for upload in documents:
        name = upload.name.lower()
        if not any(name.endswith(ext) for ext in DOCUMENT_EXTENSIONS):
            raise ValidationError({"documents": _("Attach PDF, PNG or JPEG files only.")})
        if upload.size > DOCUMENT_MAX_BYTES:
            raise ValidationError({"documents": _("Each document must be under 5 MB.")})


@transaction.atomic
def dispute_open(
    *,
    invoice: Invoice,
    amount,
    reason: str,
    documents=(),
    actor=None,
    api_key=None,
    today: date | None = None,
) -> Dispute:
    """BIL-8: while today ≤ issue date + 60 days, with the amount (≤ the invoice total), the
    reason and documents. The disputed part leaves dunning and direct debits; the rest stays
    due."""
    today = today or paris_today()
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.kind != DocumentKind.INVOICE or not invoice.is_issued or invoice.client is None:
        raise ValidationError({"invoice": _("Only an issued invoice of yours can be disputed.")})
    if today > dispute_deadline(invoice):
        raise ValidationError(
            {
                "invoice": _(
                    "This invoice can no longer be disputed: the 60-day period ended on %(date)s."
                )
                % {"date": dispute_deadline(invoice).strftime("%d/%m/%Y")}
            },
            code="dispute_too_late",
        )
    try:
        amount = Decimal(str(amount))
    except ArithmeticError:
        raise ValidationError({"amount": _("Enter an amount in euros.")}) from None
    errors = {}
    if amount <= 0 or amount != round_money(amount):
        errors["amount"] = _("Enter a positive amount in euros and cents.")
    elif amount > invoice.total_gross:
        errors["amount"] = _("You cannot dispute more than the invoice total (%(total)s €).") % {
            "total": invoice.total_gross
        }
    if not (reason or "").strip():
        errors["reason"] = _("Explain what you dispute.")
    if errors:
        raise ValidationError(errors)
    _check_documents(documents)
    if invoice.disputes.filter(status=DisputeStatus.OPEN).exists():
        raise ValidationError(
            {"invoice": _("A dispute of this invoice is already under review.")},
            code="dispute_open",
        )
    dispute = Dispute.objects.create(
        invoice=invoice,
        client=invoice.client,
        amount=amount,
        reason=reason.strip(),
        opened_by=actor,
    )
    for upload in documents:
        DisputeDocument.objects.create(
            dispute=dispute, file=upload, original_name=upload.name[:255], size=upload.size
        )
    audit_record(
        action="dispute.open",
        instance=dispute,
        actor=actor,
        api_key=api_key,
        client=invoice.client,
        after={"invoice": invoice.number, "amount": amount},
    )
    notify_client(
        invoice.client, "payments/email/dispute_opened", {"dispute": dispute}, roles=BILLING_ROLES
    )
    return dispute


def _lock_dispute(dispute: Dispute) -> Dispute:
    dispute = Dispute.objects.select_for_update().select_related("invoice").get(pk=dispute.pk)
    if dispute.status != DisputeStatus.OPEN:
        raise InvalidTransition(_("This dispute is already decided."), code="decided")
    return dispute


def _net_for_gross(invoice: Invoice, gross: Decimal) -> tuple[Decimal, Decimal]:
    """The net amount whose VAT at the invoice's main rate gives ``gross`` (to the cent)."""
    rates = [Decimal(g["rate"]) for g in invoice.vat_breakdown if Decimal(g["taxable"]) > 0]
    rate = max(rates) if rates else Decimal("0")
    net = round_money(gross / (1 + rate / 100))
    for candidate in (net, net - Decimal("0.01"), net + Decimal("0.01")):
        if round_money(candidate * (1 + rate / 100)) == gross:
            return candidate, rate
    return net, rate


@transaction.atomic
def dispute_accept(*, dispute: Dispute, note: str = "", actor=None) -> Invoice:
    """BIL-8 → BIL-9: an accepted dispute becomes a credit note referencing the invoice, set
    against what is left to pay on it (any rest goes to the next invoices)."""
    dispute = _lock_dispute(dispute)
    invoice = dispute.invoice
    net, _rate = _net_for_gross(invoice, dispute.amount)
    credit_note = billing.credit_note_issue(
        lines=[
            billing.CreditLine(
                description=_("Dispute accepted — invoice %(number)s") % {"number": invoice.number},
                amount=net,
            )
        ],
        reason=note or _("Dispute of invoice %(number)s accepted") % {"number": invoice.number},
        corrects=invoice,
        actor=actor,
    )
    today = paris_today()
    take = min(credit_note.total_gross, invoice_state(invoice).open)
    dispute.status = DisputeStatus.ACCEPTED
    dispute.decided_by, dispute.decided_at = actor, timezone.now()
    dispute.decision_note, dispute.credit_note = note, credit_note
    dispute.save()
    if take > 0:
        billing.credit_note_apply(credit_note=credit_note, invoice=invoice, amount=take)
        Allocation.objects.create(
            invoice=invoice,
            source=AllocationSource.CREDIT_NOTE,
            credit_note=credit_note,
            amount=take,
            on=today,
        )
        _after_settlement(invoice, today, actor=actor)
    audit_record(
        action="dispute.accept",
        instance=dispute,
        actor=actor,
        client=invoice.client,
        after={"credit_note": credit_note.number, "amount": credit_note.total_gross},
    )
    notify_client(
        invoice.client, "payments/email/dispute_decided", {"dispute": dispute}, roles=BILLING_ROLES
    )
    return credit_note


@transaction.atomic
def dispute_reject(
    *, dispute: Dispute, note: str, new_due_date: date | None = None, actor=None
) -> Dispute:
    """BIL-8: a rejected dispute is due again, with a new due date (30 days by default)."""
    if not (note or "").strip():
        raise ValidationError({"note": _("Tell the customer why the dispute is rejected.")})
    today = paris_today()
    new_due_date = new_due_date or today + timedelta(days=REJECTED_DISPUTE_TERM_DAYS)
    if new_due_date < today:
        raise ValidationError({"new_due_date": _("The new due date cannot be in the past.")})
    dispute = _lock_dispute(dispute)
    dispute.status = DisputeStatus.REJECTED
    dispute.decided_by, dispute.decided_at = actor, timezone.now()
    dispute.decision_note, dispute.new_due_date = note.strip(), new_due_date
    dispute.save()
    audit_record(
        action="dispute.reject",
        instance=dispute,
        actor=actor,
        client=dispute.client,
        after={"new_due_date": new_due_date},
    )
    notify_client(
        dispute.client, "payments/email/dispute_decided", {"dispute": dispute}, roles=BILLING_ROLES
    )
    return dispute


# --- SEPA mandates (BIL-4) --------------------------------------------------------------------


def _mandate_reference() -> str:
    return f"RUM-{timezone.now():%Y%m%d}-{secrets.token_hex(4).upper()}"


@transaction.atomic
def mandate_create(
    *,
    client: Client,
    account_holder: str,
    iban: str,
    bic: str,
    signed_on: date,
    reference: str = "",
    actor=None,
) -> Mandate:
    """BIL-4: a SEPA CORE mandate; a new one replaces the customer's active mandate."""
    errors = {}
    try:
        iban = stdnum_iban.validate(iban)
    except Exception:  # stdnum raises its own ValidationError subclasses
        errors["iban"] = _("This IBAN is not valid (check the digits).")
    try:
        bic = stdnum_bic.validate(bic)
    except Exception:
        errors["bic"] = _("This BIC is not valid.")
    if not (account_holder or "").strip():
        errors["account_holder"] = _("Give the account holder's name.")
    if signed_on > paris_today():
        errors["signed_on"] = _("The signature date cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    Client.objects.select_for_update().get(pk=client.pk)
    previous = Mandate.objects.filter(client=client, status=MandateStatus.ACTIVE).first()
    if previous:
        previous.status, previous.revoked_on = MandateStatus.REVOKED, paris_today()
        previous.save(update_fields=["status", "revoked_on"])
    try:
        with transaction.atomic():
            mandate = Mandate.objects.create(
                client=client,
                reference=reference or _mandate_reference(),
                account_holder=account_holder.strip(),
                iban=iban,
                bic=bic,
                signed_on=signed_on,
                created_by=actor,
            )
    except IntegrityError:
        raise ValidationError({"reference": _("This mandate reference is already used.")}) from None
    audit_record(
        action="mandate.create",
        instance=mandate,
        actor=actor,
        client=client,
        after={"reference": mandate.reference, "iban": mandate.masked_iban},
    )
    return mandate


@transaction.atomic
def mandate_revoke(*, mandate: Mandate, actor=None) -> Mandate:
    mandate = Mandate.objects.select_for_update().get(pk=mandate.pk)
    if mandate.status != MandateStatus.ACTIVE:
        raise InvalidTransition(_("This mandate is already revoked."), code="revoked")
    mandate.status, mandate.revoked_on = MandateStatus.REVOKED, paris_today()
    mandate.save(update_fields=["status", "revoked_on"])
    audit_record(action="mandate.revoke", instance=mandate, actor=actor, client=mandate.client)
    return mandate


# --- Prepaid ledger (BIL-10) ------------------------------------------------------------------


def _prepaid_account(client: Client) -> PrepaidAccount:
    """The customer's ledger head, locked: every entry of one customer is written in turn."""
    PrepaidAccount.objects.get_or_create(client=client)
    return PrepaidAccount.objects.select_for_update().get(client=client)


def _balance(account: PrepaidAccount) -> Decimal:
    return account.entries.aggregate(s=Sum("amount"))["s"] or ZERO


def _append(
    *,
    client: Client,
    kind: str,
    amount: Decimal,
    description: str,
    source_type: str = "",
    source_id="",
    reference: str = "",
    bank_fee: Decimal = ZERO,
    allow_overdraft: bool = False,
    actor=None,
) -> PrepaidEntry:
    account = _prepaid_account(client)
    if source_type:
        first = account.entries.filter(
            kind=kind, source_type=source_type, source_id=str(source_id)
        ).first()
        if first is not None:
            return first  # the same source debited twice: the first entry stands
    balance = _balance(account) + amount
    if balance < 0 and not allow_overdraft:
        raise InsufficientBalance(
            _("Your prepaid balance (%(balance)s €) does not cover %(amount)s €. Top it up first.")
            % {"balance": balance - amount, "amount": -amount},
            code="insufficient_balance",
        )
    entry = PrepaidEntry.objects.create(
        account=account,
        kind=kind,
        amount=amount,
        balance_after=balance,
        bank_fee=bank_fee,
        description=description,
        source_type=source_type,
        source_id=str(source_id) if source_type else "",
        reference=reference,
        overdraft=balance < 0,
        created_by=actor,
    )
    audit_record(
        action=f"prepaid.{kind}",
        instance=entry,
        actor=actor,
        client=client,
        after={"amount": amount, "balance": balance, "source": f"{source_type}:{source_id}"},
    )
    return entry


@transaction.atomic
def prepaid_topup_record(
    *, client: Client, amount_received, received_on: date, reference: str, bank_fee=ZERO, actor=None
) -> PrepaidEntry:
    """BIL-10: a top-up counts when the money is received, net of the bank's fee."""
    amount_received, bank_fee = Decimal(str(amount_received)), Decimal(str(bank_fee or 0))
    if bank_fee < 0:
        raise ValidationError({"bank_fee": _("The bank fee cannot be negative.")})
    if amount_received - bank_fee <= 0:
        raise ValidationError({"amount_received": _("The amount must exceed the bank fee.")})
    if received_on > paris_today():
        raise ValidationError({"received_on": _("A top-up cannot be received in the future.")})
    entry = _append(
        client=client,
        kind=PrepaidKind.TOPUP,
        amount=amount_received - bank_fee,
        bank_fee=bank_fee,
        reference=reference,
        description=_("Top-up received on %(date)s") % {"date": received_on.strftime("%d/%m/%Y")},
        actor=actor,
    )
    notify_client(client, "payments/email/topup_received", {"entry": entry}, roles=BILLING_ROLES)
    return entry


@transaction.atomic
def prepaid_debit(
    *, client: Client, amount, source_type: str, source_id, description: str, actor=None
) -> PrepaidEntry:
    """BIL-10: pay something (an order, TRK-3) from the balance; refused when it falls short.
    Idempotent per source: the same order debited twice is debited once."""
    amount = Decimal(str(amount))
    if amount <= 0:
        raise ValidationError({"amount": _("The amount must be positive.")})
    return _append(
        client=client,
        kind=PrepaidKind.DEBIT,
        amount=-amount,
        source_type=source_type,
        source_id=source_id,
        description=description,
        actor=actor,
    )


@transaction.atomic
def prepaid_consume(
    *, client: Client, amount_net, source_type: str, source_id, description: str, actor=None
) -> PrepaidEntry:
    """BIL-10: consumption already rated is debited with its VAT. Traffic is not refused after
    the fact, so the balance may go below zero — only together with the suspension of the
    customer's active contracts (CON-8, exhausted prepaid balance)."""
    entry = _append(
        client=client,
        kind=PrepaidKind.DEBIT,
        amount=-gross_amount(client=client, net=amount_net),
        source_type=source_type,
        source_id=source_id,
        description=description,
        allow_overdraft=True,
        actor=actor,
    )
    if entry.balance_after < 0:
        for contract in Contract.objects.filter(client=client, status=ContractStatus.ACTIVE):
            offers.contract_suspend(
                contract=contract,
                reason=SuspensionReason.PREPAID_EXHAUSTED,
                note=_("Prepaid balance exhausted"),
                actor=actor,
            )
    return entry


@transaction.atomic
def prepaid_reserve(
    *, client: Client, amount, source_type: str, source_id, description: str, actor=None
) -> PrepaidEntry:
    """BIL-10: hold part of the balance (e.g. for a call in progress)."""
    amount = Decimal(str(amount))
    if amount <= 0:
        raise ValidationError({"amount": _("The amount must be positive.")})
    return _append(
        client=client,
        kind=PrepaidKind.RESERVATION,
        amount=-amount,
        source_type=source_type,
        source_id=source_id,
        description=description,
        actor=actor,
    )


@transaction.atomic
def prepaid_release(*, reservation: PrepaidEntry, actor=None) -> PrepaidEntry:
    if reservation.kind != PrepaidKind.RESERVATION:
        raise ValidationError(_("Only a reservation can be released."))
    return _append(
        client=reservation.account.client,
        kind=PrepaidKind.RELEASE,
        amount=-reservation.amount,
        source_type=reservation.source_type or "reservation",
        source_id=reservation.source_id or reservation.pk,
        description=_("Released: %(what)s") % {"what": reservation.description},
        actor=actor,
    )


@transaction.atomic
def prepaid_refund(*, client: Client, amount, reference: str, actor=None) -> PrepaidEntry:
    """BIL-10: pay back part of the balance to the customer (never more than it)."""
    amount = Decimal(str(amount))
    if amount <= 0:
        raise ValidationError({"amount": _("The amount must be positive.")})
    return _append(
        client=client,
        kind=PrepaidKind.REFUND,
        amount=-amount,
        reference=reference,
        description=_("Refund of the prepaid balance"),
        actor=actor,
    )


# --- SEPA direct-debit batches (BIL-4) ------------------------------------------------------


def debit_candidates(collection_date: date) -> list[tuple[Invoice, Mandate, Decimal]]:
    """Invoices of customers with an active mandate whose undisputed part is due by
    ``collection_date`` and not already in flight (BIL-4, BIL-8)."""
    mandates = {m.client_id: m for m in Mandate.objects.filter(status=MandateStatus.ACTIVE)}
    invoices = (
        _open_invoices()
        .filter(client_id__in=mandates, due_date__lte=collection_date)
        .exclude(direct_debits__status=DebitStatus.PENDING)
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


def _sequence_type(mandate: Mandate, used: set[int]) -> str:
    """FRST for a mandate's first collection, RCUR after (a rejected first one stays FRST)."""
    if mandate.pk in used:
        return "RCUR"
    if mandate.debits.exclude(status=DebitStatus.REJECTED).exists():
        return "RCUR"
    return "FRST"


@transaction.atomic
def debit_batch_create(*, collection_date: date, actor=None):
    """BIL-4: a pain.008 file of the invoices due, one collection per invoice."""
    from payments import sepa
    from payments.models import DebitBatch, DirectDebit

    if collection_date < paris_today():
        raise ValidationError({"collection_date": _("The collection date cannot be in the past.")})
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
                description=_("Invoice %(number)s") % {"number": invoice.number},
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
    DirectDebit.objects.bulk_create(debits)
    audit_record(
        action="debit_batch.create",
        instance=batch,
        actor=actor,
        after={"count": batch.count, "total": batch.total, "date": collection_date},
    )
    return batch


@transaction.atomic
def debit_batch_settle(*, batch, actor=None) -> int:
    """The bank collected the batch: each pending debit becomes a payment of its invoice."""
    from payments.choices import BatchStatus
    from payments.models import DebitBatch

    batch = DebitBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != BatchStatus.CREATED:
        raise InvalidTransition(_("This batch is already settled."), code="settled")
    settled = 0
    for debit in batch.debits.filter(status=DebitStatus.PENDING).select_related("invoice"):
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
        _allocate(payment, [debit.invoice])
        settled += 1
    batch.status = BatchStatus.SETTLED
    batch.save(update_fields=["status"])
    audit_record(action="debit_batch.settle", instance=batch, actor=actor, after={"n": settled})
    return settled


@transaction.atomic
def debit_reject(*, debit, reason: str, bank_fee, rejected_on: date | None = None, actor=None):
    """BIL-4 (PLATFORM 12.3.3): a rejected direct debit — the payment is reversed (the invoice
    is due again) and the bank's reject fee is re-invoiced as a pending charge (taxable)."""
    from payments.models import DirectDebit

    debit = DirectDebit.objects.select_for_update().select_related("invoice").get(pk=debit.pk)
    if debit.status == DebitStatus.REJECTED:
        raise InvalidTransition(_("This debit is already rejected."), code="rejected")
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the bank's reject reason.")})
    bank_fee = Decimal(str(bank_fee or 0))
    if bank_fee < 0:
        raise ValidationError({"bank_fee": _("The bank fee cannot be negative.")})
    rejected_on = rejected_on or paris_today()
    invoice = debit.invoice
    if debit.payment_id:
        payment = Payment.objects.select_for_update().get(pk=debit.payment_id)
        payment.status = PaymentStatus.REJECTED
        payment.save(update_fields=["status"])
        for allocation in payment.allocations.filter(source=AllocationSource.PAYMENT):
            Allocation.objects.create(
                invoice=allocation.invoice,
                source=AllocationSource.REVERSAL,
                payment=payment,
                amount=-allocation.amount,
                on=rejected_on,
            )
        CollectionCase.objects.filter(invoice=invoice).update(
            settled_on=None, stage=DunningStage.NONE, updated_at=timezone.now()
        )
    debit.status, debit.reject_reason = DebitStatus.REJECTED, reason.strip()
    debit.reject_fee, debit.rejected_on = bank_fee, rejected_on
    debit.save(update_fields=["status", "reject_reason", "reject_fee", "rejected_on"])
    if bank_fee > 0:
        billing.charge_post(
            client=invoice.client,
            kind=ChargeKind.REJECT_FEE,
            source_type="debit_reject",
            source_id=debit.pk,
            period_start=rejected_on,
            description=_("Direct-debit reject fee — invoice %(number)s")
            % {"number": invoice.number},
            unit_price=bank_fee,
            actor=actor,
        )
    audit_record(
        action="direct_debit.reject",
        instance=debit,
        actor=actor,
        client=invoice.client,
        after={"reason": reason, "fee": bank_fee},
    )
    notify_client(
        invoice.client, "payments/email/debit_rejected", {"debit": debit}, roles=BILLING_ROLES
    )
    return debit
