"""EQP-5: a return opened — its due date (the first French business day after the last day), its
items, the audit row and the ``return.opened`` event. Below ``returns`` and ``rma``, which both
open returns."""

from datetime import date

from django.utils import timezone

from accounts.audit import audit_record
from equipment import events
from equipment.business_days import first_business_day_after
from equipment.choices import ReturnReason, ReturnStatus
from equipment.models import EquipmentReturn, ReturnItem, Rma


def open_return(
    *, client, reason, items, last_day: date, contract=None, rma=None
) -> EquipmentReturn:
    equipment_return = EquipmentReturn.objects.create(
        reference=f"tmp-{timezone.now():%H%M%S%f}",
        client=client,
        reason=reason,
        contract=contract,
        rma=rma,
        last_day=last_day,
        due_date=first_business_day_after(last_day),
    )
    equipment_return.reference = f"RET-{last_day.year}-{equipment_return.pk:06d}"
    fields = ["reference"]
    if not items:  # everything came back before the end: nothing to expect
        equipment_return.status, equipment_return.closed_at = ReturnStatus.CLOSED, timezone.now()
        fields += ["status", "closed_at"]
    equipment_return.save(update_fields=fields)
    ReturnItem.objects.bulk_create(
        [ReturnItem(equipment_return=equipment_return, item=item) for item in items]
    )
    audit_record(
        action="equipment_return.open",
        instance=equipment_return,
        after={
            "reason": reason,
            "due_date": equipment_return.due_date,
            "items": [item.serial_number for item in items],
        },
    )
    events.announce_return(events.RETURN_OPENED, equipment_return)
    return equipment_return


def return_open_for_rma(*, rma: Rma, actor=None) -> EquipmentReturn:
    """EQP-4 / EQP-5: the defective item is expected back (inside the shipping transaction)."""
    return open_return(
        client=rma.client,
        reason=ReturnReason.RMA,
        items=[rma.item],
        last_day=rma.shipped_on or timezone.localdate(rma.shipped_at),
        contract=rma.item.order.contract if rma.item.order_id else None,
        rma=rma,
    )
