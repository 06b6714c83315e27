"""Partner API of webhooks (SPEC §9): a partner registers its endpoints, rotates their secrets,
pings them, reads the delivery log and asks for a redelivery. Scoping lives in the base viewset;
every write goes through ``webhooks.services``."""

from datetime import timedelta

from django.db.models import Prefetch
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from accounts.api.viewsets import (
    KnownQueryParametersMixin,
    LookupBeforeRefusingMixin,
    PartnerModelViewSet,
    PartnerReadOnlyViewSet,
)
from kernel.events import catalogue
from webhooks import services
from webhooks.api.filtersets import DeliveryFilterSet
from webhooks.api.serializers import (
    AttemptSerializer,
    DeliverySerializer,
    EndpointCreatedSerializer,
    EndpointSerializer,
    EventTypeSerializer,
    RotatedSecretSerializer,
    RotateSecretSerializer,
)
from webhooks.models import Delivery, DeliveryAttempt, WebhookEndpoint
from webhooks.services import endpoints


class EndpointViewSet(PartnerModelViewSet):
    """The partner's webhook endpoints. The signing secret is shown once, at creation and at
    each rotation. Messages follow Standard Webhooks (``webhook-id``, ``webhook-timestamp``,
    ``webhook-signature``) and are retried for more than 24 hours; an endpoint failing for
    five days in a row is disabled and the partner e-mailed."""

    queryset = WebhookEndpoint.objects.all()
    serializer_class = EndpointSerializer
    ordering_fields = ["created_at", "url"]
    ordering = ["created_at", "id"]

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY_PARAMETER], responses={201: EndpointCreatedSerializer}
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        payload = EndpointSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        endpoint, secret = services.create_endpoint(
            partner=self.partner,
            url=data["url"],
            description=data.get("description", ""),
            event_types=data.get("event_types", []),
            api_key=self.api_key,
        )
        endpoint.secret = secret
        return Response(EndpointCreatedSerializer(endpoint).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        endpoint = self.get_object()
        payload = EndpointSerializer(endpoint, data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        endpoint = services.update_endpoint(
            endpoint,
            url=data.get("url"),
            description=data.get("description"),
            event_types=data.get("event_types"),
            api_key=self.api_key,
        )
        return Response(EndpointSerializer(endpoint).data)

    @extend_schema(
        request=RotateSecretSerializer,
        responses={200: RotatedSecretSerializer},
        summary="Rotate the signing secret",
        description="A new secret; the current ones keep signing beside it for `overlap_hours`.",
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        endpoint = self.get_object()
        payload = RotateSecretSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        secret = services.rotate_secret(
            endpoint,
            overlap=timedelta(hours=payload.validated_data["overlap_hours"]),
            api_key=self.api_key,
        )
        return Response({"secret": secret})

    @extend_schema(
        request=None,
        responses={200: AttemptSerializer},
        summary="Send a test message",
        description="A `webhook.ping` event to this endpoint only, sent now; the answer is the "
        "logged attempt (status, latency, response excerpt).",
    )
    @action(detail=True, methods=["post"])
    def ping(self, request, pk=None):
        logged = services.ping(self.get_object())
        return Response(AttemptSerializer(logged).data)

    @extend_schema(request=None, responses={200: EndpointSerializer}, summary="Enable")
    @action(detail=True, methods=["post"])
    def enable(self, request, pk=None):
        endpoint = services.enable_endpoint(self.get_object(), api_key=self.api_key)
        return Response(EndpointSerializer(endpoint).data)

    @extend_schema(request=None, responses={200: EndpointSerializer}, summary="Disable")
    @action(detail=True, methods=["post"])
    def disable(self, request, pk=None):
        endpoint = services.disable_endpoint(
            self.get_object(), reason=gettext(endpoints.BY_PARTNER), api_key=self.api_key
        )
        return Response(EndpointSerializer(endpoint).data)


# Deliveries never change by PUT, PATCH or DELETE: 405, after the lookup.
class DeliveryViewSet(LookupBeforeRefusingMixin, PartnerReadOnlyViewSet):
    """Every delivery of an event to one of the partner's endpoints, with the log of its
    attempts. ``redeliver`` sends it again now, whatever its state, once its endpoint is
    enabled (a disabled endpoint: 409 ``endpoint_disabled``)."""

    queryset = Delivery.objects.select_related("event").prefetch_related(
        Prefetch("log", queryset=DeliveryAttempt.objects.order_by("attempted_at", "pk"))
    )
    serializer_class = DeliverySerializer
    filterset_class = DeliveryFilterSet
    partner_lookup = "endpoint__partner"
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]

    @extend_schema(
        request=None,
        responses={200: AttemptSerializer},
        summary="Redeliver now",
        description="One attempt now, whatever the delivery's state; 409 `endpoint_disabled` "
        "while its endpoint is disabled (enable it first), 409 `in_flight` while it is being "
        "sent.",
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def redeliver(self, request, pk=None):
        logged = services.redeliver(self.get_object())
        if logged is None:
            return Response(
                {"error": {"code": "in_flight", "message": str(_("This delivery is being sent."))}},
                status=status.HTTP_409_CONFLICT,
            )
        return Response(AttemptSerializer(logged).data)


class EventTypeViewSet(KnownQueryParametersMixin, viewsets.ViewSet):
    """The catalogue of event types a partner can subscribe to."""

    serializer_class = EventTypeSerializer
    pagination_class = None

    @extend_schema(responses={200: EventTypeSerializer(many=True)})
    def list(self, request):
        return Response(
            [
                {"name": t.name, "description": str(t.description), "data": list(t.data)}
                for t in catalogue()
            ]
        )
