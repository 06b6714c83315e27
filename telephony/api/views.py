"""Partner API of trunks and SIP accounts: trunks and their live channel quote (TRK-1..3),
channel orders (TRK-3, with ``Idempotency-Key``), decreases (TRK-4), SIP accounts and their
credentials (ACC-7), destination groups (TRK-6). Every write calls ``telephony.services``.

Another partner's trunk, order, decrease or SIP account answers 404 on every route (the base
viewset scopes every queryset); a trunk named in a body (an order, a decrease) that is another
partner's is a 400 on ``trunk``, the same as an id that does not exist. Invalid input is a
400 naming the field; a command the object cannot take in its state is a 409 with a stable
code (``invalid_transition``, ``order_expired``, ``decrease_pending``, ``capacity_exceeded``,
``insufficient_balance``, ``contract_not_active``; ``contract_ending`` for a decrease of a
contract that ends on its next renewal date).
"""

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from accounts.api.viewsets import PartnerReadOnlyViewSet
from billing.api.views import LookupBeforeRefusingMixin
from offers.api.serializers import CommandErrorSerializer
from offers.services import paris_today
from telephony import selectors
from telephony.api.serializers import (
    ChannelDecreaseCreateSerializer,
    ChannelDecreaseSerializer,
    ChannelOrderCreateSerializer,
    ChannelOrderPaySerializer,
    ChannelOrderSerializer,
    ChannelQuoteInputSerializer,
    ChannelQuoteSerializer,
    TrunkSerializer,
)
from telephony.api.sip_serializers import (
    CredentialsResetSerializer,
    DestinationChangeSerializer,
    DestinationSerializer,
    IssuedCredentialsSerializer,
    SipAccountSerializer,
)
from telephony.choices import DecreaseStatus
from telephony.models import (
    ChannelDecrease,
    ChannelOrder,
    DestinationGroup,
    SipAccount,
    SipDevice,
    Trunk,
)
from telephony.packs import DEFAULT_CAP
from telephony.services.channel_decreases import channel_decrease_cancel, channel_decrease_request
from telephony.services.channel_orders import (
    channel_order_cancel,
    channel_order_create,
    channel_order_pay,
)
from telephony.services.channel_quotes import channel_quote
from telephony.services.destinations import destination_block, destination_unblock
from telephony.services.sip_credentials import (
    sip_credentials_declare_compromised,
    sip_credentials_reset,
)

CONFLICT = OpenApiResponse(
    CommandErrorSerializer,
    description=_(
        "The object's state does not allow it. Codes: invalid_transition, order_expired, "
        "decrease_pending, capacity_exceeded, insufficient_balance, contract_not_active, "
        "contract_ending, direct_debit_unavailable."
    ),
)
NOT_FOUND = OpenApiResponse(CommandErrorSerializer, description=_("Not yours, or no such id."))
# TRK-1: a channel count asked, 1 to the trunk's cap (the serializer's bounds, documented).
CHANNELS = {"type": "integer", "minimum": 1, "maximum": DEFAULT_CAP}


