"""Closed lists of the money side of usage (usurf): limits (USE-5), penalties (USE-6, USE-7)."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class LimitKind(models.TextChoices):
    """USE-5 (PLATFORM 25)."""

    SIMULTANEOUS = "simultaneous", _("Simultaneous calls")
    CAPS = "caps", _("Call attempts per second")


class PenaltyKind(models.TextChoices):
    """USE-7 (PLATFORM 27): penalties entered by staff with evidence."""

    REGULATOR = "regulator", _("Breach of a regulator's decision")
    REPORT_33700 = "report_33700", _("33700 report (per ticket)")
    UNAUTHORISED_CLI = "unauthorised_cli", _("Unauthorised or unreachable CLI")
    CONSUMER_COMPLAINT = "consumer_complaint", _("Consumer complaint")
    JUDICIAL_REQUISITION = "judicial_requisition", _("Judicial requisition")
    ABUSIVE_TICKET = "abusive_ticket", _("Abusive support ticket (incident caused by the customer)")
    # PLATFORM 27: « auxquels s'ajoute les pénalités éventuelles des opérateurs et régulateurs »
    # (regulator breach), « auxquels peuvent s'ajouter la surcharge appliquée par le ou les
    # opérateur(s) » (CLI): passed on at the amount charged to us, typed by staff
    OPERATOR_SURCHARGE = "operator_surcharge", _("Operators' or regulator's surcharge passed on")


# USE-7: the unit amount of each penalty, € HT (PLATFORM 27); the surcharges passed on have none
# (``TYPED_AMOUNT_PENALTIES``: the amount charged to us, typed by staff).
PENALTY_AMOUNTS = {
    PenaltyKind.REGULATOR: Decimal("10000.00"),
    PenaltyKind.REPORT_33700: Decimal("200.00"),
    PenaltyKind.UNAUTHORISED_CLI: Decimal("2000.00"),
    PenaltyKind.CONSUMER_COMPLAINT: Decimal("200.00"),
    PenaltyKind.JUDICIAL_REQUISITION: Decimal("200.00"),
    PenaltyKind.ABUSIVE_TICKET: Decimal("100.00"),
}
TYPED_AMOUNT_PENALTIES = frozenset({PenaltyKind.OPERATOR_SURCHARGE})


class PenaltyStatus(models.TextChoices):
    POSTED = "posted", _("Posted to billing")
    CANCELLED = "cancelled", _("Cancelled")


PENALTY_TRANSITIONS: dict[str, set[str]] = {
    PenaltyStatus.POSTED: {PenaltyStatus.CANCELLED},
    PenaltyStatus.CANCELLED: set(),
}


class QualityMetric(models.TextChoices):
    """USE-6 (PLATFORM 26)."""

    ASR = "asr", _("Answer-seizure ratio (ASR)")
    ACD = "acd", _("Average call duration (ACD)")
    SHORT = "short", _("Short calls")
