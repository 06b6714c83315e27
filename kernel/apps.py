from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class KernelConfig(AppConfig):
    name = "kernel"
    # The back office's heading of what every app shares (the event outbox): staff read
    # "Système", not the code's name for it.
    verbose_name = _("System")

    def ready(self):
        # Every app's ``events`` module registers its event types in the catalogue.
        autodiscover_modules("events")
        # Every app's ``queues`` module registers its staff work queues (kernel.queues).
        autodiscover_modules("queues")
        # timestamptz values parsed in C (kernel.db).
        from django.db.backends.signals import connection_created

        from kernel.db import install_fast_timestamps

        connection_created.connect(install_fast_timestamps, dispatch_uid="kernel-fast-timestamps")
        # Every table's change trigger (kernel.changes), tables created by any app included.
        from django.db.models.signals import post_migrate

        post_migrate.connect(_watch_tables, sender=self, dispatch_uid="kernel-watch-tables")


def _watch_tables(sender, using="default", **kwargs):
    from kernel import changes

    changes.install(using)
