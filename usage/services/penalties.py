"""USE-7 (PLATFORM 27): penalties entered by staff with their evidence, on a PLATFORM contract
only (no other contract states them; without a contract, for a customer holding one) —
regulator breach 10 000 €, 33700 report 200 € per ticket, unauthorised CLI 2 000 €, consumer
complaint 200 €, judicial requisition 200 €, abusive support ticket 100 € (charged from its
ticket, SLA-11: ``support.services.ticket_charge_abusive_penalty``). The amount is the unit
amount of the kind × the quantity (tickets, complaints…). The penalties or surcharges of the
operators and regulators that the contract adds to the regulator breach and the unauthorised
CLI (« auxquels s'ajoute(nt) ») are passed on at the amount charged to us: a penalty of kind
``operator_surcharge`` whose unit amount staff type (the operator's invoice as evidence) —
never « a further penalty of the same kind », which would charge 2 000 € or 10 000 € again.

A penalty is damages, not a supply: outside the scope of VAT (EN 16931 category "O", CGI
art. 256), posted to billing as a charge of kind ``penalty`` with that category, which billing
invoices on an invoice of its own (BR-O-11). Cancelling it withdraws the charge when it is not
invoiced yet, or issues a credit note (category "O") correcting the invoice that carried it.
"""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import Client
from billing import services as billing
from billing.choices import ChargeKind, VatCategory
from billing.models import PendingCharge
from kernel.errors import InvalidTransition
from kernel.files import file_stored, files_undone_on_error
from kernel.money import round_money
from offers.choices import Preset
from offers.models import Contract
from usage.models import Penalty
from usage.money_choices import (
    PENALTY_AMOUNTS,
    PENALTY_TRANSITIONS,
    TYPED_AMOUNT_PENALTIES,
    PenaltyKind,
    PenaltyStatus,
)

SOURCE = "usage_penalty"


def _invoice_text(make) -> str:
    """BIL-3: the words of an invoice or credit note line are French (the documents are French
    legal documents), whatever the language of the staff member who entered them."""
    with translation.override(settings.LANGUAGE_CODE):
        return make()


@transaction.atomic
@files_undone_on_error()
def penalty_record(
    *,
    client,
    kind: str,
    occurred_on: date,
    evidence_note: str,
    quantity: int = 1,
    evidence=None,
    contract=None,
    actor=None,
    amount=None,
) -> Penalty:
    """USE-7: record a penalty with its evidence and post it to billing. ``amount``: the unit
    amount of a surcharge passed on (``TYPED_AMOUNT_PENALTIES``), required for it and refused
    for the others (their amount is the contract's). The evidence file is deleted when the
    write fails: none is left without its penalty."""
    if kind not in PenaltyKind.values:
        raise ValidationError({"kind": _("Choose a penalty from the list.")})
    if kind == PenaltyKind.ABUSIVE_TICKET:  # one penalty per ticket, and the ticket stops counting
        raise ValidationError(
            {
                "kind": _(
                    "Charge the abusive ticket penalty from the support ticket (SLA-11): the "
                    "ticket then no longer counts as unavailability."
                )
            }
        )
    if quantity < 1:
        raise ValidationError({"quantity": _("The quantity is at least 1.")})
    if kind in TYPED_AMOUNT_PENALTIES:
        if amount is None or Decimal(amount) <= 0:
            raise ValidationError(
                {
                    "amount": _(
                        "Give the amount the operators or the regulator charged us (€, from "
                        "their invoice or decision)."
                    )
                }
            )
        unit = round_money(Decimal(amount))
    elif amount is not None:
        raise ValidationError(
            {"amount": _("This penalty's amount is the contract's: leave the amount empty.")}
        )
    else:
        unit = PENALTY_AMOUNTS[kind]
    if not evidence_note.strip():
        raise ValidationError({"evidence_note": _("Describe the evidence of the penalty.")})
    if occurred_on > timezone.localdate():
        # a breach is noted once it happened: a later date would wait for a later run
        raise ValidationError({"occurred_on": _("The date of the breach cannot be in the future.")})
    if contract is not None and contract.client_id != client.pk:
        raise ValidationError({"contract": _("This contract is not the customer's.")})
    # Only the voice platform's contract states these penalties (PLATFORM 27): the HOSTED-W,
    # HOSTED-A, TRUNK and SIP-UNL contracts have none (as SLA-11 for the abusive ticket).
    if contract is not None and contract.preset != Preset.PLATFORM:
        raise ValidationError(
            {
                "contract": _(
                    "These penalties are clauses of the voice platform contract (PLATFORM 27): "
                    "this service's contract states none."
                )
            }
        )
    if (
        contract is None
        and not Contract.objects.filter(
            client=client, terms_snapshot__preset=Preset.PLATFORM
        ).exists()
    ):
        raise ValidationError(
            {
                "client": _(
                    "These penalties are clauses of the voice platform contract (PLATFORM 27): "
                    "this customer has no voice platform contract."
                )
            }
        )
    # ACC-4: a form submitted twice (a double click, a page resubmitted) records one penalty —
    # the customer's row is locked, so two submissions at once see each other. A further
    # penalty of the same kind and day has its own evidence, or counts in the quantity.
    Client.objects.select_for_update().filter(pk=client.pk).first()
    if Penalty.objects.filter(
        client=client,
        contract=contract,
        kind=kind,
        occurred_on=occurred_on,
        quantity=quantity,
        unit_amount=unit,
        evidence_note=evidence_note.strip(),
        status=PenaltyStatus.POSTED,
    ).exists():
        raise ValidationError(
            _(
                "This penalty is already recorded (same customer, penalty, day, quantity and "
                "evidence): a further penalty needs its own evidence."
            )
        )
    penalty = Penalty.objects.create(
        client=client,
        contract=contract,
        kind=kind,
        occurred_on=occurred_on,
        quantity=quantity,
        unit_amount=unit,
        amount=unit * quantity,
        evidence_note=evidence_note.strip(),
        created_by=actor,
        **({"evidence": evidence} if evidence else {}),
    )
    file_stored(penalty.evidence)  # deleted if the write fails (``files_undone_on_error``)
    billing.charge_post(
        client=client,
        kind=ChargeKind.PENALTY,
        source_type=SOURCE,
        source_id=penalty.pk,
        period_start=occurred_on,
        description=_invoice_text(
            lambda: _("Penalty: %(kind)s (%(day)s)")
            % {"kind": penalty.get_kind_display(), "day": occurred_on.strftime("%d/%m/%Y")}
        ),
        unit_price=unit,
        quantity=quantity,
        contract=contract,
        vat_category=VatCategory.OUTSIDE_SCOPE,
        actor=actor,
    )
    audit_record(
        action="usage.penalty_record",
        instance=penalty,
        actor=actor,
        client=client,
        after={"kind": kind, "quantity": quantity, "amount": penalty.amount},
    )
    return penalty


