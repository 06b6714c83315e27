from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Billing")

    def ready(self):
        # Imported here, once the app registry is ready (the tasks module imports the models).
        # (price_restores and termination_credits: imported to connect their receivers)
        from billing import signals, tasks
        from billing.services import price_restores, termination_credits  # noqa: F401

        signals.document_issued.connect(
            tasks.enqueue_invoice_pdf, dispatch_uid="billing.tasks.enqueue_invoice_pdf"
        )
