"""The inbox folder the carrier drops CDR files into (``settings.USAGE_INBOX_DIR``): each
``*.csv`` becomes an import, then moves to ``done/``. A file already imported (same name and
SHA-256) is not imported twice, so a scan interrupted between the two steps is harmless. The
folder and its ``done/`` are made by the first scan when missing (``make run``). A file
modified in the last ``USAGE_INBOX_SETTLE_SECONDS`` (60 by default) waits for the next scan:
the carrier may still be writing it (the daily purge empties ``done/`` after 12 months). A file
that cannot be read (its permissions, a folder named ``*.csv``, gone meanwhile) is left where it
is, logged, and tried again at the next scan: it never stops the others (nor the resumption of
the imports that the same task does next). ``.csv`` in any case: ``DAY1.CSV`` is a CSV file."""

import hashlib
import logging
import time
from pathlib import Path

from django.conf import settings
from django.db import transaction

from usage.choices import ImportSource
from usage.models import ImportBatch
from usage.services.imports import import_create

logger = logging.getLogger(__name__)


def inbox_scan(folder: Path | None = None) -> list[ImportBatch]:
    folder = Path(folder or settings.USAGE_INBOX_DIR)
    done = folder / "done"
    try:  # made at the first scan (make run's var/cdr-inbox/): the folder to drop files into
        done.mkdir(parents=True, exist_ok=True)
    except OSError as error:  # a file of that name, no permission: said, every scan
        logger.warning("CDR inbox: %s is not a usable folder (%s)", folder, error)
        return []
    batches = []
    settled = time.time() - settings.USAGE_INBOX_SETTLE_SECONDS
    for path in sorted(p for p in folder.iterdir() if p.suffix.lower() == ".csv"):
        try:
            if path.stat().st_mtime > settled:
                continue  # still being written, perhaps: the next scan takes it
            content = path.read_bytes()
        except OSError as error:
            logger.warning("CDR inbox: %s cannot be read (%s): left for the next scan", path, error)
            continue
        digest = hashlib.sha256(content).hexdigest()
        if not ImportBatch.objects.filter(filename=path.name, sha256=digest).exists():
            with transaction.atomic():
                batches.append(
                    import_create(source=ImportSource.INBOX, filename=path.name, content=content)
                )
        try:
            path.replace(done / path.name)
        except OSError as error:  # imported: the next scan finds it done and moves it again
            logger.warning("CDR inbox: %s not moved to done/ (%s)", path, error)
    return batches
