"""NUM-1: `manage.py import_number_ranges FILE.csv` — the reseller's ranges from a CSV file in the
numbering plan's layout (columns: see numbering/services/inventory.py). All or nothing; a refused
file lists every refused line and exits with status 1."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from numbering.services.inventory import import_ranges


class Command(BaseCommand):
    help = "Import number ranges from a CSV file in ARCEP's numbering plan layout."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path: Path, **options):
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            ranges, numbers = import_ranges(content=path.read_bytes(), source=path.name)
        except ValidationError as error:
            for message in error.messages:
                self.stderr.write(message)
            raise CommandError(f"{path.name}: nothing imported") from error
        self.stdout.write(self.style.SUCCESS(f"{ranges} range(s), {numbers} number(s) imported"))
