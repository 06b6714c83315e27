"""The staff console's own rows: who took which queue item."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Assignment(models.Model):
    """A queue item taken by a member of staff ("assign to me"). The item lives in its own app;
    the row is keyed by the queue's key and the item's pk (``kernel.queues``), so any app's
    queue can be assigned without a foreign key to it. One assignee per item."""

    queue_key = models.CharField(_("queue"), max_length=60)
    item_pk = models.CharField(_("item"), max_length=40)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        on_delete=models.CASCADE,
        related_name="console_assignments",
    )
    created_at = models.DateTimeField(_("assigned at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["queue_key", "item_pk"]
        verbose_name = _("queue assignment")
        verbose_name_plural = _("queue assignments")
        constraints = [
            models.UniqueConstraint(fields=["queue_key", "item_pk"], name="one_assignee_per_item")
        ]

    def __str__(self):
        return f"{self.queue_key}#{self.item_pk} → {self.assignee}"
