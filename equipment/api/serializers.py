"""Partner API of equipment (EQP-1..6): output serializers of items, orders, RMAs and returns,
and the input serializers of the commands (an order, an RMA). Every write goes through
``equipment.services``."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.api.serializers import PartnerClientField
from equipment.choices import ItemState, RmaRefusal, RmaStatus, Tenure
from equipment.models import (
    EquipmentModel,
    EquipmentOrder,
    EquipmentReturn,
    Item,
    ReturnItem,
    Rma,
)
from equipment.services.orders import MAX_QUANTITY
from equipment.services.rma import MAX_PHOTOS
from kernel import api_fields, representation
from offers.api.serializers import PartnerSiteField
from support.api.serializers import inline_choice


class ItemSerializer(representation.ModelSerializer):
    """EQP-1 / EQP-2: an item at one of the partner's customers' sites."""

    model = serializers.CharField(source="model.code", read_only=True)
    model_name = serializers.CharField(source="model.name", read_only=True)
    state = inline_choice(ItemState.choices, read_only=True)
    customer = serializers.IntegerField(source="client_id", read_only=True)
    site = serializers.IntegerField(source="site_id", read_only=True, allow_null=True)
    order = serializers.CharField(
        source="order.reference", read_only=True, allow_null=True, default=None
    )
    tenure = serializers.CharField(read_only=True, help_text=_("sale or rental"))
    warranty_end = serializers.DateField(read_only=True, allow_null=True)

    class Meta:
        model = Item
        fields = [
            "id", "model", "model_name", "serial_number", "mac_address", "state", "customer",
            "site", "order", "tenure", "delivered_on", "warranty_end",
        ]  # fmt: skip


class OrderSerializer(representation.ModelSerializer):
    customer = serializers.IntegerField(source="client_id", read_only=True)
    site = serializers.IntegerField(source="site_id", read_only=True)
    model = serializers.CharField(source="model.code", read_only=True)
    tenure = inline_choice(Tenure.choices, read_only=True)
    contract = serializers.CharField(
        source="contract.reference", read_only=True, allow_null=True, default=None
    )
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=4, read_only=True)
    replacement_price = serializers.DecimalField(max_digits=12, decimal_places=4, read_only=True)
    serial_numbers = serializers.SerializerMethodField()

    class Meta:
        model = EquipmentOrder
        fields = [
            "id", "reference", "customer", "site", "tenure", "model", "quantity", "unit_price",
            "replacement_price", "commitment_months", "ordered_on", "purchase_order_ref",
            "contract", "serial_numbers",
        ]  # fmt: skip

    def get_serial_numbers(self, order) -> list[str]:
        return sorted(item.serial_number for item in order.items.all())


class OrderCreateSerializer(serializers.Serializer):
    """Partner ordering (EQP-2 / EQP-3): the catalogue's prices; a rental's commitment."""

    customer = PartnerClientField()
    site = PartnerSiteField()
    tenure = inline_choice(Tenure.choices)
    model = api_fields.CodeField(
        queryset=EquipmentModel.objects.filter(is_sold=True), slug_field="code"
    )
    quantity = api_fields.IntegerField(min_value=1, max_value=MAX_QUANTITY, default=1)
    commitment_months = api_fields.IntegerField(min_value=1, max_value=120, required=False)
    purchase_order_ref = serializers.CharField(max_length=50, required=False, default="")


class RmaSerializer(representation.ModelSerializer):
    """EQP-4: the follow-up — number, target, replacement shipment and the return."""

    status = inline_choice(RmaStatus.choices, read_only=True)
    customer = serializers.IntegerField(source="client_id", read_only=True)
    item = serializers.IntegerField(source="item_id", read_only=True)
    serial_number = serializers.CharField(source="item.serial_number", read_only=True)
    refusal_reason = inline_choice(RmaRefusal.choices, read_only=True, allow_blank=True)
    replacement_serial_number = serializers.CharField(
        source="replacement.serial_number", read_only=True, allow_null=True, default=None
    )
    equipment_return = serializers.SerializerMethodField()
    photos = serializers.SerializerMethodField()

    class Meta:
        model = Rma
        fields = [
            "id", "number", "customer", "item", "serial_number", "status", "description",
            "reported_at", "under_warranty", "decided_at", "refusal_reason", "refusal_note",
            "target_hours", "in_business_hours", "ship_by", "replacement_serial_number",
            "shipped_at", "tracking_number", "closed_at", "equipment_return", "photos",
        ]  # fmt: skip

    def get_equipment_return(self, rma) -> int | None:
        ret = getattr(rma, "equipment_return", None)
        return ret.pk if ret else None

    def get_photos(self, rma) -> list[str]:
        return [photo.original_name for photo in rma.photos.all()]


class PartnerItemField(api_fields.IdField):
    def get_queryset(self):
        request = self.context.get("request")
        if request is None or request.auth is None:
            return Item.objects.none()
        return Item.objects.select_related("order__contract", "model").filter(
            client__partner=request.auth.partner
        )


class RmaCreateSerializer(serializers.Serializer):
    item = PartnerItemField()
    description = serializers.CharField(max_length=4000)
    photos = serializers.ListField(
        child=serializers.FileField(), required=False, max_length=MAX_PHOTOS, default=list
    )


class ReturnLineSerializer(representation.ModelSerializer):
    serial_number = serializers.CharField(source="item.serial_number", read_only=True)
    model = serializers.CharField(source="item.model.code", read_only=True)

    class Meta:
        model = ReturnItem
        fields = ["serial_number", "model", "outcome", "received_at", "amount", "decide_by"]


class ReturnSerializer(representation.ModelSerializer):
    """EQP-5: items expected back by ``due_date``; the label is a PDF in the portal."""

    customer = serializers.IntegerField(source="client_id", read_only=True)
    contract = serializers.CharField(
        source="contract.reference", read_only=True, allow_null=True, default=None
    )
    rma = serializers.CharField(source="rma.number", read_only=True, allow_null=True, default=None)
    lines = ReturnLineSerializer(many=True, read_only=True)

    class Meta:
        model = EquipmentReturn
        fields = [
            "id", "reference", "customer", "reason", "contract", "rma", "last_day", "due_date",
            "status", "closed_at", "lines",
        ]  # fmt: skip
