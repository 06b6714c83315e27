"""SPEC §9, webhooks: partners' webhook endpoints, their signing secrets, and one delivery per
event and endpoint with a log of every attempt."""

import base64
import secrets

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Partner
from kernel.models import OutboxEvent
from webhooks import transport
from webhooks.choices import DeliveryStatus


class WebhookEndpoint(models.Model):
    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="+"
    )
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    # Event types delivered to this endpoint; empty means every type of the catalogue.
    event_types = models.JSONField(_("event types"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    disabled_reason = models.CharField(_("why disabled"), max_length=300, blank=True)
    # Start of the current run of failed attempts (cleared by a success): the "sustained
    # failure" of SPEC §9.
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["partner", "pk"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self):
        return self.url

    def wants(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types


class EndpointSecret(models.Model):
    """A signing secret (``whsec_`` + 32 random bytes, Standard Webhooks). While two are live after
    a rotation, every message carries both signatures."""

    endpoint = models.ForeignKey(
        WebhookEndpoint,
        verbose_name=_("endpoint"),
        on_delete=models.CASCADE,
        related_name="secrets",
    )
    secret = models.CharField(_("secret"), max_length=80, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)

    class Meta:
        ordering = ["endpoint", "-created_at"]
        verbose_name = _("signing secret")
        verbose_name_plural = _("signing secrets")

    def __str__(self):
        return f"{self.secret[:10]}…"

    @staticmethod
    def generate() -> str:
        return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()

    @classmethod
    def live(cls, now=None):
        now = now or timezone.now()
        return cls.objects.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))


class Delivery(models.Model):
    event = models.ForeignKey(
        OutboxEvent, verbose_name=_("event"), on_delete=models.CASCADE, related_name="+"
    )
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        verbose_name=_("endpoint"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=DeliveryStatus, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # A worker holds the delivery while it calls the endpoint; a killed worker's lease expires.
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="one_delivery_per_endpoint")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="webhook_delivery_due",
            )
        ]

    def __str__(self):
        return f"{self.event_id} → {self.endpoint_id}"


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(
        Delivery, verbose_name=_("delivery"), on_delete=models.CASCADE, related_name="log"
    )
    attempted_at = models.DateTimeField(_("attempted at"), default=timezone.now)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    latency_ms = models.PositiveIntegerField(_("latency (ms)"), default=0)
    response_excerpt = models.CharField(_("response excerpt"), max_length=500, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    manual = models.BooleanField(_("manual"), default=False)

    class Meta:
        ordering = ["delivery", "attempted_at", "pk"]
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")

    def __str__(self):
        # Paris time, as the row beside it (the stored time is UTC).
        when = timezone.localtime(self.attempted_at)
        error = transport.error_in_language(self.error)  # the reader's language (ACC-3)
        return f"{when:%d/%m/%Y %H:%M:%S} — {self.status_code or error}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
