"""CON-8: suspensions — what every suspension shares (``SuspensionRecord``, a contract's, a SIP
account's) and a contract's own (``Suspension``).

Kept out of ``offers.models`` (which re-exports them) so that neither module passes the size
limit; the contract is named by its label, so this module imports nothing of ``offers`` but its
choices.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import TimeStampedModel, User
from offers.choices import SuspensionReason


def who(model, label):
    """Who did it (a user or an API key): kept as an empty link when they are deleted."""
    return models.ForeignKey(
        model,
        verbose_name=label,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )


class SuspensionRecord(TimeStampedModel):
    """CON-8: what every suspension shares (a contract's, a SIP account's): its reason, who
    suspended and when, who lifted it and when. At most one is open per suspended object (each
    concrete model states that constraint on its own foreign key)."""

    reason = models.CharField(_("reason"), max_length=20, choices=SuspensionReason)
    note = models.CharField(_("note"), max_length=300, blank=True)
    started_at = models.DateTimeField(_("suspended at"))
    started_by = who(User, _("started by"))
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = who(User, _("lifted by"))

    class Meta:
        abstract = True
        ordering = ["-started_at"]

    @staticmethod
    def one_open_per(field: str, name: str) -> models.UniqueConstraint:
        """The database refuses a second open suspension of the same object."""
        return models.UniqueConstraint(
            fields=[field], condition=Q(lifted_at__isnull=True), name=name
        )

    @property
    def is_open(self) -> bool:
        return self.lifted_at is None

    def lift(self, *, at, by=None) -> None:
        """Close the suspension (the caller holds the row's lock and saves nothing else)."""
        self.lifted_at = at
        self.lifted_by = by
        self.save(update_fields=["lifted_at", "lifted_by", "updated_at"])


class Suspension(SuspensionRecord):
    """CON-8: a contract's suspension, with its reason; lifted in one action; still billed."""

    contract = models.ForeignKey(
        "offers.Contract",
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        related_name="suspensions",
    )

    class Meta(SuspensionRecord.Meta):
        verbose_name = _("suspension")
        verbose_name_plural = _("suspensions")
        constraints = [
            SuspensionRecord.one_open_per("contract", "one_open_suspension_per_contract")
        ]

    def __str__(self):
        return f"{self.contract.reference} ({self.get_reason_display()})"
