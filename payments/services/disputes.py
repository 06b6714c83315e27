"""Disputes (BIL-8, PLATFORM 12.6): the buyer of an invoice — a customer, or a partner-billed
partner its own monthly invoice (ACC-3) — disputes part of it within 60 days of issue; the
disputed part leaves dunning and direct debits until staff decide. Accepted, it becomes a credit
note set against the invoice (BIL-9), addressed to the same buyer; rejected, it is due again by
a new due date."""

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from billing import services as billing
from billing.choices import DocumentKind, DocumentStatus
from billing.models import Invoice
from kernel.clock import paris_today
from kernel.errors import InvalidTransition
from kernel.files import file_stored, files_undone_on_error, original_name
from kernel.money import money_number, round_money
from payments.choices import DisputeStatus
from payments.models import Dispute, DisputeDocument
from payments.services.allocation import lock_payer
from payments.services.notices import notify_buyer
from payments.services.settlement import credit_note_set_against
from payments.services.suspensions import suspension_lift_if_paid

DISPUTE_DAYS = 60  # BIL-8
REJECTED_DISPUTE_TERM_DAYS = 30  # a rejected dispute is due again 30 days after the decision
DOCUMENT_MAX_BYTES = 5 * 1024 * 1024
# Extension → how such a file starts: a document is checked by its first bytes as well, or any
# file (a web page, a script) renamed « .pdf » was kept and handed to staff as a PDF.
DOCUMENT_MAGICS = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
}
DOCUMENT_EXTENSIONS = set(DOCUMENT_MAGICS)
DOCUMENT_MAX_COUNT = 5


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
        extension = "." + name.rsplit(".", 1)[-1]
        upload.seek(0)
        head = upload.read(16)
        upload.seek(0)
        if not head.startswith(DOCUMENT_MAGICS[extension]):
            raise ValidationError(
                {
                    "documents": _("%(name)s does not look like a %(ext)s file.")
                    % {"name": upload.name, "ext": extension[1:].upper()}
                }
            )


def _left_to_credit(invoice: Invoice) -> Decimal:
    """BIL-9: what credit notes may still credit on ``invoice`` (incl. VAT): its total less the
    credit notes already issued against it (an accepted dispute, an SLA credit…)."""
    credited = Invoice.objects.filter(
        kind=DocumentKind.CREDIT_NOTE, status=DocumentStatus.ISSUED, corrects=invoice
    ).aggregate(s=Sum("total_gross"))["s"] or Decimal(0)
    return max(invoice.total_gross - credited, Decimal(0))


@transaction.atomic
@files_undone_on_error()
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
    reason and documents (their files deleted when the write fails). The disputed part leaves
    dunning and direct debits; the rest stays due. The dispute is the invoice's buyer's: its
    customer, or its partner on a partner-billed partner's monthly invoice (PLATFORM 12.6: the
    partner is our client under that contract; whoever calls checks that ``invoice`` is the
    caller's)."""
    today = today or paris_today()
    # BIL-4: the buyer's row first, as every money write (a payment being recorded, the lift of
    # a suspension below), then the invoice.
    lock_payer(client_id=invoice.client_id, partner_id=invoice.partner_id)
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if (
        invoice.kind != DocumentKind.INVOICE
        or not invoice.is_issued
        or (invoice.client_id is None and invoice.partner_id is None)
    ):
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
            "total": money_number(invoice.total_gross)
        }
    elif amount > (left := _left_to_credit(invoice)):
        errors["amount"] = _(
            "Part of this invoice was already credited: you can dispute %(left)s € at most."
        ) % {"left": money_number(left)}
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
        partner=invoice.partner if invoice.client_id is None else None,
        amount=amount,
        reason=reason.strip(),
        opened_by=actor,
    )
    for upload in documents:
        document = DisputeDocument.objects.create(
            dispute=dispute, file=upload, original_name=original_name(upload), size=upload.size
        )
        file_stored(document.file)  # deleted if the write fails (``files_undone_on_error``)
    audit_record(
        action="dispute.open",
        instance=dispute,
        actor=actor,
        api_key=api_key,
        client=invoice.client,
        partner=dispute.partner,
        after={"invoice": invoice.number, "amount": amount},
    )
    _notify(dispute, "payments/email/dispute_opened")
    if invoice.client_id is not None:
        # BIL-7 / BIL-8: the disputed part leaves dunning — with nothing else more than 8 days
        # late, the customer's non-payment suspension is lifted.
        suspension_lift_if_paid(client=invoice.client, today=today, actor=actor)
    return dispute


