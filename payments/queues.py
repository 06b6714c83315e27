"""Payments' staff work queues (issue 17, ``kernel.queues``): disputes awaiting a decision
(oldest first, BIL-8), dunning cases (BIL-6/BIL-7) and rejected direct debits whose invoice is
still unpaid."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kernel.money import money
from kernel.queues import (
    QueueItem,
    Team,
    end_of_paris_day,
    register,
    start_of_paris_day,
)
from payments.choices import DebitStatus, DisputeStatus, DunningStage
from payments.models import CollectionCase, DirectDebit, Dispute

# Stages in which a case waits on staff or on the customer, the invoice still unpaid.
DUNNING_STAGES = [
    DunningStage.REMINDED,
    DunningStage.FINAL_REMINDER,
    DunningStage.SUSPENSION_PROPOSED,
]


def _dispute_item(dispute: Dispute, **fields) -> QueueItem:
    """A customer's dispute is about that customer; a partner-billed partner's dispute of its
    own monthly invoice (PLATFORM 12.6) names the partner, with no customer."""
    if dispute.client_id is not None:
        return QueueItem.of(client=dispute.client, **fields)
    return QueueItem(
        client_id=None,
        client_name=dispute.partner.name,
        partner_id=dispute.partner_id,
        **fields,
    )


def open_disputes(*, partner_id=None):
    disputes = Dispute.objects.filter(status=DisputeStatus.OPEN).select_related(
        "client", "partner", "invoice"
    )
    if partner_id is not None:
        disputes = disputes.filter(Q(client__partner_id=partner_id) | Q(partner_id=partner_id))
    return [
        _dispute_item(
            dispute,
            pk=dispute.pk,
            title=f"{dispute.invoice.number} — {money(dispute.amount)}",
            created_at=dispute.opened_at,
            detail=dispute.reason[:120],
            extra={"amount": dispute.amount},
            url=reverse("console:dispute", args=[dispute.pk]),
        )
        for dispute in disputes
    ]


def _buyer_item(invoice, **fields) -> QueueItem:
    """An item about an invoice's buyer: a customer, or a partner-billed partner on its own
    monthly invoice (no customer: the partner is named)."""
    if invoice.client_id is not None:
        return QueueItem.of(client=invoice.client, **fields)
    return QueueItem(
        client_id=None,
        client_name=invoice.partner.name,
        partner_id=invoice.partner_id,
        **fields,
    )


def dunning_cases(*, partner_id=None):
    """BIL-7: the unpaid invoices at a reminder or a suspension proposal — a customer's, or a
    partner-billed partner's own (reminded, never proposed for suspension by the job)."""
    cases = CollectionCase.objects.filter(
        stage__in=DUNNING_STAGES, settled_on__isnull=True
    ).select_related("invoice__client", "invoice__partner")
    if partner_id is not None:
        cases = cases.filter(
            Q(invoice__client__partner_id=partner_id) | Q(invoice__partner_id=partner_id)
        )
    return [
        _buyer_item(
            case.invoice,
            pk=case.pk,
            title=f"{case.invoice.number} — {money(case.invoice.amount_due)}",
            created_at=start_of_paris_day(case.invoice.due_date or case.invoice.issue_date),
            # The proposal waits on staff: suspending is their decision (BIL-7).
            deadline=end_of_paris_day(case.suspension_proposed_on),
            detail=case.get_stage_display(),
            url=reverse("admin:payments_collectioncase_change", args=[case.pk]),
        )
        for case in cases
    ]


def rejected_debits(*, partner_id=None):
    debits = (
        DirectDebit.objects.filter(status=DebitStatus.REJECTED)
        .exclude(invoice__collection__settled_on__isnull=False)
        .select_related("invoice__client")
    )
    if partner_id is not None:
        debits = debits.filter(invoice__client__partner_id=partner_id)
    return [
        QueueItem.of(
            pk=debit.pk,
            title=f"{debit.invoice.number} — {money(debit.amount)}",
            client=debit.invoice.client,
            created_at=start_of_paris_day(debit.rejected_on or debit.invoice.issue_date),
            detail=debit.reject_reason,
            url=reverse("admin:payments_directdebit_change", args=[debit.pk]),
        )
        for debit in debits
    ]


register(
    "payments.disputes",
    label=_("Disputes to decide"),
    team=Team.BILLING,
    fetch=open_disputes,
    order=30,
)
register(
    "payments.dunning", label=_("Dunning cases"), team=Team.BILLING, fetch=dunning_cases, order=40
)
register(
    "payments.rejected_debits",
    label=_("Failed direct debits"),
    team=Team.BILLING,
    fetch=rejected_debits,
    order=60,
)
