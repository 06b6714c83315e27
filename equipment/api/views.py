"""Partner API of equipment: the partner's customers' items (EQP-1/2), orders — a partner orders
a sale or a rental at the catalogue's prices (EQP-2/3) — RMAs (EQP-4: created with
``Idempotency-Key``; support decides in the back office) and returns (EQP-5). Scoping to the
partner lives in the base viewset: another partner's object answers 404 on every verb; an item,
customer or site of another partner named in a body is a 400 on that field."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.response import Response

from accounts.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from accounts.api.viewsets import PartnerReadOnlyViewSet
from billing.api.views import LookupBeforeRefusingMixin
from equipment.api.filtersets import ItemFilterSet, OrderFilterSet, ReturnFilterSet, RmaFilterSet
from equipment.api.serializers import (
    ItemSerializer,
    OrderCreateSerializer,
    OrderSerializer,
    ReturnSerializer,
    RmaCreateSerializer,
    RmaSerializer,
)
from equipment.models import EquipmentOrder, EquipmentReturn, Item, ReturnItem, Rma
from equipment.services.orders import OrderForm, order_create
from equipment.services.rma import rma_request
from kernel.parsers import PARSERS


class ItemViewSet(LookupBeforeRefusingMixin, PartnerReadOnlyViewSet):
    """EQP-1: the items at the partner's customers' sites, with their state and warranty."""

    queryset = Item.objects.filter(client__isnull=False).select_related("model", "order")
    serializer_class = ItemSerializer
    partner_lookup = "client__partner"
    filterset_class = ItemFilterSet
    ordering_fields = ["serial_number", "state_changed_at"]
    ordering = ["serial_number"]


class OrderViewSet(LookupBeforeRefusingMixin, mixins.CreateModelMixin, PartnerReadOnlyViewSet):
    """EQP-2 / EQP-3: a sale (one charge, title retained until paid) or a rental (a contract,
    12/24/36 months) of items of the stock shipped to a site."""

    queryset = EquipmentOrder.objects.select_related("model", "contract").prefetch_related("items")
    serializer_class = OrderSerializer
    partner_lookup = "client__partner"
    filterset_class = OrderFilterSet
    ordering_fields = ["created_at", "ordered_on"]
    ordering = ["-created_at", "-id"]

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=OrderCreateSerializer,
        responses={201: OrderSerializer},
        summary="Order equipment for a customer: a sale or a rental (EQP-2, EQP-3)",
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        payload = OrderCreateSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        order = order_create(
            form=OrderForm(
                client=data["customer"],
                site=data["site"],
                tenure=data["tenure"],
                model=data["model"],
                quantity=data["quantity"],
                commitment_months=data.get("commitment_months"),
                purchase_order_ref=data.get("purchase_order_ref", ""),
            ),
            api_key=self.api_key,
        )
        order = self.get_queryset().get(pk=order.pk)
        return Response(self.get_serializer(order).data, status=status.HTTP_201_CREATED)


class RmaViewSet(LookupBeforeRefusingMixin, mixins.CreateModelMixin, PartnerReadOnlyViewSet):
    """EQP-4: defects reported on the partner's customers' items and their follow-up."""

    queryset = Rma.objects.select_related(
        "item", "replacement", "equipment_return"
    ).prefetch_related("photos")
    serializer_class = RmaSerializer
    partner_lookup = "client__partner"
    parser_classes = PARSERS
    filterset_class = RmaFilterSet
    ordering_fields = ["reported_at", "ship_by"]
    ordering = ["-reported_at", "-id"]

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request={
            "application/json": RmaCreateSerializer,
            "multipart/form-data": RmaCreateSerializer,
        },
        responses={201: RmaSerializer},
        summary="Report a defective item (EQP-4)",
        description="During its rental or its warranty. Photos (PNG or JPEG, at most 5) in a "
        "multipart body. Support approves (RMA number, replacement target) or refuses.",
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        payload = RmaCreateSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        item = data["item"]
        rma = rma_request(
            client=item.client,
            item=item,
            description=data["description"],
            photos=data.get("photos") or [],
            api_key=self.api_key,
        )
        rma = self.get_queryset().get(pk=rma.pk)
        return Response(self.get_serializer(rma).data, status=status.HTTP_201_CREATED)


class ReturnViewSet(LookupBeforeRefusingMixin, PartnerReadOnlyViewSet):
    """EQP-5: items expected back from the partner's customers, by their due date."""

    queryset = EquipmentReturn.objects.select_related("contract", "rma").prefetch_related(
        Prefetch("lines", queryset=ReturnItem.objects.select_related("item__model"))
    )
    serializer_class = ReturnSerializer
    partner_lookup = "client__partner"
    filterset_class = ReturnFilterSet
    ordering_fields = ["due_date", "created_at"]
    ordering = ["-created_at", "-id"]