def _notify(dispute: Dispute, template: str) -> None:
    """The dispute's buyer is e-mailed: a customer's billing people, or the partner disputing
    its own monthly invoice (its invoices' address, ``notify_buyer``)."""
    notify_buyer(dispute.invoice, template, {"dispute": dispute})


def _lock_dispute(dispute: Dispute) -> Dispute:
    dispute = Dispute.objects.select_for_update().select_related("invoice").get(pk=dispute.pk)
    if dispute.status != DisputeStatus.OPEN:
        raise InvalidTransition(_("This dispute is already decided."), code="decided")
    return dispute


def _credit_line(dispute: Dispute):
    """The one line of an accepted dispute's credit note: its amount incl. VAT, spread over
    the invoice's VAT groups (BIL-3: in French, whatever staff's language)."""
    with translation.override(settings.LANGUAGE_CODE):
        description = _("Dispute accepted — invoice %(number)s") % {
            "number": dispute.invoice.number
        }
    return billing.CreditLine(description=description, amount=dispute.amount, includes_vat=True)


def dispute_credit_note_preview(dispute: Dispute):
    """The credit note accepting ``dispute`` would issue, nothing written: its VAT groups and
    totals excl. VAT, VAT, incl. VAT (``billing.credit_note_totals``) — what staff confirm."""
    return billing.credit_note_totals(lines=[_credit_line(dispute)], corrects=dispute.invoice)


@transaction.atomic
def dispute_accept(*, dispute: Dispute, note: str = "", actor=None) -> Invoice:
    """BIL-8 → BIL-9: an accepted dispute becomes a credit note referencing the invoice, set
    against what is left to pay on it (any rest goes to the next invoices).

    The dispute names an amount incl. VAT, not lines: billing spreads it over the invoice's VAT
    groups in proportion to what is left to credit in each (the rounding cent on the largest
    group), each credit line at the category and rate the invoice charged — never the
    customer's regime of today — so that the credit note totals the disputed amount."""
    # BIL-4: the customer's allocations are written in turn — its row is locked first, before
    # the dispute and its invoice, so that a payment being recorded commits before (its
    # allocation's check of the invoice would otherwise wait for this lock: a deadlock).
    lock_payer(client_id=dispute.client_id, partner_id=dispute.partner_id)
    dispute = _lock_dispute(dispute)
    invoice = dispute.invoice
    # BIL-3: the words of a credit note are French, whatever staff's language.
    with translation.override(settings.LANGUAGE_CODE):
        reason = note or _("Dispute of invoice %(number)s accepted") % {"number": invoice.number}
    credit_note = billing.credit_note_issue(
        lines=[_credit_line(dispute)], reason=reason, corrects=invoice, actor=actor
    )
    dispute.status = DisputeStatus.ACCEPTED
    dispute.decided_by, dispute.decided_at = actor, timezone.now()
    dispute.decision_note, dispute.credit_note = note, credit_note
    dispute.save()
    credit_note_set_against(credit_note, invoice, actor=actor)
    audit_record(
        action="dispute.accept",
        instance=dispute,
        actor=actor,
        client=invoice.client,
        partner=dispute.partner,
        after={"credit_note": credit_note.number, "amount": credit_note.total_gross},
    )
    _notify(dispute, "payments/email/dispute_decided")
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
        partner=dispute.partner,
        after={"new_due_date": new_due_date},
    )
    _notify(dispute, "payments/email/dispute_decided")
    return dispute
