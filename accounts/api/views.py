from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.response import Response

from accounts import services
from accounts.api.filtersets import ClientFilterSet, CustomerUserFilterSet, SiteFilterSet
from accounts.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from accounts.api.serializers import (
    ClientSerializer,
    CustomerUserRoleSerializer,
    CustomerUserSerializer,
    SiteSerializer,
)
from accounts.api.viewsets import PartnerModelViewSet
from accounts.models import Client, Membership, Site


class CustomerViewSet(PartnerModelViewSet):
    """The partner's customers (ACC-1, ACC-3)."""

    queryset = Client.objects.all()
    serializer_class = ClientSerializer
    filterset_class = ClientFilterSet
    ordering_fields = ["legal_name", "created_at"]
    ordering = ["legal_name"]

    @extend_schema(parameters=[IDEMPOTENCY_KEY_PARAMETER])
    @idempotent
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        serializer.instance = services.client_create(
            data=serializer.validated_data, partner=self.partner, api_key=self.api_key
        )

    def perform_update(self, serializer):
        serializer.instance = services.client_update(
            client=serializer.instance, data=serializer.validated_data, api_key=self.api_key
        )


class SiteViewSet(PartnerModelViewSet):
    """Sites of the partner's customers."""

    queryset = Site.objects.select_related("client")
    serializer_class = SiteSerializer
    filterset_class = SiteFilterSet
    partner_lookup = "client__partner"
    ordering_fields = ["name", "created_at"]
    ordering = ["client_id", "name"]

    @extend_schema(parameters=[IDEMPOTENCY_KEY_PARAMETER])
    @idempotent
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        client = data.pop("client")
        serializer.instance = services.site_create(client=client, data=data, api_key=self.api_key)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("client", None)
        serializer.instance = services.site_update(
            site=serializer.instance, data=data, api_key=self.api_key
        )


class CustomerUserViewSet(mixins.DestroyModelMixin, PartnerModelViewSet):
    """Portal users of the partner's customers: invite, change role, remove (ACC-2)."""

    queryset = Membership.objects.select_related("user", "client")
    serializer_class = CustomerUserSerializer
    filterset_class = CustomerUserFilterSet
    partner_lookup = "client__partner"
    ordering = ["client_id", "user__email"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    @extend_schema(parameters=[IDEMPOTENCY_KEY_PARAMETER])
    @idempotent
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        data = serializer.validated_data
        user = data.get("user", {})
        serializer.instance = services.member_invite(
            client=data["client"],
            email=user["email"],
            role=data["role"],
            first_name=user.get("first_name", ""),
            last_name=user.get("last_name", ""),
            language=user.get("language", "fr"),
            api_key=self.api_key,
        )

    @extend_schema(request=CustomerUserRoleSerializer, responses=CustomerUserSerializer)
    def partial_update(self, request, *args, **kwargs):
        membership = self.get_object()
        payload = CustomerUserRoleSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        membership = services.member_change_role(
            membership=membership, role=payload.validated_data["role"], api_key=self.api_key
        )
        return Response(self.get_serializer(membership).data)

    def perform_destroy(self, instance):
        services.member_remove(membership=instance, api_key=self.api_key)
