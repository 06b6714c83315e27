"""Numbers' event types (SPEC §9 webhooks, NUM-2, NUM-3)."""

from django.utils.translation import gettext_lazy as _

from kernel.events import emit, register

NUMBER_ASSIGNED = register(
    "number.assigned",
    _("Numbers were assigned to a customer."),
    data=("customer", "numbers", "contract"),
)
NUMBER_RELEASED = register(
    "number.released",
    _(
        "A customer released numbers (quarantine, then the pool; a number ported in goes back "
        "to the operator holding its range)."
    ),
    data=("customer", "numbers", "quarantine_until"),
)
NUMBER_PORTED_OUT = register(
    "number.ported_out",
    _("A number left for another operator."),
    data=("customer", "numbers", "porting_date"),
)
PORT_REQUEST_UPDATED = register(
    "port_request.updated",
    _("A port-in request changed status (submitted, accepted…)."),
    data=("id", "reference", "customer", "status", "scheduled_date", "rejection_reason"),
)


def announce_numbers(event_type: str, client, numbers, **data) -> None:
    emit(
        event_type,
        partner_id=client.partner_id,
        data={"customer": client.pk, "numbers": [n.e164 for n in numbers], **data},
    )


def announce_port_request(request) -> None:
    emit(
        PORT_REQUEST_UPDATED,
        partner_id=request.client.partner_id,
        data={
            "id": request.pk,
            "reference": request.reference,
            "customer": request.client_id,
            "status": request.status,
            "scheduled_date": request.scheduled_date,
            "rejection_reason": request.rejection_reason,
        },
    )
