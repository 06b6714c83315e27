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
