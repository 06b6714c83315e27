"""Partner API of webhooks (SPEC §9): endpoints, their deliveries and the attempt log."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from kernel import api_fields, representation
from kernel.models import OutboxEvent
from kernel.stored_texts import in_language_sql
from webhooks import transport
from webhooks.models import Delivery, DeliveryAttempt, WebhookEndpoint
from webhooks.services.endpoints import DISABLED_REASONS, MAX_OVERLAP, reason_in_language

EVENT_TYPE = serializers.CharField(max_length=80)

# The same field reads the same in every component of the app.


class DisabledReasonField(serializers.CharField):
    """An endpoint's stored ``disabled_reason``, in the language asked (ACC-3)."""

    def to_representation(self, value):
        return reason_in_language(value)


class EndpointSerializer(representation.ModelSerializer):
    event_types = serializers.ListField(
        child=serializers.CharField(max_length=80),
        max_length=50,
        required=False,
        help_text=_("Event types delivered to this endpoint; empty or absent: all of them."),
    )
    disabled_reason = DisabledReasonField(
        read_only=True, help_text=_("Why it was disabled; empty while active.")
    )

    # kernel.sql_lists: the reason in the language asked, in SQL
    sql_fields = {
        "disabled_reason": lambda ctx, p: in_language_sql(
            ctx, f"{p}disabled_reason", DISABLED_REASONS
        )
    }

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
        extra_kwargs = {
            **api_fields.described(
                id=_("The endpoint's id."),
                description=_("A free note of the partner about the endpoint; empty if none."),
                is_active=_(
                    "false: disabled (by the partner, by the reseller's staff, or automatically "
                    "once its attempts have all failed for 5 days); nothing is delivered to it "
                    "until it is enabled again. An event of that time is not lost: it is a "
                    "failed delivery of the endpoint (0 attempts), to redeliver once enabled."
                ),
                disabled_at=_("When it was disabled, with its UTC offset; null while active."),
                failing_since=_(
                    "When its current run of failed automatic attempts began, with its UTC "
                    "offset; null when the last attempt succeeded or none failed. After 5 days "
                    "of failures the endpoint is disabled and the partner e-mailed."
                ),
                created_at=api_fields.CREATED_AT,
            ),
            "url": {"help_text": _("HTTPS, on a public address.")},
        }


class EndpointCreatedSerializer(EndpointSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text=_("The signing secret (Standard Webhooks), shown once: store it now."),
    )

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]


class RotateSecretSerializer(api_fields.Serializer):
    overlap_hours = serializers.IntegerField(
        min_value=0,
        max_value=int(MAX_OVERLAP.total_seconds() // 3600),
        default=24,
        help_text=_("How long the current secrets keep signing, beside the new one."),
    )


class RotatedSecretSerializer(api_fields.Serializer):
    secret = serializers.CharField(help_text=_("The new signing secret, shown once."))


class AttemptErrorField(serializers.CharField):
    """An attempt's stored error, in the language asked (ACC-3, ``Accept-Language``)."""

    def to_representation(self, value):
        return transport.error_in_language(value)


class AttemptSerializer(representation.ModelSerializer):
    error = AttemptErrorField(
        read_only=True,
        help_text=_(
            "Why no answer came (network error, timeout, an address that is no longer "
            "public), at most 300 characters; empty when the endpoint answered."
        ),
    )

    # kernel.sql_lists: a refused address's message in the language asked, in SQL
    sql_fields = {
        "error": lambda ctx, p: in_language_sql(ctx, f"{p}error", transport.ADDRESS_ERRORS)
    }

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
        extra_kwargs = api_fields.described(
            attempted_at=_("When the request was sent, with its UTC offset."),
            status_code=_(
                "The HTTP status the endpoint answered (2xx within 10 seconds is a success); "
                "null when it did not answer (see error)."
            ),
            latency_ms=_("Milliseconds from the start of the attempt to the answer or the error."),
            response_excerpt=_(
                "The first 500 characters of the endpoint's answer; empty if it did not answer."
            ),
            manual=_(
                "true: a redelivery or a ping asked for, which changes neither the retry schedule "
                "nor the count of attempts; false: an automatic attempt."
            ),
        )


class EventSerializer(representation.ModelSerializer):
    data = serializers.JSONField(
        help_text=_(
            "The event's facts, sent as the message's `data`: identifiers and key values "
            "(number, customer, status, amount); read the rest through the API."
        )
    )

    class Meta:
        model = OutboxEvent
        fields = ["id", "type", "occurred_at", "data"]
        extra_kwargs = api_fields.described(
            id=_(
                "The event's id (evt_…), sent as the `webhook-id` header and the same on every "
                "retry: de-duplicate on it."
            ),
            type=_("The event's type, e.g. invoice.issued."),
            occurred_at=_(
                "When the change it announces happened, with its UTC offset; the message's "
                "`timestamp`."
            ),
        )


class DeliverySerializer(representation.ModelSerializer):
    event = EventSerializer(help_text=_("The event delivered."))
    log = AttemptSerializer(
        many=True,
        help_text=_("Every attempt of this delivery, oldest first, manual ones included."),
    )

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
        extra_kwargs = api_fields.described(
            id=_("The delivery's id."),
            endpoint=_("The id of the endpoint it goes to."),
            status=_(
                "pending: waiting for its next automatic attempt; succeeded: the endpoint "
                "answered 2xx; failed: no attempt is left (8 failed over 27 h 35 min), its "
                "endpoint was disabled (then, or already when the event happened: 0 attempts), "
                "or it is a ping that failed. A redelivery that succeeds makes it succeeded."
            ),
            attempts=_(
                "The automatic attempts made so far (8 at most, retried 5 s, 5 min, 30 min, 2 h, "
                "5 h, 10 h and 10 h apart); redeliveries and pings do not count."
            ),
            next_attempt_at=_(
                "When the next automatic attempt is due, with its UTC offset; null once the "
                "delivery succeeded or failed."
            ),
            created_at=api_fields.CREATED_AT,
        )


class EventTypeSerializer(api_fields.Serializer):
    name = serializers.CharField(
        help_text=_(
            "The event type, as a message's `type` and an endpoint's `event_types` name it, e.g. "
            "invoice.issued."
        )
    )
    description = serializers.CharField(
        help_text=_("What an event of this type announces, in the language of the request.")
    )
    data = serializers.ListField(
        child=serializers.CharField(),
        help_text=_(
            "The keys of the `data` of an event of this type, each always there (null when it "
            "does not apply): `id` and `customer` are the API's integer ids, "
            'amounts and percentages are strings of decimals ("449.21"), never JSON numbers, '
            "dates are YYYY-MM-DD, times ISO 8601 with their UTC offset. Read the rest through "
            "the API."
        ),
    )
