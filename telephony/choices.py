"""Closed lists and status pipelines of trunks and SIP accounts (TRK-1..6, ACC-7, CON-8)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderStatus(models.TextChoices):
    """TRK-3: a channel order. Channels are active only once the order is paid."""

    QUOTED = "quoted", _("Quoted")
    AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
    PAID = "paid", _("Paid")
    ACTIVE = "active", _("Active")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")


# TRK-3: the only moves an order can make; anything else raises InvalidTransition.
ORDER_TRANSITIONS: dict[str, set[str]] = {
    OrderStatus.QUOTED: {OrderStatus.AWAITING_PAYMENT, OrderStatus.CANCELLED, OrderStatus.EXPIRED},
    OrderStatus.AWAITING_PAYMENT: {OrderStatus.PAID, OrderStatus.CANCELLED, OrderStatus.EXPIRED},
    OrderStatus.PAID: {OrderStatus.ACTIVE},
    OrderStatus.ACTIVE: set(),
    OrderStatus.CANCELLED: set(),
    OrderStatus.EXPIRED: set(),
}
OPEN_ORDER_STATUSES = {OrderStatus.QUOTED, OrderStatus.AWAITING_PAYMENT}


class PaymentChoice(models.TextChoices):
    """TRK-3: what makes an order paid."""

    PREPAID = "prepaid", _("Prepaid balance")
    DIRECT_DEBIT = "direct_debit", _("SEPA direct debit")
    RECORDED_PAYMENT = "recorded_payment", _("Payment recorded by staff")


class DecreaseStatus(models.TextChoices):
    """TRK-4: a decrease waits for the next renewal date, then applies (or is cancelled)."""

    PENDING = "pending", _("Pending")
    APPLIED = "applied", _("Applied")
    CANCELLED = "cancelled", _("Cancelled")


class LedgerCause(models.TextChoices):
    """Why the packs of a trunk changed (TRK-1)."""

    INITIAL = "initial", _("Trunk set up")
    ORDER = "order", _("Channel order")
    DECREASE = "decrease", _("Decrease")
    REOPTIMISATION = "reoptimisation", _("Re-optimisation")


class SipStatus(models.TextChoices):
    """ACC-7, CON-8: the state of SIP credentials (an account or a trunk's registration).

    Derived, never set by hand: ``closed`` once the contract is terminated (CON-4, CON-5: the
    service ended), else ``disabled`` while credentials declared compromised have not been
    re-enabled (ACC-7), else ``suspended`` while the contract or the SIP account is suspended
    (CON-8), else ``active``. The causes can overlap; each is lifted by its own action.
    """

    ACTIVE = "active", _("Active")
    DISABLED = "disabled", _("Disabled (credentials compromised)")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", _("Closed (contract terminated)")
