from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self):
        from celery.signals import worker_ready

        from kernel.events import event_recorded
        from webhooks import tasks

        event_recorded.connect(tasks.enqueue_fan_out, dispatch_uid="webhooks.fan_out")
        # A restarted worker first catches up with what a killed one left behind.
        worker_ready.connect(tasks.sweep_on_start, dispatch_uid="webhooks.sweep_on_start")
