"""`make run`'s demo data: every app's `demo.load()`, in dependency order. Idempotent."""

from importlib import import_module

from django.core.management.base import BaseCommand
from django.db import transaction

# One entry per app that has demo data, lower layers first — but billing's runs after the
# calls (usage) they invoice: loaded after them, last month's calls were all "late" records and
# its invoices billed none; support's SLA credits read the invoices.
DEMO_MODULES = [
    "accounts.demo",
    "offers.demo",
    "payments.demo",
    "telephony.demo",
    "numbering.demo",
    "equipment.demo",
    "usage.demo",
    "billing.demo",
    "support.demo",
    "console.demo",
]


class Command(BaseCommand):
    help = "Load (or refresh) the demo data of every app. Idempotent."

    @transaction.atomic
    def handle(self, *args, **options):
        for name in DEMO_MODULES:
            summary = import_module(name).load()
            self.stdout.write(self.style.SUCCESS(f"{name}: {summary}"))
