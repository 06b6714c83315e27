from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OffersConfig(AppConfig):
    name = "offers"
    verbose_name = _("Offers and contracts")

    def ready(self):
        from accounts.signals import client_closing
        from offers.receivers import contracts_still_running

        client_closing.connect(contracts_still_running, dispatch_uid="offers.contracts_running")
