"""Partner API of webhooks (SPEC §9): endpoints, their deliveries and the attempt log."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from kernel import representation
from kernel.models import OutboxEvent
from webhooks.models import Delivery, DeliveryAttempt, WebhookEndpoint
from webhooks.services.endpoints import MAX_OVERLAP

EVENT_TYPE = serializers.CharField(max_length=80)


class EndpointSerializer(representation.ModelSerializer):
    event_types = serializers.ListField(
        child=serializers.CharField(max_length=80),
        max_length=50,
        required=False,
        help_text=_("Event types delivered to this endpoint; empty or absent: all of them."),
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "event_types",
            "is_active",
            "disabled_at",
            "disabled_reason",
            "failing_since",
            "created_at",
        ]
        read_only_fields = [
            "is_active",
            "disabled_at",
            "disabled_reason",
            "failing_since",
            "created_at",
        ]
        extra_kwargs = {"url": {"help_text": _("HTTPS, on a public address.")}}


class EndpointCreatedSerializer(EndpointSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text=_("The signing secret (Standard Webhooks), shown once: store it now."),
    )

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]


class RotateSecretSerializer(serializers.Serializer):
    overlap_hours = serializers.IntegerField(
        min_value=0,
        max_value=int(MAX_OVERLAP.total_seconds() // 3600),
        default=24,
        help_text=_("How long the current secrets keep signing, beside the new one."),
    )


class RotatedSecretSerializer(serializers.Serializer):
    secret = serializers.CharField(help_text=_("The new signing secret, shown once."))


class AttemptSerializer(representation.ModelSerializer):
    class Meta:
        model = DeliveryAttempt
        fields = [
            "attempted_at",
            "status_code",
            "latency_ms",
            "response_excerpt",
            "error",
            "manual",
        ]


class EventSerializer(representation.ModelSerializer):
    data = serializers.JSONField()

    class Meta:
        model = OutboxEvent
        fields = ["id", "type", "occurred_at", "data"]


class DeliverySerializer(representation.ModelSerializer):
    event = EventSerializer()
    log = AttemptSerializer(many=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "endpoint",
            "event",
            "status",
            "attempts",
            "next_attempt_at",
            "created_at",
            "log",
        ]


class EventTypeSerializer(serializers.Serializer):
    name = serializers.CharField()
    description = serializers.CharField()
