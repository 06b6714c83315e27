"""Equipment's staff work queues (``kernel.queues``): RMAs awaiting a decision or a shipment
(EQP-4, by their target), returns overdue (EQP-5) and non-return decisions (EQP-6, by the day
the daily job bills them without one). Links go to the back office."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from equipment.choices import ReturnOutcome, ReturnStatus, RmaStatus
from equipment.models import EquipmentReturn, ReturnItem, Rma
from kernel.clock import paris_today
from kernel.money import money
from kernel.queues import QueueItem, Team, end_of_paris_day, register


def rmas_waiting(*, partner_id=None):
    rmas = Rma.objects.filter(status__in=[RmaStatus.REQUESTED, RmaStatus.APPROVED]).select_related(
        "client", "item__model"
    )
    if partner_id is not None:
        rmas = rmas.filter(client__partner_id=partner_id)
    return [
        QueueItem.of(
            pk=rma.pk,
            title=f"{rma} — {rma.item.model.name} {rma.item.serial_number}",
            client=rma.client,
            created_at=rma.reported_at,
            deadline=rma.ship_by,
            detail=rma.get_status_display(),
            url=reverse("admin:equipment_rma_change", args=[rma.pk]),
        )
        for rma in rmas
    ]


def returns_overdue(*, partner_id=None):
    late = EquipmentReturn.objects.filter(
        status=ReturnStatus.OPEN, due_date__lt=paris_today()
    ).select_related("client")
    if partner_id is not None:
        late = late.filter(client__partner_id=partner_id)
    return [
        QueueItem.of(
            pk=ret.pk,
            title=ret.reference,
            client=ret.client,
            created_at=ret.created_at,
            deadline=end_of_paris_day(ret.due_date),
            detail=ret.get_reason_display(),
            url=reverse("admin:equipment_equipmentreturn_change", args=[ret.pk]),
        )
        for ret in late
    ]


def non_return_decisions(*, partner_id=None):
    lines = ReturnItem.objects.filter(outcome=ReturnOutcome.AWAITING_DECISION).select_related(
        "equipment_return__client", "item__model"
    )
    if partner_id is not None:
        lines = lines.filter(equipment_return__client__partner_id=partner_id)
    return [
        QueueItem.of(
            pk=line.pk,
            title=f"{line.equipment_return.reference} — {line.item.serial_number}",
            client=line.equipment_return.client,
            created_at=line.equipment_return.created_at,
            deadline=end_of_paris_day(line.decide_by),
            detail=f"{line.item.model.name} · {money(line.amount)}",
            url=reverse("admin:equipment_returnitem_change", args=[line.pk]),
        )
        for line in lines
    ]


register("equipment.rmas", label=_("RMAs"), team=Team.SUPPORT, fetch=rmas_waiting, order=40)
register(
    "equipment.returns_overdue",
    label=_("Equipment returns overdue"),
    team=Team.SUPPORT,
    fetch=returns_overdue,
    order=41,
)
register(
    "equipment.non_returns",
    label=_("Non-returned equipment"),
    team=Team.BILLING,
    fetch=non_return_decisions,
    order=42,
)
