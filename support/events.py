"""Support's event types (SPEC §9, webhooks): a ticket changed (status or a message the customer
sees), a month's availability report is ready."""

from django.utils.translation import gettext_lazy as _

from kernel.events import emit, register

TICKET_UPDATED = register(
    "ticket.updated",
    _("A ticket changed status or received a message the customer sees."),
    data=("id", "number", "customer", "status", "change", "message"),
)
AVAILABILITY_REPORT_READY = register(
    "availability_report.ready",
    _("A contract's availability report for a month is ready."),
    data=("id", "contract", "customer", "month", "availability", "credit_percent"),
)


def announce_ticket(ticket, *, change: str, message=None) -> None:
    emit(
        TICKET_UPDATED,
        partner_id=ticket.client.partner_id,
        data={
            "id": ticket.pk,
            "number": ticket.number,
            "customer": ticket.client_id,
            "status": ticket.status,
            "change": change,
            "message": message.pk if message is not None else None,
        },
    )


def announce_report(report, contract) -> None:
    emit(
        AVAILABILITY_REPORT_READY,
        partner_id=contract.client.partner_id,
        data={
            "id": report.pk,
            "contract": contract.pk,
            "customer": contract.client_id,
            "month": report.month,
            "availability": report.availability,
            "credit_percent": report.credit_percent,
        },
    )
