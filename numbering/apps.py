from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NumbersConfig(AppConfig):
    name = "numbering"
    verbose_name = _("Numbers and portability")

    def ready(self):
        from billing.signals import run_preparing
        from numbering.services.assignment import on_contract_status_changed
        from numbering.services.pricing import on_contract_monthly_subscriptions, on_run_preparing
        from offers.signals import contract_monthly_subscriptions, contract_status_changed

        run_preparing.connect(on_run_preparing, dispatch_uid="numbering.monthly_charges")
        contract_status_changed.connect(
            on_contract_status_changed, dispatch_uid="numbering.released_with_their_contract"
        )
        contract_monthly_subscriptions.connect(
            on_contract_monthly_subscriptions, dispatch_uid="numbering.termination_fee_numbers"
        )