class DestinationsMixin:
    """TRK-6 commands shared by trunks and SIP accounts."""

    @extend_schema(
        request=None,
        responses={200: DestinationSerializer(many=True)},
        filters=False,  # a plain list of every group: neither filtered, ordered nor paginated
        summary="Destination groups and whether each is blocked (TRK-6)",
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def destinations(self, request, pk=None):
        owner = self.get_object()
        rows = [
            {"group": group, "blocked": blocked}
            for group, blocked in selectors.destination_settings(owner)
        ]
        return Response(DestinationSerializer(rows, many=True).data)

    def _change(self, request, blocked: bool):
        owner = self.get_object()
        payload = DestinationChangeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        group = DestinationGroup.objects.filter(code=payload.validated_data["group"]).first()
        if group is None:
            raise exceptions.ValidationError({"group": [_("No such destination group.")]})
        change = destination_block if blocked else destination_unblock
        change(owner=owner, group=group, api_key=self.api_key)
        return self.destinations(request, pk=owner.pk)

    @extend_schema(
        request=DestinationChangeSerializer,
        responses={200: DestinationSerializer(many=True), 404: NOT_FOUND},
        filters=False,  # answers the plain list of ``destinations``
        summary="Block a destination group (TRK-6, audited)",
    )
    @action(detail=True, methods=["post"], url_path="block-destination", pagination_class=None)
    def block_destination(self, request, pk=None):
        return self._change(request, blocked=True)

    @extend_schema(
        request=DestinationChangeSerializer,
        responses={200: DestinationSerializer(many=True), 404: NOT_FOUND},
        filters=False,  # answers the plain list of ``destinations``
        summary="Unblock a destination group (TRK-6, audited)",
    )
    @action(detail=True, methods=["post"], url_path="unblock-destination", pagination_class=None)
    def unblock_destination(self, request, pk=None):
        return self._change(request, blocked=False)


class CredentialsMixin:
    """ACC-7: a new secret, shown once; ``compromised`` disables the credentials at once."""

    @extend_schema(
        request=CredentialsResetSerializer,
        responses={200: IssuedCredentialsSerializer, 404: NOT_FOUND},
        summary="Reset the credentials; the new secret is shown once (ACC-7)",
    )
    @action(detail=True, methods=["post"], url_path="reset-credentials")
    def reset_credentials(self, request, pk=None):
        account = self.get_object()
        payload = CredentialsResetSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        if payload.validated_data["compromised"]:
            account, secret = sip_credentials_declare_compromised(
                account=account, api_key=self.api_key
            )
        else:
            account, secret = sip_credentials_reset(account=account, api_key=self.api_key)
        body = {"username": account.username, "secret": secret, "status": account.status}
        response = Response(IssuedCredentialsSerializer(body).data)
        response["Cache-Control"] = "no-store"
        return response


class TrunkViewSet(
    DestinationsMixin, CredentialsMixin, LookupBeforeRefusingMixin, PartnerReadOnlyViewSet
):
    """TRK-1: the partner's customers' trunks, their capacity and packs today."""

    queryset = Trunk.objects.select_related("contract").prefetch_related(
        Prefetch(
            "decreases",
            queryset=ChannelDecrease.objects.filter(status=DecreaseStatus.PENDING),
            to_attr="pending_decreases",
        )
    )
    serializer_class = TrunkSerializer
    partner_lookup = "contract__client__partner"
    ordering_fields = ["created_at", "username"]
    ordering = ["-created_at", "-id"]

    def _with_held(self, trunks):
        context = self.get_serializer_context()
        context["held"] = selectors.packs_held_many([t.pk for t in trunks], paris_today())
        return context

    def sql_list_params(self) -> dict:
        return {**super().sql_list_params(), "today": paris_today()}

    def list(self, request, *args, **kwargs):
        response = self.sql_list(request)
        if response is not None:  # the packs held written by PostgreSQL too
            return response
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        serializer = self.get_serializer_class()(page, many=True, context=self._with_held(page))
        return self.get_paginated_response(serializer.data)

    def retrieve(self, request, *args, **kwargs):
        trunk = self.get_object()
        return Response(self.get_serializer_class()(trunk, context=self._with_held([trunk])).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("add", CHANNELS, description="Channels to add (GET)."),
            OpenApiParameter("total", CHANNELS, description="Channels wanted in all (GET)."),
        ],
        request=ChannelQuoteInputSerializer,
        responses={200: ChannelQuoteSerializer, 404: NOT_FOUND, 409: CONFLICT},
        summary="Quote an increase (TRK-3)",
        description="What adding channels today would cost: the packs added at the best "
        "tariff, their pro-rata until the end of the billing period, and the monthly price "
        "from the next period. Nothing is written. GET with query parameters or POST a body.",
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="channel-quote",
        query_parameters=("add", "total"),
    )
    def channel_quote(self, request, pk=None):
        trunk = self.get_object()
        query = request.method == "GET"
        payload = ChannelQuoteInputSerializer(
            data=request.query_params if query else request.data, context={"query_string": query}
        )
        payload.is_valid(raise_exception=True)
        quote = channel_quote(trunk=trunk, **payload.validated_data)
        return Response(ChannelQuoteSerializer(quote).data)


