from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NumbersConfig(AppConfig):
    name = "numbering"
    verbose_name = _("Numbers and portability")

    def ready(self):
        from billing.signals import run_preparing
        from numbering.services.pricing import on_run_preparing

        run_preparing.connect(on_run_preparing, dispatch_uid="numbering.monthly_charges")
