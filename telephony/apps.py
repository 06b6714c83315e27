from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TelephonyConfig(AppConfig):
    name = "telephony"
    verbose_name = _("Trunks and SIP accounts")

    def ready(self):
        from telephony import receivers  # noqa: F401  (TRK-5 on the renewal signal)
