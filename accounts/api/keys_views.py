"""ACC-3: ``/api/v1/api-keys/`` — the partner manages its own keys (scope ``keys:read`` to list
them, ``keys:write`` to create, rotate and revoke). The back office does the same for staff
(``accounts.admin.ApiKeyAdmin``); both call ``accounts.api_keys``."""

from datetime import timedelta

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts import api_keys
from accounts.api.keys_serializers import (
    ApiKeyCreateSerializer,
    ApiKeyRotateSerializer,
    ApiKeySerializer,
    ApiKeyWithSecretSerializer,
)
from accounts.api.viewsets import LookupBeforeRefusingMixin, PartnerScopedViewSetMixin
from accounts.models import ApiKey
from accounts.scopes import KEYS


def _with_secret(key: ApiKey, raw: str) -> dict:
    key.raw_key = raw
    return ApiKeyWithSecretSerializer(key).data


# Keys are not edited (rotate or revoke them): PUT, PATCH and DELETE answer 405, after the lookup.
class ApiKeyViewSet(
    LookupBeforeRefusingMixin,
    PartnerScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The partner's keys, revoked and expired ones included (``is_live``).

    Not idempotent with ``Idempotency-Key``: the stored answer would keep the key itself.
    """

    scope_family = KEYS
    queryset = ApiKey.objects.all()
    serializer_class = ApiKeySerializer
    ordering_fields = ["created_at", "name", "expires_at", "last_used_at"]
    ordering = ["-created_at", "-id"]

    @extend_schema(
        request=ApiKeyCreateSerializer,
        responses={status.HTTP_201_CREATED: ApiKeyWithSecretSerializer},
    )
    def create(self, request):
        payload = ApiKeyCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        key, raw = api_keys.api_key_create(
            partner=self.partner, by_key=self.api_key, **payload.validated_data
        )
        return Response(_with_secret(key, raw), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ApiKeyRotateSerializer,
        responses={status.HTTP_201_CREATED: ApiKeyWithSecretSerializer},
        description="A new key with the same name, scopes and addresses (shown once); this key "
        "keeps working for `overlap_hours`. 409 `already_rotated`, `key_not_live`.",
    )
    @action(detail=True, methods=["post"])
    def rotate(self, request, pk=None):
        key = self.get_object()
        payload = ApiKeyRotateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        successor, raw = api_keys.api_key_rotate(
            api_key=key,
            overlap=timedelta(hours=payload.validated_data["overlap_hours"]),
            by_key=self.api_key,
        )
        return Response(_with_secret(successor, raw), status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ApiKeySerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        key = api_keys.api_key_revoke(api_key=self.get_object(), by_key=self.api_key)
        return Response(ApiKeySerializer(key).data)