class ChannelOrderViewSet(
    LookupBeforeRefusingMixin, mixins.CreateModelMixin, PartnerReadOnlyViewSet
):
    """TRK-3: channel orders. ``POST`` creates one awaiting payment (honours
    ``Idempotency-Key``); ``pay`` activates the channels at once; ``cancel`` drops an unpaid
    order."""

    queryset = ChannelOrder.objects.select_related("trunk")
    serializer_class = ChannelOrderSerializer
    partner_lookup = "trunk__contract__client__partner"
    ordering_fields = ["created_at", "status"]
    ordering = ["-created_at", "-id"]

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=ChannelOrderCreateSerializer,
        responses={201: ChannelOrderSerializer, 404: NOT_FOUND, 409: CONFLICT},
        summary="Order more channels (TRK-3)",
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        payload = ChannelOrderCreateSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        order = channel_order_create(trunk=data.pop("trunk"), api_key=self.api_key, **data)
        return Response(ChannelOrderSerializer(order).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ChannelOrderPaySerializer,
        responses={200: ChannelOrderSerializer, 404: NOT_FOUND, 409: CONFLICT},
        summary="Pay an order; its channels are active at once (TRK-3)",
    )
    @action(detail=True, methods=["post"])
    def pay(self, request, pk=None):
        order = self.get_object()
        payload = ChannelOrderPaySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        order = channel_order_pay(
            order=order,
            method=payload.validated_data["method"],
            api_key=self.api_key,
            expected_amount=payload.validated_data.get("expected_amount"),
        )
        return Response(ChannelOrderSerializer(order).data)

    @extend_schema(
        request=None,
        responses={200: ChannelOrderSerializer, 404: NOT_FOUND, 409: CONFLICT},
        summary="Cancel an unpaid order (TRK-3)",
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        order = self.get_object()
        order = channel_order_cancel(order=order, api_key=self.api_key)
        return Response(ChannelOrderSerializer(order).data)


class ChannelDecreaseViewSet(
    LookupBeforeRefusingMixin, mixins.CreateModelMixin, PartnerReadOnlyViewSet
):
    """TRK-4: decreases, applied at the next renewal date and cancellable until then."""

    queryset = ChannelDecrease.objects.select_related("trunk")
    serializer_class = ChannelDecreaseSerializer
    partner_lookup = "trunk__contract__client__partner"
    ordering_fields = ["created_at", "effective_on"]
    ordering = ["-created_at", "-id"]

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=ChannelDecreaseCreateSerializer,
        responses={201: ChannelDecreaseSerializer, 404: NOT_FOUND, 409: CONFLICT},
        summary="Ask for fewer channels from the next renewal date (TRK-4)",
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        payload = ChannelDecreaseCreateSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        decrease = channel_decrease_request(trunk=data.pop("trunk"), api_key=self.api_key, **data)
        return Response(ChannelDecreaseSerializer(decrease).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={200: ChannelDecreaseSerializer, 404: NOT_FOUND, 409: CONFLICT},
        summary="Cancel a pending decrease (TRK-4)",
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        decrease = self.get_object()
        decrease = channel_decrease_cancel(decrease=decrease, api_key=self.api_key)
        return Response(ChannelDecreaseSerializer(decrease).data)


class SipAccountViewSet(
    DestinationsMixin, CredentialsMixin, LookupBeforeRefusingMixin, PartnerReadOnlyViewSet
):
    """ACC-7: the SIP accounts of the partner's customers, with their devices."""

    queryset = SipAccount.objects.select_related("contract").prefetch_related(
        Prefetch("devices", queryset=SipDevice.objects.order_by("device_id"))
    )
    serializer_class = SipAccountSerializer
    partner_lookup = "contract__client__partner"
    ordering_fields = ["created_at", "username"]
    ordering = ["username", "id"]
