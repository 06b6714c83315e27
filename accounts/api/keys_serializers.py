"""ACC-3: the partner's own API keys, as the API shows them (never the hash; the key itself
once, when created or rotated) and the input of their commands."""

from django.db.models import Case, DateTimeField, F, Q, When
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts import scopes as key_scopes
from accounts.api_keys import DEFAULT_OVERLAP, MAX_OVERLAP
from accounts.models import ApiKey
from kernel import api_fields, representation, sql_lists

HOUR = 3600

# The same field reads the same in every component of the app.
NAME = _("The key's name, chosen by the partner; a rotation keeps it.")
EXPIRES_AT = _(
    "When the key stops working, with its UTC offset (in the future when the key is created); "
    "null: never. A rotation brings the old key's expiry forward to the end of the overlap."
)
ALLOWED_IPS = _("IP addresses or CIDR networks the key may call from; empty: any address.")


class ApiKeySerializer(representation.ModelSerializer):
    scopes = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text=_(
            "What the key may do (ACC-3): `<family>:read` or `<family>:write`; `*` is every "
            "family but `keys`."
        ),
    )
    allowed_ips = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text=ALLOWED_IPS
    )
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
        extra_kwargs = api_fields.described(
            id=_("The key's id."),
            name=NAME,
            prefix=_(
                "The key's first 8 characters (before the dot), to recognise it; the rest is never "
                "shown again."
            ),
            expires_at=EXPIRES_AT,
            rotated_from=_(
                "The id of the key this one replaced by a rotation; null for a key created as new."
            ),
            created_at=api_fields.CREATED_AT,
            last_used_at=_(
                "When the key last authenticated a request, with its UTC offset, recorded at most "
                "once a minute; null if never used."
            ),
            last_used_ip=_(
                "The client's IP address at that last use (behind the trusted proxies); null if "
                "never used."
            ),
            revoked_at=_(
                "When the key was revoked (it stopped working at once), with its UTC offset; null "
                "if it was not."
            ),
        )

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

    @extend_schema_field(serializers.BooleanField(help_text=_("Neither revoked nor expired.")))
    def get_is_live(self, key) -> bool:
        return key.is_live()


class ApiKeyWithSecretSerializer(ApiKeySerializer):
    key = serializers.CharField(
        source="raw_key",
        read_only=True,
        help_text=_(
            "The key to send as `Authorization: Api-Key <key>`: shown this once, never "
            "again (only its hash is kept)."
        ),
    )

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]
        read_only_fields = fields


class ApiKeyCreateSerializer(api_fields.Serializer):
    name = serializers.CharField(max_length=100, help_text=NAME)
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=key_scopes.SCOPE_CHOICES),
        min_length=1,
        max_length=key_scopes.MAX_SCOPES,
        help_text=_(
            "`<family>:read` or `<family>:write`; `*` is every family but `keys`. At most "
            "the scopes of the key that calls."
        ),
    )
    expires_at = api_fields.DateTimeField(
        required=False, allow_null=True, default=None, help_text=EXPIRES_AT
    )
    allowed_ips = serializers.ListField(
        child=serializers.CharField(max_length=key_scopes.MAX_NETWORK_LENGTH),
        max_length=key_scopes.MAX_ALLOWED_NETWORKS,
        required=False,
        default=list,
        help_text=ALLOWED_IPS,
    )


class ApiKeyRotateSerializer(api_fields.Serializer):
    overlap_hours = api_fields.IntegerField(
        min_value=0,
        max_value=int(MAX_OVERLAP.total_seconds()) // HOUR,
        default=int(DEFAULT_OVERLAP.total_seconds()) // HOUR,
        help_text=_("How long the old key keeps working (24 hours by default, 7 days at most)."),
    )
