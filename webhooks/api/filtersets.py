import django_filters
from django.utils.translation import gettext_lazy as _

from webhooks.choices import DeliveryStatus
from webhooks.models import Delivery, WebhookEndpoint


def partner_endpoints(request):
    """Another partner's endpoint is an invalid choice, like an id that does not exist."""
    if request is None or request.auth is None:
        return WebhookEndpoint.objects.none()
    return WebhookEndpoint.objects.filter(partner=request.auth.partner)


class DeliveryFilterSet(django_filters.FilterSet):
    endpoint = django_filters.ModelChoiceFilter(
        queryset=partner_endpoints,
        error_messages={"invalid_choice": _("Unknown endpoint.")},
        help_text=_("The id of one of your webhook endpoints."),
    )
    status = django_filters.ChoiceFilter(choices=DeliveryStatus.choices)
    event_type = django_filters.CharFilter(
        field_name="event__type",
        max_length=80,
        help_text=_("The event's type, e.g. invoice.issued."),
    )
    event = django_filters.CharFilter(
        field_name="event_id",
        max_length=40,
        help_text=_("The event's id, as its deliveries carry it (the same for every retry)."),
    )

    class Meta:
        model = Delivery
        fields = ["endpoint", "status", "event_type", "event"]
