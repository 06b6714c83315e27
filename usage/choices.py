"""Closed lists of the usage app: call records (USE-1), imports, fair-use breaches (USE-4)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CallType(models.TextChoices):
    """The CDR's call type (SPEC §4)."""

    OUTBOUND = "outbound", _("Outbound")
    INBOUND = "inbound", _("Inbound")
    FORWARDED = "forwarded", _("Forwarded")


class LineType(models.TextChoices):
    """USE-1: what a called number is. ``polyvalent`` (French 09, phonenumbers VOIP) counts as
    fixed for the plans; ``special`` is split further into price classes (``PriceClass``)."""

    FIXED = "fixed", _("Fixed")
    MOBILE = "mobile", _("Mobile")
    POLYVALENT = "polyvalent", _("Non-geographic (09)")
    SPECIAL = "special", _("Special rate")
    ON_NET = "on_net", _("On-net")
    EMERGENCY = "emergency", _("Emergency")
    OTHER = "other", _("Other")


class PriceClass(models.TextChoices):
    """USE-1: the price class of a destination; the 08 numbers (phonenumbers' TOLL_FREE,
    SHARED_COST, UAN, PREMIUM_RATE) each get their own."""

    STANDARD = "standard", _("Standard")
    TOLL_FREE = "toll_free", _("Toll free (080)")
    SHARED_COST = "shared_cost", _("Shared cost (081, 082, 084)")
    # phonenumbers' UAN in France: 0806-0809, priced as a geographic call (ARCEP 2012-0856)
    UAN = "uan", _("Price of a normal call (0806–0809)")
    # every number the numbering plan marks premium rate: France's 0836 and 085x–089x, the
    # directory enquiries 118 XYZ, the UK's 09, Belgium's 090x… — not only 089
    PREMIUM = "premium", _("Premium rate")
    SHORT = "short", _("Short number")


class ImportSource(models.TextChoices):
    UPLOAD = "upload", _("Back-office upload")
    INBOX = "inbox", _("Inbox folder")
    API = "api", _("Partner API")
    COMMAND = "command", _("Management command")


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


IMPORT_TRANSITIONS: dict[str, set[str]] = {
    ImportStatus.PENDING: {ImportStatus.RUNNING, ImportStatus.FAILED},
    # RUNNING → RUNNING: a worker resumes a batch whose previous worker died (acks_late).
    ImportStatus.RUNNING: {ImportStatus.RUNNING, ImportStatus.DONE, ImportStatus.FAILED},
    ImportStatus.DONE: set(),
    ImportStatus.FAILED: {ImportStatus.RUNNING},
}


class RatingPlan(models.TextChoices):
    """The plan policy a call was rated under (from the offer's terms, ``fair_use_policy``)."""

    NONE = "none", _("Tariff")
    SIP_UNL = "sip_unl", _("SIP unlimited")
    HOSTED_W = "hosted_w", _("Hosted unlimited (per user)")
    HOSTED_A = "hosted_a", _("Hosted unlimited (per site)")


class BreachReason(models.TextChoices):
    """USE-4: why a user's unlimited does not apply for a month."""

    DISTINCT_NUMBERS = "distinct_numbers", _("More than 150 distinct numbers")
    FORWARDING = "forwarding", _("Forwarded calls over 2 hours")
    SIMULTANEOUS = "simultaneous", _("More than 3 simultaneous calls")
    DEVICES = "devices", _("More than 3 devices registered at once")
    THIRD_PARTY_DEVICE = "third_party_device", _("A device not supplied by us")
    MOBILITY = "mobility", _("Mobility credentials")
    TELECOM_PROFESSIONAL = "telecom_professional", _("Telecom professional customer")


class BreachStatus(models.TextChoices):
    OPEN = "open", _("Open")
    WAIVED = "waived", _("Waived")


BREACH_TRANSITIONS: dict[str, set[str]] = {
    BreachStatus.OPEN: {BreachStatus.WAIVED},
    BreachStatus.WAIVED: set(),
}
