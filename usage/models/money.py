"""The money side of usage (usurf): consumption alerts, platform limits (USE-5), traffic quality
(USE-6), staff penalties (USE-7), prepaid consumption debits (USE-8) and the credit notes of
breaches waived after invoicing (USE-4)."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Client, TimeStampedModel, User
from kernel.money import money
from kernel.templatetags.hours import hour_slot
from usage.money_choices import LimitKind, PenaltyKind, PenaltyStatus

MONEY = {"max_digits": 12, "decimal_places": 2}
COST = {"max_digits": 12, "decimal_places": 4}


class ConsumptionThreshold(TimeStampedModel):
    """The monthly consumption threshold a customer sets (€ HT): alerts at 50, 80 and 100 %;
    at 100 %, outgoing calls may be blocked (``block_outgoing``)."""

    client = models.OneToOneField(
        Client, on_delete=models.CASCADE, related_name="usage_threshold", verbose_name=_("customer")
    )
    amount = models.DecimalField(
        _("monthly threshold (€ excl. VAT)"),
        validators=[MinValueValidator(Decimal("1.00"))],
        **MONEY,
    )
    block_outgoing = models.BooleanField(_("block outgoing calls at 100%"), default=False)
    updated_by = models.ForeignKey(
        User,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("consumption threshold")
        verbose_name_plural = _("consumption thresholds")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="threshold_positive")]

    def __str__(self):
        return f"{self.client} — {money(self.amount)}"


class ConsumptionAlert(models.Model):
    """One alert level reached in one month (sent once: e-mail, dashboard, webhook)."""

    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="+", verbose_name=_("customer")
    )
    month = models.DateField(_("month"))
    level = models.PositiveSmallIntegerField(_("level (%)"))
    consumption = models.DecimalField(_("consumption (€ excl. VAT)"), **MONEY)
    threshold = models.DecimalField(_("threshold (€ excl. VAT)"), **MONEY)
    blocked = models.BooleanField(_("outgoing calls blocked"), default=False)
    created_at = models.DateTimeField(_("reached at"), auto_now_add=True)
    blocked_at = models.DateTimeField(
        _("outgoing calls blocked from"),
        null=True,
        blank=True,
        help_text=_(
            "When the block started: the level reached, or later when the customer asked for "
            "the block once the month was already past its threshold."
        ),
    )
    lifted_at = models.DateTimeField(
        _("block lifted at"),
        null=True,
        blank=True,
        help_text=_(
            "When the threshold was raised or removed or the block switched off, or else the "
            "end of its month."
        ),
    )

    class Meta:
        ordering = ["-month", "-level"]
        verbose_name = _("consumption alert")
        verbose_name_plural = _("consumption alerts")
        constraints = [
            # once per level, month and threshold: a threshold raised (or lowered) in the
            # month has its own 50, 80 and 100 %
            models.UniqueConstraint(
                fields=["client", "month", "level", "threshold"],
                name="one_alert_per_level_month_threshold",
            )
        ]

    def __str__(self):
        return f"{self.client} {self.month:%Y-%m} {self.level} %"


class LimitBreach(models.Model):
    """USE-5: an hour (UTC) in which a customer went over its limit of simultaneous calls or of
    call attempts per second; ``peak`` is the highest value seen in that hour."""

    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="+", verbose_name=_("customer")
    )
    kind = models.CharField(_("limit"), max_length=12, choices=LimitKind)
    hour = models.DateTimeField(_("hour (UTC)"))
    month = models.DateField(_("month"))
    peak = models.PositiveIntegerField(_("peak"))
    limit = models.PositiveIntegerField(_("limit"))
    peak_at = models.DateTimeField(_("peak at"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-hour", "kind"]
        verbose_name = _("limit breach")
        verbose_name_plural = _("limit breaches")
        constraints = [
            models.UniqueConstraint(fields=["client", "kind", "hour"], name="one_limit_breach_hour")
        ]
        indexes = [models.Index(fields=["client", "month"], name="usage_limit_client_month")]

    def __str__(self):
        return f"{self.client} — {hour_slot(self.hour)} — {self.get_kind_display()}"


# USE-6: what an hour of traffic quality measures and costs (rewritten at each computation).
QUALITY_MEASURES = [
    "month",
    "attempts",
    "answered",
    "answered_seconds",
    "short_calls",
    "asr_penalty",
    "acd_penalty",
    "short_penalty",
]


class QualityHour(models.Model):
    """USE-6: one customer's outbound traffic in one UTC hour, its ASR, ACD and short-call
    rate, and the penalty of each breached metric (0.02 € per call concerned)."""

    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="+", verbose_name=_("customer")
    )
    hour = models.DateTimeField(_("hour (UTC)"))
    month = models.DateField(_("month"), help_text=_("The Paris month of the hour."))
    attempts = models.PositiveIntegerField(_("attempts"))
    answered = models.PositiveIntegerField(_("answered"))
    answered_seconds = models.PositiveBigIntegerField(_("answered seconds"))
    short_calls = models.PositiveIntegerField(_("short calls"))
    asr_penalty = models.DecimalField(_("ASR penalty"), default=0, **MONEY)
    acd_penalty = models.DecimalField(_("ACD penalty"), default=0, **MONEY)
    short_penalty = models.DecimalField(_("short-call penalty"), default=0, **MONEY)

    class Meta:
        ordering = ["-hour"]
        verbose_name = _("traffic quality hour")
        verbose_name_plural = _("traffic quality hours")
        constraints = [
            models.UniqueConstraint(fields=["client", "hour"], name="one_quality_row_per_hour")
        ]
        indexes = [models.Index(fields=["client", "month"], name="usage_quality_client_month")]

    def __str__(self):
        return f"{self.client} — {hour_slot(self.hour)}"  # Paris time, as the pages

    @property
    def asr(self) -> Decimal | None:
        return Decimal(self.answered * 100) / self.attempts if self.attempts else None

    @property
    def acd(self) -> Decimal | None:
        return Decimal(self.answered_seconds) / self.answered if self.answered else None

    @property
    def short_rate(self) -> Decimal | None:
        return Decimal(self.short_calls * 100) / self.answered if self.answered else None

    @property
    def penalty(self) -> Decimal:
        return self.asr_penalty + self.acd_penalty + self.short_penalty


def evidence_path(instance, filename):
    return f"usage/penalties/{instance.client_id}/{filename}"


class Penalty(TimeStampedModel):
    """USE-7 (PLATFORM 27): a penalty entered by staff with its evidence; its amount is
    ``quantity`` × the unit amount of its kind. Posted to billing as a charge outside the
    scope of VAT (damages, not a supply); cancelling it before it is invoiced withdraws the
    charge."""

    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    contract = models.ForeignKey(
        "offers.Contract",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contract"),
    )
    kind = models.CharField(_("penalty"), max_length=24, choices=PenaltyKind)
    occurred_on = models.DateField(_("noted on"))
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    unit_amount = models.DecimalField(_("unit amount (€, outside the scope of VAT)"), **MONEY)
    amount = models.DecimalField(_("amount"), **MONEY)
    evidence = models.FileField(_("evidence"), upload_to=evidence_path, blank=True)
    evidence_note = models.TextField(_("evidence"), max_length=2000)
    status = models.CharField(
        _("status"), max_length=10, choices=PenaltyStatus, default=PenaltyStatus.POSTED
    )
    created_by = models.ForeignKey(
        User,
        verbose_name=_("entered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-occurred_on", "-id"]
        verbose_name = _("penalty")
        verbose_name_plural = _("penalties")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="penalty_positive"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.client}"


class PrepaidUsageDebit(models.Model):
    """USE-8: consumption of a prepaid customer debited from its ledger, one row per rating pass
    (a chunk of an import batch, a re-rating) and month that rated more: ``net`` € HT is what
    this debit covers; the ledger entry holds it with VAT. The month's debits sum to the
    month's billable consumption."""

    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="+", verbose_name=_("customer")
    )
    month = models.DateField(_("month"))
    source = models.CharField(_("source"), max_length=40)
    net = models.DecimalField(_("net (€ excl. VAT)"), **COST)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("prepaid consumption debit")
        verbose_name_plural = _("prepaid consumption debits")
        constraints = [
            models.UniqueConstraint(
                fields=["client", "month", "source"], name="one_prepaid_debit_per_source"
            )
        ]

    def __str__(self):
        return f"{self.client} {self.month:%Y-%m} {self.net}"


