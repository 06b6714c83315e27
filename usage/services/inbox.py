"""The inbox folder the carrier drops CDR files into (``settings.USAGE_INBOX_DIR``): each
``*.csv`` becomes an import, then moves to ``done/``. A file already imported (same name and
SHA-256) is not imported twice, so a scan interrupted between the two steps is harmless. A file
modified in the last ``USAGE_INBOX_SETTLE_SECONDS`` (60 by default) waits for the next scan:
the carrier may still be writing it (the daily purge empties ``done/`` after 12 months)."""

import hashlib
import time
from pathlib import Path

from django.conf import settings
from django.db import transaction

from usage.choices import ImportSource
from usage.models import ImportBatch
from usage.services.imports import import_create


def inbox_scan(folder: Path | None = None) -> list[ImportBatch]:
    folder = Path(folder or settings.USAGE_INBOX_DIR)
    if not folder.is_dir():
        return []
    done = folder / "done"
    done.mkdir(exist_ok=True)
    batches = []
    settled = time.time() - settings.USAGE_INBOX_SETTLE_SECONDS
    for path in sorted(folder.glob("*.csv")):
        if path.stat().st_mtime > settled:
            continue  # still being written, perhaps: the next scan takes it
        content = path.read_bytes()
        digest = hashlib.sha256(content).hexdigest()
        if not ImportBatch.objects.filter(filename=path.name, sha256=digest).exists():
            with transaction.atomic():
                batches.append(
                    import_create(source=ImportSource.INBOX, filename=path.name, content=content)
                )
        path.replace(done / path.name)
    return batches
