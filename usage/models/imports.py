"""CDR imports: one row per file or API batch, its progress and its report (rejected rows)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiKey, Partner, User
from usage.choices import ImportSource, ImportStatus


def import_path(instance, filename):
    return f"usage/imports/{filename}"


class ImportBatch(models.Model):
    """A CDR file (or API batch) and its report: read, imported, duplicates, rejected.

    Imported in chunks of lines, each in its own transaction which also records it: ``next_line``
    (every line before it is done) and ``done_ranges`` (the [first, next) lines of the chunks
    committed beyond it, when several run at once): a worker killed mid-file resumes with the
    lines not committed, and the (call id, start time) key makes a replayed chunk change
    nothing."""

    source = models.CharField(_("source"), max_length=10, choices=ImportSource)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus, default=ImportStatus.PENDING
    )
    file = models.FileField(_("file"), upload_to=import_path, blank=True)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, db_index=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    total_lines = models.PositiveIntegerField(_("lines"), default=0)
    next_line = models.PositiveIntegerField(
        _("next line"), default=2, help_text=_("First line not imported yet (1 = the header).")
    )
    done_ranges = models.JSONField(
        _("chunks done beyond the next line"),
        default=list,
        blank=True,
        help_text=_("[first, next) line ranges committed out of order (parallel chunks)."),
    )
    rows_read = models.PositiveIntegerField(_("read"), default=0)
    imported = models.PositiveIntegerField(_("imported"), default=0)
    duplicates = models.PositiveIntegerField(_("duplicates"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    rated = models.BooleanField(_("rated"), default=False)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    created_by = models.ForeignKey(
        User,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    api_key = models.ForeignKey(
        ApiKey,
        verbose_name=_("API key"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    partner = models.ForeignKey(
        Partner,
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cdr_imports",
        help_text=_("Set for a partner API batch: only its customers' accounts are accepted."),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("CDR import")
        verbose_name_plural = _("CDR imports")

    def __str__(self):
        return self.filename or f"#{self.pk}"

    @property
    def progress(self) -> int:
        """Per cent of the file's rows read (the chunks committed, in whatever order)."""
        if self.status == ImportStatus.DONE:
            return 100
        if not self.total_lines:
            return 0
        return min(100, int(100 * self.rows_read / max(1, self.total_lines - 1)))

    @property
    def lines_done(self) -> int:
        """The last line of the file done, as if the rows read were the first ones."""
        if self.status == ImportStatus.DONE:
            return self.total_lines
        return min(self.total_lines, self.rows_read + 1) if self.rows_read else 0


class ImportRejection(models.Model):
    """A rejected row of an import: its line number in the file, the reason, the raw text."""

    batch = models.ForeignKey(
        ImportBatch,
        verbose_name=_("CDR import"),
        on_delete=models.CASCADE,
        related_name="rejections",
    )
    line = models.PositiveIntegerField(_("line"))
    reason = models.CharField(_("reason"), max_length=200)
    raw = models.TextField(_("row"), blank=True)

    class Meta:
        ordering = ["batch", "line"]
        verbose_name = _("rejected row")
        verbose_name_plural = _("rejected rows")
        constraints = [
            models.UniqueConstraint(fields=["batch", "line"], name="one_rejection_per_line"),
        ]

    def __str__(self):
        return f"{self.line}: {self.reason}"
