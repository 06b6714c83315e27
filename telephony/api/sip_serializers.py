"""Partner API of SIP accounts and their devices, their credentials (ACC-7) and the
destination groups of a trunk or a SIP account (TRK-6). Split from ``serializers`` (module
size); the descriptions both share are there."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from kernel import api_fields, representation
from telephony.api.serializers import (
    CONTRACT_REFERENCE,
    CUSTOMER_ID,
    SECRET_ISSUED_AT,
    USERNAME,
    sip_status_field,
)
from telephony.models import DestinationGroup, SipAccount, SipDevice


class SipDeviceSerializer(representation.ModelSerializer):
    class Meta:
        model = SipDevice
        fields = ["device_id", "user_agent", "supplied_by_reseller", "last_seen_at"]
        extra_kwargs = api_fields.described(
            user_agent=_("The User-Agent it registered with; empty if unknown."),
            supplied_by_reseller=_(
                "true: a device supplied by us, the reseller; a third-party device costs a hosted "
                "user the unlimited plan (USE-4)."
            ),
            last_seen_at=_(
                "When it was last seen registering, with its UTC offset; null if never."
            ),
        )


class SipAccountSerializer(representation.ModelSerializer):
    """ACC-7: a SIP account; its secret is never shown here (only once, when issued)."""

    contract = serializers.CharField(
        source="contract.reference", read_only=True, help_text=CONTRACT_REFERENCE
    )
    status = sip_status_field(read_only=True)
    customer = serializers.IntegerField(
        source="contract.client_id", read_only=True, help_text=CUSTOMER_ID
    )
    devices = SipDeviceSerializer(
        many=True,
        read_only=True,
        help_text=_("The devices registered on it, in device_id order (ACC-7)."),
    )

    class Meta:
        model = SipAccount
        fields = [
            "id",
            "username",
            "label",
            "contract",
            "customer",
            "status",
            "mobility",
            "devices",
            "secret_issued_at",
            "created_at",
        ]
        extra_kwargs = api_fields.described(
            id=_("The SIP account's id."),
            username=USERNAME,
            label=_("A free label, 120 characters at most; empty if none."),
            secret_issued_at=SECRET_ISSUED_AT,
            created_at=api_fields.CREATED_AT,
        )


class CredentialsResetSerializer(api_fields.Serializer):
    compromised = serializers.BooleanField(
        default=False,
        help_text=_(
            "True: the credentials are declared compromised (ACC-7): disabled at once until "
            "re-enabled, devices dropped, the customer told."
        ),
    )


class IssuedCredentialsSerializer(api_fields.Serializer):
    """ACC-7: the new secret, shown this once."""

    username = serializers.CharField(help_text=USERNAME)
    secret = serializers.CharField(
        help_text=_(
            "The new secret, 24 letters and digits: shown this once, never again (ACC-7). The "
            "old one no longer works."
        )
    )
    status = sip_status_field()


class DestinationSerializer(api_fields.Serializer):
    """TRK-6: a destination group and whether this trunk or SIP account blocks it."""

    group = serializers.CharField(source="group.code", help_text=_("The destination group's code."))
    name = serializers.CharField(
        source="group.display_name",
        help_text=_(
            "The group's name in the request's language: French, or English with "
            "Accept-Language: en (its French name when it has no English one)."
        ),
    )
    blocked_by_default = serializers.BooleanField(
        source="group.blocked_by_default",
        help_text=_(
            "true: the group is blocked on a new trunk or SIP account (premium-rate and "
            "high-risk international destinations, TRK-6)."
        ),
    )
    blocked = serializers.BooleanField(
        help_text=_(
            "true: this trunk or SIP account may not call the group; such calls are refused, "
            "not billed, and flagged (TRK-6)."
        )
    )


class DestinationChangeSerializer(api_fields.Serializer):
    group = serializers.SlugField(
        max_length=DestinationGroup._meta.get_field("code").max_length,
        help_text=_("The destination group's code."),
    )
