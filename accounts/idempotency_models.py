"""ACC-3: the first response to a partner's POST sent with an ``Idempotency-Key``. Kept out of
``accounts.models`` (which re-exports it) so that neither module passes the size limit; the
partner and the key are named by their labels."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IdempotencyRecord(models.Model):
    """The first response to a partner's POST sent with an ``Idempotency-Key`` header: a retry
    with the same key gets it back instead of doing the work twice (``accounts.api.idempotency``).

    Unique per (partner, key): two requests racing with one key serialise on that index, and the
    second replays the first's response once it commits. The method, path and a hash of the body
    are kept so that a key reused for another request is refused (422).
    """

    partner = models.ForeignKey(
        "accounts.Partner", verbose_name=_("partner"), on_delete=models.CASCADE, related_name="+"
    )
    api_key = models.ForeignKey(
        "accounts.ApiKey",
        verbose_name=_("api key"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    key = models.CharField(_("key"), max_length=255)
    method = models.CharField(_("method"), max_length=10)
    path = models.CharField(_("path"), max_length=255)
    request_hash = models.CharField(_("request hash"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status code"))
    response_body = models.JSONField(_("response body"), default=dict)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["partner", "key"], name="one_response_per_key"),
        ]

    def __str__(self):
        return f"{self.partner_id}:{self.key} {self.method} {self.path} → {self.status_code}"