def _charge_of(penalty: Penalty):
    return PendingCharge.objects.filter(
        source_type=SOURCE, source_id=str(penalty.pk), period_start=penalty.occurred_on
    ).first()


def penalty_cancel_preview(penalty: Penalty) -> tuple[Decimal, object]:
    """What cancelling ``penalty`` would do, shown before staff confirm: ``(amount, invoice)``
    — the amount a credit note would credit on ``invoice`` (what is left uncredited on its
    line), or, ``invoice`` None, the amount of the charge withdrawn before invoicing."""
    amount, invoice, _line = penalty_cancel_credit(penalty)
    return amount, invoice


def penalty_cancel_credit(penalty: Penalty) -> tuple[Decimal, object, object]:
    """``penalty_cancel_preview``'s ``(amount, invoice)`` and the invoice line the credit note
    would credit (None: withdrawn before invoicing, or nothing to withdraw)."""
    charge = _charge_of(penalty)
    if charge is None:
        return Decimal("0.00"), None, None
    if charge.invoice_line_id:
        line = charge.invoice_line
        return billing.line_left_to_credit(line), line.invoice, line
    return round_money(charge.unit_price * charge.quantity), None, None


@transaction.atomic
def penalty_cancel(*, penalty: Penalty, reason: str, actor=None):
    """Cancel a penalty: its charge is withdrawn, or credited when already invoiced."""
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason of the cancellation.")})
    penalty = Penalty.objects.select_for_update().get(pk=penalty.pk)
    if PenaltyStatus.CANCELLED not in PENALTY_TRANSITIONS[penalty.status]:
        raise InvalidTransition(_("This penalty is already cancelled."), code="invalid_transition")
    charge = _charge_of(penalty)
    note = None
    if charge is not None and charge.invoice_line_id:
        line = charge.invoice_line
        # BIL-9: what is left uncredited on its line (an accepted dispute may have taken part)
        left = billing.line_left_to_credit(line)
        if left > 0:
            note = billing.credit_note_issue(
                lines=[
                    billing.CreditLine(
                        description=_invoice_text(
                            lambda: _("Cancelled: %(what)s") % {"what": charge.description}
                        ),
                        amount=left,
                        vat_category=VatCategory.OUTSIDE_SCOPE,
                        invoice_line=line,
                    )
                ],
                reason=reason.strip(),
                corrects=line.invoice,
                actor=actor,
            )
    elif charge is not None:
        billing.charge_withdraw(
            source_type=SOURCE,
            source_id=penalty.pk,
            period_start=penalty.occurred_on,
            actor=actor,
        )
    penalty.status = PenaltyStatus.CANCELLED
    penalty.save(update_fields=["status", "updated_at"])
    audit_record(
        action="usage.penalty_cancel",
        instance=penalty,
        actor=actor,
        client=penalty.client,
        before={"status": PenaltyStatus.POSTED},
        after={
            "status": PenaltyStatus.CANCELLED,
            "reason": reason,
            "credit_note": note and note.pk,
        },
    )
    return note
