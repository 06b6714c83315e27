from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The wiring package: URLs, settings, the dashboard and commands that span apps. It owns no
    models."""

    name = "portal"
    verbose_name = _("Portal")

    def ready(self):
        from portal import french_dates

        french_dates.install()  # "1er avril" (issue 17, item 10)
