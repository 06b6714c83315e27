from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments and collection")

    def ready(self):
        from accounts.signals import client_closing
        from billing.documents import payment_instructions
        from billing.signals import document_issued, payment_states
        from payments.instructions import payment_states as answer_payment_states
        from payments.instructions import sepa_notice
        from payments.receivers import (
            amount_still_due,
            credit_corrected_invoice,
            square_prepaid_with_invoice,
        )

        payment_instructions.connect(sepa_notice, dispatch_uid="payments.sepa_notice")
        payment_states.connect(answer_payment_states, dispatch_uid="payments.payment_states")
        document_issued.connect(
            square_prepaid_with_invoice, dispatch_uid="payments.square_prepaid_with_invoice"
        )
        document_issued.connect(
            credit_corrected_invoice, dispatch_uid="payments.credit_corrected_invoice"
        )
        client_closing.connect(amount_still_due, dispatch_uid="payments.amount_still_due")
