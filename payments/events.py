"""Payments' event type (SPEC §9, webhooks): money was received (a transfer, card or cheque
recorded by staff, a direct debit collected)."""

from django.utils.translation import gettext_lazy as _

from kernel.events import emit_many, register

PAYMENT_RECEIVED = register(
    "payment.received",
    _("A payment was received."),
    data=("id", "customer", "method", "amount", "received_on", "reference"),
)


def announce_payments(payments) -> None:
    """One event per payment, for the partner of the payer (or the paying partner)."""
    emit_many(
        [
            (
                PAYMENT_RECEIVED,
                payment.partner_id or payment.client.partner_id,
                {
                    "id": payment.pk,
                    "customer": payment.client_id,
                    "method": payment.method,
                    "amount": payment.amount,
                    "received_on": payment.received_on,
                    "reference": payment.reference,
                },
            )
            for payment in payments
        ]
    )
