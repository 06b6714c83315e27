"""USE-4: a hosted user's month whose unlimited is lost (a fair-use breach)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Client, TimeStampedModel, User
from telephony.models import SipAccount
from usage.choices import BreachReason, BreachStatus, RatingPlan


class FairUseBreach(TimeStampedModel):
    """USE-4: the unlimited of one SIP account ("user") is lost for one Paris calendar month:
    every call of that month is billed at the tariff, per minute. Recorded once per account and
    month with every reason found (``reasons``: [{"code", "value", "limit"}]). Staff can waive
    it (audited): the month is then re-rated as included."""

    client = models.ForeignKey(
        Client, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    sip_account = models.ForeignKey(
        SipAccount,
        verbose_name=_("SIP account"),
        on_delete=models.PROTECT,
        related_name="fair_use_breaches",
    )
    month = models.DateField(_("month"), help_text=_("First day of the Paris calendar month."))
    plan = models.CharField(_("plan"), max_length=10, choices=RatingPlan)
    reasons = models.JSONField(_("reasons"), default=list)
    status = models.CharField(
        _("status"), max_length=10, choices=BreachStatus, default=BreachStatus.OPEN
    )
    detected_at = models.DateTimeField(_("detected at"))
    notified_at = models.DateTimeField(_("customer notified at"), null=True, blank=True)
    waived_at = models.DateTimeField(_("waived at"), null=True, blank=True)
    waived_by = models.ForeignKey(
        User,
        verbose_name=_("waived by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    waiver_note = models.CharField(_("waiver reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["-month", "-detected_at"]
        verbose_name = _("fair-use breach")
        verbose_name_plural = _("fair-use breaches")
        constraints = [
            models.UniqueConstraint(fields=["sip_account", "month"], name="one_breach_per_month"),
            models.CheckConstraint(
                condition=Q(status="open") | Q(waived_at__isnull=False),
                name="breach_waiver_has_date",
            ),
        ]

    def __str__(self):
        return f"{self.sip_account} {self.month:%Y-%m}"

    @property
    def reason_lines(self) -> list[str]:
        """The reasons in words, with the measure against its limit: "More than 150 distinct
        numbers (151 / 150)"."""
        lines = []
        for reason in self.reasons:
            code = reason.get("code")
            label = str(BreachReason(code).label) if code in BreachReason.values else str(code)
            if reason.get("limit") is not None:
                label += f" ({reason.get('value')} / {reason['limit']})"
            lines.append(label)
        return lines
