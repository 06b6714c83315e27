from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments and collection")

    def ready(self):
        from billing.documents import payment_instructions
        from payments.instructions import sepa_notice

        payment_instructions.connect(sepa_notice, dispatch_uid="payments.sepa_notice")
