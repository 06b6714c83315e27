"""ACC-3: the partner's own API keys, as the API shows them (never the hash; the key itself
once, when created or rotated) and the input of their commands."""

from django.db.models import Case, DateTimeField, F, Q, When
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts import scopes as key_scopes
from accounts.api_keys import DEFAULT_OVERLAP, MAX_OVERLAP
from accounts.models import ApiKey
from kernel import api_fields, representation, sql_lists

HOUR = 3600


class ApiKeySerializer(representation.ModelSerializer):
    scopes = serializers.ListField(child=serializers.CharField(), read_only=True)
    allowed_ips = serializers.ListField(child=serializers.CharField(), read_only=True)
    is_live = serializers.SerializerMethodField()

    class Meta:
        model = ApiKey
        fields = [
            "id",
            "name",
            "prefix",
            "scopes",
            "expires_at",
            "allowed_ips",
            "rotated_from",
            "is_live",
            "created_at",
            "last_used_at",
            "last_used_ip",
            "revoked_at",
        ]
        read_only_fields = fields

    sql_fields = {  # kernel.sql_lists: ``ApiKey.is_live`` in SQL, at the request's moment
        "is_live": lambda ctx, p: sql_lists.boolean(
            Q(**{f"{p}revoked_at__isnull": True})
            & (Q(**{f"{p}expires_at__isnull": True}) | Q(**{f"{p}expires_at__gt": ctx.now}))
        ),
    }
    sql_horizons = {  # kernel.sql_lists: a live key with an end reads "not live" from its end
        "is_live": lambda ctx, p: Case(
            When(
                Q(**{f"{p}revoked_at__isnull": True, f"{p}expires_at__gt": ctx.now}),
                then=F(f"{p}expires_at"),
            ),
            default=None,
            output_field=DateTimeField(),
        ),
    }

    @extend_schema_field(serializers.BooleanField(help_text="Neither revoked nor expired."))
    def get_is_live(self, key) -> bool:
        return key.is_live()


class ApiKeyWithSecretSerializer(ApiKeySerializer):
    key = serializers.CharField(
        source="raw_key",
        read_only=True,
        help_text="The key to send as `Authorization: Api-Key <key>`: shown this once, never "
        "again (only its hash is kept).",
    )

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]
        read_only_fields = fields


class ApiKeyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=key_scopes.SCOPE_CHOICES),
        min_length=1,
        max_length=key_scopes.MAX_SCOPES,
        help_text="`<family>:read` or `<family>:write`; `*` is every family but `keys`. At most "
        "the scopes of the key that calls.",
    )
    expires_at = api_fields.DateTimeField(required=False, allow_null=True, default=None)
    allowed_ips = serializers.ListField(
        child=serializers.CharField(max_length=key_scopes.MAX_NETWORK_LENGTH),
        max_length=key_scopes.MAX_ALLOWED_NETWORKS,
        required=False,
        default=list,
        help_text="IP addresses or CIDR networks the key may call from; empty: any address.",
    )


class ApiKeyRotateSerializer(serializers.Serializer):
    overlap_hours = api_fields.IntegerField(
        min_value=0,
        max_value=int(MAX_OVERLAP.total_seconds()) // HOUR,
        default=int(DEFAULT_OVERLAP.total_seconds()) // HOUR,
        help_text="How long the old key keeps working (24 hours by default, 7 days at most).",
    )
