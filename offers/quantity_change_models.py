"""CON-2: the quantity changes of contract lines (users, SIP accounts, options…), one row each.

Kept out of ``offers.models`` (which re-exports it) so that neither module passes the size
limit; related models are named by their label, so this module imports nothing of ``offers``
but its choices.
"""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiKey, TimeStampedModel, User
from offers.choices import QuantityChangeKind, QuantityChangeStatus

PRICE = {"max_digits": 12, "decimal_places": 4}  # unit prices keep 4 decimals (SPEC, Money)
MONEY = {"max_digits": 12, "decimal_places": 2}
REFUSAL_REASON_MAX = 500


class LineQuantityChange(TimeStampedModel):
    """CON-2: one change of a contract line's quantity, the ledger the billing run reads.

    - **increase**: applied when it is made (``effective_on`` = that day, the line's quantity
      goes up at once); the added units owe ``prorata_amount`` = added × monthly unit price ×
      ``prorata_days`` / ``period_days`` for the rest of the calendar month (TRK-3), rounded
      once; and the line's unit setup price for each added unit, ``setup_amount`` (a user
      added is set up like the first ones). The month-end run invoices each once, as charges
      keyed by this row.
    - an increase of a PLATFORM line asked by the customer or its partner is ``requested``
      (28, 7.2.1: only on our acceptance): nothing changes and nothing is billed until staff
      accept it — then it is applied as above from that day (``effective_on``, pro rata and
      setup computed then) — or refuse it (``refused``, with the reason shown to the customer,
      ``refusal_reason``); ``decided_at`` is when they decided, either way.
    - **decrease**: ``pending`` until ``effective_on``, the contract's next period start (TRK-4),
      then ``applied`` by the renewal; cancellable until then. At most one pending per line.

    ``quantity_before`` / ``quantity_after`` are the line's quantity when the change was made
    and the quantity it asked for."""

    contract = models.ForeignKey(
        "offers.Contract",
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        related_name="quantity_changes",
    )
    line = models.ForeignKey(
        "offers.ContractLine",
        verbose_name=_("contract line"),
        on_delete=models.PROTECT,
        related_name="quantity_changes",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=QuantityChangeKind)
    status = models.CharField(
        _("status"), max_length=10, choices=QuantityChangeStatus, db_index=True
    )
    quantity_before = models.PositiveIntegerField(_("quantity before"))
    quantity_after = models.PositiveIntegerField(_("quantity asked"))
    units = models.PositiveIntegerField(_("units added or removed"))
    effective_on = models.DateField(_("effective on"))
    unit_monthly_price = models.DecimalField(_("unit monthly price (€ excl. VAT)"), **PRICE)
    prorata_days = models.PositiveSmallIntegerField(_("days charged"), default=0)
    period_days = models.PositiveSmallIntegerField(_("days in the month"), default=0)
    prorata_amount = models.DecimalField(_("pro rata (€ excl. VAT)"), default=Decimal("0"), **MONEY)
    setup_amount = models.DecimalField(
        _("setup fee of the added units (€ excl. VAT)"), default=Decimal("0"), **MONEY
    )
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
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        User,
        verbose_name=_("cancelled by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # PLATFORM 28 / 7.2.1: our staff's decision on an increase asked (accepted or refused)
    decided_at = models.DateTimeField(_("accepted or refused by us at"), null=True, blank=True)
    refusal_reason = models.CharField(
        _("reason for the refusal"), max_length=REFUSAL_REASON_MAX, blank=True
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("quantity change")
        verbose_name_plural = _("quantity changes")
        constraints = [
            models.CheckConstraint(
                condition=Q(units__gte=1)
                & Q(quantity_before__gte=1)
                & Q(quantity_after__gte=0)
                & Q(prorata_amount__gte=0)
                & Q(setup_amount__gte=0),
                name="quantity_change_positive",
            ),
            models.CheckConstraint(
                condition=Q(kind=QuantityChangeKind.DECREASE)
                | ~Q(status=QuantityChangeStatus.PENDING),
                name="quantity_change_only_decreases_pending",
            ),
            models.UniqueConstraint(
                fields=["line"],
                condition=Q(status=QuantityChangeStatus.PENDING),
                name="one_pending_quantity_decrease_per_line",
            ),
            # PLATFORM 28 / 7.2.1: an increase asked waits for our acceptance, one per line
            models.CheckConstraint(
                condition=Q(kind=QuantityChangeKind.INCREASE)
                | ~Q(status__in=[QuantityChangeStatus.REQUESTED, QuantityChangeStatus.REFUSED]),
                name="quantity_change_only_increases_requested",
            ),
            models.UniqueConstraint(
                fields=["line"],
                condition=Q(status=QuantityChangeStatus.REQUESTED),
                name="one_requested_quantity_increase_per_line",
            ),
        ]

    def __str__(self):
        sign = "+" if self.kind == QuantityChangeKind.INCREASE else "−"
        return f"{sign}{self.units} ({self.quantity_before} → {self.quantity_after})"

    @property
    def delta(self) -> int:
        """Units added (positive) or removed (negative)."""
        return self.units if self.kind == QuantityChangeKind.INCREASE else -self.units
