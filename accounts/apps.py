from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Customers and partners")

    def ready(self):
        from allauth.account import signals

        from accounts import receivers

        signals.password_reset.connect(
            receivers.reset_link_proves_the_address, dispatch_uid="accounts.reset_verifies"
        )
        # ACC-4: the changes of a person's e-mail addresses go to the audit log
        for signal, receiver in (
            (signals.email_added, receivers.email_added_audited),
            (signals.email_confirmed, receivers.email_confirmed_audited),
            (signals.email_changed, receivers.email_changed_audited),
            (signals.email_removed, receivers.email_removed_audited),
        ):
            signal.connect(receiver, dispatch_uid=f"accounts.{receiver.__name__}")
