"""CON-6: price changes and their records — the change and its pipeline events, the contracts
told about it (and their answers), the contract lines it changed.

Kept out of ``offers.models`` (which re-exports them) so that neither module passes the size
limit; related models are named by their label, so this module imports nothing of ``offers``
but its choices.
"""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiKey, TimeStampedModel, User
from offers.choices import PriceChangeResponse, PriceChangeStatus, TerminationStatus

PRICE = {"max_digits": 12, "decimal_places": 4}  # unit prices keep 4 decimals (SPEC, Money)


class PriceChange(TimeStampedModel):
    """CON-6: a new monthly catalogue price of a product of an offer, from an effective date
    (the first day of a month: periods are calendar months, billed in advance).

    Pipeline ``scheduled → notified → applied | cancelled`` (``PRICE_CHANGE_TRANSITIONS``,
    one ``PriceChangeEvent`` per move). On its effective date it is applied once, to the lines
    at the old catalogue price of the contracts that were told (``PriceChangeNotice``) and did
    not refuse it; each line changed is a ``PriceChangeLine``."""

    offer = models.ForeignKey(
        "offers.Offer",
        verbose_name=_("offer"),
        on_delete=models.PROTECT,
        related_name="price_changes",
    )
    product = models.ForeignKey(
        "offers.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    old_monthly_price = models.DecimalField(
        _("old catalogue price (€ excl. VAT)"),
        help_text=_("The catalogue price when the change was scheduled: only lines at it change."),
        **PRICE,
    )
    new_monthly_price = models.DecimalField(_("new monthly price (€ excl. VAT)"), **PRICE)
    effective_date = models.DateField(_("effective date"))
    notice_days = models.PositiveSmallIntegerField(
        _("notice (days)"),
        default=0,
        help_text=_(
            "The notice the terms require: customers are told at least this many days "
            "before the effective date."
        ),
    )
    refusal_excluded = models.BooleanField(
        _("imposed by an authority"),
        default=False,
        help_text=_(
            "The increase results from a decision of an authority or an event beyond our "
            "control: HOSTED-A customers may not refuse it (HOSTED-A 6)."
        ),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PriceChangeStatus, default=PriceChangeStatus.SCHEDULED
    )
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    notified_at = models.DateTimeField(_("customers notified"), null=True, blank=True)
    notified_contracts = models.PositiveIntegerField(_("contracts notified"), default=0)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_by = models.ForeignKey(
        User,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-effective_date", "-id"]
        verbose_name = _("price change")
        verbose_name_plural = _("price changes")
        constraints = [
            models.CheckConstraint(
                condition=Q(new_monthly_price__gte=0) & Q(old_monthly_price__gte=0),
                name="price_change_not_negative",
            ),
            models.UniqueConstraint(
                fields=["offer", "product", "effective_date"],
                condition=Q(status__in=["scheduled", "notified"]),
                name="one_price_change_per_day",
            ),
        ]

    def __str__(self):
        return f"{self.product} → {self.new_monthly_price} ({self.effective_date})"

    @property
    def is_increase(self) -> bool:
        return Decimal(self.new_monthly_price) > Decimal(self.old_monthly_price)


class PriceChangeEvent(models.Model):
    """One row per move of a price change along its pipeline: who, when, from, to."""

    price_change = models.ForeignKey(
        PriceChange, verbose_name=_("price change"), on_delete=models.CASCADE, related_name="events"
    )
    from_status = models.CharField(
        _("from status"), max_length=10, choices=PriceChangeStatus, blank=True
    )
    to_status = models.CharField(_("to status"), max_length=10, choices=PriceChangeStatus)
    note = models.CharField(_("note"), max_length=200, blank=True)
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
        ordering = ["price_change", "created_at", "id"]
        verbose_name = _("price change event")
        verbose_name_plural = _("price change events")

    def __str__(self):
        # The statuses' names, as the page's language writes them (not the stored codes).
        before = self.get_from_status_display() if self.from_status else "—"
        return f"{self.price_change_id}: {before} → {self.get_to_status_display()}"


class PriceChangeNotice(TimeStampedModel):
    """CON-6: a contract told about a price change (the ``notified`` step), and the customer's
    answer: a HOSTED-A refusal or a PLATFORM objection, recorded as a termination without fee
    (reason: price increase refused). An answer stops counting when it is withdrawn (PLATFORM
    12.2: traffic after the effective date) or its termination is cancelled."""

    price_change = models.ForeignKey(
        PriceChange,
        verbose_name=_("price change"),
        on_delete=models.CASCADE,
        related_name="notices",
    )
    contract = models.ForeignKey(
        "offers.Contract",
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        related_name="price_change_notices",
    )
    notified_at = models.DateTimeField(_("notified at"))
    response = models.CharField(
        _("answer"), max_length=10, choices=PriceChangeResponse, default=PriceChangeResponse.NONE
    )
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    responded_by = models.ForeignKey(
        User,
        verbose_name=_("responded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    responded_by_api_key = models.ForeignKey(
        ApiKey,
        verbose_name=_("responded by api key"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    termination = models.ForeignKey(
        "offers.Termination",
        verbose_name=_("termination"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_note = models.CharField(_("why withdrawn"), max_length=200, blank=True)

    class Meta:
        ordering = ["price_change", "contract"]
        verbose_name = _("price change notice")
        verbose_name_plural = _("price change notices")
        constraints = [
            models.UniqueConstraint(
                fields=["price_change", "contract"], name="one_notice_per_contract_and_change"
            ),
        ]

    def __str__(self):
        return f"{self.price_change} — {self.contract_id}"

    @property
    def answer_counts(self) -> bool:
        """The contract keeps its old price: it refused or objected, did not withdraw, and its
        termination is still scheduled or effective."""
        return (
            self.response != PriceChangeResponse.NONE
            and self.withdrawn_at is None
            and self.termination is not None
            and self.termination.status
            in {TerminationStatus.SCHEDULED, TerminationStatus.EFFECTIVE}
        )


class PriceChangeLine(models.Model):
    """CON-6: one contract line a price change repriced (its price before and after). The
    unique pair is the final guard that a change is applied to a line once."""

    price_change = models.ForeignKey(
        PriceChange,
        verbose_name=_("price change"),
        on_delete=models.PROTECT,
        related_name="line_changes",
    )
    line = models.ForeignKey(
        "offers.ContractLine",
        verbose_name=_("line"),
        on_delete=models.PROTECT,
        related_name="price_changes_applied",
    )
    old_price = models.DecimalField(_("price before (€ excl. VAT)"), **PRICE)
    new_price = models.DecimalField(_("price after (€ excl. VAT)"), **PRICE)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["price_change", "line"]
        verbose_name = _("line repriced")
        verbose_name_plural = _("lines repriced")
        constraints = [
            models.UniqueConstraint(
                fields=["price_change", "line"], name="one_price_change_per_line"
            ),
        ]

    def __str__(self):
        return f"{self.line_id}: {self.old_price} → {self.new_price}"
