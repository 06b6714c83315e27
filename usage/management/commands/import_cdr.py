"""Import a CDR file (docs/cdr-format.md) and rate it, in this process or through the queue."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from usage.choices import ImportSource, ImportStatus
from usage.services import imports


class Command(BaseCommand):
    help = "Import a CDR file (CSV) and rate its calls."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the CSV file")
        parser.add_argument(
            "--queue", action="store_true", help="let a Celery worker import it instead"
        )

    def handle(self, *args, path, queue=False, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            content = file.read_bytes()
        except OSError as error:  # no read permission: a message and exit code 1, no traceback
            raise CommandError(f"{path}: {error.strerror or error}") from error
        with transaction.atomic():
            batch = imports.import_create(
                source=ImportSource.COMMAND,
                filename=file.name,
                content=content,
                run=queue,
            )
        if queue:
            self.stdout.write(f"import #{batch.pk} queued")
            return
        batch = imports.import_run(batch.pk)
        self.stdout.write(
            f"import #{batch.pk} {batch.status}: read {batch.rows_read}, imported "
            f"{batch.imported}, duplicates {batch.duplicates}, rejected {batch.rejected}"
        )
        for rejection in batch.rejections.all()[:50]:
            self.stdout.write(f"  line {rejection.line}: {rejection.reason}")
        if batch.status == ImportStatus.FAILED:  # the file refused whole: exit code 1 for cron
            raise CommandError(f"import #{batch.pk} failed: {batch.error}")
