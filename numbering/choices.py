"""Closed lists of numbers (NUM-1) and port requests (NUM-3), with their one transition map each."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class NumberType(models.TextChoices):
    GEOGRAPHIC = "geographic", _("Geographic (01–05)")
    MOBILE = "mobile", _("Mobile (06, 07)")
    POLYVALENT = "polyvalent", _("Non-geographic (09)")
    SPECIAL = "special", _("Special rate (08)")


class PriceClass(models.TextChoices):
    """NUM-1: what the callers of an 08 number pay, by its prefix in ARCEP's plan (phonenumbers'
    types; the same values as the calls' price classes, USE-1)."""

    TOLL_FREE = "toll_free", _("free for the caller (0800 to 0805)")
    UAN = "uan", _("price of a normal call (0806 to 0809)")
    SHARED_COST = "shared_cost", _("shared cost (081, 082, 084)")
    PREMIUM = "premium", _("premium rate (0836, 085 to 089)")


class NumberState(models.TextChoices):
    AVAILABLE = "available", _("Available")
    RESERVED = "reserved", _("Reserved")
    ASSIGNED = "assigned", _("Assigned")
    QUARANTINE = "quarantine", _("Quarantine")
    PORTING_IN = "porting_in", _("Porting in")
    PORTED_OUT = "ported_out", _("Ported out")


# NUM-1: the only moves a number can make.
NUMBER_TRANSITIONS: dict[str, set[str]] = {
    NumberState.AVAILABLE: {NumberState.RESERVED, NumberState.ASSIGNED},
    NumberState.RESERVED: {NumberState.ASSIGNED, NumberState.AVAILABLE},
    NumberState.ASSIGNED: {NumberState.QUARANTINE, NumberState.PORTED_OUT},
    # a number ported in goes back to the operator of its range (NUM-1), never to our pool
    NumberState.QUARANTINE: {NumberState.AVAILABLE, NumberState.PORTED_OUT},
    NumberState.PORTING_IN: {NumberState.ASSIGNED, NumberState.AVAILABLE},
    NumberState.PORTED_OUT: set(),
}


class PortStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    COMPLETED = "completed", _("Completed")
    REJECTED = "rejected", pgettext_lazy("port request", "Rejected")
    CANCELLED = "cancelled", _("Cancelled")


# NUM-3: a rejected request is fixed and relaunched (submitted again) or cancelled.
PORT_TRANSITIONS: dict[str, set[str]] = {
    PortStatus.DRAFT: {PortStatus.SUBMITTED, PortStatus.CANCELLED},
    PortStatus.SUBMITTED: {PortStatus.ACCEPTED, PortStatus.REJECTED, PortStatus.CANCELLED},
    PortStatus.ACCEPTED: {PortStatus.COMPLETED, PortStatus.REJECTED, PortStatus.CANCELLED},
    PortStatus.REJECTED: {PortStatus.SUBMITTED, PortStatus.CANCELLED},
    PortStatus.COMPLETED: set(),
    PortStatus.CANCELLED: set(),
}


class RejectionReason(models.TextChoices):
    """NUM-3: why the donor operator refused a port-in — each names what the customer fixes."""

    RIO_MISMATCH = "rio_mismatch", _("The RIO does not match the line")
    HOLDER_MISMATCH = "holder_mismatch", _("The holder's name or SIRET does not match")
    LINE_INACTIVE = "line_inactive", _("The line is not active at the current operator")
    NOT_PORTABLE = "not_portable", _("The number cannot be ported")
    DATE_UNAVAILABLE = "date_unavailable", _("The desired date cannot be met")
    MANDATE_INVALID = "mandate_invalid", _("The mandate is missing, unsigned or unreadable")
