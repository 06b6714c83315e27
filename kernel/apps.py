from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class KernelConfig(AppConfig):
    name = "kernel"
    verbose_name = "Kernel"

    def ready(self):
        # Every app's ``events`` module registers its event types in the catalogue.
        autodiscover_modules("events")
        # Every app's ``queues`` module registers its staff work queues (kernel.queues).
        autodiscover_modules("queues")
        # timestamptz values parsed in C (kernel.db).
        from django.db.backends.signals import connection_created

        from kernel.db import install_fast_timestamps

        connection_created.connect(install_fast_timestamps, dispatch_uid="kernel-fast-timestamps")
