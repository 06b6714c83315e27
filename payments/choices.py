"""Closed lists of payments and collection (BIL-4, BIL-6, BIL-7, BIL-8, BIL-10)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PaymentMethod(models.TextChoices):
    TRANSFER = "transfer", _("Bank transfer")
    CARD = "card", _("Card")
    CHEQUE = "cheque", _("Cheque")
    DIRECT_DEBIT = "direct_debit", _("SEPA direct debit")
    PREPAID = "prepaid", _("Prepaid balance")


# What staff may record by hand (direct debits come from batches, prepaid from the ledger).
RECORDED_METHODS = {PaymentMethod.TRANSFER, PaymentMethod.CARD, PaymentMethod.CHEQUE}


class PaymentStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    REJECTED = "rejected", _("Rejected")


class AllocationSource(models.TextChoices):
    PAYMENT = "payment", _("Payment")
    CREDIT_NOTE = "credit_note", _("Credit note")
    REVERSAL = "reversal", _("Rejected payment")


class MandateStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    REVOKED = "revoked", _("Revoked")
    LAPSED = "lapsed", _("Lapsed (36 months without a collection)")


class SequenceType(models.TextChoices):
    FIRST = "FRST", _("First collection")
    RECURRING = "RCUR", _("Recurring collection")


class DebitStatus(models.TextChoices):
    PENDING = "pending", _("Sent to the bank")
    COLLECTED = "collected", _("Collected")
    REJECTED = "rejected", _("Rejected")


class BatchStatus(models.TextChoices):
    CREATED = "created", _("File ready")
    SETTLED = "settled", _("Settled")


class PrepaidKind(models.TextChoices):
    TOPUP = "topup", _("Top-up")
    DEBIT = "debit", _("Debit")
    RESERVATION = "reservation", _("Reservation")
    RELEASE = "release", _("Reservation released")
    REFUND = "refund", _("Refund")
    ROUNDING = "rounding", _("Rounding to the invoice")


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("Under review")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", pgettext_lazy("dispute", "Rejected")  # une contestation rejetée


class DunningStage(models.TextChoices):
    NONE = "none", _("On time")
    REMINDED = "reminded", _("First reminder sent")
    FINAL_REMINDER = "final_reminder", _("Second reminder sent")
    SUSPENSION_PROPOSED = "suspension_proposed", _("Suspension proposed")
    SUSPENDED = "suspended", _("Suspended for non-payment")
    SETTLED = "settled", _("Paid")
