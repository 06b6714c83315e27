"""Tickets and their messages (SLA-1, SLA-3, SLA-4), outages (SLA-5) and monthly availability
reports with their credit (SLA-6..10). Every write goes through ``support.services``."""

import os
import secrets
from datetime import datetime
from decimal import ROUND_DOWN, Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiKey, Client, TimeStampedModel, User
from billing.models import Invoice
from kernel.money import money
from kernel.stored_texts import in_language
from offers.choices import SlaPolicy
from offers.models import Contract, Offer
from support.choices import (
    OPEN_STATUSES,
    SLA_NOT_APPLICABLE,
    ExcuseReason,
    OutageScope,
    ReportStatus,
    TicketKind,
    TicketSource,
    TicketStatus,
)

MONEY = {"max_digits": 14, "decimal_places": 2}
BASE = {"max_digits": 14, "decimal_places": 4}


class Ticket(TimeStampedModel):
    """SLA-1: a question or a failure notification of a customer, with its number, status and
    times. For a failure notification (an incident, SLA-3) the ticket carries the intervention
    deadline and the restoration target (SLA-4), computed at opening from the contract's terms."""

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    client = models.ForeignKey(
        Client, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="tickets"
    )
    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=TicketKind)
    subject = models.CharField(_("subject"), max_length=200)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=TicketStatus,
        default=TicketStatus.NEW,
        db_index=True,
    )
    source = models.CharField(_("opened from"), max_length=10, choices=TicketSource)
    opened_by = models.ForeignKey(
        User,
        verbose_name=_("opened by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    opened_by_api_key = models.ForeignKey(
        ApiKey,
        verbose_name=_("opened by api key"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reported_at = models.DateTimeField(_("reported at"))
    detected_at = models.DateTimeField(
        _("failure detected at"),
        null=True,
        blank=True,
        help_text=_("HOSTED-W counts its restoration target from detection (SLA-4)."),
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    intervention_started_at = models.DateTimeField(_("work started at"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first answer at"), null=True, blank=True)
    intervention_deadline = models.DateTimeField(
        _("intervention deadline"), null=True, blank=True, db_index=True
    )
    restoration_target = models.DateTimeField(_("restoration target"), null=True, blank=True)
    restored_at = models.DateTimeField(_("service restored at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    customer_caused = models.BooleanField(
        _("caused by the customer"),
        default=False,
        help_text=_("SLA-11: the abusive-ticket penalty was charged."),
    )

    class Meta:
        ordering = ["-reported_at", "-id"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=TicketKind.QUESTION) | Q(contract__isnull=False),
                name="failure_notification_has_contract",
            ),
        ]
        indexes = [
            models.Index(fields=["client", "status"]),
            # The partner API's list order (kernel.sql_lists pages on it: issue 13).
            models.Index(fields=["-reported_at", "-id"], name="ticket_newest"),
        ]

    def __str__(self):
        return f"{self.number} — {self.subject}"

    def clean(self):
        if self.contract_id and self.client_id and self.contract.client_id != self.client_id:
            raise ValidationError({"contract": _("This contract belongs to another customer.")})

    @property
    def is_incident(self) -> bool:
        return self.kind == TicketKind.FAILURE

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def _met(self, deadline: datetime | None, done: datetime | None) -> bool | None:
        """True/False once known, None while the deadline is still ahead (or there is none).
        A ticket closed before the deadline without the step (withdrawn, a duplicate) stopped
        the clock: None for good, never a miss (SLA-3, SLA-4)."""
        if deadline is None:
            return None
        if done is not None:
            return done <= deadline
        if self.closed_at is not None and self.closed_at <= deadline:
            return None
        return False if timezone.now() > deadline else None

    @property
    def intervention_met(self) -> bool | None:
        """SLA-3: work started within the 4 business hours."""
        return self._met(self.intervention_deadline, self.intervention_started_at)

    @property
    def restoration_met(self) -> bool | None:
        """SLA-4: service restored by the target (reported, no penalty)."""
        return self._met(self.restoration_target, self.restored_at)

    @property
    def is_overdue(self) -> bool:
        return self.intervention_met is False and self.intervention_started_at is None


class TicketEvent(models.Model):
    """One row per status change of a ticket (its history)."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="events"
    )
    from_status = models.CharField(
        _("from status"), max_length=20, choices=TicketStatus, blank=True
    )
    to_status = models.CharField(_("to status"), max_length=20, choices=TicketStatus)
    note = models.CharField(_("note"), max_length=300, blank=True)
    actor = models.ForeignKey(
        User,
        verbose_name=_("actor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    api_key = models.ForeignKey(
        ApiKey,
        verbose_name=_("api key"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        ordering = ["ticket", "created_at", "id"]

    def __str__(self):
        # the statuses' names in the page's language, not their stored codes
        moves = [self.get_from_status_display(), self.get_to_status_display()]
        return f"{self.ticket.number} — {' → '.join(str(name) for name in moves if name)}"


class TicketMessage(models.Model):
    """A message of a ticket, from the customer (a user or the partner's API key) or from staff.
    Staff internal notes are never shown to the customer or the partner."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(
        User,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    api_key = models.ForeignKey(
        ApiKey,
        verbose_name=_("api key"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    from_staff = models.BooleanField(_("from support staff"), default=False)
    internal = models.BooleanField(
        _("internal note"), default=False, help_text=_("Seen by staff only.")
    )
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["ticket", "created_at", "id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [
            models.CheckConstraint(
                condition=Q(internal=False) | Q(from_staff=True),
                name="internal_notes_are_staff",
            ),
        ]

    def __str__(self):
        return f"{self.ticket.number} #{self.pk}"


def attachment_path(instance, filename: str) -> str:
    """A random stored name under ``support/<year>/``: the customer's file name is kept in
    ``original_name`` only, never used as a path."""
    extension = os.path.splitext(filename)[1].lower()
    return f"support/{timezone.now():%Y}/{secrets.token_hex(16)}{extension}"


class Attachment(models.Model):
    """A file of a message (size and type checked by ``services.attachment_check``), served
    only through a scoped view or endpoint (``selectors.attachment_get``)."""

    message = models.ForeignKey(
        TicketMessage,
        verbose_name=_("message"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(_("file"), upload_to=attachment_path)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["message", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.original_name


class Outage(TimeStampedModel):
    """SLA-5: a period of unavailability recorded by staff, affecting the contracts listed or
    every contract of an offer; ongoing while it has no end. Excusable outages never count in
    the availability (SLA-6)."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(
        _("description"), blank=True, help_text=_("Shown to the affected customers.")
    )
    internal_note = models.TextField(_("internal note"), blank=True, help_text=_("Staff only."))
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(
        _("ended at"), null=True, blank=True, help_text=_("Empty while it is ongoing.")
    )
    excusable = models.BooleanField(_("excusable"), default=False)
    excuse_reason = models.CharField(_("excuse"), max_length=30, choices=ExcuseReason, blank=True)
    scope = models.CharField(
        _("affects"), max_length=10, choices=OutageScope, default=OutageScope.CONTRACTS
    )
    offer = models.ForeignKey(
        Offer,
        verbose_name=_("offer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outages",
    )
    contracts = models.ManyToManyField(
        Contract, verbose_name=_("contracts"), blank=True, related_name="outages"
    )
    created_by = models.ForeignKey(
        User,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("outage")
        verbose_name_plural = _("outages")
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gt=models.F("started_at")),
                name="outage_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(excusable=False, excuse_reason="")
                | Q(excusable=True) & ~Q(excuse_reason=""),
                name="outage_excuse_iff_excusable",
            ),
            models.CheckConstraint(
                condition=~Q(scope=OutageScope.OFFER) | Q(offer__isnull=False),
                name="offer_outage_has_offer",
            ),
        ]
        # The partner API's list order (kernel.sql_lists pages on it: issue 13).
        indexes = [models.Index(fields=["-started_at", "-id"], name="outage_newest")]

    def __str__(self):
        return f"{self.title} ({timezone.localtime(self.started_at):%Y-%m-%d %H:%M})"

    @property
    def is_ongoing(self) -> bool:
        return self.ended_at is None

    @property
    def is_planned_maintenance(self) -> bool:
        return self.excuse_reason == ExcuseReason.PLANNED_MAINTENANCE


class OutageAnnouncement(models.Model):
    """SLA-5: the e-mail announcing an outage (a planned maintenance) to the affected customers.
    Append-only: a new announcement is a new row."""

    outage = models.ForeignKey(
        Outage, verbose_name=_("outage"), on_delete=models.CASCADE, related_name="announcements"
    )
    sent_at = models.DateTimeField(_("sent at"))
    message = models.TextField(_("message"), blank=True)
    recipients = models.PositiveIntegerField(_("customers told"), default=0)
    sent_by = models.ForeignKey(
        User,
        verbose_name=_("sent by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["outage", "sent_at"]
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")

    def __str__(self):
        return f"{self.outage.title}: {timezone.localtime(self.sent_at):%Y-%m-%d %H:%M}"


class AvailabilityReport(TimeStampedModel):
    """SLA-6..10: one contract's availability for one calendar month and the credit due.

    The unique (contract, month) is the final guard of the monthly job: a rerun updates the
    reports still ``computed`` and never touches a requested or decided one.
    """

    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        related_name="availability_reports",
    )
    month = models.DateField(_("month"), help_text=_("First day of the month."))
    policy = models.CharField(_("SLA policy"), max_length=10, choices=SlaPolicy)
    minutes_in_month = models.PositiveIntegerField(_("minutes in the month"))
    unavailable_seconds = models.PositiveIntegerField(_("unavailable time (s)"), default=0)
    unavailable_minutes = models.DecimalField(
        _("unavailable minutes"), max_digits=10, decimal_places=2, default=Decimal("0")
    )
    availability = models.DecimalField(
        _("availability %"),
        max_digits=9,
        decimal_places=6,
        help_text=_("Truncated for display; the tier was chosen on the exact value."),
    )
    credit_percent = models.DecimalField(
        _("credit %"), max_digits=5, decimal_places=2, default=Decimal("0")
    )
    base = models.DecimalField(_("base (€ excl. VAT)"), default=Decimal("0"), **BASE)
    base_detail = models.JSONField(_("base detail"), default=dict, blank=True)
    credit_amount = models.DecimalField(_("credit (€ excl. VAT)"), default=Decimal("0"), **MONEY)
    applicable = models.BooleanField(_("SLA applies"), default=True)
    not_applicable_reason = models.CharField(_("why not"), max_length=255, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ReportStatus,
        default=ReportStatus.COMPUTED,
        db_index=True,
    )
    computed_at = models.DateTimeField(_("computed at"))
    requested_at = models.DateTimeField(_("requested at"), null=True, blank=True)
    requested_by = models.ForeignKey(
        User,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    requested_by_api_key = models.ForeignKey(
        ApiKey,
        verbose_name=_("requested by api key"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        User,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    refusal_reason = models.CharField(_("refusal reason"), max_length=500, blank=True)
    approved_amount = models.DecimalField(
        _("approved (€ excl. VAT)"),
        null=True,
        blank=True,
        help_text=_("After the 20% cap over 30 days (SLA-8)."),
        **MONEY,
    )
    credit_note = models.ForeignKey(
        Invoice,
        verbose_name=_("credit note"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-month", "contract_id"]
        verbose_name = _("availability report")
        verbose_name_plural = _("availability reports")
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "month"], name="one_availability_report_per_month"
            ),
            models.CheckConstraint(
                condition=Q(credit_amount__gte=0), name="report_credit_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True) | Q(approved_amount__gte=0),
                name="report_approved_not_negative",
            ),
        ]
        # The partner API's list order (kernel.sql_lists pages on it: issue 13).
        indexes = [models.Index(fields=["-month", "-id"], name="availability_report_newest")]

    def __str__(self):
        return f"{self.contract.reference} {self.month:%Y-%m}"

    @property
    def not_applicable_text(self) -> str:
        """SLA-9: why the SLA does not apply, in the reader's language whatever language stored
        it (the monthly job's worker writes French; SPEC §9)."""
        return in_language(self.not_applicable_reason, (SLA_NOT_APPLICABLE,))

    @property
    def availability_display(self) -> Decimal:
        """SLA-6: shown with 3 decimals, truncated — 99.8495 % shows 99.849, never the 99.850
        that would look like the target was met."""
        return self.availability.quantize(Decimal("0.001"), rounding=ROUND_DOWN)

    @property
    def can_request(self) -> bool:
        """SLA-10: a credit is requested once, when there is one and the SLA applies."""
        return self.status == ReportStatus.COMPUTED and self.applicable and self.credit_amount > 0


class GoodwillCredit(models.Model):
    """SLA-12 (PLATFORM 15.3): compensation that staff grant beyond SLA credits, for one event
    (a ticket or an outage) and one service (a contract), issued as a credit note (BIL-9).
    Append-only. The credits of one event and service are capped, in total, at the
    subscriptions paid for that service in the 3 months before the event (``cap`` keeps the cap
    in force when it was granted)."""

    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        related_name="goodwill_credits",
    )
    ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("ticket"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="goodwill_credits",
    )
    outage = models.ForeignKey(
        Outage,
        verbose_name=_("outage"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="goodwill_credits",
    )
    event_date = models.DateField(_("event date"), help_text=_("Paris time."))
    amount = models.DecimalField(_("amount (€ excl. VAT)"), **MONEY)
    reason = models.CharField(_("reason"), max_length=255, help_text=_("Shown on the credit note."))
    cap = models.DecimalField(_("liability cap (€ excl. VAT)"), **MONEY)
    credit_note = models.ForeignKey(
        Invoice,
        verbose_name=_("credit note"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    granted_by = models.ForeignKey(
        User,
        verbose_name=_("granted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("goodwill credit")
        verbose_name_plural = _("goodwill credits")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="goodwill_amount_positive"),
            models.CheckConstraint(
                condition=Q(ticket__isnull=False, outage__isnull=True)
                | Q(ticket__isnull=True, outage__isnull=False),
                name="goodwill_one_event",
            ),
            models.CheckConstraint(
                condition=Q(amount__lte=models.F("cap")), name="goodwill_within_cap"
            ),
        ]
        indexes = [models.Index(fields=["contract", "ticket", "outage"])]

    def __str__(self):
        return f"{self.contract.reference} — {money(self.amount)}"

    @property
    def event(self) -> "Ticket | Outage":
        return self.ticket if self.ticket_id else self.outage
