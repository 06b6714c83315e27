from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Customers and partners")

    def ready(self):
        from allauth.account.signals import password_reset

        from accounts.receivers import reset_link_proves_the_address

        password_reset.connect(
            reset_link_proves_the_address, dispatch_uid="accounts.reset_verifies"
        )
