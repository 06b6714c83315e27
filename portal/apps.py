from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The wiring package: URLs, settings, the dashboard and commands that span apps. It owns no
    models."""

    name = "portal"
    verbose_name = "Portal"
