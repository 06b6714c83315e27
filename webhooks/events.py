"""Event types of the webhooks app itself (the rest of the catalogue lives in each app)."""

from django.utils.translation import gettext_lazy as _

from kernel.events import register

PING = register(
    "webhook.ping",
    _("A test message sent on request to one endpoint."),
    data=("endpoint", "url"),
)
