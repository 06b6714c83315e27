"""Suspension for non-payment (BIL-7, CON-8): proposed by the daily job past due + 8 days,
applied by staff (or by the job, per ``PAYMENTS_AUTO_SUSPEND``), lifted once paid."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import Client
from kernel.clock import paris_today
from offers import services as offers
from offers.choices import ContractStatus, SuspensionReason
from offers.models import Suspension
from payments.choices import DebitStatus, DunningStage
from payments.invoice_states import InvoiceState, invoice_states, open_invoices
from payments.models import CollectionCase

SUSPENSION_AFTER_DAYS = 8  # suspension possible when today > due date + 8 days


def overdue_for_suspension(client: Client, today: date) -> list[InvoiceState]:
    """BIL-7: the customer's invoices more than 8 days late (undisputed part). An invoice whose
    direct debit is pending is not late (BIL-6); once rejected, it counts from its due date."""
    invoices = open_invoices(client=client).filter(due_date__lt=today - timedelta(days=8))
    return [
        s
        for s in invoice_states(invoices).values()
        if s.undisputed_open > 0 and s.days_late(today) > SUSPENSION_AFTER_DAYS
    ]


@transaction.atomic
def client_suspend_for_non_payment(*, client: Client, today: date | None = None, actor=None):
    """BIL-7 / CON-8: suspend the customer's active contracts — and those under notice, which
    run until their effective date (``contracts_to_suspend``) — only when an invoice is more
    than 8 days late (its undisputed part). Returns the suspensions made."""
    today = today or paris_today()
    if not overdue_for_suspension(client, today):
        raise ValidationError(
            _("No invoice of this customer is more than 8 days late: no suspension.")
        )
    made = []
    for contract in offers.contracts_to_suspend(client):
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
    ).exclude(invoice__direct_debits__status=DebitStatus.PENDING).update(
        stage=DunningStage.SUSPENDED, updated_at=timezone.now()
    )
    audit_record(
        action="client.suspend_for_non_payment",
        instance=client,
        actor=actor,
        after={"contracts": [s.contract.reference for s in made]},
    )
    return made


def suspension_lift_if_paid(*, client: Client, today: date | None = None, actor=None) -> int:
    """BIL-7: non-payment suspensions end by themselves once nothing is more than 8 days late —
    its undisputed part, BIL-8 (PLATFORM 12.6.1: the customer pays at least what it does not
    dispute): an invoice fully paid, or paid but for a part under dispute. The invoices' cases
    proposed for suspension or suspended go back to their last reminder (out of the dunning
    queue; proposed again should they become more than 8 days late again, a rejected
    dispute's part unpaid past its new due date)."""
    today = today or paris_today()
    suspended = Suspension.objects.filter(
        contract__client=client,
        reason=SuspensionReason.NON_PAYMENT,
        lifted_at__isnull=True,
        # CON-8: suspended, or suspended and then terminated (its service suspended still)
        contract__status__in=[ContractStatus.SUSPENDED, ContractStatus.TERMINATING],
    ).select_related("contract")
    stages = [DunningStage.SUSPENSION_PROPOSED, DunningStage.SUSPENDED]
    cases = CollectionCase.objects.filter(client=client, settled_on__isnull=True, stage__in=stages)
    if not (suspended.exists() or cases.exists()) or overdue_for_suspension(client, today):
        return 0
    for case in cases.select_for_update().order_by("pk"):
        before, case.stage = case.stage, case.reminder_stage()
        case.suspension_proposed_on = None
        case.save(update_fields=["stage", "suspension_proposed_on", "updated_at"])
        audit_record(
            action="collection_case.back_to_reminders",
            instance=case,
            actor=actor,
            client=client,
            before={"stage": before},
            after={"stage": case.stage},
        )
    lifted = 0
    for suspension in suspended:
        offers.contract_lift_suspension(contract=suspension.contract, actor=actor)
        lifted += 1
    return lifted
