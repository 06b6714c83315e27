"""The transactional outbox (SPEC §9, webhooks): one row per business event, written in the
transaction of the change it announces, so an event exists if and only if its change was
committed."""

import secrets
import time

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_event_id() -> str:
    """``evt_`` + 12 hex digits of milliseconds + 16 random hex digits: unique, sortable by time,
    the ``webhook-id`` a partner de-duplicates on."""
    return f"evt_{int(time.time() * 1000):012x}{secrets.token_hex(8)}"


class OutboxEvent(models.Model):
    id = models.CharField(
        _("id"), primary_key=True, max_length=40, default=new_event_id, editable=False
    )
    type = models.CharField(_("event type"), max_length=80, db_index=True)
    # The partner the event belongs to: an id, since the kernel knows no party (accounts is above).
    partner_id = models.PositiveBigIntegerField(_("partner"), db_index=True)
    data = models.JSONField(_("data"), encoder=DjangoJSONEncoder)
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now, db_index=True)
    # Set once the event's deliveries exist (one per subscribed endpoint).
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            models.Index(
                fields=["occurred_at"],
                condition=Q(dispatched_at__isnull=True),
                name="outbox_undispatched",
            )
        ]

    def __str__(self):
        return f"{self.type} {self.id}"

    def payload(self) -> dict:
        """The body sent to partners (Standard Webhooks' recommended shape)."""
        return {"type": self.type, "timestamp": self.occurred_at.isoformat(), "data": self.data}


class OutgoingMail(models.Model):
    """An e-mail the mail server refused or could not be reached for (``kernel.mail.deliver``):
    kept, with its error, and sent again by the periodic ``kernel.tasks.mail_retry`` until it
    leaves or its tries run out — a reminder or a notice is never lost to a mail server down.
    A notice is also kept, ``attempts`` 0, from its change's transaction until it is sent after
    the commit (``kernel.mail.keep_and_send``), so that a process stopped in between loses it
    neither."""

    subject = models.TextField(_("subject"))
    body = models.TextField(_("message"))
    to = models.JSONField(_("recipients"))
    # ACC-3: the brand the recipient reads (its partner's name); empty: DEFAULT_FROM_EMAIL
    from_email = models.CharField(_("sender"), max_length=254, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=1)
    next_try_at = models.DateTimeField(_("next try at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("e-mail waiting to be sent")
        verbose_name_plural = _("e-mails waiting to be sent")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["next_try_at"],
                condition=Q(sent_at__isnull=True, next_try_at__isnull=False),
                name="outgoing_mail_due",
            )
        ]

    def __str__(self):
        return self.subject
