from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UsageConfig(AppConfig):
    name = "usage"
    verbose_name = _("Usage")

    def ready(self):
        # usurf: the money side's receivers and back-office pages.
        from usage import admin_money, admin_tariffs, receivers  # noqa: F401

        receivers.connect()
