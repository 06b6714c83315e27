"""Equipment's event types (SPEC §9 webhooks, EQP-2..5)."""

from django.utils.translation import gettext_lazy as _

from kernel.events import emit, register

RETURN_DATA = ("id", "reference", "customer", "reason", "due_date", "status")
EQUIPMENT_ORDERED = register(
    "equipment.ordered",
    _("Equipment was sold or rented to a customer (an order form)."),
    data=("id", "reference", "customer", "tenure", "model", "quantity", "contract"),
)
EQUIPMENT_SHIPPED = register(
    "equipment.shipped",
    _("Equipment items were shipped to a customer (an order, a replacement)."),
    data=("customer", "serial_numbers", "order", "rma"),
)
RMA_UPDATED = register(
    "rma.updated",
    _("An RMA changed status (requested, approved, refused, shipped, closed)."),
    data=(
        "id",
        "number",
        "customer",
        "status",
        "serial_number",
        "ship_by",
        "refusal_reason",
        "replacement",
    ),
)
RETURN_OPENED = register(
    "return.opened",
    _("Equipment is expected back (end of a rental or contract, after an RMA)."),
    data=RETURN_DATA,
)
RETURN_UPDATED = register(
    "return.updated",
    _("An item expected back was received, billed or left to repossession."),
    data=RETURN_DATA,
)


def announce_order(order) -> None:
    emit(
        EQUIPMENT_ORDERED,
        partner_id=order.client.partner_id,
        data={
            "id": order.pk,
            "reference": order.reference,
            "customer": order.client_id,
            "tenure": order.tenure,
            "model": order.model.code,
            "quantity": order.quantity,
            "contract": order.contract.reference if order.contract_id else None,
        },
    )


def announce_shipped(client, items, *, order: str | None = None, rma: str | None = None) -> None:
    """The items shipped for an order (its reference) or an RMA (its number); the other null."""
    emit(
        EQUIPMENT_SHIPPED,
        partner_id=client.partner_id,
        data={
            "customer": client.pk,
            "serial_numbers": [i.serial_number for i in items],
            "order": order,
            "rma": rma,
        },
    )


def announce_rma(rma) -> None:
    emit(
        RMA_UPDATED,
        partner_id=rma.client.partner_id,
        data={
            "id": rma.pk,
            "number": rma.number,
            "customer": rma.client_id,
            "status": rma.status,
            "serial_number": rma.item.serial_number,
            "ship_by": rma.ship_by.isoformat() if rma.ship_by else None,
            "refusal_reason": rma.refusal_reason,
            "replacement": rma.replacement.serial_number if rma.replacement_id else None,
        },
    )


def announce_return(event_type: str, equipment_return) -> None:
    emit(
        event_type,
        partner_id=equipment_return.client.partner_id,
        data={
            "id": equipment_return.pk,
            "reference": equipment_return.reference,
            "customer": equipment_return.client_id,
            "reason": equipment_return.reason,
            "due_date": equipment_return.due_date.isoformat(),
            "status": equipment_return.status,
        },
    )