class BreachCredit(models.Model):
    """USE-4 / BIL-9: a fair-use breach waived after its amounts were invoiced becomes a credit
    note per invoice that carried them (a late record's part billed by a later run has its
    own); this row ties the breach to one of them, for one consumption line of the month (a
    note crediting two lines has two rows)."""

    breach = models.ForeignKey(
        "usage.FairUseBreach",
        verbose_name=_("fair-use breach"),
        on_delete=models.PROTECT,
        related_name="credits",
    )
    credit_note = models.ForeignKey(
        "billing.Invoice", on_delete=models.PROTECT, related_name="+", verbose_name=_("credit note")
    )
    amount = models.DecimalField(_("amount (€ excl. VAT)"), **MONEY)
    line_key = models.CharField(
        _("consumption line"),
        max_length=120,
        blank=True,
        help_text=_("The month's consumption line credited (what a later run bills is measured "
                    "against what was invoiced less this)."),
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("breach credit note")
        verbose_name_plural = _("breach credit notes")

    def __str__(self):
        return f"{self.breach}: {self.credit_note}"


class RerateCredit(models.Model):
    """BIL-1 / BIL-9: a month's consumption line invoiced beyond what it bills after a late
    record lowered it (an earlier call that moved SIP-UNL's 99 slots), credited by the next run
    on the invoice that carried it; likewise a traffic-quality penalty (USE-6) its hour no longer
    gives (``line_key``: the penalty's key, ``usage.services.quality``)."""

    client = models.ForeignKey(
        Client, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("month"))
    line_key = models.CharField(_("consumption line"), max_length=120)
    credit_note = models.ForeignKey(
        "billing.Invoice", on_delete=models.PROTECT, related_name="+", verbose_name=_("credit note")
    )
    amount = models.DecimalField(_("amount (€ excl. VAT)"), **MONEY)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("re-rating credit note")
        verbose_name_plural = _("re-rating credit notes")

    def __str__(self):
        return f"{self.line_key}: {self.credit_note}"


class UsageDay(models.Model):
    """The consumption page's roll-up: one customer's calls of one Paris day per account,
    plan and destination class (written after each rating pass, ``usage.services.rollup``), so
    that a month of 100 000 calls is read as a few hundred rows. ``max_slot`` is the highest
    distinct-number rank of the group (USE-3/USE-4 counters)."""

    # no index of its own: (client, month) below serves it, and each import writes many rows
    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    month = models.DateField()
    day = models.DateField()
    sip_account_id = models.BigIntegerField(null=True)
    trunk_id = models.BigIntegerField(null=True)
    plan = models.CharField(max_length=10, blank=True)
    country = models.CharField(max_length=2, blank=True)
    line_type = models.CharField(max_length=12, blank=True)
    price_class = models.CharField(max_length=12, blank=True)
    trial = models.BooleanField(default=False)
    calls = models.PositiveIntegerField(default=0)
    answered = models.PositiveIntegerField(default=0)
    seconds = models.PositiveBigIntegerField(default=0)
    cost = models.DecimalField(default=0, max_digits=16, decimal_places=4)
    list_cost = models.DecimalField(default=0, max_digits=16, decimal_places=4)
    max_slot = models.PositiveIntegerField(null=True)

    class Meta:
        verbose_name = _("daily consumption")
        verbose_name_plural = _("daily consumption")
        indexes = [models.Index(fields=["client", "month"], name="usage_day_client_month")]

    def __str__(self):
        return f"{self.client_id} {self.day}"


class InvoiceAnnex(models.Model):
    """BIL-3: the call-detail annex of an invoice as it stood when the invoice was issued — the
    calls it billed and their costs then (``selectors.annex_calls``), gzipped JSON rows of
    ``selectors.ANNEX_FIELDS``. An issued invoice never changes, nor does its annex: a waiver or
    a late record that re-rates those calls afterwards is billed or credited by other documents.
    Traffic data: purged with its oldest call (PLATFORM 6.7, ``retention``)."""

    invoice = models.OneToOneField(
        "billing.Invoice",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("invoice"),
    )
    calls = models.PositiveIntegerField(_("calls"))
    oldest = models.DateTimeField(_("oldest call"))
    rows = models.BinaryField(_("rows"))
    calls_until = models.BigIntegerField(
        _("calls priced up to"),
        null=True,
        blank=True,
        help_text=_(
            "The last call priced by the consumption postings this invoice carried "
            "(ConsumptionCutoff); empty for an annex stored before cut-offs were kept."
        ),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("invoice call annex")
        verbose_name_plural = _("invoice call annexes")

    def __str__(self):
        return f"{self.invoice_id}: {self.calls}"


class ConsumptionCutoff(models.Model):
    """BIL-1 / BIL-3: a posting of consumption (the run's preparing step,
    ``services.billing.post_consumption``) and the calls it priced — those stored up to
    ``last_call`` (call ids come from one sequence; the posting takes them while no rating pass
    is writing, ``rating.keys_lock``). A call stored after it is a late record of its month
    (``late``) even before the month's invoice is issued, and its line comes from a later
    posting; the annex of an invoice lists the calls of the postings its consumption lines come
    from (``charges``), not those stored until the invoice was issued."""

    month = models.DateField(_("run month"))
    last_call = models.BigIntegerField(_("last call priced"))
    charges = models.ManyToManyField(
        "billing.PendingCharge", related_name="+", verbose_name=_("charges posted")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("consumption cut-off")
        verbose_name_plural = _("consumption cut-offs")

    def __str__(self):
        return f"{self.month:%Y-%m} ≤ {self.last_call}"
