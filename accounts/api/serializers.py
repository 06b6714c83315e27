from rest_framework import serializers

from accounts.choices import Role
from accounts.models import Client, Membership, Site, User
from kernel import api_fields, representation
from kernel.inputs import MAX_EMAIL, MAX_RECIPIENTS

NAME_LENGTH = User._meta.get_field("first_name").max_length


class ClientSerializer(representation.ModelSerializer):
    # Identifiers are accepted with spaces and normalised by the model (python-stdnum).
    siren = serializers.CharField(required=False, allow_blank=True, max_length=20)
    siret = serializers.CharField(required=False, allow_blank=True, max_length=25)
    vat_number = serializers.CharField(required=False, allow_blank=True, max_length=25)
    invoice_recipients = serializers.ListField(
        child=serializers.EmailField(max_length=MAX_EMAIL),
        required=False,
        allow_empty=True,
        max_length=MAX_RECIPIENTS,
    )

    class Meta:
        model = Client
        fields = [
            "id",
            "legal_name",
            "siren",
            "siret",
            "vat_number",
            "address_line1",
            "address_line2",
            "postal_code",
            "city",
            "country",
            "vat_regime",
            "invoice_recipients",
            "payment_method",
            "is_telecom_professional",
            "status",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "created_at", "updated_at"]


class PartnerClientField(api_fields.IdField):
    """A customer of the calling partner only: another partner's id is 'does not exist'."""

    def get_queryset(self):
        request = self.context.get("request")
        if request is None or request.auth is None:
            return Client.objects.none()
        return Client.objects.filter(partner=request.auth.partner)


class SiteSerializer(representation.ModelSerializer):
    client = PartnerClientField()

    class Meta:
        model = Site
        fields = [
            "id",
            "client",
            "name",
            "address_line1",
            "address_line2",
            "postal_code",
            "city",
            "insee_code",
            "cost_centre",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def validate_client(self, value):
        if self.instance is not None and value != self.instance.client:
            raise serializers.ValidationError("A site cannot move to another customer.")
        return value


class CustomerUserSerializer(representation.ModelSerializer):
    client = PartnerClientField()
    email = serializers.EmailField(source="user.email", max_length=MAX_EMAIL)
    first_name = serializers.CharField(
        source="user.first_name", required=False, allow_blank=True, max_length=NAME_LENGTH
    )
    last_name = serializers.CharField(
        source="user.last_name", required=False, allow_blank=True, max_length=NAME_LENGTH
    )
    language = serializers.ChoiceField(source="user.language", choices=["fr", "en"], required=False)
    is_active = serializers.BooleanField(source="user.is_active", read_only=True)
    role = serializers.ChoiceField(choices=Role.choices)

    class Meta:
        model = Membership
        fields = [
            "id",
            "client",
            "email",
            "first_name",
            "last_name",
            "language",
            "role",
            "is_active",
            "created_at",
        ]
        read_only_fields = ["created_at"]


class CustomerUserRoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)
