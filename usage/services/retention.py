"""PLATFORM 6.7: traffic data are kept "une durée maximum de douze (12) mois à compter du jour de
leur enregistrement". The daily purge removes, past ``partitions.retention_start``:

- the call records (``partitions.partitions_purge``: old months dropped whole, the rest deleted);
- what repeats them: the CDR files stored with each import and the raw lines of its rejected
  rows, and the files of the inbox's ``done/`` folder, when they are older than the retention
  start or when their oldest call is (a file imported the day after its calls, or late, holds
  calls older than itself); the import's report — its counters, who sent it, when — stays: it
  holds no traffic;
- the consumption page's daily roll-up, the hourly traffic quality and the platform-limit
  breaches computed from the calls;
- the call annexes stored with invoices (BIL-3), with their oldest call (the invoice stays).

Kept: what billing and the contract need beyond the calls — fair-use breaches and their waivers
(they justify invoice lines and credit notes), consumption alerts, penalties with their
evidence, invoices and their lines.
"""

from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from usage.choices import ImportSource, ImportStatus
from usage.models import (
    CallRecord,
    ImportBatch,
    ImportRejection,
    InvoiceAnnex,
    LimitBreach,
    QualityHour,
    UsageDay,
)
from usage.services import partitions


def retention_purge(today: date | None = None, *, inbox: Path | None = None) -> dict:
    """The daily purge of traffic data older than 12 months. Idempotent."""
    start = partitions.retention_start(today)
    # an import's file and rejected lines repeat its calls: they go with its oldest call (a
    # file imported the day after its calls, or late, holds calls older than its import) —
    # read before the calls are purged
    purged_batches = set(
        ImportBatch.objects.filter(
            # an import still running (or to resume) reads its file: left to a later night
            status__in=[ImportStatus.DONE, ImportStatus.FAILED],
            pk__in=set(
                CallRecord.objects.filter(started_at__lt=start, batch__isnull=False)
                .values_list("batch_id", flat=True)
                .distinct()
                .order_by()
            ),
        ).values_list("pk", flat=True)
    )
    purged_names = set(
        ImportBatch.objects.filter(pk__in=purged_batches, source=ImportSource.INBOX).values_list(
            "filename", flat=True
        )
    )
    with transaction.atomic():
        old_batches = ImportBatch.objects.filter(Q(created_at__lt=start) | Q(pk__in=purged_batches))
        rejections, _by_model = ImportRejection.objects.filter(batch__in=old_batches).delete()
        files = 0
        for batch in old_batches.exclude(file=""):
            batch.file.delete(save=False)
            batch.file = ""
            batch.save(update_fields=["file"])
            files += 1
    dropped = partitions.partitions_purge(today)
    with transaction.atomic():
        days, _by_model = UsageDay.objects.filter(day__lt=start.date()).delete()
        quality, _by_model = QualityHour.objects.filter(hour__lt=start).delete()
        limits, _by_model = LimitBreach.objects.filter(hour__lt=start).delete()
        annexes, _by_model = InvoiceAnnex.objects.filter(oldest__lt=start).delete()
    done = Path(inbox or settings.USAGE_INBOX_DIR) / "done"
    inbox_files = 0
    if done.is_dir():
        for path in done.iterdir():
            if path.is_file() and (
                path.stat().st_mtime < start.timestamp() or path.name in purged_names
            ):
                path.unlink(missing_ok=True)
                inbox_files += 1
    return {
        "months_dropped": [str(m) for m in dropped],
        "rejections": rejections,
        "files": files,
        "inbox_files": inbox_files,
        "roll_up_days": days,
        "quality_hours": quality,
        "limit_breaches": limits,
        "invoice_annexes": annexes,
    }
